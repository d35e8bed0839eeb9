"""The demo step: accounts for the city and each county with demo credentials, posts in every state,
attributed followers, R8 confirmations; idempotent."""

from __future__ import annotations

import datetime
import io

import pytest

from qingnong.core.datagen import DataContext
from qingnong.mp import demo
from qingnong.mp.choices import PostStatus
from qingnong.mp.models import CadreFollow, Follower, OfficialAccount, Post
from qingnong.orgs.services import cadre_create

pytestmark = pytest.mark.django_db


def test_demo_is_complete_and_idempotent(scope_world):
    from qingnong.core.system import SYSTEM

    for org in (scope_world.city, scope_world.county_in, scope_world.county_out, scope_world.town_in):
        for i in range(3):
            cadre_create(actor=SYSTEM, org=org, name=f"{org.name}干部{i}")
    out = io.StringIO()
    ctx = DataContext(seed=2014, profile="demo", stdout=out, today=datetime.date.today())
    ctx.shared["city"] = scope_world.city
    demo.seed_demo(ctx)
    served = OfficialAccount.objects.served()
    assert {a.org_id for a in served} == {
        scope_world.city.pk,
        scope_world.county_in.pk,
        scope_world.county_out.pk,
    }
    assert all(a.is_demo and a.has_token and a.has_aes_key and not a.api_enabled for a in served)
    assert (
        served.get(org=scope_world.city).name == "青农安庆"
        and not served.get(org=scope_world.city).naming_warning
    )
    assert set(Post.objects.values_list("status", flat=True)) == set(PostStatus.values)
    assert (
        Follower.objects.filter(org__isnull=False).exists()
        and Follower.objects.filter(cadre__isnull=False).exists()
    )
    external = OfficialAccount.objects.get(is_external=True)
    assert external.recommended and CadreFollow.objects.filter(account=external).exists()
    counts = (OfficialAccount.objects.count(), Post.objects.count(), Follower.objects.count())
    demo.seed_demo(ctx)
    assert (OfficialAccount.objects.count(), Post.objects.count(), Follower.objects.count()) == counts
    assert "已存在，跳过" in out.getvalue()
