"""The dashboard in a real browser: the city admin sees which counties miss R2 with their villages, drills
into one and exports its late list; a county admin's dashboard fits a phone and draws its charts."""

from __future__ import annotations

from pathlib import Path

import pytest

from qingnong.dashboard.tests.helpers import group, past_campaign, village

pytestmark = pytest.mark.django_db(transaction=True)


def test_city_admin_finds_counties_missing_r2_drills_in_and_exports(live_server, desktop, login, scope_world):
    w = scope_world
    past_campaign(w)
    group(w.village_in)
    village(w.town_in, "东河村")
    page = login(desktop, "city_admin")
    assert page.url.rstrip("/") == live_server.url  # the dashboard is the home page
    r2 = page.locator("details[data-rule=R2]")
    assert r2.locator("summary").inner_text().count("个未达标") == 1
    assert "怀宁县" in r2.inner_text() and "太湖县" in r2.inner_text()
    assert "东河村" in r2.inner_text() and "桥东村" in r2.inner_text()
    # Drill into 怀宁县 from the late list.
    r2.locator(f"a[data-drill='{w.county_in.pk}']").click()
    page.wait_for_selector("h1:has-text('团怀宁县委')")
    assert f"org={w.county_in.pk}" in page.url
    late = page.locator("#late")
    assert "石牌镇" in late.inner_text() and "东河村" in late.inner_text()
    assert "太湖县" not in late.inner_text()
    with page.expect_download() as download:
        page.click("#late a[data-export=late-csv]")
    path = download.value.path()
    text = Path(path).read_text(encoding="utf-8-sig")
    assert download.value.suggested_filename.startswith("逾期清单-怀宁县")
    assert "R2" in text and "东河村" in text and "石牌镇" in text and "桥东村" not in text


def test_county_dashboard_fits_a_phone_and_draws_charts(live_server, phone, login, scope_world):
    w = scope_world
    past_campaign(w)
    group(w.village_in)
    page = login(phone, "admin_in")
    page.wait_for_selector("#chart-groups canvas")
    assert page.locator("#chart-coverage canvas").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # Switch the ranking to another indicator (htmx swaps the table only).
    page.select_option("#ranking select[name=indicator]", "g_tq")
    page.wait_for_function("document.querySelector('#qn-ranking').innerText.includes('1个')")
    assert "石牌镇" in page.locator("#qn-ranking").inner_text()


def test_large_dashboard_computes_in_the_background_and_reloads_when_ready(
    live_server, desktop, login, scope_world, settings, monkeypatch
):
    """A subtree too large to compute in a request: the page says its figures are being computed, polls,
    and shows them by itself once the background job has stored them."""
    from django.core.cache import cache

    from qingnong.dashboard import tasks

    w = scope_world
    past_campaign(w)
    group(w.village_in)
    settings.FIGURES_CACHE_SECONDS = 600
    settings.DASHBOARD_LIVE_MAX_ORGS = 1
    cache.clear()
    queued: list[int] = []
    monkeypatch.setattr(tasks.refresh_dashboard_figures, "delay", queued.append)
    page = login(desktop, "city_admin")
    notice = page.locator("#qn-figures-pending")
    notice.wait_for()
    assert "正在后台计算" in notice.inner_text()
    assert page.locator("[data-kpi=R2]").count() == 0
    assert queued == [w.city.pk]
    tasks.refresh_dashboard_figures(w.city.pk)  # the worker finishes
    page.wait_for_selector("[data-kpi=R2]", timeout=10_000)
    assert "数据更新于" in page.locator("h1").inner_text()
    assert queued == [w.city.pk]
    cache.clear()
