"""The orgs and cadres kinds: update-or-create by natural key, the services' rules, audit, workbooks."""

from __future__ import annotations

import datetime

import pytest
from openpyxl import load_workbook

from qingnong.core.models import AuditEntry
from qingnong.core.system import SYSTEM
from qingnong.orgs import services
from qingnong.orgs.models import Cadre, Org, Position
from qingnong.sheets.definitions import Column, OrgRef, SheetDefinition, Text
from qingnong.sheets.pipeline import ERROR_COLUMN, run_import
from qingnong.sheets.refs import OrgIndex
from qingnong.sheets.registry import definitions, get_definition
from qingnong.sheets.workbooks import write_error_workbook, write_template

from . import files

pytestmark = pytest.mark.django_db

HEADER = ["所属组织", "姓名", "手机号", "性别", "出生年份", "职务", "任职日期", "离任日期", "微信号"]


def cadre_row(
    org="新河村", name="张三", phone="13912345678", title="委员", start="2014-09-05", end=None, wx=None
):
    return [org, name, phone, "男", 1990, title, start, end, wx]


def run(path, world, who="admin_in", kind="cadres", **kw):
    return run_import(get_definition(kind), path, actor=world.users[who], **kw)


def test_registry_discovers_app_kinds():
    assert {"orgs", "cadres"} <= set(definitions())
    with pytest.raises(KeyError, match="未知的导入类型"):
        get_definition("nope")


def test_definitions_refuse_misuse():
    from django.core.exceptions import ImproperlyConfigured

    def make(**kw):
        base = {
            "kind": "x",
            "label": "X",
            "columns": [Column("org", "组织", OrgRef()), Column("name", "名称", Text())],
            "keys": [("name",)],
            "scope_column": "org",
            "validate": lambda rows, ctx: None,
            "write": lambda rows, ctx: None,
        }
        return SheetDefinition(**{**base, **kw})

    make()
    with pytest.raises(ImproperlyConfigured, match="must be an OrgRef"):
        make(scope_column="name")
    with pytest.raises(ImproperlyConfigured, match="not a column"):
        make(keys=[("phone",)])
    with pytest.raises(ImproperlyConfigured, match="used by"):
        make(columns=[Column("org", "组织", OrgRef()), Column("name", "名称", Text(), aliases=("组织",))])
    with pytest.raises(TypeError, match="tuple"):
        Column("a", "甲", aliases="乙")


def test_cadres_create_update_unchanged_and_skip(scope_world, tmp_path):
    first = files.xlsx(
        tmp_path / "1.xlsx", [HEADER, cadre_row(), cadre_row(name="李四", phone="13912345679")]
    )
    assert run(first, scope_world, commit=True).committed
    # One entry per imported row: the new cadre with its new position.
    assert AuditEntry.objects.filter(action="orgs.cadre.import").count() == 2
    entry = AuditEntry.objects.get(action="orgs.cadre.import", object_repr="张三")
    cadre = Cadre.objects.get(phone="13912345678")
    position = cadre.positions.get()
    assert entry.actor == scope_world.users["admin_in"] and entry.org_path == scope_world.village_in.path
    assert entry.object_id == str(cadre.pk) and entry.before is None
    assert entry.after["id"] == cadre.pk and entry.after["phone"] == "13912345678"
    assert entry.after["org"] == scope_world.village_in.pk and entry.after["birth_year"] == 1990
    assert entry.after["position"]["id"] == position.pk and entry.after["position"]["cadre"] == cadre.pk
    assert entry.after["position"]["title"] == "member"
    assert entry.after["position"]["start_date"] == "2014-09-05"
    assert entry.after["created_at"] == cadre.created_at.isoformat()
    from qingnong.core.audit import history_for

    assert entry in list(history_for(cadre))

    second = files.xlsx(
        tmp_path / "2.xlsx",
        [
            HEADER,
            cadre_row(wx="zhangsan"),  # updated: a WeChat id
            cadre_row(name="李四", phone="13912345679"),  # unchanged
            cadre_row(name="王五", phone="13912345680"),  # new
            cadre_row(org="石牌镇", name="李四2", phone="13912345681"),  # new, other org
        ],
    )
    report = run(second, scope_world)
    assert report.counts == {"new": 2, "updated": 1, "unchanged": 1, "skipped": 0, "bad": 0}
    assert report.samples["updated"][0]["changes"] == {"微信号": ["", "zhangsan"]}
    skipped = run(second, scope_world, skip_existing=True)
    assert skipped.counts["skipped"] == 2 and skipped.counts["new"] == 2
    assert run(second, scope_world, commit=True).committed
    assert Cadre.objects.get(phone="13912345678").wechat_id == "zhangsan"
    update = AuditEntry.objects.get(action="orgs.cadre.import_update")
    assert update.before["wechat_id"] == "" and update.after["wechat_id"] == "zhangsan"
    assert "position" not in update.after  # the position did not change
    assert [f for f, _b, _a in update.changed_fields()] == ["updated_at", "wechat_id"]
    assert Cadre.objects.count() == 4


def test_cadre_import_audit_is_the_snapshot_of_what_was_written(scope_world, tmp_path):
    """The audit JSON of new cadres is written directly (no dict per row): it must say exactly what
    snapshot() says about the rows in the database, quotes, backslashes and empty cells included."""
    from qingnong.core.audit import snapshot

    header = ["所属组织", "姓名", "手机号", "职务", "班子成员", "专职", "离任日期", "备注", "在任"]
    path = files.xlsx(
        tmp_path / "a.xlsx",
        [
            header,
            ["新河村", 'A"B\\C', "13912345678", "书记", "是", "", "", "说明\t“引号”", "否"],
            ["新河村", "李四", "13912345679", "", "", "", "", "", ""],
        ],
    )
    assert run(path, scope_world, commit=True).committed
    for cadre in Cadre.objects.filter(phone__in=["13912345678", "13912345679"]):
        entry = AuditEntry.objects.get(action="orgs.cadre.import", object_id=str(cadre.pk))
        expected = snapshot(cadre)
        if cadre.name != "李四":
            expected["position"] = snapshot(cadre.positions.get())
        else:
            assert not cadre.positions.exists()
        assert entry.after == expected
        assert entry.object_repr == cadre.name and entry.actor_name
    assert Cadre.objects.get(phone="13912345678").name == 'A"B\\C'


def test_empty_cells_never_erase(scope_world, tmp_path):
    cadre = services.cadre_create(
        actor=SYSTEM,
        org=scope_world.village_in,
        name="张三",
        phone="13912345678",
        wechat_id="zs",
        birth_year=1990,
    )
    path = files.xlsx(
        tmp_path / "a.xlsx", [["所属组织", "姓名", "手机号", "微信号"], ["新河村", "张三", "13912345678", ""]]
    )
    report = run(path, scope_world, commit=True)
    assert report.counts["unchanged"] == 1
    cadre.refresh_from_db()
    assert cadre.wechat_id == "zs" and cadre.birth_year == 1990


def test_moving_a_cadre_and_ending_a_position(scope_world, tmp_path):
    cadre = services.cadre_create(actor=SYSTEM, org=scope_world.village_in, name="张三", phone="13912345678")
    services.position_create(actor=SYSTEM, cadre=cadre, org=scope_world.village_in, title="secretary")
    # Row 2 ends 张三's term as 书记; row 3 names the successor: allowed in this order.
    rows = [
        HEADER,
        cadre_row(title="书记", start=None, end="2014-09-01"),
        cadre_row(name="李四", phone="13912345679", title="书记"),
        cadre_row(org="石牌镇", name="王五", phone="13912345680"),
    ]
    report = run(files.xlsx(tmp_path / "a.xlsx", rows), scope_world, commit=True)
    assert report.committed, report.errors
    ended = Position.objects.get(cadre=cadre)
    assert ended.end_date == datetime.date(2014, 9, 1)
    assert Position.objects.current().get(org=scope_world.village_in, title="secretary").cadre.name == "李四"
    # One entry for the row: the cadre (gender and birth year filled in) and its ended position.
    entry = AuditEntry.objects.get(action="orgs.cadre.import_update", object_id=str(cadre.pk))
    assert entry.before["position"]["id"] == ended.pk and entry.before["position"]["end_date"] is None
    assert entry.after["position"]["end_date"] == "2014-09-01"
    assert [f for f, _b, _a in entry.changed_fields()] == ["birth_year", "gender", "position", "updated_at"]
    move = files.xlsx(tmp_path / "b.xlsx", [HEADER[:3], ["石牌镇", "张三", "13912345678"]])
    report = run(move, scope_world, commit=True)
    assert report.counts["updated"] == 1
    cadre.refresh_from_db()
    assert cadre.org == scope_world.town_in
    moved = AuditEntry.objects.filter(action="orgs.cadre.import_update", object_id=str(cadre.pk)).first()
    assert moved.before["org"] == scope_world.village_in.pk and moved.after["org"] == scope_world.town_in.pk
    assert moved.org_path == scope_world.town_in.path


def test_cadre_import_uses_constant_queries(scope_world, tmp_path):
    """Validation queries per batch do not grow with the rows (no query per row)."""
    from qingnong.core.testing import count_queries

    def make(n, start):
        rows = [HEADER] + [
            cadre_row(name=f"干部{i}", phone=f"1391234{i:04d}", title="委员") for i in range(start, start + n)
        ]
        return files.xlsx(tmp_path / f"{n}.xlsx", rows)

    small, large = make(5, 0), make(60, 100)
    run(small, scope_world)  # warm caches
    assert count_queries(lambda: run(small, scope_world)) == count_queries(lambda: run(large, scope_world))


def test_orgs_import_builds_a_subtree(scope_world, tmp_path):
    rows = [
        ["组织名称", "上级组织", "层级", "基层组织类别", "行政区划代码", "简称"],
        ["新镇", "怀宁县", "乡镇", "", "340822199", "新"],
        ["一村", "怀宁县/新镇", "村", "村", "", ""],
        ["二村", "340822199", "基层", "村团组织", "", ""],
        ["某企业", "新镇", "基层", "企业", "", ""],
        ["新河村", "石牌镇", "基层", "村团组织", "340822101201", "新河"],  # existing by code: short name
    ]
    path = files.xlsx(tmp_path / "orgs.xlsx", rows)
    report = run(path, scope_world, kind="orgs")
    assert report.counts == {"new": 4, "updated": 1, "unchanged": 0, "skipped": 0, "bad": 0}, report.errors
    report = run(path, scope_world, kind="orgs", commit=True)
    assert report.committed
    town = Org.objects.get(name="新镇")
    assert town.parent_org() == scope_world.county_in and town.division_code == "340822199"
    assert sorted(c.name for c in town.children_orgs()) == ["一村", "二村", "某企业"]
    town.refresh_from_db()
    assert town.numchild == 3
    scope_world.county_in.refresh_from_db()
    assert scope_world.county_in.numchild == 2
    assert Org.find_problems() == ([], [], [], [], [])
    assert Org.objects.get(name="新河村").short_name == "新河"
    assert AuditEntry.objects.filter(action="orgs.org.create").count() >= 4
    # Again: everything is found by code or by parent + name.
    again = run(path, scope_world, kind="orgs")
    assert again.counts["unchanged"] == 5
    # The tree still accepts ordinary service writes after a bulk import.
    services.org_create(actor=SYSTEM, parent=town, name="三村", level="grassroots", kind="village")
    assert Org.find_problems() == ([], [], [], [], [])


def test_orgs_rules(scope_world, tmp_path):
    rows = [
        ["组织名称", "上级组织", "层级", "基层组织类别", "行政区划代码"],
        ["甲村", "石牌镇", "基层", "", ""],  # kind missing
        ["乙村", "石牌镇", "基层", "村", "340822"],  # the code is 怀宁县's: a different org
        ["丙村", "不存在镇", "基层", "村", ""],
        ["丁村", "甲村", "基层", "村", ""],  # parent row is bad
        ["新河村", "太湖县/徐桥镇", "基层", "村", "340822101201"],  # code's org has another parent
    ]
    report = run(files.xlsx(tmp_path / "a.xlsx", rows), scope_world, kind="orgs", commit=True)
    messages = {n: m for n, _h, m in report.errors}
    assert messages[2] == "基层组织须选择类别（村团组织或直属团组织）"
    assert messages[3].startswith("行政区划代码 340822 属于“怀宁县”，其上级与本行不一致")
    assert "找不到组织“不存在镇”" in messages[4]
    assert messages[5] == "上级组织“甲村”（第 2 行）有错误"
    assert "其上级与本行不一致" in messages[6]
    assert not Org.objects.filter(name__in=["甲村", "乙村", "丁村"]).exists()


def test_org_index_resolves_paths_codes_and_short_names(scope_world):
    index = OrgIndex(preferred=[scope_world.county_in.path])
    assert index.resolve("怀宁县/石牌镇/新河村").pk == scope_world.village_in.pk
    assert index.resolve("怀宁/石牌/新河村").pk == scope_world.village_in.pk
    assert index.resolve("340822101201").pk == scope_world.village_in.pk
    assert index.resolve("安庆市/新河村").pk == scope_world.village_in.pk
    assert index.resolve("新河村").display_path == "怀宁县/石牌镇/新河村"


def test_ambiguous_org_names_ask_for_a_path(scope_world, tmp_path):
    services.org_create(
        actor=SYSTEM, parent=scope_world.town_out, name="新河村", level="grassroots", kind="village"
    )
    rows = [HEADER, cadre_row()]
    city = run(files.xlsx(tmp_path / "a.xlsx", rows), scope_world, who="city_admin")
    assert "有多个同名" in city.errors[0][2]
    county = run(files.xlsx(tmp_path / "a.xlsx", rows), scope_world)
    assert county.ok  # inside the county admin's own subtree the name is unique


def test_template_has_header_example_dropdowns_and_notes(scope_world, tmp_path):
    definition = get_definition("cadres")
    path = tmp_path / "模板.xlsx"
    write_template(definition, path)
    wb = load_workbook(path)
    sheet = wb["团干部"]
    headers = [c.value for c in sheet[2]]
    assert headers[:3] == ["所属组织", "姓名", "手机号"]
    assert sheet["B3"].value == "张三"
    validations = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert "D3" in validations and "选项" in validations["D3"]  # 性别
    notes = wb["填写说明"]
    assert any(row[0] == "手机号" and row[1] == "必填" for row in notes.iter_rows(values_only=True))
    # The template as downloaded imports nothing: the example row is recognised and skipped.
    report = run(path, scope_world)
    assert report.file_error and "没有数据行" in report.file_error


def test_error_workbook_keeps_rows_and_adds_the_error_column(scope_world, tmp_path):
    rows = [
        ["新河村团干部"],
        HEADER,
        cadre_row(),
        cadre_row(name="李四", phone="12345"),
        cadre_row(name="王五", phone="13912345680"),
    ]
    source = files.xlsx(tmp_path / "台账.xlsx", rows)
    report = run(source, scope_world)
    out = tmp_path / "错误报告.xlsx"
    assert write_error_workbook(out, source_path=source, filename="台账.xlsx", report=report) == 1
    sheet = load_workbook(out).active
    assert sheet["A1"].value == "新河村团干部"
    assert sheet.cell(2, len(HEADER) + 1).value == ERROR_COLUMN
    assert sheet["B4"].value == "李四" and "第 4 行" in sheet.cell(4, len(HEADER) + 1).value
    assert "不是11位手机号码" in sheet.cell(4, len(HEADER) + 1).value
    assert sheet.cell(3, len(HEADER) + 1).value is None
    assert sheet["B4"].fill.fgColor.rgb.endswith("FDE2E1")
    # Fix the bad row in the error workbook and upload it again: the error column is ignored.
    from openpyxl import load_workbook as reload

    wb = reload(out)
    wb.active["C4"] = "13912345679"
    wb.save(out)
    fixed = run(out, scope_world, commit=True)
    assert fixed.committed and fixed.counts["new"] == 3
    assert ERROR_COLUMN not in fixed.unknown_headers


def test_orgs_created_across_batches(scope_world, tmp_path, monkeypatch):
    """Parents written in one batch are the parents of rows in the next (one transaction throughout)."""
    monkeypatch.setattr(get_definition("orgs"), "batch_size", 2)
    rows = [["组织名称", "上级组织", "层级", "基层组织类别"]]
    rows += [[f"新{i}镇", "怀宁县", "乡镇", ""] for i in range(3)]
    rows += [[f"新{i}镇{j}村", f"怀宁县/新{i}镇", "基层", "村"] for i in range(3) for j in range(2)]
    report = run(files.xlsx(tmp_path / "a.xlsx", rows), scope_world, kind="orgs", commit=True)
    assert report.committed and report.counts["new"] == 9, report.errors
    assert Org.find_problems() == ([], [], [], [], [])
    assert Org.objects.get(name="新2镇").numchild == 2
    assert Org.objects.get(name="新2镇1村").parent_org().name == "新2镇"
