"""Every bad input of the issue: a clear Chinese message, and nothing written."""

from __future__ import annotations

import datetime
import zipfile

import pytest

from qingnong.core.models import AuditEntry
from qingnong.orgs.models import Cadre, Org, Position
from qingnong.sheets.pipeline import run_import
from qingnong.sheets.registry import get_definition

from . import files

pytestmark = pytest.mark.django_db

CADRES = ["所属组织", "姓名", "手机号", "性别", "出生年份", "职务", "任职日期"]


def row(org="怀宁县/石牌镇/新河村", name="张三", phone="13912345678", title="委员"):
    return [org, name, phone, "男", 1990, title, datetime.date(2014, 9, 5)]


def snapshot_counts():
    return (Cadre.objects.count(), Position.objects.count(), Org.objects.count(), AuditEntry.objects.count())


def commit(path, world, who="admin_in", kind="cadres", **kw):
    before = snapshot_counts()
    report = run_import(get_definition(kind), path, actor=world.users[who], commit=True, **kw)
    assert not report.committed
    assert snapshot_counts() == before, "a rejected import must write nothing"
    return report


# --- the file as a whole --------------------------------------------------------------------------


def test_unreadable_file(scope_world, tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 200)
    report = commit(path, scope_world)
    assert report.file_error_code == "unreadable"
    assert "已损坏" in report.file_error


def test_random_bytes(scope_world, tmp_path):
    path = tmp_path / "台账.xls"
    path.write_bytes(bytes(range(256)) * 40)
    report = commit(path, scope_world)
    assert "已损坏或不是表格文件" in report.file_error


def test_encrypted_xlsx(scope_world, tmp_path):
    path = files.encrypted_xlsx(tmp_path / "加密台账.xlsx", [CADRES, row()])
    report = commit(path, scope_world)
    assert report.file_error_code == "encrypted"
    assert "密码" in report.file_error and "取消密码" in report.file_error


@pytest.mark.parametrize(
    ("name", "maker", "says"),
    [
        ("台账.xlsx", lambda p: files.csv_file(p, [CADRES, row()]), "内容是.csv（文本）"),
        ("台账.xls", lambda p: files.xlsx(p, [CADRES, row()]), "内容是.xlsx（Excel 工作簿）"),
        ("台账.csv", lambda p: files.xlsx(p, [CADRES, row()]), "内容是.xlsx（Excel 工作簿）"),
        ("台账.xlsx", lambda p: files.ods(p, [CADRES, row()]), "内容是.ods（ODS 表格）"),
        (
            "台账.xls",
            lambda p: p.write_text("<html><table><tr><td>姓名</td></tr></table></html>"),
            "网页（HTML）",
        ),
    ],
)
def test_wrong_extension_for_the_content(scope_world, tmp_path, name, maker, says):
    path = tmp_path / name
    maker(path)
    report = commit(path, scope_world)
    assert report.file_error_code == "wrong_extension"
    assert says in report.file_error and "另存为" in report.file_error


def test_unsupported_extension(scope_world, tmp_path):
    path = tmp_path / "台账.docx"
    path.write_bytes(b"whatever")
    assert "不支持的文件类型" in commit(path, scope_world).file_error


@pytest.mark.parametrize("rows", [[], [CADRES]])
def test_empty_sheet(scope_world, tmp_path, rows):
    report = commit(files.xlsx(tmp_path / "空.xlsx", rows), scope_world)
    assert report.file_error_code == "empty"
    assert "空" in report.file_error


def test_empty_csv(scope_world, tmp_path):
    path = tmp_path / "空.csv"
    path.write_bytes(b"")
    assert "空的" in commit(path, scope_world).file_error


def test_no_recognisable_header(scope_world, tmp_path):
    report = commit(files.xlsx(tmp_path / "a.xlsx", [["甲", "乙"], [1, 2]]), scope_world)
    assert report.file_error_code == "no_header"
    assert "找不到表头" in report.file_error and "手机号" in report.file_error


def test_missing_required_column(scope_world, tmp_path):
    rows = [["所属组织", "姓名", "性别"], ["新河村", "张三", "男"]]
    report = commit(files.xlsx(tmp_path / "a.xlsx", rows), scope_world)
    assert report.file_error_code == "missing_columns"
    assert "缺少必填列：手机号" in report.file_error
    assert "也可写作" in report.file_error


def test_file_over_the_size_limit(scope_world, tmp_path, settings):
    settings.SHEETS_MAX_UPLOAD_BYTES = 4096
    path = files.csv_file(tmp_path / "大.csv", [CADRES] + [row(phone=f"1391234{i:04d}") for i in range(200)])
    report = commit(path, scope_world)
    assert report.file_error_code == "too_large"
    assert "超过上限" in report.file_error and "MB" in report.file_error


def test_default_size_limit_is_20_mb(settings):
    from qingnong.sheets.readers import max_bytes

    assert max_bytes() == 20 * 1024 * 1024


def test_file_over_the_row_limit(scope_world, tmp_path, settings):
    settings.SHEETS_MAX_ROWS = 50
    rows = [CADRES] + [row(phone=f"1391234{i:04d}") for i in range(300)]
    report = commit(files.xlsx(tmp_path / "a.xlsx", rows), scope_world)
    assert report.file_error_code == "too_many_rows"
    assert "超过单次导入上限 50 行" in report.file_error


def test_row_limit_counted_while_reading(scope_world, tmp_path, settings):
    """Blank padding fools the sheet height estimate; the data rows are counted as they are read."""
    settings.SHEETS_MAX_ROWS = 60
    rows = [CADRES] + [row(phone=f"1391234{i:04d}") for i in range(80)]
    report = commit(files.xlsx(tmp_path / "a.xlsx", rows), scope_world)
    assert report.file_error_code == "too_many_rows"


def test_default_row_limit_is_200k():
    from qingnong.sheets.readers import max_rows

    assert max_rows() == 200_000


def test_zip_bomb_declared_size(scope_world, tmp_path):
    path = files.zip_bomb_xlsx(tmp_path / "炸弹.xlsx", inflated_mb=1100)
    report = commit(path, scope_world)
    assert report.file_error_code == "zip_bomb"
    assert "压缩炸弹" in report.file_error


def test_zip_bomb_lying_about_its_size(scope_world, tmp_path, settings):
    """A member that declares a small size but inflates to more is caught while inflating."""
    settings.SHEETS_MAX_UNPACKED_BYTES = 50 * 1024 * 1024
    honest = files.zip_bomb_xlsx(tmp_path / "h.xlsx", inflated_mb=40)
    data = bytearray(honest.read_bytes())
    with zipfile.ZipFile(honest) as zf:
        info = zf.getinfo("xl/padding.bin")
    # Patch the declared sizes (local header and central directory) down to 1 KB.
    real = info.file_size.to_bytes(4, "little") if info.file_size < 2**32 else None
    assert real is not None
    patched = bytes(data).replace(real, (1024).to_bytes(4, "little"))
    path = tmp_path / "liar.xlsx"
    path.write_bytes(patched)
    report = commit(path, scope_world)
    assert report.file_error_code in {"zip_bomb", "unreadable"}
    assert report.file_error


def _patched_xlsx(tmp_path, name, patch):
    """A valid .xlsx whose every member header (local and central) is changed by ``patch(header, at)``,
    where ``at`` is the offset of the general-purpose flags in that header."""
    plain = files.xlsx(tmp_path / f"{name}.plain.xlsx", [CADRES, row()])
    data = bytearray(plain.read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (found := data.find(signature, start)) != -1:
            patch(data, found + flags_at)
            start = found + 4
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(bytes(data))
    return path


def test_zip_member_with_an_unknown_compression_method(scope_world, tmp_path):
    def method_99(data, flags_at):
        data[flags_at + 2 : flags_at + 4] = (99).to_bytes(2, "little")  # the method follows the flags

    report = commit(_patched_xlsx(tmp_path, "怪压缩", method_99), scope_world)
    assert report.file_error_code == "unreadable"
    assert "无法识别的压缩方式（99）" in report.file_error


def test_zip_member_encrypted_with_a_zip_password(scope_world, tmp_path):
    def encrypted(data, flags_at):
        data[flags_at] |= 0x1

    report = commit(_patched_xlsx(tmp_path, "压缩包密码", encrypted), scope_world)
    assert report.file_error_code == "encrypted"
    assert "压缩包密码" in report.file_error


# --- rows -----------------------------------------------------------------------------------------


def test_unknown_org_path(scope_world, tmp_path):
    rows = [CADRES, row(), row(org="怀宁县/不存在镇/某村", phone="13912345679")]
    report = commit(files.xlsx(tmp_path / "a.xlsx", rows), scope_world)
    assert report.counts["bad"] == 1 and report.counts["new"] == 1
    assert report.errors[0][:2] == (3, "所属组织")
    assert "找不到组织“怀宁县/不存在镇/某村”" in report.errors[0][2]


def test_duplicate_key_inside_the_file(scope_world, tmp_path):
    rows = [CADRES, row(), row(name="张三", phone="139 1234 5678")]
    report = commit(files.xlsx(tmp_path / "a.xlsx", rows), scope_world)
    assert report.errors == [(3, "手机号", "与第 2 行重复（手机号“13912345678”），同一文件中只能出现一次")]


def test_row_outside_the_importers_scope(scope_world, tmp_path):
    rows = [CADRES, row(), row(org="太湖县/徐桥镇/桥东村", phone="13912345679")]
    report = commit(files.xlsx(tmp_path / "a.xlsx", rows), scope_world)
    assert report.counts["bad"] == 1
    number, header, message = report.errors[0]
    assert (number, header) == (3, "所属组织")
    assert "超出您的管辖范围" in message


def test_existing_record_outside_scope_cannot_be_changed(scope_world, tmp_path):
    from qingnong.core.system import SYSTEM
    from qingnong.orgs.services import cadre_create

    cadre_create(actor=SYSTEM, org=scope_world.village_out, name="张三", phone="13912345678")
    report = commit(files.xlsx(tmp_path / "a.xlsx", [CADRES, row()]), scope_world)
    assert "您管辖范围以外" in report.errors[0][2]


def test_row_outside_under(scope_world, tmp_path):
    rows = [CADRES, row(org="安庆市", phone="13912345679")]
    report = commit(files.xlsx(tmp_path / "a.xlsx", rows), scope_world, under=scope_world.town_in)
    assert "不在本次导入范围" in report.errors[0][2]


def test_formula_cell_where_a_value_is_expected(scope_world, tmp_path):
    rows = [CADRES, row(), [*row(phone="13912345679")[:2], "=C2+1", *row()[3:]]]
    report = commit(files.xlsx(tmp_path / "a.xlsx", rows), scope_world)
    assert report.errors[0][:2] == (3, "手机号")
    assert "是公式" in report.errors[0][2] and "数值" in report.errors[0][2]


def test_formula_cell_in_ods(scope_world, tmp_path):
    path = files.ods(tmp_path / "a.ods", [CADRES, row(), row(phone="13912345679")], formula_at=(2, 4))
    report = commit(path, scope_world)
    assert report.errors[0][:2] == (3, "出生年份")
    assert "是公式" in report.errors[0][2]


def test_formula_text_in_csv(scope_world, tmp_path):
    rows = [CADRES, row(), [*row()[:2], "=HYPERLINK(1)", *row()[3:6], "2014-09-05"]]
    report = commit(files.csv_file(tmp_path / "a.csv", rows), scope_world)
    assert "是公式" in report.errors[0][2]


def test_bad_values_name_row_column_and_problem(scope_world, tmp_path):
    rows = [CADRES, ["新河村", "", "12345", "未知", 1800, "司令", "明天"]]
    report = commit(files.xlsx(tmp_path / "a.xlsx", rows), scope_world)
    by_column = {header: message for _n, header, message in report.errors}
    assert by_column["姓名"] == "必填，不能为空"
    assert "不是11位手机号码" in by_column["手机号"]
    assert "可选：男、女" in by_column["性别"]
    assert "早于 1940" in by_column["出生年份"]
    assert "不是可选值" in by_column["职务"]
    assert "不是日期" in by_column["任职日期"]
    assert report.error_rows[2][0].startswith("姓名：")


def test_a_bad_row_late_in_a_big_file_undoes_the_earlier_batches(scope_world, tmp_path, monkeypatch):
    """Batches are written as they are validated; one bad row at the end rolls everything back."""
    definition = get_definition("cadres")
    monkeypatch.setattr(definition, "batch_size", 5)
    rows = [CADRES] + [row(name=f"干部{i}", phone=f"1391234{i:04d}") for i in range(23)]
    rows.append(row(org="不存在的村", phone="13900009999"))
    report = commit(files.xlsx(tmp_path / "a.xlsx", rows), scope_world)
    assert report.counts["new"] == 23 and report.counts["bad"] == 1


def test_rule_violations_of_the_services(scope_world, tmp_path):
    from qingnong.core.system import SYSTEM
    from qingnong.orgs.services import cadre_create, position_create

    holder = cadre_create(actor=SYSTEM, org=scope_world.village_in, name="老书记", phone="13800000001")
    position_create(actor=SYSTEM, cadre=holder, org=scope_world.village_in, title="secretary")
    rows = [
        [*CADRES, "离任日期"],
        [*row(title="书记"), None],
        [*row(name="王五", phone="13912345679", title="委员"), datetime.date(2014, 1, 1)],
        [*row(name="错名", phone="13800000001"), None],
    ]
    report = commit(files.xlsx(tmp_path / "a.xlsx", rows), scope_world)
    messages = {n: m for n, _h, m in report.errors}
    assert messages[2] == "“新河村”已有在任书记“老书记”，请先为其办理离任"
    assert messages[3] == "离任日期不能早于任职日期"
    assert "已登记为“新河村 老书记”" in messages[4] and "不符" in messages[4]


def test_two_secretaries_of_one_org_in_the_file(scope_world, tmp_path):
    rows = [CADRES, row(title="书记"), row(name="李四", phone="13912345679", title="团支部书记")]
    report = commit(files.xlsx(tmp_path / "a.xlsx", rows), scope_world)
    assert report.errors == [(3, "职务", "“新河村”已有在任书记“张三”，请先为其办理离任（见第 2 行）")]


def test_level_order_of_new_orgs(scope_world, tmp_path):
    rows = [["组织名称", "上级组织", "层级"], ["新乡", "怀宁县/石牌镇", "乡镇"]]
    report = commit(files.xlsx(tmp_path / "a.xlsx", rows), scope_world, kind="orgs")
    assert report.errors[0][1] == "层级"
    assert "层级不符：乡镇组织不能设在乡镇组织“石牌镇”之下" in report.errors[0][2]
