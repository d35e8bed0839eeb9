"""The public live-code page: no login, the current valid QR, the chosen contact otherwise, no other phone."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from qingnong.core.system import SYSTEM
from qingnong.orgs.services import cadre_create
from qingnong.wxgroups import services, tasks
from qingnong.wxgroups.models import ChatGroup, LiveCode, LiveCodeVisit

from .helpers import make_group

pytestmark = pytest.mark.django_db

PHONE = re.compile(r"1[3-9]\d{9}")


def _world_with_phones(w):
    owner = cadre_create(
        actor=SYSTEM, org=w.village_in, name="群主", phone="13911110000", wechat_id="owner_wx"
    )
    group = make_group(w.village_in, "新河村青年群", owner=owner, member_count=30)
    services.membership_add_person(actor=SYSTEM, group=group, name="青年", phone="13922220000")
    code = services.livecode_create(
        actor=SYSTEM,
        org=w.village_in,
        title="新河村青年之家",
        groups=[group],
        owner=owner,
        contact_name="村团支部",
        contact_phone="13933330000",
    )
    return group, code


def test_shows_current_qr_without_login(scope_world, client):
    group, code = _world_with_phones(scope_world)
    response = client.get(f"/j/{code.code}")
    assert response.status_code == 200
    body = response.content.decode()
    assert group.qr_image.url in body and "新河村青年群" in body
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    # No phone number at all while a group can be joined; the owner's never.
    assert PHONE.findall(body) == []
    assert LiveCodeVisit.objects.get(live_code=code).count == 1
    client.get(f"/j/{code.code}/")
    assert LiveCodeVisit.objects.get(live_code=code).count == 2


@pytest.mark.parametrize("why", ["expired", "full", "dissolved"])
def test_no_valid_group_shows_only_the_chosen_contact(scope_world, client, why):
    group, code = _world_with_phones(scope_world)
    if why == "expired":
        ChatGroup.objects.filter(pk=group.pk).update(
            qr_uploaded_at=timezone.now() - datetime.timedelta(days=7, minutes=1)
        )
    elif why == "full":
        ChatGroup.objects.filter(pk=group.pk).update(member_count=200)
    else:
        services.group_dissolve(actor=SYSTEM, group=group)
    body = client.get(f"/j/{code.code}").content.decode()
    assert "暂时没有可以扫码加入的群" in body
    assert group.qr_image.url not in body
    assert PHONE.findall(body) == ["13933330000", "13933330000"]  # the tel: link and its text
    assert "13911110000" not in body and "13922220000" not in body and "owner_wx" not in body


def test_default_code_without_contact_shows_no_phone(scope_world, client):
    group, _code = _world_with_phones(scope_world)
    default = LiveCode.objects.get(groups=group, is_default=True)
    ChatGroup.objects.filter(pk=group.pk).update(member_count=250)
    body = client.get(f"/j/{default.code}").content.decode()
    assert PHONE.findall(body) == []


def test_unknown_or_disabled_code_is_404(scope_world, client):
    _group, code = _world_with_phones(scope_world)
    assert client.get("/j/nosuchcode").status_code == 404
    services.livecode_update(actor=SYSTEM, live_code=code, data={"is_active": False})
    assert client.get(f"/j/{code.code}").status_code == 404
    assert client.post(f"/j/{code.code}").status_code in (404, 405)


def test_poster_and_qr_downloads(scope_world):
    _group, code = _world_with_phones(scope_world)
    client = scope_world.client("admin_in")
    png = client.get(f"/livecodes/{code.pk}/qr.png")
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    svg = client.get(f"/livecodes/{code.pk}/qr.svg")
    assert b"<svg" in svg.content
    poster = client.get(f"/livecodes/{code.pk}/poster.png")
    assert poster.content[:4] == b"\x89PNG"
    pdf = client.get(f"/livecodes/{code.pk}/poster.pdf")
    assert pdf.content[:4] == b"%PDF"
    import io

    from PIL import Image

    with Image.open(io.BytesIO(poster.content)) as image:
        assert image.size == (1240, 1754)


def test_daily_task_sends_reminders(scope_world):
    group, _code = _world_with_phones(scope_world)
    ChatGroup.objects.filter(pk=group.pk).update(member_count=185)
    from qingnong.orgs.services import user_create

    user_create(
        actor=SYSTEM,
        username="owner",
        password="Some-pass-2014",
        home_org=scope_world.village_in,
        cadre=group.owner,
    )
    assert tasks.send_group_reminders.delay().get() == 1


def test_beat_schedule_registered(settings):
    assert "wxgroups-daily-reminders" in settings.CELERY_BEAT_SCHEDULE
