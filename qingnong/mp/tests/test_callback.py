"""The callback /wx/<key>/: verification, the three message modes, every bad input the issue lists (the
right status and nothing recorded), retries processed once, replies from the rules."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
import xmltodict
from django.test import Client

from qingnong.core.models import AuditEntry
from qingnong.core.system import SYSTEM
from qingnong.mp import services, wxsim
from qingnong.mp.models import Follower, QrCode, SharedKey

from .conftest import AES_KEY, APP_ID, ORIGINAL_ID, TOKEN, Creds, make_account

pytestmark = pytest.mark.django_db


_CAPTURE = {}


@pytest.fixture(autouse=True)
def _run_on_commit(django_capture_on_commit_callbacks):
    """The test runs inside a transaction: run each request's after-commit work (Celery, eager) at once."""
    _CAPTURE["cm"] = django_capture_on_commit_callbacks
    yield
    _CAPTURE.clear()


def post(
    account, xml, *, mode="safe", query_override=None, body=None, token=TOKEN, aes_key=AES_KEY, app_id=APP_ID
):
    query, signed_body = wxsim.signed(
        token=token, xml=xml, mode=mode, aes_key=aes_key, app_id=app_id, to=ORIGINAL_ID
    )
    query.update(query_override or {})
    with _CAPTURE["cm"](execute=True):
        response = Client().post(
            f"{account.callback_path()}?{urlencode(query)}",
            data=body if body is not None else signed_body,
            content_type="text/xml",
        )
    return response, query


def reply_of(response, *, encrypted=True):
    assert response.status_code == 200, response.content
    if response.content == b"success":
        return None
    if encrypted:
        plain = wxsim.decrypt_reply(token=TOKEN, aes_key=AES_KEY, app_id=APP_ID, body=response.content)
    else:
        plain = response.content.decode()
    return xmltodict.parse(plain)["xml"]


def text(content, msg_id=None, sender="oYouth0001"):
    return wxsim.text_xml(to=ORIGINAL_ID, sender=sender, content=content, msg_id=msg_id or time.time_ns())


def nothing_recorded(account):
    return (
        not Follower.objects.filter(account=account).exists()
        and not SharedKey.objects.filter(key__startswith="dup:").exists()
    )


@pytest.fixture
def rules(account):
    services.rule_create(
        actor=SYSTEM,
        account=account,
        kind="keyword",
        name="政策",
        match_type="contains",
        keywords="政策\n补贴",
        reply_type="text",
        reply_text="最新政策请看菜单“政策解读”。",
        priority=1,
    )
    services.rule_create(
        actor=SYSTEM,
        account=account,
        kind="keyword",
        name="精确",
        match_type="exact",
        keywords="你好",
        reply_type="text",
        reply_text="你好，我是青农。",
        priority=5,
    )
    services.rule_create(
        actor=SYSTEM,
        account=account,
        kind="keyword",
        name="编号",
        match_type="regex",
        keywords=r"^活动\s*\d{1,3}$",
        reply_type="news",
        articles=[{"title": "活动报名", "url": "https://example.org/a", "description": "点击报名"}],
    )
    services.rule_create(
        actor=SYSTEM,
        account=account,
        kind="subscribe",
        name="欢迎",
        reply_type="text",
        reply_text="欢迎关注！",
    )
    services.rule_create(
        actor=SYSTEM,
        account=account,
        kind="click",
        name="菜单",
        event_key="CONTACT",
        reply_type="text",
        reply_text="联系电话 0556-5346472",
    )
    services.rule_create(
        actor=SYSTEM,
        account=account,
        kind="default",
        name="默认",
        reply_type="text",
        reply_text="已收到，谢谢！",
    )


# --- verification ---------------------------------------------------------------------------


def test_get_echo_verification(account):
    ts, nonce = str(int(time.time())), "12345"
    query = {
        "signature": wxsim.signature(TOKEN, ts, nonce),
        "timestamp": ts,
        "nonce": nonce,
        "echostr": "echo-42",
    }
    response = Client().get(account.callback_path(), query)
    assert response.status_code == 200
    assert response.content == b"echo-42"


@pytest.mark.parametrize("bad", ["missing", "wrong", "stale"])
def test_get_with_bad_signature_is_403(account, bad):
    ts, nonce = str(int(time.time())), "12345"
    sig = wxsim.signature(TOKEN, ts, nonce)
    query = {"signature": sig, "timestamp": ts, "nonce": nonce, "echostr": "x"}
    if bad == "missing":
        del query["signature"]
    elif bad == "wrong":
        query["signature"] = "0" * 40
    else:
        old = str(int(time.time()) - 3600)
        query.update(timestamp=old, signature=wxsim.signature(TOKEN, old, nonce))
    response = Client().get(account.callback_path(), query)
    assert response.status_code == 403
    assert b"x" not in response.content


def test_unknown_account_is_404(account):
    response = Client().get("/wx/nosuchaccount/", {"signature": "x", "timestamp": "1", "nonce": "1"})
    assert response.status_code == 404
    response = Client().post("/wx/nosuchaccount/", data=text("你好"), content_type="text/xml")
    assert response.status_code == 404


def test_external_or_tokenless_account_has_no_callback(scope_world):
    external = services.account_create(
        actor=SYSTEM,
        org=scope_world.city,
        name="安徽省青年创业者协会",
        is_external=True,
        recommended=True,
        message_mode="plain",
    )
    assert Client().get(external.callback_path(), {"signature": "x"}).status_code == 404


# --- the three modes ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_text_message_in_each_mode_gets_keyword_reply(scope_world, mode):
    account = make_account(scope_world.county_in, mode=mode)
    services.rule_create(
        actor=SYSTEM, account=account, name="政策", keywords="政策", reply_type="text", reply_text="政策回复"
    )
    response, _ = post(account, text("我想了解政策"), mode=mode)
    reply = reply_of(response, encrypted=mode != "plain")
    assert reply["Content"] == "政策回复"
    assert reply["ToUserName"] == "oYouth0001"
    assert reply["FromUserName"] == ORIGINAL_ID


def test_rules_priority_exact_regex_news_and_default(account, rules):
    assert reply_of(post(account, text("你好"))[0])["Content"] == "你好，我是青农。"
    assert reply_of(post(account, text("农业补贴怎么申请"))[0])["Content"].startswith("最新政策")
    news = reply_of(post(account, text("活动 12"))[0])
    assert news["MsgType"] == "news" and news["Articles"]["item"]["Title"] == "活动报名"
    assert reply_of(post(account, text("随便说点什么"))[0])["Content"] == "已收到，谢谢！"
    # Full-width and case do not matter for keywords.
    assert reply_of(post(account, text("ＨＥＬＬＯ 政策"))[0])["Content"].startswith("最新政策")


def test_rule_change_reaches_the_callback_at_once(account, rules):
    rule = account.rules.get(name="精确")
    services.rule_update(actor=SYSTEM, rule=rule, data={"reply_text": "新的问候"})
    assert reply_of(post(account, text("你好"))[0])["Content"] == "新的问候"


def test_subscribe_through_org_code_attributes_follower_and_welcomes(account, rules, scope_world):
    QrCode.objects.create(
        account=account,
        scene=f"o{scope_world.village_in.pk}",
        kind="permanent",
        org=scope_world.village_in,
        url="http://weixin.qq.com/q/x",
    )
    xml = wxsim.event_xml(
        to=ORIGINAL_ID, sender="oNew", event="subscribe", key=f"qrscene_o{scope_world.village_in.pk}"
    )
    reply = reply_of(post(account, xml)[0])
    assert reply["Content"] == "欢迎关注！"
    follower = Follower.objects.get(account=account, openid="oNew")
    assert follower.subscribed and follower.org == scope_world.village_in
    # Unsubscribe is recorded and answered with nothing.
    unsub = wxsim.event_xml(
        to=ORIGINAL_ID, sender="oNew", event="unsubscribe", create_time=int(time.time()) + 1
    )
    assert reply_of(post(account, unsub)[0]) is None
    follower.refresh_from_db()
    assert not follower.subscribed and follower.unsubscribed_at is not None


def test_menu_click_reply(account, rules):
    xml = wxsim.event_xml(to=ORIGINAL_ID, sender="oA", event="CLICK", key="CONTACT")
    assert reply_of(post(account, xml)[0])["Content"].startswith("联系电话")


# --- bad input: the right status and nothing recorded ----------------------------------------


def test_bad_post_signature_is_403(account):
    xml = wxsim.event_xml(to=ORIGINAL_ID, sender="oX", event="subscribe")
    response, _ = post(account, xml, query_override={"signature": "f" * 40})
    assert response.status_code == 403
    response, _ = post(account, xml, query_override={"signature": ""})
    assert response.status_code == 403
    assert nothing_recorded(account)


def test_bad_msg_signature_is_403(account):
    xml = wxsim.event_xml(to=ORIGINAL_ID, sender="oX", event="subscribe")
    response, _ = post(account, xml, query_override={"msg_signature": "0" * 40})
    assert response.status_code == 403
    assert nothing_recorded(account)


def test_message_encrypted_for_another_appid_is_403(account):
    xml = wxsim.event_xml(to=ORIGINAL_ID, sender="oX", event="subscribe")
    response, _ = post(account, xml, app_id="wxffffffffffffffff")
    assert response.status_code == 403
    assert nothing_recorded(account)


def test_plaintext_to_safe_mode_account_is_403(account):
    response, _ = post(account, wxsim.event_xml(to=ORIGINAL_ID, sender="oX", event="subscribe"), mode="plain")
    assert response.status_code == 403
    assert nothing_recorded(account)


DOCTYPE_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    "<xml><ToUserName>gh</ToUserName><FromUserName>&lol2;</FromUserName><MsgType>text</MsgType></xml>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    "<xml><Content>&e;</Content></xml>"
)
DOCTYPE_ONLY = "<!DOCTYPE xml><xml><FromUserName>o</FromUserName><MsgType>text</MsgType></xml>"


@pytest.mark.parametrize(
    "body", [DOCTYPE_BOMB, EXTERNAL_ENTITY, DOCTYPE_ONLY, "<xml><unclosed>", "not xml at all", ""]
)
@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_hostile_or_malformed_xml_is_400(scope_world, body, mode):
    account = make_account(scope_world.county_in, mode="compatible")
    response, _ = post(account, "<xml/>", mode=mode, body=body.encode())
    assert response.status_code == 400
    assert nothing_recorded(account)


def test_hostile_xml_inside_the_encryption_is_400(account):
    response, _ = post(account, DOCTYPE_BOMB)
    assert response.status_code == 400
    assert nothing_recorded(account)


def test_body_over_the_limit_is_400_without_reading(account, settings):
    settings.MP_CALLBACK_MAX_BODY = 2048
    big = text("长" * 3000)
    response, _ = post(account, big)
    assert response.status_code == 400
    assert nothing_recorded(account)


def test_oversized_body_with_bad_signature_is_still_403(account, settings):
    settings.MP_CALLBACK_MAX_BODY = 100
    response, _ = post(account, text("x" * 500), query_override={"signature": "0" * 40})
    assert response.status_code == 403


# --- retries --------------------------------------------------------------------------------


def test_replayed_message_is_processed_once(account, rules):
    xml = wxsim.event_xml(to=ORIGINAL_ID, sender="oRetry", event="subscribe", create_time=1_700_000_000)
    first, _ = post(account, xml, query_override={})
    assert reply_of(first)["Content"] == "欢迎关注！"
    Follower.objects.filter(openid="oRetry").update(
        subscribed=False
    )  # were it processed again, it would flip
    for _ in range(3):  # WeChat retries three times
        again, _ = post(account, xml)
        assert again.content == b"success"
    assert Follower.objects.get(openid="oRetry").subscribed is False


def test_retried_text_message_same_msgid_once(account, rules):
    xml = text("你好", msg_id=424242)
    assert reply_of(post(account, xml)[0])["Content"] == "你好，我是青农。"
    assert post(account, xml)[0].content == b"success"
    # Another message id is a new message.
    assert reply_of(post(account, text("你好", msg_id=424243))[0]) is not None


def test_dedupe_in_redis_too(account, rules, settings, request):
    from .test_client import _redis_settings

    _redis_settings(settings, request)
    xml = text("你好", msg_id=777)
    assert reply_of(post(account, xml)[0]) is not None
    assert post(account, xml)[0].content == b"success"
    assert not SharedKey.objects.filter(key__startswith="dup:").exists()


def test_expired_dedupe_key_is_claimed_again(account):
    from qingnong.mp.store import DatabaseStore

    store = DatabaseStore()
    assert store.claim("dup:test", 300)
    assert not store.claim("dup:test", 300)
    SharedKey.objects.filter(key="dup:test").update(expires_at="2000-01-01T00:00:00Z")
    assert store.claim("dup:test", 300)


# --- secrets never leave ----------------------------------------------------------------------


def test_secrets_are_encrypted_and_never_in_audit(account):
    from qingnong.mp.models import OfficialAccount

    row = OfficialAccount.objects.get(pk=account.pk)
    for secret, stored in (
        (TOKEN, row.token_encrypted),
        (AES_KEY, row.encoding_aes_key_encrypted),
        (Creds().app_secret, row.app_secret_encrypted),
    ):
        assert stored and secret not in stored
    dump = str(list(AuditEntry.objects.values("before", "after")))
    for secret in (TOKEN, AES_KEY, Creds().app_secret):
        assert secret not in dump
    assert "AppSecret" in dump  # the entry names which secrets were set


def test_expired_keys_are_purged_by_the_periodic_job():
    import datetime

    from django.utils import timezone

    from qingnong.mp import tasks

    past = timezone.now() - datetime.timedelta(minutes=6)
    SharedKey.objects.create(key="dup:1:m:1", value="1", expires_at=past)
    SharedKey.objects.create(
        key="dup:1:m:2", value="1", expires_at=timezone.now() + datetime.timedelta(minutes=4)
    )
    SharedKey.objects.create(key="lock:token:1", value="", expires_at=past)
    assert tasks.purge_shared_keys() == 1
    assert set(SharedKey.objects.values_list("key", flat=True)) == {"dup:1:m:2", "lock:token:1"}


def test_follower_export_masks_and_audits(scope_world, account):
    services.follower_event(account_id=account.pk, event="subscribe", openid="oExportedOpenid")
    url = f"/mp/accounts/{account.pk}/followers/?export=csv"
    viewer = b"".join(scope_world.client("viewer_in").get(url).streaming_content).decode()
    assert "oExportedOpenid" not in viewer
    admin = b"".join(scope_world.client("admin_in").get(url).streaming_content).decode()
    assert "oExportedOpenid" in admin
    assert AuditEntry.objects.filter(action="core.export.personal").count() == 2
