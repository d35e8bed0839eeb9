"""Rollups: recruitment leaderboards, R8 follow shares and R7 cadence, in a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from qingnong.core.system import SYSTEM
from qingnong.core.testing import assert_constant_queries, count_queries
from qingnong.mp import selectors, services
from qingnong.mp.models import CadreFollow, Post, QrCode
from qingnong.orgs.choices import GrassrootsKind, OrgLevel
from qingnong.orgs.services import cadre_create, org_create

from .conftest import Creds, make_account

pytestmark = pytest.mark.django_db


def _subscribe(account, openid, scene):
    return services.follower_event(account_id=account.pk, event="subscribe", openid=openid, scene=scene)


def _code(account, *, org=None, cadre=None):
    scene = f"o{org.pk}" if org else f"c{cadre.pk}"
    return QrCode.objects.create(account=account, scene=scene, kind="permanent", org=org, cadre=cadre)


def test_recruitment_ranks_children_and_cadres(scope_world, account):
    w = scope_world
    village2 = org_create(
        actor=SYSTEM, parent=w.town_in, name="新民村", level=OrgLevel.GRASSROOTS, kind=GrassrootsKind.VILLAGE
    )
    cadre = cadre_create(actor=SYSTEM, org=village2, name="推荐人")
    for org in (w.town_in, w.village_in, village2):
        _code(account, org=org)
    _code(account, cadre=cadre)
    _subscribe(account, "a", f"o{w.village_in.pk}")
    _subscribe(account, "b", f"o{village2.pk}")
    _subscribe(account, "c", f"c{cadre.pk}")
    _subscribe(account, "d", f"c{cadre.pk}")
    _subscribe(account, "e", f"o{w.town_in.pk}")
    services.follower_event(account_id=account.pk, event="unsubscribe", openid="b")
    result = selectors.recruitment(parent=w.town_in)
    assert result.total == 4 and result.own == 1
    assert [(r.org.name, r.followers) for r in result.children] == [("新民村", 2), ("新河村", 1)]
    assert [(c.name, c.followers) for c in result.cadres] == [("推荐人", 2)]
    county = selectors.recruitment(parent=w.county_in)
    assert [(r.org.name, r.followers) for r in county.children] == [("石牌镇", 4)]


def test_recruitment_constant_queries(scope_world, account):
    w = scope_world

    def grow():
        for i in range(5):
            v = org_create(
                actor=SYSTEM,
                parent=w.town_in,
                name=f"村{i}",
                level=OrgLevel.GRASSROOTS,
                kind=GrassrootsKind.VILLAGE,
            )
            c = cadre_create(actor=SYSTEM, org=v, name=f"干部{i}")
            _code(account, org=v)
            _code(account, cadre=c)
            _subscribe(account, f"x{i}", f"o{v.pk}")
            _subscribe(account, f"y{i}", f"c{c.pk}")

    assert_constant_queries(lambda: selectors.recruitment(parent=w.county_in), grow)
    assert count_queries(lambda: selectors.recruitment(parent=w.county_in)) == 3


def test_cadre_follow_shares_r8(scope_world):
    w = scope_world
    external = services.account_create(
        actor=SYSTEM,
        org=w.city,
        name="安徽省青年创业者协会",
        is_external=True,
        recommended=True,
        message_mode="plain",
    )
    served = make_account(w.city, name="青农安庆", recommended=True, creds=Creds(app_id="wx1111111111111111"))
    c1 = cadre_create(actor=SYSTEM, org=w.village_in, name="甲")
    c2 = cadre_create(actor=SYSTEM, org=w.town_in, name="乙")
    c3 = cadre_create(actor=SYSTEM, org=w.village_out, name="丙")
    cadre_create(actor=SYSTEM, org=w.county_in, name="丁")
    cadre_create(actor=SYSTEM, org=w.county_in, name="离任", is_active=False)
    for cadre in (c1, c2, c3):
        CadreFollow.objects.create(cadre=cadre, account=external, method="confirmed")
    CadreFollow.objects.create(cadre=c1, account=served, method="bind", openid="o1")
    CadreFollow.objects.create(cadre=c2, account=served, method="bind", openid="o2", active=False)
    overall, children = selectors.cadre_follow_shares(parent=w.county_in)
    # Following = follows every recommended account: only 甲 (乙's bind ended).
    assert (overall.following, overall.total) == (1, 3)
    assert children[w.town_in.path] == selectors.FollowShare(1, 2)
    assert children[w.county_in.path] == selectors.FollowShare(0, 1)
    by_name = selectors.recommended_accounts(names=["安徽省青年创业者协会", "不存在的号"])
    assert by_name == [external]
    only_external, _ = selectors.cadre_follow_shares(parent=w.city, accounts=by_name)
    assert (only_external.following, only_external.total) == (3, 4)
    assert selectors.FollowShare(0, 0).share == 0.0


def test_cadre_follow_shares_constant_queries(scope_world):
    w = scope_world
    external = services.account_create(
        actor=SYSTEM, org=w.city, name="协会", is_external=True, recommended=True, message_mode="plain"
    )

    def grow():
        for i in range(6):
            v = org_create(
                actor=SYSTEM,
                parent=w.town_in,
                name=f"村{i}",
                level=OrgLevel.GRASSROOTS,
                kind=GrassrootsKind.VILLAGE,
            )
            c = cadre_create(actor=SYSTEM, org=v, name=f"干部{i}")
            CadreFollow.objects.create(cadre=c, account=external, method="confirmed")

    assert_constant_queries(lambda: selectors.cadre_follow_shares(parent=w.city), grow)
    assert count_queries(lambda: selectors.cadre_follow_shares(parent=w.city, accounts=[external])) == 2


def _published(account, category, when):
    post = services.post_create(
        actor=SYSTEM, account=account, title=f"{category}{when}", category=category, content="x"
    )
    post = services.post_approve(actor=SYSTEM, post=services.post_submit(actor=SYSTEM, post=post))
    return services.post_record_external(
        actor=SYSTEM, post=post, url="https://mp.weixin.qq.com/s/x", published_at=when
    )


def test_cadence_r7(scope_world, account):
    w = scope_world
    on = timezone.localdate()
    now = timezone.now()
    cadence = selectors.account_cadence([account], on=on)[0]
    assert not cadence.passed and cadence.posts == 0 and len(cadence.missing_categories) == 6
    for cadre_name in ("甲", "乙"):
        services.admin_add(
            actor=SYSTEM, account=account, cadre=cadre_create(actor=SYSTEM, org=w.county_in, name=cadre_name)
        )
    categories = ["policy", "league_news", "services", "exemplary_work", "role_models", "inspiration"]
    start_of_quarter = selectors.quarter_start(on)
    for i, category in enumerate(categories):
        when = max(
            now - datetime.timedelta(days=i),
            timezone.make_aware(datetime.datetime.combine(start_of_quarter, datetime.time(12))),
        )
        _published(account, category, when)
    cadence = selectors.account_cadence([account], on=on)[0]
    assert cadence.categories_ok and cadence.admins_ok and cadence.posts >= 2
    assert cadence.passed
    # An unpublished post does not count; a draft does not either.
    services.post_create(actor=SYSTEM, account=account, title="草稿", category="policy")
    assert selectors.account_cadence([account], on=on)[0].posts == cadence.posts
    # The campaign's thresholds override the account's own.
    strict = selectors.account_cadence([account], on=on, posts_per_week=50, min_admins=3)[0]
    assert not strict.posts_ok and not strict.admins_ok and strict.target == 50
    # Four weeks need four times the weekly target.
    assert selectors.account_cadence([account], on=on, weeks=4)[0].posts_ok is (cadence.posts >= 8)


def test_cadence_by_child_constant_queries(scope_world, account):
    w = scope_world
    now = timezone.now()

    def grow():
        for i in range(3):
            other = make_account(w.county_out, name=f"太湖{i}", creds=Creds(app_id=f"wx{i:016x}"))
            _published(other, "policy", now)

    overall, per_child = selectors.cadence_by_child(parent=w.city)
    assert overall.accounts == 1 and per_child[w.county_in.path].accounts == 1
    assert_constant_queries(lambda: selectors.cadence_by_child(parent=w.city), grow)
    overall, per_child = selectors.cadence_by_child(parent=w.city)
    assert overall.accounts == 4 and per_child[w.county_out.path].accounts == 3
    assert count_queries(lambda: selectors.cadence_by_child(parent=w.city)) == 4
    assert Post.objects.count() == 3


def test_account_list_and_post_list_constant_queries(scope_world, account):
    w = scope_world
    client = w.client("city_admin")
    made = [0]

    def grow():
        for _ in range(3):
            made[0] += 1
            i = made[0]
            other = make_account(w.county_out, name=f"太湖{i}", creds=Creds(app_id=f"wx{i:016x}"))
            services.post_create(actor=SYSTEM, account=other, title=f"推文{i}", category="policy")
            services.follower_event(account_id=other.pk, event="subscribe", openid=f"o{i}")

    assert_constant_queries(lambda: client.get("/mp/"), grow)
    assert_constant_queries(lambda: client.get("/mp/posts/"), grow)
    assert_constant_queries(lambda: client.get(f"/mp/orgs/{w.city.pk}/recruitment/"), grow)
    assert_constant_queries(lambda: client.get(f"/mp/orgs/{w.city.pk}/follows/"), grow)
