"""The shortcuts of large imports give exactly what the plain path gives.

Column shortcuts (``fast_column``, memos of cacheable types) must parse every cell as ``parse`` does;
batches written as plain rows must leave every row with its audit entry (request id included), later
batches must see earlier writes, and nothing stays written when a later batch fails.
"""

from __future__ import annotations

import datetime

import pytest

from qingnong.core.context import RequestMeta, reset_request_meta, set_request_meta
from qingnong.core.models import AuditEntry
from qingnong.orgs.models import Cadre, Position
from qingnong.sheets.columns import EMPTY, MISS, CellError, Choice, Phone, Text
from qingnong.sheets.definitions import Column, OrgRef, SheetDefinition
from qingnong.sheets.pipeline import run_import
from qingnong.sheets.registry import get_definition

from . import files

pytestmark = pytest.mark.django_db

CELLS = [
    "张三",
    " 张三",
    "张三 ",
    "張三",
    "ＡＢＣ",
    "abc",
    "a\u3000b",
    "\u00a0x",
    "=SUM(A1)",
    "=",
    "   ",
    "",
    None,
    13912345678.0,
    13912345678,
    "13912345678",
    "139 1234 5678",
    "１３９１２３４５６７８",
    "+8613912345678",
    "1.3912345678E+10",
    "13912345678\n",
    "1391234567",
    True,
    1.5,
    datetime.date(2014, 9, 5),
    "x" * 60,
]


def plain(ctype, value):
    """What the pipeline makes of one cell without shortcuts."""
    if value == "" or value is None or (isinstance(value, str) and value.isspace()):
        return EMPTY
    if isinstance(value, str) and value.startswith("=") and len(value) > 1:
        return "formula"
    try:
        return ctype.parse(value)
    except CellError:
        return "error"


@pytest.mark.parametrize("ctype", [Text(), Text(max_length=50), Phone()])
def test_fast_columns_agree_with_parse(ctype):
    fast = ctype.fast_column(list(CELLS))
    assert fast is not None and len(fast) == len(CELLS)
    for value, got in zip(CELLS, fast, strict=True):
        if got is MISS:
            continue  # parse decides
        assert got == plain(ctype, value), value
        assert got is EMPTY or (got.__class__ is str and got == value), value


def test_a_subclass_with_its_own_parse_gets_no_shortcut():
    class Upper(Text):
        def parse(self, value):
            return super().parse(value).upper()

    assert Upper().fast_column(["abc"]) is None


def test_memo_keeps_true_apart_from_1(scope_world, tmp_path):
    """True == 1 in Python: the memo of a cacheable column must not give one cell's value to the other."""
    seen = []

    def validate(rows, ctx):
        for row in rows:
            seen.append(row.values["kind"])
            row.mark_new()

    definition = SheetDefinition(
        kind="test_memo",
        label="测试",
        columns=[
            Column("org", "所属组织", OrgRef(), required=True),
            Column("name", "名称", Text(), required=True),
            Column("kind", "类别", Choice([("1", "一"), ("是", "是")])),
        ],
        keys=[("name",)],
        scope_column="org",
        validate=validate,
        write=lambda rows, ctx: None,
    )
    rows = [["所属组织", "名称", "类别"], ["新河村", "甲", 1], ["新河村", "乙", True], ["新河村", "丙", 1]]
    report = run_import(
        definition, files.xlsx(tmp_path / "m.xlsx", rows), actor=scope_world.users["admin_in"]
    )
    assert report.counts["new"] == 3
    assert seen == ["1", "是", "1"]


CADRES = ["所属组织", "姓名", "手机号", "性别", "出生年份", "职务", "任职日期"]


def cadre(i, org="新河村"):
    return [org, f"干部{i}", f"1391234{i:04d}", "男", 1990, "委员", datetime.date(2014, 9, 5)]


def test_batches_are_all_written_with_their_audit(scope_world, tmp_path, monkeypatch):
    monkeypatch.setattr(get_definition("cadres"), "batch_size", 5)
    path = files.xlsx(tmp_path / "a.xlsx", [CADRES] + [cadre(i) for i in range(23)])
    token = set_request_meta(RequestMeta(request_id="req-batch", ip="10.0.0.9"))
    try:
        report = run_import(get_definition("cadres"), path, actor=scope_world.users["admin_in"], commit=True)
    finally:
        reset_request_meta(token)
    assert report.committed and report.counts["new"] == 23
    assert Cadre.objects.filter(phone__startswith="1391234").count() == 23
    assert Position.objects.filter(cadre__phone__startswith="1391234").count() == 23
    entries = AuditEntry.objects.filter(action="orgs.cadre.import")
    assert entries.count() == 23
    # Written in the request's context: the entries name the request.
    assert set(entries.values_list("request_id", "ip")) == {("req-batch", "10.0.0.9")}
    assert {e.actor_id for e in entries} == {scope_world.users["admin_in"].pk}


def test_a_write_failing_in_a_later_batch_undoes_everything(scope_world, tmp_path, monkeypatch):
    definition = get_definition("cadres")
    monkeypatch.setattr(definition, "batch_size", 5)
    real_write = definition.write
    calls = []

    def write(rows, ctx):
        calls.append(len(rows))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real_write(rows, ctx)

    monkeypatch.setattr(definition, "write", write)
    path = files.xlsx(tmp_path / "a.xlsx", [CADRES] + [cadre(i) for i in range(23)])
    before = (Cadre.objects.count(), Position.objects.count(), AuditEntry.objects.count())
    with pytest.raises(RuntimeError, match="disk full"):
        run_import(definition, path, actor=scope_world.users["admin_in"], commit=True)
    assert calls[:3] == [5, 5, 5]
    assert (Cadre.objects.count(), Position.objects.count(), AuditEntry.objects.count()) == before


def test_a_bad_row_after_written_batches_undoes_them(scope_world, tmp_path, monkeypatch):
    monkeypatch.setattr(get_definition("cadres"), "batch_size", 5)
    rows = [CADRES] + [cadre(i) for i in range(23)] + [cadre(99, org="不存在的村")]
    before = (Cadre.objects.count(), Position.objects.count(), AuditEntry.objects.count())
    report = run_import(
        get_definition("cadres"),
        files.xlsx(tmp_path / "a.xlsx", rows),
        actor=scope_world.users["admin_in"],
        commit=True,
    )
    assert not report.committed and report.counts == {
        "new": 23,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "bad": 1,
    }
    assert (Cadre.objects.count(), Position.objects.count(), AuditEntry.objects.count()) == before


def test_later_batches_see_earlier_writes(scope_world, tmp_path, monkeypatch):
    """A secretary named in batch 1 and another in batch 3 for the same org: the second is refused,
    and the cadres of batch 1 count as imported for batch 2's rules."""
    monkeypatch.setattr(get_definition("cadres"), "batch_size", 2)
    rows = [CADRES, cadre(1), [*cadre(2)[:5], "书记", None], cadre(3), cadre(4)]
    rows.append([*cadre(5)[:5], "书记", None])
    report = run_import(
        get_definition("cadres"),
        files.xlsx(tmp_path / "a.xlsx", rows),
        actor=scope_world.users["admin_in"],
        commit=True,
    )
    assert report.errors == [(6, "职务", "“新河村”已有在任书记“干部2”，请先为其办理离任（见第 3 行）")]


def test_in_values_matches_a_plain_in_list(scope_world):
    from qingnong.core.system import SYSTEM
    from qingnong.orgs import services
    from qingnong.orgs.models import Org
    from qingnong.sheets.bulkdb import in_values

    services.cadre_create(actor=SYSTEM, org=scope_world.village_in, name="张三", phone="13912345678")
    phones = ["13912345678", "13900000000", 'x"y']
    assert list(Cadre.objects.filter(phone__in=in_values(phones)).values_list("phone", flat=True)) == [
        "13912345678"
    ]
    ids = [scope_world.village_in.pk, scope_world.town_in.pk, 10**9]
    assert set(Org.objects.filter(pk__in=in_values(ids)).values_list("pk", flat=True)) == set(ids[:2])
    assert not Cadre.objects.filter(phone__in=in_values([])).exists()
