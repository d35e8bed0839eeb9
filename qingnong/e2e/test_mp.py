"""Official accounts in a real browser: an editor takes a post from draft to published; a youth's subscribe
through an org's QR code (a signed event POSTed to the callback) shows up in the org's followers and ranking;
"入群 <village>" answers the right live code; a cadre confirms on a phone that they follow (R8)."""

from __future__ import annotations

import time

import pytest
import requests
import xmltodict

from qingnong.core.permissions import Role
from qingnong.core.system import SYSTEM
from qingnong.core.testing import PASSWORD
from qingnong.mp import services, wxsim
from qingnong.mp.models import Follower, Post, QrCode
from qingnong.mp.tests.conftest import AES_KEY, APP_ID, ORIGINAL_ID, TOKEN, make_account
from qingnong.mp.tests.fakewechat import FakeWeChat
from qingnong.orgs.services import cadre_create, grant_create, user_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake_wechat(settings):
    from qingnong.mp.tests.conftest import APP_SECRET

    fake = FakeWeChat().start()
    fake.register(APP_ID, APP_SECRET)
    settings.MP_API_BASE_URL = fake.url
    yield fake
    fake.stop()


@pytest.fixture
def editor(scope_world):
    user = user_create(actor=SYSTEM, username="editor_in", password=PASSWORD, home_org=scope_world.county_in)
    grant_create(actor=SYSTEM, user=user, org=scope_world.county_in, role=Role.EDITOR)
    return user


def callback(live_server, account, xml):
    query, body = wxsim.signed(token=TOKEN, xml=xml, aes_key=AES_KEY, app_id=APP_ID, to=ORIGINAL_ID)
    response = requests.post(
        f"{live_server.url}{account.callback_path()}",
        params=query,
        data=body,
        timeout=10,
        headers={"Content-Type": "text/xml"},
    )
    assert response.status_code == 200, response.text
    if response.content == b"success":
        return None
    return xmltodict.parse(
        wxsim.decrypt_reply(token=TOKEN, aes_key=AES_KEY, app_id=APP_ID, body=response.content)
    )["xml"]


def test_editor_moves_a_post_from_draft_to_published(
    live_server, desktop, login, scope_world, editor, fake_wechat
):
    account = make_account(scope_world.county_in, name="青春怀宁", default_thumb_media_id="THUMB_DEMO")
    page = login(desktop, "editor_in")
    page.goto(f"{live_server.url}/mp/posts/add/?account={account.pk}")
    page.fill("input[name=title]", "返乡创业补贴申领指南")
    page.select_option("select[name=category]", label="政策解读")
    page.fill("textarea[name=content]", "符合条件的返乡创业青年可申请……")
    page.click("form.qn-form button[type=submit]")
    page.wait_for_selector("#post-status:has-text('草稿')")
    page.click("form.post-submit button[type=submit]")
    page.wait_for_selector("#post-status:has-text('待审核')")
    page.fill("form.post-review textarea[name=comment]", "内容准确，同意发布")
    page.click("form.post-review button[type=submit]:has-text('审核通过')")
    page.wait_for_selector("#post-status:has-text('已通过')")
    page.click("form.post-publish button[type=submit]")
    # draft/add + freepublish/submit on the (fake) WeChat API; the poll job reads the verdict.
    page.wait_for_selector("#post-status:has-text('已发布')")
    post = Post.objects.get()
    assert post.status == "published" and post.reviewer_id == editor.pk and post.author_id == editor.pk
    assert post.url.startswith("https://mp.weixin.qq.com/")
    assert page.locator(f"a[href='{post.url}']").count() == 1
    assert fake_wechat.drafts[post.media_id][0]["title"] == "返乡创业补贴申领指南"


def test_subscribe_through_org_qr_shows_in_followers_and_ranking(
    live_server, desktop, login, scope_world, fake_wechat
):
    w = scope_world
    account = make_account(w.county_in, name="青春怀宁")
    services.rule_create(
        actor=SYSTEM,
        account=account,
        kind="subscribe",
        name="欢迎",
        reply_type="text",
        reply_text="欢迎关注青春怀宁！",
    )
    from qingnong.mp.client import client_for

    code = services.qrcode_ensure(account=account, org=w.village_in, client=client_for(account))
    xml = wxsim.event_xml(
        to=ORIGINAL_ID, sender="oYouthE2E01", event="subscribe", key=f"qrscene_{code.scene}"
    )
    assert callback(live_server, account, xml)["Content"] == "欢迎关注青春怀宁！"
    assert callback(live_server, account, xml) is None  # WeChat's retry: processed once
    assert Follower.objects.get(openid="oYouthE2E01").org_id == w.village_in.pk

    page = login(desktop, "admin_in")
    page.goto(f"{live_server.url}/mp/orgs/{w.town_in.pk}/recruitment/")
    row = page.locator("#recruit-ranking tbody tr").first
    assert "新河村" in row.inner_text() and "1" in row.inner_text()
    assert page.locator("#recruit-total").inner_text() == "1"
    page.goto(f"{live_server.url}/mp/orgs/{w.village_in.pk}/recruitment/")
    assert page.locator("#recruit-total").inner_text() == "1"
    assert page.locator("#recent-followers tbody tr").count() == 1
    page.goto(f"{live_server.url}/mp/accounts/{account.pk}/followers/")
    assert page.locator("text=oYouthE2E01").count() == 1
    assert page.locator("td:has-text('新河村')").count() == 1


def test_join_command_answers_the_villages_live_code(live_server, phone, scope_world):
    from qingnong.wxgroups import services as ledger
    from qingnong.wxgroups.models import LiveCode

    w = scope_world
    account = make_account(w.county_in, name="青春怀宁")
    group = ledger.group_create(
        actor=SYSTEM,
        org=w.village_in,
        name="新河村青年之家",
        group_type="tuanqing",
        status="built",
        bases="地缘",
    )
    code = LiveCode.objects.get(groups=group, is_default=True).code
    xml = wxsim.text_xml(to=ORIGINAL_ID, sender="oYouthE2E02", content="入群 新河村", msg_id=time.time_ns())
    reply = callback(live_server, account, xml)["Content"]
    assert "新河村青年之家" in reply and f"/j/{code}" in reply
    link = reply.split("：")[-1].strip()
    page = phone.goto(live_server.url + link[link.index("/j/") :])
    assert page.status == 200


def test_cadre_confirms_following_on_a_phone(live_server, phone, login, scope_world):
    w = scope_world
    services.account_create(
        actor=SYSTEM,
        org=w.city,
        name="安徽省青年创业者协会",
        is_external=True,
        recommended=True,
        message_mode="plain",
    )
    cadre = cadre_create(actor=SYSTEM, org=w.village_in, name="村支书")
    user_create(actor=SYSTEM, username="cunganbu", password=PASSWORD, home_org=w.village_in, cadre=cadre)
    page = login(phone, "cunganbu")
    page.goto(f"{live_server.url}/mp/me/")
    assert page.locator("text=未关注").count() == 1
    page.click("button:has-text('我已关注')")
    page.wait_for_selector("text=已关注 ·")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert cadre.mp_follows.get().active
    assert QrCode.objects.count() == 0
