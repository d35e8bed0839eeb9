"""The built-in 入群 flow against the 三群 ledger: real 团青 groups and live codes made by its services."""

from __future__ import annotations

import time

import pytest
import xmltodict
from django.test import Client

from qingnong.core.system import SYSTEM
from qingnong.mp import wxsim
from qingnong.orgs.choices import GrassrootsKind, OrgLevel
from qingnong.orgs.services import org_create
from qingnong.wxgroups import services as ledger
from qingnong.wxgroups.models import LiveCode

from .conftest import AES_KEY, APP_ID, ORIGINAL_ID, TOKEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups(scope_world):
    w = scope_world
    xinmin = org_create(
        actor=SYSTEM, parent=w.town_in, name="新民村", level=OrgLevel.GRASSROOTS, kind=GrassrootsKind.VILLAGE
    )
    made = {}
    for org, name in (
        (w.village_in, "新河村青年之家"),
        (xinmin, "新民村团青群"),
        (w.village_out, "桥东村青年群"),
    ):
        made[org.name] = ledger.group_create(
            actor=SYSTEM, org=org, name=name, group_type="tuanqing", status="built", bases="地缘"
        )
    return made


def code_of(group):
    return LiveCode.objects.get(groups=group, is_default=True).code


def say(account, content, sender="oYouth"):
    xml = wxsim.text_xml(to=ORIGINAL_ID, sender=sender, content=content, msg_id=time.time_ns())
    query, body = wxsim.signed(token=TOKEN, xml=xml, aes_key=AES_KEY, app_id=APP_ID, to=ORIGINAL_ID)
    response = Client().post(
        account.callback_path() + "?" + "&".join(f"{k}={v}" for k, v in query.items()),
        data=body,
        content_type="text/xml",
    )
    assert response.status_code == 200
    if response.content == b"success":
        return None
    plain = wxsim.decrypt_reply(token=TOKEN, aes_key=AES_KEY, app_id=APP_ID, body=response.content)
    return xmltodict.parse(plain)["xml"]["Content"]


def test_join_village_returns_its_live_code(account, groups):
    reply = say(account, "入群 新河村")
    assert "新河村青年之家" in reply
    assert f"/j/{code_of(groups['新河村'])}" in reply
    assert "新民村" not in reply


def test_bare_village_name_and_full_width_prefix(account, groups):
    assert f"/j/{code_of(groups['新民村'])}" in say(account, "新民村")
    assert f"/j/{code_of(groups['新河村'])}" in say(account, "入群：新河村")


def test_township_is_ambiguous_then_number_picks(account, groups):
    listing = say(account, "入群 石牌镇", sender="oPicker")
    assert "请回复序号" in listing
    lines = [line for line in listing.splitlines() if line[:1].isdigit()]
    assert len(lines) == 2
    index = next(i for i, line in enumerate(lines, start=1) if "新民村" in line)
    assert "1 到 2" in say(account, "7", sender="oPicker")
    # Another youth's "1" has no pending choice: it falls through to the rules (none: no reply).
    assert say(account, str(index), sender="oSomeoneElse") is None
    chosen = say(account, str(index), sender="oPicker")
    assert f"/j/{code_of(groups['新民村'])}" in chosen
    # The choice is used up.
    assert say(account, str(index), sender="oPicker") is None


def test_unknown_place_and_help(account, groups):
    assert "没有找到“火星村”" in say(account, "入群 火星村")
    assert "入群+乡镇或村名" in say(account, "入群")
    # A bare unknown village name is left to the other rules.
    assert say(account, "火星村") is None


def test_keyword_rules_come_before_bare_names(account, groups):
    from qingnong.mp.services import rule_create

    rule_create(
        actor=SYSTEM, account=account, name="村", keywords="新河村", reply_type="text", reply_text="规则优先"
    )
    assert say(account, "新河村") == "规则优先"
    assert "/j/" in say(account, "入群 新河村")  # the explicit command still wins


def test_own_area_first(scope_world, account, groups):
    """A county account offers its own county's group when another county has a village of the same name."""
    from qingnong.orgs.services import org_create as make

    twin = make(
        actor=SYSTEM,
        parent=scope_world.town_out,
        name="新河村",
        level=OrgLevel.GRASSROOTS,
        kind=GrassrootsKind.VILLAGE,
    )
    other = ledger.group_create(
        actor=SYSTEM, org=twin, name="太湖新河村群", group_type="tuanqing", status="built", bases="地缘"
    )
    reply = say(account, "入群 新河村")
    assert f"/j/{code_of(groups['新河村'])}" in reply and code_of(other) not in reply
