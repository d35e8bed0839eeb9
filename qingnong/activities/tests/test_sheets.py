"""The ``activities`` import kind: an office's 活动台账 imported with the services' rules, every bad row
named in Chinese and nothing written; re-imports update by (举办组织, 活动日期, 活动名称); the export."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from qingnong.activities.models import Activity
from qingnong.content.tests.factories import make_cadre_user, make_group
from qingnong.core.models import AuditEntry
from qingnong.sheets.definitions import ExportContext
from qingnong.sheets.pipeline import run_import
from qingnong.sheets.refs import OrgIndex
from qingnong.sheets.registry import get_definition
from qingnong.sheets.workbooks import write_template
from qingnong.wxgroups.choices import GroupStatus
from qingnong.wxgroups.models import ChatGroup

pytestmark = pytest.mark.django_db

HEADER = [
    "举办组织",
    "活动名称",
    "活动日期",
    "形式",
    "主题",
    "状态",
    "时长（小时）",
    "地点",
    "参加人数",
    "相关微信群",
]
TODAY = timezone.localdate()


def _xlsx(tmp_path: Path, rows: list[list], name: str = "活动台账.xlsx") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["石牌镇2014年活动台账"])  # a title row above the header, as offices write it
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def _row(title="返乡青年创业沙龙", day=None, **kw):
    values = {
        "org": "怀宁县/石牌镇/新河村",
        "title": title,
        "day": day or TODAY - datetime.timedelta(days=3),
        "type": "线下",
        "theme": "创业培训",
        "status": "已举办",
        "hours": 2,
        "place": "村部会议室",
        "people": 30,
        "groups": "新河村青年群",
    }
    values.update(kw)
    return list(values.values())


@pytest.fixture
def world(scope_world):
    w = scope_world
    w.cadre, w.users["cun"] = make_cadre_user(w.village_in, "cun")
    w.group = make_group(w.village_in, name="新河村青年群", owner=w.cadre, status=GroupStatus.DORMANT)
    w.group2 = make_group(w.village_in, name="新河村在外青年群", owner=w.cadre)
    return w


def _run(world, path, who="admin_in", commit=True):
    return run_import(get_definition("activities"), path, actor=world.users[who], commit=commit)


def test_import_creates_activities_with_groups_and_audit(world, tmp_path):
    path = _xlsx(
        tmp_path,
        [
            _row(),
            _row("线上政策答题", type="线上", theme="宣讲", place="", hours="1.5小时", people=120, groups=""),
            _row(
                "中秋联谊",
                day=TODAY + datetime.timedelta(days=20),
                status="计划",
                theme="联谊",
                people=0,
                groups="新河村青年群、新河村在外青年群",
            ),
        ],
    )
    report = _run(world, path)
    assert report.ok and report.committed, report.errors
    assert report.counts["new"] == 3
    salon = Activity.objects.get(title="返乡青年创业沙龙")
    assert (salon.activity_type, salon.theme, salon.participants) == ("offline", "entrepreneurship", 30)
    assert list(salon.groups.all()) == [world.group]
    quiz = Activity.objects.get(title="线上政策答题")
    assert (quiz.activity_type, quiz.theme, float(quiz.duration_hours)) == ("online", "policy", 1.5)
    planned = Activity.objects.get(title="中秋联谊")
    assert planned.status == "planned" and planned.groups.count() == 2
    assert AuditEntry.objects.filter(action="activities.activity.import").count() == 3
    # The held activity three days ago wakes its dormant group (R12).
    assert ChatGroup.objects.get(pk=world.group.pk).status == GroupStatus.ACTIVE


def test_reimport_updates_by_natural_key(world, tmp_path):
    _run(world, _xlsx(tmp_path, [_row()]))
    report = _run(world, _xlsx(tmp_path, [_row()], name="again.xlsx"))
    assert report.counts["unchanged"] == 1
    report = _run(world, _xlsx(tmp_path, [_row(people=45, groups="新河村在外青年群")], name="fix.xlsx"))
    assert report.counts["updated"] == 1, report.errors
    activity = Activity.objects.get()
    assert activity.participants == 45 and list(activity.groups.all()) == [world.group2]
    entry = AuditEntry.objects.get(action="activities.activity.import_update")
    assert entry.before["participants"] == 30 and entry.after["participants"] == 45


@pytest.mark.parametrize(
    "row, column, message",
    [
        (_row(day=TODAY + datetime.timedelta(days=2)), "活动日期", "已举办的活动日期不能晚于明天"),
        (_row(people=-1), "参加人数", "参加人数须在 0 到 100000 之间，填写的是 -1"),
        (_row(people=100_001), "参加人数", "参加人数须在 0 到 100000 之间，填写的是 100001"),
        (_row(people="很多"), "参加人数", "“很多”不是整数"),
        (_row(place=""), "地点", "线下活动请填写地点"),
        (_row(hours="0.2"), "时长（小时）", "时长须在 0.5 到 720 小时之间"),
        (_row(hours="两个钟"), "时长（小时）", "不是小时数"),
        (_row(groups="不存在的群"), "相关微信群", "“新河村”没有名为“不存在的群”的微信群"),
        (_row(theme="打牌"), "主题", "不是可选值"),
        (_row(org="太湖县/徐桥镇/桥东村"), "举办组织", "超出您的管辖范围"),
    ],
)
def test_bad_rows_are_named_and_nothing_is_written(world, tmp_path, row, column, message):
    path = _xlsx(tmp_path, [_row("正确的一行"), row])
    report = _run(world, path)
    assert not report.committed
    assert report.bad == 1
    number, header, text = report.errors[0]
    assert number == 4  # title row, header row, the good row, then this one
    assert header == column and message in text, report.errors
    assert Activity.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="activities.").exists()


def test_duplicate_rows_in_one_file(world, tmp_path):
    report = _run(world, _xlsx(tmp_path, [_row(), _row()]))
    assert report.bad == 1 and "与第 3 行重复" in report.errors[0][2]
    assert Activity.objects.count() == 0


def test_export_and_template(world, tmp_path):
    _run(world, _xlsx(tmp_path, [_row(groups="新河村青年群、新河村在外青年群")]))
    definition = get_definition("activities")
    rows = list(definition.export(ExportContext(user=world.users["admin_in"], under=None, orgs=OrgIndex())))
    assert len(rows) == 1
    assert rows[0]["org"].display_path == "怀宁县/石牌镇/新河村"
    assert rows[0]["groups"] == "新河村在外青年群、新河村青年群"
    assert (
        list(definition.export(ExportContext(user=world.users["nogrant"], under=None, orgs=OrgIndex()))) == []
    )
    template = tmp_path / "template.xlsx"
    write_template(definition, template)
    headers = [c.value for c in load_workbook(template).worksheets[0][2]]
    assert "参加人数" in " ".join(str(h) for h in headers if h)


def test_validate_and_write_use_a_fixed_number_of_queries(world, tmp_path):
    from qingnong.core.testing import count_queries

    def rows(n, prefix):
        return [_row(f"{prefix}活动{i}", day=TODAY - datetime.timedelta(days=i % 20)) for i in range(n)]

    _run(world, _xlsx(tmp_path, rows(20, "暖"), name="warm.xlsx"))  # caches, and activities on every day
    small = count_queries(lambda: _run(world, _xlsx(tmp_path, rows(5, "甲"), name="5.xlsx")))
    large = count_queries(lambda: _run(world, _xlsx(tmp_path, rows(60, "乙"), name="60.xlsx")))
    assert small == large
    preview_small = count_queries(
        lambda: _run(world, _xlsx(tmp_path, rows(5, "丙"), name="p5.xlsx"), commit=False)
    )
    preview_large = count_queries(
        lambda: _run(world, _xlsx(tmp_path, rows(60, "丁"), name="p60.xlsx"), commit=False)
    )
    assert preview_small == preview_large
