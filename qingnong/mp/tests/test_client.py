"""The WeChat API client over real HTTP against the local fake WeChat: stable_token, the shared token and
its single refresher, one retry after 40001 / 40014 / 42001, back-off on 45009, the configurable base URL."""

from __future__ import annotations

import datetime
import logging
import threading

import pytest
from django.db import connection

from qingnong.mp.client import MpClient, NotConfigured, QuotaExceeded, WeChatAPIError, client_for
from qingnong.mp.models import AccessToken

from .conftest import APP_SECRET, make_account

pytestmark = pytest.mark.django_db


def _redis_settings(settings, request):
    settings.REDIS_URL = "redis://127.0.0.1:6379/14"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL}
    }
    settings.MP_STORE_PREFIX = f"qn:test:{request.node.name}:{id(request)}:"

    def cleanup():
        from qingnong.mp.store import redis_client

        client = redis_client()
        for key in client.scan_iter(settings.MP_STORE_PREFIX + "*"):
            client.delete(key)

    request.addfinalizer(cleanup)


@pytest.fixture(params=["database", "redis"])
def store_kind(request, settings):
    if request.param == "redis":
        _redis_settings(settings, request)
    return request.param


def test_token_comes_from_stable_token_and_is_shared(fake_wechat, account, store_kind):
    first = client_for(account)
    first.qrcode_create("o1", permanent=True)
    # A second client (another process, as far as the token goes) reuses the stored token.
    second = client_for(account)
    second.qrcode_create("o2", permanent=True)
    assert fake_wechat.calls["/cgi-bin/stable_token"] == 1
    assert fake_wechat.token_requests == [{"appid": account.app_id, "force_refresh": False}]
    if store_kind == "database":
        row = AccessToken.objects.get(account=account)
        assert row.token_encrypted and fake_wechat.current[account.app_id] not in row.token_encrypted


@pytest.mark.parametrize(
    ("breaker", "code"),
    [("expire_tokens", 42001), ("forget_tokens", 40001), ("revoke_tokens", 40014)],
)
def test_token_error_gets_one_refresh_and_one_retry(fake_wechat, account, store_kind, breaker, code):
    client = client_for(account)
    client.qrcode_create("o1", permanent=True)
    getattr(fake_wechat, breaker)()
    # Another process still holds the old token in the shared store: the call gets `code`, then retries.
    data = client.qrcode_create("o2", permanent=True)
    assert data["ticket"]
    assert fake_wechat.calls["/cgi-bin/qrcode/create"] == 3
    assert fake_wechat.calls["/cgi-bin/stable_token"] == 2


def test_refused_token_handed_back_is_force_refreshed(fake_wechat, account):
    client = client_for(account)
    client.qrcode_create("o1", permanent=True)
    # WeChat refuses a token it would still hand out in normal mode (e.g. someone used the old /token API).
    fake_wechat.fail_next("/cgi-bin/qrcode/create", 40001)
    client.qrcode_create("o2", permanent=True)
    assert [r["force_refresh"] for r in fake_wechat.token_requests] == [False, False, True]


def test_only_one_retry(fake_wechat, account):
    client = client_for(account)
    fake_wechat.fail_next("/cgi-bin/menu/create", 42001, 42001)
    with pytest.raises(WeChatAPIError) as exc:
        client.menu_create([{"type": "click", "name": "入群", "key": "JOIN"}])
    assert exc.value.errcode == 42001
    assert fake_wechat.calls["/cgi-bin/menu/create"] == 2


def test_quota_error_backs_off_for_every_client(fake_wechat, account, store_kind):
    client = client_for(account)
    fake_wechat.fail_next("/cgi-bin/qrcode/create", 45009)
    with pytest.raises(QuotaExceeded) as exc:
        client.qrcode_create("o1", permanent=True)
    assert 0 < exc.value.retry_after <= 60
    assert "次数已达上限" in str(exc.value)
    calls = fake_wechat.calls["/cgi-bin/qrcode/create"]
    # Another client of the same account fails fast, without calling WeChat.
    with pytest.raises(QuotaExceeded):
        client_for(account).qrcode_create("o1", permanent=True)
    assert fake_wechat.calls["/cgi-bin/qrcode/create"] == calls


def test_backoff_doubles(fake_wechat, account):
    from qingnong.mp.store import get_store

    client = client_for(account)
    fake_wechat.fail_next("/cgi-bin/qrcode/create", 45009, 45009)
    with pytest.raises(QuotaExceeded) as first:
        client.qrcode_create("o1", permanent=True)
    get_store().delete(f"backoff:{account.pk}")  # the first back-off has run out
    with pytest.raises(QuotaExceeded) as second:
        client.qrcode_create("o1", permanent=True)
    assert first.value.retry_after <= 60 < second.value.retry_after <= 120


def test_one_refresher_per_account_across_threads(fake_wechat, account, settings, request):
    """Ten threads find the token expired at once: exactly one calls stable_token (Redis lock)."""
    _redis_settings(settings, request)
    client_for(account).qrcode_create("o0", permanent=True)
    fake_wechat.expire_tokens()
    fake_wechat.token_delay = 0.2  # the refresher is slow: the others must wait for it, not call too
    from qingnong.mp.client import RedisTokenStore

    RedisTokenStore(account.pk).write("stale-token", 1)  # every thread sees a token about to expire
    errors = []
    creds = (account.pk, account.app_id)

    def work(i):
        try:
            MpClient(account_id=creds[0], app_id=creds[1], secret=APP_SECRET).qrcode_create(
                f"o{i}", permanent=True
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(1, 11)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert fake_wechat.calls["/cgi-bin/stable_token"] == 2  # the first token, then exactly one refresh


def test_database_refresh_holds_a_row_lock(fake_wechat, account):
    """Without Redis the refresher locks the account's AccessToken row (SELECT … FOR UPDATE)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client_for(account).qrcode_create("o1", permanent=True)
    sqls = [q["sql"] for q in ctx.captured_queries if "mp_accesstoken" in q["sql"]]
    if connection.features.has_select_for_update:
        assert any("FOR UPDATE" in s for s in sqls), sqls
    else:  # SQLite: the write transaction itself (BEGIN IMMEDIATE) serialises refreshers
        assert sqls


def test_base_url_is_configurable_and_wechatpy_groups_follow_it(fake_wechat, account):
    client = client_for(account)
    assert client.base == fake_wechat.url
    # wechatpy's own API group (menu) goes to the configured base too.
    client.menu.create({"button": [{"type": "view", "name": "官网", "url": "https://example.org/"}]})
    assert fake_wechat.menus[account.app_id][0]["name"] == "官网"


def test_publish_and_datacube_wrappers(fake_wechat, account):
    client = client_for(account)
    media = client.material_add_image("cover.png", b"\x89PNG fake")["media_id"]
    draft = client.draft_add([{"title": "标题", "content": "<p>正文</p>", "thumb_media_id": media}])
    submitted = client.freepublish_submit(draft)
    status = client.freepublish_get(submitted["publish_id"])
    assert status["publish_status"] == 0
    assert status["article_detail"]["item"][0]["article_url"].startswith("https://mp.weixin.qq.com/")
    day = datetime.date(2014, 10, 8)
    fake_wechat.article_summary[(account.app_id, "2014-10-08")] = [{"msgid": "1_1", "int_page_read_count": 5}]
    assert client.article_summary(day) == [{"msgid": "1_1", "int_page_read_count": 5}]
    assert client.user_read(day) == []


def test_wechat_errors_and_network_errors_carry_no_secret(fake_wechat, account, settings, caplog):
    caplog.set_level(logging.DEBUG)
    client = client_for(account)
    client.qrcode_create("o1", permanent=True)
    token = fake_wechat.current[account.app_id]
    fake_wechat.fail_next("/cgi-bin/menu/create", 40016)
    with pytest.raises(WeChatAPIError) as refused:
        client.menu_create([{"type": "click", "name": "a", "key": "k"}])
    settings.MP_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
    with pytest.raises(WeChatAPIError) as unreachable:
        client_for(account).qrcode_create("o2", permanent=True)
    assert unreachable.value.errcode is None
    for text in (str(refused.value), str(unreachable.value), caplog.text):
        assert token not in text
        assert APP_SECRET not in text


def test_wrong_secret_is_a_clear_error(fake_wechat, scope_world):
    from .conftest import Creds

    account = make_account(
        scope_world.county_out, creds=Creds(app_secret="f" * 32, app_id="wxfedcba9876543210")
    )
    with pytest.raises(WeChatAPIError) as exc:
        client_for(account).qrcode_create("o1", permanent=True)
    assert exc.value.errcode == 40125
    assert not AccessToken.objects.filter(account=account, token_encrypted__gt="").exists()


def test_account_without_credentials_is_not_configured(scope_world):
    from qingnong.core.system import SYSTEM
    from qingnong.mp.services import account_create

    account = account_create(actor=SYSTEM, org=scope_world.county_in, name="怀宁青年", message_mode="plain")
    with pytest.raises(NotConfigured) as exc:
        client_for(account)
    assert "未配置" in str(exc.value)


def test_changed_encryption_key_is_a_clear_error_not_a_crash(account, settings):
    from cryptography.fernet import Fernet
    from django.test import Client

    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(NotConfigured) as exc:
        client_for(account)
    assert "无法解密" in str(exc.value)
    assert Client().get(account.callback_path(), {"signature": "x"}).status_code == 404


def test_key_rotation_keeps_old_secrets_readable(account, settings):
    from cryptography.fernet import Fernet

    from qingnong.mp.crypto import decrypt, encrypt

    old = settings.FIELD_ENCRYPTION_KEY
    settings.FIELD_ENCRYPTION_KEY = f"{Fernet.generate_key().decode()},{old}"
    assert client_for(account).secret == APP_SECRET
    assert decrypt(encrypt("x")) == "x"
