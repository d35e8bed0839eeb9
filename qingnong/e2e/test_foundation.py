"""A new user's first steps: log in, browse the tree, see only the own subtree, edit a cadre."""

from __future__ import annotations

import pytest

from qingnong.core.system import SYSTEM
from qingnong.orgs import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_county_admin_browses_own_subtree_on_desktop(live_server, desktop, login, scope_world):
    w = scope_world
    services.cadre_create(actor=SYSTEM, org=w.town_in, name="石牌干部", phone="13900001111")
    services.cadre_create(actor=SYSTEM, org=w.town_out, name="徐桥干部", phone="13900002222")
    page = login(desktop, "admin_in")
    page.goto(f"{live_server.url}/orgs/")
    assert page.locator("text=团怀宁县委").count() == 1
    assert page.locator("text=太湖").count() == 0
    page.click(".qn-tree .toggle")
    page.wait_for_selector("text=石牌镇")
    page.goto(f"{live_server.url}/cadres/")
    assert page.locator("text=石牌干部").count() == 1
    assert page.locator("text=徐桥干部").count() == 0
    # The other county's org page is a 404, like a page that does not exist.
    response = page.goto(f"{live_server.url}/orgs/{w.county_out.pk}/")
    assert response.status == 404


def test_township_cadre_adds_a_cadre_on_a_phone(live_server, phone, login, scope_world):
    page = login(phone, "entry_in")
    page.goto(f"{live_server.url}/cadres/add/")
    assert page.viewport_size["width"] == 375
    page.fill("input[name=org]", "石牌镇")
    page.fill("input[name=name]", "新来的干部")
    page.fill("input[name=phone]", "１３９００００３３３３")
    page.click("form.qn-form button[type=submit]")
    page.wait_for_selector("h1:has-text('新来的干部')")
    assert page.locator("dd:has-text('13900003333')").count() == 1
    # The page fits the phone: no horizontal scrolling of the body.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_bad_phone_shows_chinese_error(live_server, phone, login, scope_world):
    page = login(phone, "entry_in")
    page.goto(f"{live_server.url}/cadres/add/")
    page.fill("input[name=org]", "石牌镇")
    page.fill("input[name=name]", "某")
    page.fill("input[name=phone]", "12345")
    page.click("form.qn-form button[type=submit]")
    page.wait_for_selector("text=不是11位手机号码")


def test_list_filter_updates_table_count_and_export_links(live_server, desktop, login, scope_world):
    w = scope_world
    services.cadre_create(actor=SYSTEM, org=w.town_in, name="张甲", phone="13900005555")
    services.cadre_create(actor=SYSTEM, org=w.village_in, name="李乙", phone="13900006666")
    page = login(desktop, "admin_in")
    page.goto(f"{live_server.url}/cadres/")
    page.fill("input[name=q]", "张甲")
    page.click("form.qn-filter button[type=submit]")
    page.wait_for_function("!document.body.innerText.includes('李乙')")
    assert "q=" in page.url  # the filter is in the address bar
    assert page.locator("h1 small").inner_text() == "共 1 条"
    href = page.locator("a:has-text('导出 CSV')").get_attribute("href")
    assert "q=%E5%BC%A0%E7%94%B2" in href and "export=csv" in href
