"""Youth registry services: cleaning, duplicates refused with a link, merge moves everything."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from qingnong.core.errors import RuleError
from qingnong.core.models import AuditEntry
from qingnong.core.system import SYSTEM
from qingnong.orgs.services import cadre_create
from qingnong.wxgroups import services as wx
from qingnong.wxgroups.models import GroupMembership
from qingnong.youth import services
from qingnong.youth.models import Youth
from qingnong.youth.services import DuplicateYouth

pytestmark = pytest.mark.django_db


def test_create_cleans_phone_and_lists(scope_world):
    w = scope_world
    youth = services.youth_create(
        actor=w.users["entry_in"],
        home_org=w.village_in,
        name=" 张三 ",
        phone="１３９１２３４５６７８",
        wechat_id="  ",
        categories="领头雁、在外青年",
        tags="养殖, 电商，养殖",
    )
    assert youth.phone == "13912345678"
    assert youth.wechat_id is None
    assert youth.categories == ["leader", "away"]
    assert youth.tags == ["养殖", "电商"]
    assert youth.name == "张三"
    assert AuditEntry.objects.filter(action="youth.youth.create", object_id=str(youth.pk)).count() == 1
    # A phone stored as a float by a spreadsheet is cleaned too.
    other = services.youth_create(actor=SYSTEM, home_org=w.village_in, name="李四", phone=13912345679.0)
    assert other.phone == "13912345679"


@pytest.mark.parametrize("phone", ["1391234567", "139123456789", "23912345678", "电话"])
def test_bad_phone_is_refused_and_nothing_written(scope_world, phone):
    before = (Youth.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.youth_create(actor=SYSTEM, home_org=scope_world.village_in, name="某", phone=phone)
    assert "不是11位手机号码" in str(exc.value.message_dict["phone"])
    assert (Youth.objects.count(), AuditEntry.objects.count()) == before


def test_duplicate_phone_and_wechat_name_the_existing_record(scope_world):
    w = scope_world
    first = services.youth_create(
        actor=SYSTEM, home_org=w.village_in, name="王五", phone="13900000001", wechat_id="wang5"
    )
    before = (Youth.objects.count(), AuditEntry.objects.count())
    with pytest.raises(DuplicateYouth) as exc:
        services.youth_create(
            actor=w.users["admin_in"], home_org=w.village_in, name="王五", phone="139 0000 0001"
        )
    assert exc.value.existing == first
    assert "已登记为“新河村 王五”" in exc.value.message_dict["phone"][0]
    with pytest.raises(DuplicateYouth) as exc:
        services.youth_create(actor=w.users["admin_in"], home_org=w.village_in, name="王", wechat_id="wang5")
    assert "微信号 wang5 已登记" in exc.value.message_dict["wechat_id"][0]
    # Someone who may not see the existing record learns only where it is, not whose it is.
    out = services.youth_create(actor=SYSTEM, home_org=w.village_out, name="赵六", phone="13900000002")
    with pytest.raises(DuplicateYouth) as exc:
        services.youth_create(actor=w.users["admin_in"], home_org=w.village_in, name="x", phone="13900000002")
    assert "赵六" not in exc.value.message_dict["phone"][0]
    assert exc.value.existing == out
    assert (Youth.objects.count() - 1, AuditEntry.objects.count() - 1) == before


def test_scope_and_level_rules(scope_world):
    w = scope_world
    with pytest.raises(Exception) as exc:
        services.youth_create(actor=w.users["admin_in"], home_org=w.village_out, name="外")
    assert "超出您的管辖范围" in str(exc.value)
    with pytest.raises(RuleError) as exc:
        services.youth_create(actor=SYSTEM, home_org=w.county_in, name="县")
    assert "县级组织" in exc.value.message_dict["home_org"][0]
    with pytest.raises(RuleError):
        services.youth_create(actor=SYSTEM, home_org=w.village_in, name="x", categories="不存在的类别")
    assert Youth.objects.count() == 0


def test_in_category_filter(scope_world):
    w = scope_world
    a = services.youth_create(actor=SYSTEM, home_org=w.village_in, name="甲", categories=["leader"])
    services.youth_create(actor=SYSTEM, home_org=w.village_in, name="乙", categories=["away"])
    assert list(Youth.objects.in_category("leader")) == [a]


def test_merge_moves_memberships_and_fills_blanks(scope_world):
    w = scope_world
    cadre = cadre_create(actor=SYSTEM, org=w.village_in, name="书记")
    g1 = wx.group_create(actor=SYSTEM, org=w.village_in, name="群一", group_type="tuanqing", owner=cadre)
    g2 = wx.group_create(actor=SYSTEM, org=w.village_in, name="群二", group_type="tuanqing", owner=cadre)
    keep = services.youth_create(actor=SYSTEM, home_org=w.village_in, name="刘七", categories=["leader"])
    dup = services.youth_create(
        actor=SYSTEM, home_org=w.village_in, name="刘七", phone="13900000009", categories=["away"]
    )
    wx.membership_add_youth(actor=SYSTEM, group=g1, youth=keep)
    wx.membership_add_youth(actor=SYSTEM, group=g1, youth=dup)
    wx.membership_add_youth(actor=SYSTEM, group=g2, youth=dup)
    merged = services.youth_merge(actor=w.users["admin_in"], keep=keep, duplicate=dup)
    assert merged.phone == "13900000009"
    assert merged.categories == ["leader", "away"]
    assert not Youth.objects.filter(pk=dup.pk).exists()
    assert sorted(GroupMembership.objects.filter(youth=keep).values_list("group__name", flat=True)) == [
        "群一",
        "群二",
    ]
    entry = AuditEntry.objects.get(action="youth.youth.merge")
    assert entry.before["duplicate"]["phone"] == "13900000009"


def test_merge_needs_delete_right(scope_world):
    w = scope_world
    a = services.youth_create(actor=SYSTEM, home_org=w.village_in, name="a")
    b = services.youth_create(actor=SYSTEM, home_org=w.village_in, name="b")
    with pytest.raises(Exception) as exc:
        services.youth_merge(actor=w.users["entry_in"], keep=a, duplicate=b)
    assert "超出您的管辖范围" in str(exc.value)
    assert Youth.objects.count() == 2
