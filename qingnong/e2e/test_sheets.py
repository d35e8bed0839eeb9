"""A county admin imports the township's messy ledger: preview, errors, error workbook, fix, commit."""

from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook

from qingnong.orgs.models import Cadre

pytestmark = pytest.mark.django_db(transaction=True)


def messy_ledger(path):
    """What a township office really sends: title rows, a merged group header, blank and note rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = "团干部台账"
    ws.append(["石牌镇团干部台账（2014年9月）"])
    ws.append(["填报单位：石牌镇团委", None, None, None, "填报日期：2014年9月8日"])
    ws.append(["基本信息", None, None, None, None, "任职情况", None])
    ws.append(["所属\n组织", "姓　名", "手机号（必填）", "性别", "出生年月", "职务", "任职时间"])
    ws.append(["怀宁县/石牌镇/新河村", "张三", 13912345678.0, "男", "1990.05", "团支部书记", "2014年9月5日"])
    ws.append([None] * 7)
    ws.append(["石牌镇", "李四", "１３９１２３４５６７９", "女", 1992, "委员", 41887])
    ws.append(["新河村", "王五", "1391234568", "女", "1993", "委员", "2014/9/5"])  # a digit short
    # No such village:
    ws.append(["怀宁县/石牌镇/旧河村", "赵六", "13912345681", "男", "1994年", "委员", "2014.9.5"])
    ws.append(["注：本表由石牌镇团委填报"])
    ws.merge_cells("A1:G1")
    ws.merge_cells("A3:E3")
    ws.merge_cells("F3:G3")
    wb.save(path)
    return path


def test_county_admin_imports_a_messy_ledger(live_server, desktop, login, scope_world, tmp_path):
    page = login(desktop, "admin_in")
    page.goto(f"{live_server.url}/cadres/")
    page.click("a.qn-btn:has-text('导入')")
    page.wait_for_selector("h1:has-text('导入团干部')")
    page.set_input_files("#import-form input[type=file]", str(messy_ledger(tmp_path / "石牌镇台账.xlsx")))
    page.click("#import-form button[type=submit]")

    # The preview: counts, the rows with errors named by row, column and problem; no commit button.
    page.wait_for_selector("#import-counts")
    assert page.locator(".qn-count-new .n").inner_text() == "2"
    assert page.locator(".qn-count-bad .n").inner_text() == "2"
    errors = page.locator("#import-errors").inner_text()
    assert "第 8 行" in errors and "不是11位手机号码" in errors
    assert "第 9 行" in errors and "找不到组织" in errors
    assert page.locator("#commit-form").count() == 0
    assert not Cadre.objects.exists()

    # The error workbook: the same rows at the same row numbers, plus the error column.
    with page.expect_download() as download_info:
        page.click("#download-errors")
    report = tmp_path / "错误报告.xlsx"
    download_info.value.save_as(report)
    wb = load_workbook(report)
    ws = wb.active
    assert ws["H4"].value == "错误说明"
    assert "不是11位手机号码" in ws["H8"].value and "找不到组织" in ws["H9"].value
    ws["C8"] = "13912345680"
    ws["A9"] = "怀宁县/石牌镇/新河村"
    wb.save(report)

    # Upload the corrected workbook; the preview is clean; commit.
    page.click("#import-errors a:has-text('重新上传')")
    page.wait_for_selector("#import-form")
    page.set_input_files("#import-form input[type=file]", str(report))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#commit-form")
    assert page.locator(".qn-count-new .n").inner_text() == "4"
    assert page.locator(".qn-count-bad .n").inner_text() == "0"
    page.click("#commit-form button[type=submit]")
    page.wait_for_selector("#import-done")
    assert "新增 4 行" in page.locator("#import-done").inner_text()
    assert set(Cadre.objects.values_list("name", flat=True)) == {"张三", "李四", "王五", "赵六"}

    # The roster shows them; "我的任务" lists both imports.
    page.goto(f"{live_server.url}/cadres/")
    assert page.locator("td:has-text('王五')").count() == 1
    page.goto(f"{live_server.url}/jobs/")
    assert page.locator("text=导入团干部：石牌镇台账.xlsx").count() == 1
    assert page.locator("text=导入团干部：错误报告.xlsx").count() == 1
