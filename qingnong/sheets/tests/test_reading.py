"""Reading what offices send: every format, encodings, messy headers, notes, numbers and dates."""

from __future__ import annotations

import datetime

import pytest

from qingnong.core.system import SYSTEM
from qingnong.orgs.models import Cadre, Position
from qingnong.sheets.columns import (
    Bool,
    CadreRef,
    CellError,
    Choice,
    Code,
    Phone,
    Text,
    Year,
    normalise_header,
    parse_date,
)
from qingnong.sheets.pipeline import run_import
from qingnong.sheets.readers import detect_encoding, open_sheet
from qingnong.sheets.registry import get_definition

from . import files

pytestmark = pytest.mark.django_db

CADRES = ["所属组织", "姓名", "手机号", "性别", "出生年份", "职务", "任职日期"]
GOOD_ROWS = [
    ["怀宁县/石牌镇/新河村", "张三", "13912345678", "男", 1990, "书记", datetime.date(2014, 9, 5)],
    ["石牌镇", "李四", "13912345679", "女", 1992, "委员", datetime.date(2014, 9, 6)],
]


def preview(path, world, who="admin_in", kind="cadres", **kw):
    return run_import(get_definition(kind), path, actor=world.users[who], **kw)


# --- cell types -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2014-09-05",
        "2014/9/5",
        "2014年9月5日",
        "2014.9.5",
        "20140905",
        "２０１４－０９－０５",
        41887,
        41887.0,
        "41887",
        datetime.date(2014, 9, 5),
        datetime.datetime(2014, 9, 5, 10, 30),
        "2014-9-5 10:30",
    ],
)
def test_dates_in_every_office_form(value):
    assert parse_date(value) == datetime.date(2014, 9, 5)


@pytest.mark.parametrize("value", ["2014-13-01", "明天", "2014年2月30日", 5])
def test_bad_dates_say_why_in_chinese(value):
    with pytest.raises(CellError, match="日期"):
        parse_date(value)


@pytest.mark.parametrize(
    "value",
    [
        13912345678.0,
        13912345678,
        "13912345678",
        "１３９１２３４５６７８",
        "139 1234 5678",
        "139-1234-5678",
        "+8613912345678",
    ],
)
def test_phones_as_offices_store_them(value):
    assert Phone().parse(value) == "13912345678"


def test_phone_errors():
    with pytest.raises(CellError, match="不是11位手机号码"):
        Phone().parse("12345")
    with pytest.raises(CellError, match="科学计数法"):
        Phone().parse("1.39123E+10")


def test_other_types():
    assert Year(min_value=1940, max_value=2015).parse("1990.05") == 1990
    assert Year().parse("1990年5月") == 1990
    assert Year().parse(datetime.date(1991, 3, 1)) == 1991
    with pytest.raises(CellError, match="早于"):
        Year(min_value=1940).parse(1900)
    assert Bool().parse("√") is True and Bool().parse("否") is False
    assert Bool(true_words=("专职",), false_words=("兼职",)).parse("兼职") is False
    with pytest.raises(CellError, match="应填“是”或“否”"):
        Bool().parse("也许")
    choice = Choice([("male", "男"), ("female", "女")], synonyms={"男性": "male"})
    assert choice.parse(" 男 ") == "male"
    assert choice.parse("男性") == "male"
    assert choice.parse("female") == "female"
    with pytest.raises(CellError, match="可选：男、女"):
        choice.parse("未知")
    with pytest.raises(CellError, match="过长"):
        Text(max_length=3).parse("四个字啊")
    assert Code(digits_only=True).parse(340822101.0) == "340822101"
    assert CadreRef().parse("张三 13912345678") == ("张三", "13912345678")
    assert CadreRef().parse("张三") == ("张三", None)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("手机号\n（必填）", "手机号"),
        ("  姓　名 ", "姓名"),
        ("*所属组织", "所属组织"),
        ("出生年份(YYYY)", "出生年份"),
    ],
)
def test_header_normalisation(raw, key):
    assert normalise_header(raw) == key


# --- a messy real ledger ------------------------------------------------------------------------------


def messy_rows():
    return [
        ["石牌镇团干部台账（2014年）"],
        ["填报单位：石牌镇团委", None, None, None, "填报日期：2014年9月"],
        ["基本信息", None, None, None, None, "任职情况", None],
        ["所属\n组织", "姓　名", "手机号（必填）", "性 别", "出生年月", "职务", "任职时间"],
        ["怀宁县/石牌镇/新河村", "张三", 13912345678.0, "男", "1990.05", "团支部书记", "2014年9月5日"],
        [None] * 7,
        ["石牌镇", "李四", "１３９１２３４５６７９", "女", 1992, "委员", 41887],
        ["新河村", "王五", "139-1234-5680", "女", "1993", "委员", "2014/9/5"],
        ["怀宁县/石牌镇", "赵六", "13912345681", "男", "1994年", "委员", "2014.9.5"],
        [None] * 7,
        ["注：本表由石牌镇团委填报，联系人：某某"],
        ["填表人：张三", None, None, "审核人：李四"],
    ]


def test_messy_xlsx_ledger_previews_and_commits(scope_world, tmp_path):
    path = files.xlsx(tmp_path / "台账.xlsx", messy_rows(), merges=["A1:G1", "A3:E3", "F3:G3"])
    report = preview(path, scope_world)
    assert report.ok, report.errors
    assert report.header_row == 4
    assert report.counts["new"] == 4
    assert report.ignored_rows == [11, 12]
    assert Cadre.objects.count() == 0  # a preview writes nothing
    report = preview(path, scope_world, commit=True)
    assert report.committed
    cadres = {c.name: c for c in Cadre.objects.select_related("org")}
    assert cadres["张三"].phone == "13912345678" and cadres["张三"].org.name == "新河村"
    assert cadres["张三"].birth_year == 1990
    assert cadres["李四"].phone == "13912345679" and cadres["李四"].org.name == "石牌镇"
    assert cadres["王五"].phone == "13912345680"
    starts = set(Position.objects.values_list("start_date", flat=True))
    assert starts == {datetime.date(2014, 9, 5)}
    assert Position.objects.get(cadre=cadres["张三"]).title == "secretary"
    # Importing the same file again changes nothing.
    again = preview(path, scope_world)
    assert again.counts["unchanged"] == 4 and again.counts["new"] == 0


def test_xls_from_excel_97(scope_world, tmp_path):
    path = files.xls(tmp_path / "台账.xls", [["团干部名册"], CADRES, *GOOD_ROWS])
    report = preview(path, scope_world)
    assert report.format == "xls"
    assert report.ok, report.errors
    assert report.counts["new"] == 2


def test_ods_from_libreoffice(scope_world, tmp_path):
    path = files.ods(tmp_path / "台账.ods", [CADRES, *GOOD_ROWS])
    report = preview(path, scope_world)
    assert report.format == "ods"
    assert report.ok, report.errors
    assert report.counts["new"] == 2


@pytest.mark.parametrize(
    ("encoding", "bom", "detected"),
    [
        ("utf-8", False, "utf-8"),
        ("utf-8", True, "utf-8-sig"),
        ("gbk", False, "gb18030"),
        ("gb18030", False, "gb18030"),
    ],
)
def test_csv_encodings_are_detected(scope_world, tmp_path, encoding, bom, detected):
    rows = [CADRES] + [[*r[:6], r[6].isoformat()] for r in GOOD_ROWS]
    rows += [["新河村", f"干部{i}", f"1391234{i:04d}", "男", 1990, "委员", "2014-09-05"] for i in range(40)]
    path = files.csv_file(tmp_path / "台账.csv", rows, encoding=encoding, bom=bom)
    assert detect_encoding(path) == detected
    report = preview(path, scope_world)
    assert report.ok, report.errors
    assert report.counts["new"] == 42
    assert report.samples["new"][0]["cells"][1] == "张三"


def test_sheet_choice_skips_empty_and_notes_sheets(scope_world, tmp_path):
    path = files.xlsx(
        tmp_path / "a.xlsx",
        [],
        sheet="说明",
        extra_sheets={"空表": [], "团干部": [CADRES, *GOOD_ROWS]},
    )
    source = open_sheet(path)
    assert source.sheet_name == "团干部"


def test_header_variants_and_unknown_columns(scope_world, tmp_path):
    header = ["序号", "单位", "干部姓名", "手机号码", "性别", "现任职务", "备注说明", "错误说明"]
    rows = [header, [1, "新河村", "张三", "13912345678", "男", "书记", "", "第 2 行：旧错误"]]
    report = preview(files.xlsx(tmp_path / "a.xlsx", rows), scope_world)
    assert report.ok, report.errors
    assert [name for _i, _h, name in report.mapped] == ["org", "name", "phone", "gender", "title", "notes"]
    assert report.unknown_headers == ["序号"]


def test_pre_numbered_empty_rows_are_ignored(scope_world, tmp_path):
    rows = [["序号", *CADRES], [1, *GOOD_ROWS[0]], [2], [3], [4]]
    report = preview(files.xlsx(tmp_path / "a.xlsx", rows), scope_world)
    assert report.ok and report.total == 1


def test_system_actor_resolves_relative_paths_under_an_org(scope_world, tmp_path):
    rows = [CADRES, ["石牌镇/新河村", "张三", "13912345678", "男", 1990, "委员", ""]]
    report = run_import(
        get_definition("cadres"),
        files.xlsx(tmp_path / "a.xlsx", rows),
        actor=SYSTEM,
        under=scope_world.county_in,
    )
    assert report.ok, report.errors
