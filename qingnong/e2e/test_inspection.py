"""Inspection and submissions in a real browser: an inspector scores a township (a reason is required) and
the assessment table shows it; a county admin downloads the draft summary to start from."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from qingnong.campaign import services as campaign_services
from qingnong.core.system import SYSTEM

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def campaign(scope_world):
    return campaign_services.campaign_create(actor=SYSTEM, org=scope_world.city, year=2014)


def test_inspector_scores_a_township_with_a_reason_and_the_table_shows_it(
    live_server, desktop, login, scope_world, campaign
):
    import openpyxl

    w = scope_world
    page = login(desktop, "inspector")
    page.goto(f"{live_server.url}/inspection/?org={w.county_in.pk}")
    row = page.locator("tr", has_text="石牌镇")
    row.locator("a:has-text('评分')").click()
    page.wait_for_selector("h1:has-text('考核评分')")
    page.select_option("select[name=dimension]", "groups")
    page.fill("input[name=score]", "88")
    page.click("button:has-text('保存调整')")
    assert "调整评分须填写理由" in page.locator("form.qn-form").inner_text()
    page.fill("textarea[name=reason]", "乡镇自查材料齐全，抽查三个村属实")
    page.click("button:has-text('保存调整')")
    page.wait_for_selector(".qn-history .entry")
    assert "乡镇自查材料齐全" in page.locator(".qn-history").inner_text()
    page.goto(f"{live_server.url}/inspection/?org={w.county_in.pk}")
    town_row = page.locator("tr", has_text="石牌镇")
    assert "88" in town_row.inner_text() and town_row.locator(".qn-badge:has-text('调')").count() == 1
    with page.expect_download() as download:
        page.click("a:has-text('导出年度考核表')")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    rows = [[c.value for c in r] for r in book.active.iter_rows()]
    town = next(r for r in rows if "石牌镇" in r)
    assert 88 in town or 88.0 in town


def test_county_admin_downloads_the_draft_summary(live_server, desktop, login, scope_world, campaign):
    import docx

    page = login(desktop, "admin_in")
    page.goto(f"{live_server.url}/submissions/")
    with page.expect_download() as download:
        page.click("a:has-text('总结草稿')")
    assert download.value.suggested_filename.endswith(".docx")
    document = docx.Document(download.value.path())
    text = "\n".join(p.text for p in document.paragraphs)
    assert "怀宁县" in text and "专题总结" in text
