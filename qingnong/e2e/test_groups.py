"""The ledger as its users meet it: a village cadre on a phone registers a group with its QR photo, adds
members and sees the reach toward 20; a youth opens the live code; a county admin exports the villages
that have no 团青 group yet."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from qingnong.core.permissions import Role
from qingnong.core.system import SYSTEM
from qingnong.core.testing import PASSWORD
from qingnong.orgs.services import cadre_create, grant_create, org_create, user_create
from qingnong.wxgroups.models import ChatGroup, LiveCode
from qingnong.wxgroups.tests.helpers import make_group

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media_served(settings):
    settings.ROOT_URLCONF = "qingnong.wxgroups.tests.media_urls"


def _village_cadre(w):
    cadre = cadre_create(actor=SYSTEM, org=w.village_in, name="李书记", phone="13900007777")
    user = user_create(actor=SYSTEM, username="cungan", password=PASSWORD, home_org=w.village_in, cadre=cadre)
    grant_create(actor=SYSTEM, user=user, org=w.village_in, role=Role.ENTRY)
    return cadre


def _qr_photo(tmp_path):
    image = Image.new("RGB", (480, 640), "white")
    for x in range(40, 440, 24):
        for y in range(120, 520, 24):
            if (x * 7 + y * 3) % 48 < 24:
                image.paste((0, 0, 0), (x, y, x + 20, y + 20))
    path = tmp_path / "wechat-group-qr.jpg"
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    image.save(path, format="JPEG", exif=exif)
    return path


def test_village_cadre_registers_group_adds_members_and_sees_reach(
    live_server, phone, login, scope_world, tmp_path
):
    w = scope_world
    _village_cadre(w)
    page = login(phone, "cungan")
    page.goto(f"{live_server.url}/m/groups/")
    assert page.locator("#wx-reach-count").inner_text().startswith("0")
    page.click("text=登记新群")
    page.fill("input[name=name]", "新河村青年之家")
    page.check("input[name=bases][value=geo]")
    page.fill("input[name=member_count]", "36")
    file_input = page.locator("input[name=qr_image]")
    assert file_input.get_attribute("accept") == "image/*"
    assert file_input.get_attribute("capture") is not None
    file_input.set_input_files(str(_qr_photo(tmp_path)))
    page.click("form.qn-form button[type=submit]")
    page.wait_for_selector("h1:has-text('新河村青年之家')")
    assert page.locator("text=有效").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    group = ChatGroup.objects.get(name="新河村青年之家")
    assert group.owner.name == "李书记" and group.qr_is_valid()
    # Two members: one typed with a full-width phone number, one more after that.
    for name, number in (("王小明", "１３９１２３４０００１"), ("张小红", "13912340002")):
        page.click("text=添加成员")
        page.fill("input[name=name]", name)
        page.fill("input[name=phone]", number)
        page.click("form.qn-form button[type=submit]")
        page.wait_for_selector(f"#wx-members >> text={name}")
    # A wrong phone number is refused in Chinese and nothing is added.
    page.click("text=添加成员")
    page.fill("input[name=name]", "错号码")
    page.fill("input[name=phone]", "12345")
    page.click("form.qn-form button[type=submit]")
    page.wait_for_selector("text=不是11位手机号码")
    page.goto(f"{live_server.url}/m/youth/")
    assert page.locator("#wx-reach-count").inner_text().replace(" ", "").startswith("2/20")
    assert "还差 18 人" in page.locator("#wx-reach-gap").inner_text()
    assert page.locator("text=王小明").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_youth_opens_live_code_and_sees_valid_qr(live_server, phone, scope_world, media_served):
    w = scope_world
    group = make_group(w.village_in, "新河村青年之家", member_count=40)
    code = LiveCode.objects.get(groups=group, is_default=True)
    response = phone.goto(f"{live_server.url}/j/{code.code}")
    assert response.status == 200
    img = phone.locator("img.wx-qr")
    img.wait_for()
    phone.wait_for_function("document.querySelector('img.wx-qr').naturalWidth > 0")
    src = img.get_attribute("src")
    assert src == group.qr_image.url
    body = phone.request.get(f"{live_server.url}{src}").body()
    with Image.open(io.BytesIO(body)) as shown:
        assert shown.size[0] > 100
    assert phone.locator("text=长按上方二维码").is_visible()
    text = phone.locator("body").inner_text()
    assert not re.search(r"1[3-9]\d{9}", text)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_county_admin_exports_villages_without_tuanqing_group(live_server, desktop, login, scope_world):
    w = scope_world
    make_group(w.village_in, "新河村青年之家")
    org_create(actor=SYSTEM, parent=w.town_in, name="无群村", level="grassroots", kind="village")
    page = login(desktop, "admin_in")
    page.goto(f"{live_server.url}/groups/")
    page.click("text=没有团青群的村")
    page.fill("form.qn-filter input[name=under]", "怀宁县")
    page.wait_for_selector("datalist option", state="attached")  # the picker's suggestions came back
    page.click("form.qn-filter button[type=submit]")
    page.wait_for_url(re.compile(r"/groups/gaps/\?.*under="))
    page.wait_for_selector("td:has-text('无群村')")
    assert page.locator("td:has-text('新河村')").count() == 0
    assert page.locator("td:has-text('桥东村')").count() == 0
    # The filter ran through htmx, which leaves the export links as they were; opened as a page, the
    # filtered list carries the filter in its export links.
    page.goto(f"{live_server.url}/groups/gaps/?under=%E6%80%80%E5%AE%81%E5%8E%BF")
    page.wait_for_selector("td:has-text('无群村')")
    export = page.locator("a:has-text('导出 CSV')")
    assert "under=" in export.get_attribute("href")
    with page.expect_download() as info:
        export.click()
    with open(info.value.path(), encoding="utf-8-sig") as handle:
        content = handle.read()
    assert "无群村,石牌镇,怀宁县" in content
    assert "桥东村" not in content and "新河村" not in content
