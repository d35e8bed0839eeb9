"""The sheets kinds ``youth``, ``groups`` and ``group_members``: imports with the services' rules, bad rows
named with nothing written, re-imports that update, exports."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from qingnong.core.models import AuditEntry
from qingnong.core.system import SYSTEM
from qingnong.orgs.services import cadre_create
from qingnong.sheets.definitions import ExportContext
from qingnong.sheets.pipeline import run_import
from qingnong.sheets.refs import OrgIndex
from qingnong.sheets.registry import get_definition
from qingnong.wxgroups.models import ChatGroup, GroupMembership, LiveCode
from qingnong.youth.models import Youth

from .helpers import make_group

pytestmark = pytest.mark.django_db


def _xlsx(tmp_path: Path, header: list[str], rows: list[list], name: str = "台账.xlsx") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def _run(w, kind, path, who="admin_in"):
    return run_import(get_definition(kind), path, actor=w.users[who], commit=True)


YOUTH_HEADER = ["所属组织", "姓名", "手机号", "微信号", "团员", "在乡/在外", "在外地点", "类别", "联系人"]


def test_youth_import_creates_and_updates(scope_world, tmp_path):
    w = scope_world
    cadre_create(actor=SYSTEM, org=w.village_in, name="李书记", phone="13900007777")
    rows = [
        [
            "怀宁县/石牌镇/新河村",
            "王小明",
            13912340001.0,
            "wxm",
            "是",
            "在外",
            "上海",
            "领头雁、在外青年",
            "李书记 13900007777",
        ],
        ["怀宁县/石牌镇/新河村", "张小红", "１３９１２３４０００２", "", "否", "在乡", "", "", ""],
    ]
    report = _run(w, "youth", _xlsx(tmp_path, YOUTH_HEADER, rows))
    assert report.ok and report.committed, report.errors
    assert report.counts["new"] == 2
    wang = Youth.objects.get(phone="13912340001")
    assert wang.categories == ["leader", "away"] and wang.is_league_member and wang.away_place == "上海"
    assert wang.liaison.name == "李书记" and wang.wechat_id == "wxm"
    assert AuditEntry.objects.filter(action="youth.youth.import").count() == 2
    rows[1][6] = "杭州"
    rows[1][5] = "在外"
    report = _run(w, "youth", _xlsx(tmp_path, YOUTH_HEADER, rows, "again.xlsx"))
    assert report.counts["updated"] == 1 and report.counts["unchanged"] == 1, report.errors
    assert Youth.objects.get(phone="13912340002").away_place == "杭州"


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["怀宁县/石牌镇/新河村", "坏号码", "1234567", "", "", "", "", "", ""], "手机号", "不是11位手机号码"),
        (
            ["怀宁县/石牌镇/新河村", "别人", "13900000001", "", "", "", "", "", ""],
            "手机号",
            "已登记为“新河村 原来的人”",
        ),
        (
            ["怀宁县/石牌镇/新河村", "某", "", "old_wx", "", "", "", "", ""],
            "微信号",
            "已登记为“新河村 原来的人”",
        ),
        (
            ["怀宁县/石牌镇/新河村", "某", "13900000003", "", "", "", "", "不存在", ""],
            "类别",
            "类别“不存在”不存在",
        ),
        (["怀宁县", "某", "13900000004", "", "", "", "", "", ""], "所属组织", "不是"),
        (
            ["太湖县/徐桥镇/桥东村", "某", "13900000005", "", "", "", "", "", ""],
            "所属组织",
            "超出您的管辖范围",
        ),
    ],
    ids=["bad-phone", "duplicate-phone", "duplicate-wechat", "bad-category", "county", "outside"],
)
def test_youth_bad_rows_write_nothing(scope_world, tmp_path, row, column, message):
    w = scope_world
    Youth.objects.create(name="原来的人", home_org=w.village_in, phone="13900000001", wechat_id="old_wx")
    good = ["怀宁县/石牌镇/新河村", "正确", "13900000009", "", "", "", "", "", ""]
    report = _run(w, "youth", _xlsx(tmp_path, YOUTH_HEADER, [good, row]))
    assert not report.committed and report.bad == 1
    number, header, text = report.errors[0]
    assert number == 3 and header == column and message in text, report.errors
    assert Youth.objects.count() == 1
    assert not AuditEntry.objects.filter(action__startswith="youth.").exists()


GROUP_HEADER = ["所属组织", "群名称", "群类型", "组建基础", "专属类别", "群主", "群成员数", "状态"]


def test_groups_import_creates_with_live_codes_and_updates(scope_world, tmp_path):
    w = scope_world
    cadre_create(actor=SYSTEM, org=w.village_in, name="李书记", phone="13900007777")
    rows = [
        [
            "怀宁县/石牌镇/新河村",
            "新河村青年之家",
            "团青",
            "地缘、趣缘",
            "",
            "李书记 13900007777",
            36,
            "已建",
        ],
        ["怀宁县/石牌镇", "石牌青农群", "青农", "", "", "", 20, "活跃"],
        ["怀宁县", "怀宁领头雁群", "青年专属群", "", "领头雁", "", 15, ""],
    ]
    report = _run(w, "groups", _xlsx(tmp_path, GROUP_HEADER, rows))
    assert report.ok and report.committed, report.errors
    group = ChatGroup.objects.get(name="新河村青年之家")
    assert group.bases == ["geo", "interest"] and group.owner.name == "李书记" and group.member_count == 36
    assert LiveCode.objects.filter(is_default=True).count() == 3
    assert ChatGroup.objects.get(name="怀宁领头雁群").category == "leader"
    rows[0][6] = 48
    report = _run(w, "groups", _xlsx(tmp_path, GROUP_HEADER, rows, "again.xlsx"))
    assert report.counts["updated"] == 1 and report.counts["unchanged"] == 2, report.errors
    group.refresh_from_db()
    assert group.member_count == 48 and group.member_count_as_of is not None


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            ["怀宁县", "怀宁青年群", "团青", "", "", "", 10, ""],
            "所属组织",
            "（R2）团青微信群只能建在乡镇团委",
        ),
        (
            ["怀宁县/石牌镇", "石牌第二青农群", "青农", "", "", "", 10, ""],
            "群类型",
            "（R3）“石牌镇”已有青农微信群",
        ),
        (
            ["安庆市", "安庆团干群", "青农", "", "", "", 10, ""],
            "群名称",
            "（R5）市级及以上的青农微信群须命名为“青农安庆”",
        ),
        (["怀宁县/石牌镇/新河村", "大群", "团青", "", "", "", 501, ""], "群成员数", "500"),
        (["怀宁县", "怀宁专属群", "青年专属", "", "", "", 10, ""], "专属类别", "（R4）"),
        (
            ["怀宁县/石牌镇/新河村", "某群", "团青", "血缘", "", "", 10, ""],
            "组建基础",
            "组建基础“血缘”不存在",
        ),
    ],
    ids=["tuanqing-on-county", "second-qingnong", "r5-name", "over-500", "no-category", "bad-basis"],
)
def test_groups_bad_rows_write_nothing(scope_world, tmp_path, row, column, message):
    w = scope_world
    make_group(w.town_in, "石牌青农群", group_type="qingnong", qr=False)
    before = (ChatGroup.objects.count(), LiveCode.objects.count(), AuditEntry.objects.count())
    good = ["怀宁县/石牌镇/新河村", "正确的群", "团青", "地缘", "", "", 10, ""]
    report = _run(w, "groups", _xlsx(tmp_path, GROUP_HEADER, [good, row]))
    assert not report.committed and report.bad == 1
    _number, header, text = report.errors[0]
    assert header == column and message in text, report.errors
    assert (ChatGroup.objects.count(), LiveCode.objects.count(), AuditEntry.objects.count()) == before


def test_two_qingnong_groups_for_one_org_in_one_file(scope_world, tmp_path):
    w = scope_world
    rows = [
        ["怀宁县/石牌镇", "石牌青农群", "青农", "", "", "", 10, ""],
        ["怀宁县/石牌镇", "石牌青农二群", "青农", "", "", "", 10, ""],
    ]
    report = _run(w, "groups", _xlsx(tmp_path, GROUP_HEADER, rows))
    assert report.bad == 1 and "（R3）" in report.errors[0][2] and "见第 2 行" in report.errors[0][2]
    assert ChatGroup.objects.count() == 0


MEMBER_HEADER = ["群所属组织", "群名称", "姓名", "手机号", "身份"]


def test_group_members_import(scope_world, tmp_path):
    w = scope_world
    group = make_group(w.village_in, "新河村青年之家", qr=False)
    qingnong = make_group(w.town_in, "石牌青农群", group_type="qingnong", qr=False)
    Youth.objects.create(name="老青年", home_org=w.village_in, phone="13912340009")
    cadre = cadre_create(actor=SYSTEM, org=w.village_in, name="村书记", phone="13900008888")
    rows = [
        ["怀宁县/石牌镇/新河村", "新河村青年之家", "老青年", "13912340009", "青年"],
        ["怀宁县/石牌镇/新河村", "新河村青年之家", "新青年", "13912340010", ""],
        ["怀宁县/石牌镇", "石牌青农群", "村书记", "13900008888", "团干部"],
    ]
    report = _run(w, "group_members", _xlsx(tmp_path, MEMBER_HEADER, rows))
    assert report.ok and report.committed, report.errors
    assert sorted(GroupMembership.objects.filter(group=group).values_list("youth__name", flat=True)) == [
        "新青年",
        "老青年",
    ]
    assert GroupMembership.objects.get(group=qingnong).cadre == cadre
    assert Youth.objects.get(phone="13912340010").source == "group"
    report = _run(w, "group_members", _xlsx(tmp_path, MEMBER_HEADER, rows, "again.xlsx"))
    assert report.counts["unchanged"] == 3 and GroupMembership.objects.count() == 3, report.errors


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            ["怀宁县/石牌镇/新河村", "没有的群", "某", "13912340011", ""],
            "群名称",
            "没有名为“没有的群”的微信群",
        ),
        (
            ["怀宁县/石牌镇/新河村", "新河村青年之家", "冒名", "13912340009", ""],
            "姓名",
            "与本行姓名“冒名”不符",
        ),
        (["怀宁县/石牌镇/新河村", "新河村青年之家", "某", "139", ""], "手机号", "不是11位手机号码"),
        (["怀宁县/石牌镇", "石牌青农群", "无此人", "13900000000", "团干部"], "手机号", "找不到手机号为"),
        (["太湖县/徐桥镇/桥东村", "桥东村群", "某", "13912340012", ""], "群所属组织", "超出您的管辖范围"),
    ],
    ids=["no-group", "name-mismatch", "bad-phone", "no-cadre", "outside"],
)
def test_group_members_bad_rows_write_nothing(scope_world, tmp_path, row, column, message):
    w = scope_world
    make_group(w.village_in, "新河村青年之家", qr=False)
    make_group(w.town_in, "石牌青农群", group_type="qingnong", qr=False)
    make_group(w.village_out, "桥东村群", qr=False)
    Youth.objects.create(name="老青年", home_org=w.village_in, phone="13912340009")
    before = (GroupMembership.objects.count(), Youth.objects.count(), AuditEntry.objects.count())
    good = ["怀宁县/石牌镇/新河村", "新河村青年之家", "新青年", "13912340010", ""]
    report = _run(w, "group_members", _xlsx(tmp_path, MEMBER_HEADER, [good, row]))
    assert not report.committed and report.bad == 1
    _number, header, text = report.errors[0]
    assert header == column and message in text, report.errors
    assert (GroupMembership.objects.count(), Youth.objects.count(), AuditEntry.objects.count()) == before


def test_exports_are_scoped(scope_world):
    w = scope_world
    inside = make_group(w.village_in, "新河村青年之家", qr=False)
    make_group(w.village_out, "桥东村群", qr=False)
    from qingnong.wxgroups import services

    services.membership_add_person(actor=SYSTEM, group=inside, name="新青年", phone="13912340010")
    ctx = ExportContext(user=w.users["admin_in"], under=None, orgs=OrgIndex())
    groups = list(get_definition("groups").export(ctx))
    assert [g["name"] for g in groups] == ["新河村青年之家"]
    members = list(get_definition("group_members").export(ctx))
    assert [(m["group"], m["name"], m["role"]) for m in members] == [("新河村青年之家", "新青年", "youth")]
    youth = list(get_definition("youth").export(ctx))
    assert [y["name"] for y in youth] == ["新青年"]
    nogrant = ExportContext(user=w.users["nogrant"], under=None, orgs=OrgIndex())
    assert list(get_definition("groups").export(nogrant)) == []


@pytest.mark.parametrize("kind", ["youth", "groups", "group_members"])
def test_imports_use_a_fixed_number_of_queries(scope_world, tmp_path, kind):
    from qingnong.core.testing import count_queries

    w = scope_world
    make_group(w.village_in, "新河村青年之家", qr=False)

    def rows(n: int, start: int) -> tuple[list[str], list[list]]:
        if kind == "youth":
            return YOUTH_HEADER, [
                ["怀宁县/石牌镇/新河村", f"青年{i}", f"139{start + i:08d}", "", "是", "在乡", "", "", ""]
                for i in range(n)
            ]
        if kind == "groups":
            return GROUP_HEADER, [
                ["怀宁县/石牌镇/新河村", f"群{start + i}", "团青", "地缘", "", "", 10, ""] for i in range(n)
            ]
        return MEMBER_HEADER, [
            ["怀宁县/石牌镇/新河村", "新河村青年之家", f"成员{i}", f"138{start + i:08d}", ""]
            for i in range(n)
        ]

    header, warm = rows(5, 5000)
    _run(w, kind, _xlsx(tmp_path, header, warm, "warm.xlsx"))  # content types and the like, cached once
    header, few = rows(5, 0)
    header, many = rows(60, 1000)
    small = count_queries(lambda: _run(w, kind, _xlsx(tmp_path, header, few, "few.xlsx")))
    large = count_queries(lambda: _run(w, kind, _xlsx(tmp_path, header, many, "many.xlsx")))
    assert small == large, (small, large)
