"""``import_sheet`` and ``export_sheet``: exit codes 0 / 1 / 2, --errors, --dry-run, --under, --as."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from qingnong.core.models import AuditEntry
from qingnong.core.system import SYSTEM
from qingnong.orgs import services
from qingnong.orgs.models import Cadre

from . import files

pytestmark = pytest.mark.django_db

HEADER = ["所属组织", "姓名", "手机号", "职务"]


def import_sheet(*args):
    out = io.StringIO()
    try:
        call_command("import_sheet", *map(str, args), stdout=out, stderr=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_exit_0_when_committed(scope_world, tmp_path):
    path = files.xlsx(tmp_path / "a.xlsx", [HEADER, ["怀宁县/石牌镇/新河村", "张三", "13912345678", "书记"]])
    code, out = import_sheet("cadres", path)
    assert code == 0 and "已全部写入" in out
    assert Cadre.objects.filter(phone="13912345678").exists()


def test_dry_run_exits_0_and_writes_nothing(scope_world, tmp_path):
    path = files.xlsx(tmp_path / "a.xlsx", [HEADER, ["新河村", "张三", "13912345678", "书记"]])
    code, out = import_sheet("cadres", path, "--dry-run", "--as", "admin_in")
    assert code == 0 and "新增 1" in out and "未写入" in out
    assert not Cadre.objects.exists()


def test_exit_1_with_error_workbook(scope_world, tmp_path):
    path = files.xlsx(
        tmp_path / "a.xlsx", [HEADER, ["新河村", "张三", "13912345678", ""], ["新河村", "李四", "123", ""]]
    )
    errors = tmp_path / "errors.xlsx"
    code, out = import_sheet("cadres", path, "--errors", errors)
    assert code == 1
    assert "第 3 行 手机号：“123”不是11位手机号码" in out
    assert not Cadre.objects.exists()
    sheet = load_workbook(errors).active
    assert "第 3 行" in sheet.cell(3, 5).value
    dry_code, _ = import_sheet("cadres", path, "--dry-run")
    assert dry_code == 1


def test_exit_2_when_the_file_cannot_be_read(scope_world, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_text("姓名,手机号\n张三,13912345678\n", encoding="utf-8")
    code, out = import_sheet("cadres", path)
    assert code == 2 and "文件无法导入" in out and "内容是.csv" in out
    encrypted = files.encrypted_xlsx(tmp_path / "b.xlsx", [HEADER])
    assert import_sheet("cadres", encrypted)[0] == 2


def test_bad_arguments_exit_2(scope_world, tmp_path):
    path = files.xlsx(tmp_path / "a.xlsx", [HEADER])
    for args in (("nope", path), ("cadres", tmp_path / "missing.xlsx"), ("cadres", path, "--as", "ghost")):
        with pytest.raises(CommandError) as info:
            call_command("import_sheet", *map(str, args))
        assert info.value.returncode == 2


def test_as_user_applies_scope(scope_world, tmp_path):
    path = files.xlsx(tmp_path / "a.xlsx", [HEADER, ["太湖县/徐桥镇/桥东村", "张三", "13912345678", ""]])
    code, out = import_sheet("cadres", path, "--as", "admin_in")
    assert code == 1 and "超出您的管辖范围" in out
    assert import_sheet("cadres", path)[0] == 0  # the system actor may


def test_under_limits_and_relativises(scope_world, tmp_path):
    path = files.xlsx(tmp_path / "a.xlsx", [HEADER, ["新河村", "张三", "13912345678", ""]])
    assert import_sheet("cadres", path, "--under", "怀宁县/石牌镇", "--as", "admin_in")[0] == 0
    with pytest.raises(CommandError, match="不在您的管辖范围"):
        call_command("import_sheet", "cadres", str(path), "--under", "340825", "--as", "admin_in")


def test_export_round_trip_and_masking(scope_world, tmp_path):
    cadre = services.cadre_create(actor=SYSTEM, org=scope_world.village_in, name="张三", phone="13912345678")
    services.position_create(actor=SYSTEM, cadre=cadre, org=scope_world.village_in, title="secretary")
    services.cadre_create(actor=SYSTEM, org=scope_world.village_out, name="外县", phone="13912345679")
    out = tmp_path / "cadres.xlsx"
    call_command("export_sheet", "cadres", str(out), "--as", "admin_in", stdout=io.StringIO())
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("所属组织", "姓名", "手机号")
    assert rows[1][:3] == ("怀宁县/石牌镇/新河村", "张三", "13912345678")
    assert rows[1][6] == "书记"
    assert len(rows) == 2  # the other county is outside admin_in's scope
    assert AuditEntry.objects.filter(action="sheets.export.personal").count() == 1
    # An inspector may export but not see phones.
    masked = tmp_path / "masked.csv"
    call_command("export_sheet", "cadres", str(masked), "--as", "inspector", stdout=io.StringIO())
    text = masked.read_text(encoding="utf-8-sig")
    assert "139****5678" in text and "13912345678" not in text
    # The export imports again unchanged.
    code, result = import_sheet("cadres", out, "--dry-run", "--as", "admin_in")
    assert code == 0 and "无变化 1" in result


def test_export_orgs(scope_world, tmp_path):
    out = tmp_path / "orgs.csv"
    call_command("export_sheet", "orgs", str(out), "--under", "340822", stdout=io.StringIO())
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("组织名称,上级组织,层级")
    assert lines[1].startswith("怀宁县,安庆市,县级")
    assert any(line.startswith("新河村,怀宁县/石牌镇,基层,村团组织") for line in lines)
    code, _ = import_sheet("orgs", out, "--dry-run")
    assert code == 0
