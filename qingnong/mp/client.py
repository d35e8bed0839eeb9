"""The WeChat official-account API client: wechatpy's client with our token and retry policy.

- The access token comes from ``stable_token`` and is shared by every process: in Redis when the cache is
  Redis, else in the ``AccessToken`` table (encrypted in both). One process per account refreshes it, under
  a lock (a Redis lock, or a row lock on the ``AccessToken`` row); the others wait and reuse its result.
- A call answered with 40001 / 40014 / 42001 (bad or expired token) gets a fresh token and is retried once.
  If WeChat hands back the very token it just refused, the token is refreshed with ``force_refresh``.
- 45009 (daily quota reached) starts a back-off shared by all processes (1 min, doubling, at most 1 h):
  calls fail fast with ``QuotaExceeded`` until it ends; Celery tasks retry after ``retry_after`` seconds.
- The base URL is ``MP_API_BASE_URL`` (tests run against a local fake WeChat server).
- Nothing secret is logged: errors carry the API path and WeChat's code, never the URL's token or the body.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
from django.db import transaction
from django.utils import timezone
from wechatpy import WeChatClient

from . import conf
from .crypto import SecretUnreadable, decrypt, encrypt
from .store import get_store, using_redis

logger = logging.getLogger(__name__)

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
QUOTA_ERROR = 45009
# Refresh a little before WeChat does (stable_token hands out a new token in the last 5 minutes).
REFRESH_MARGIN = 300
TEMPORARY_QR_SECONDS = 30 * 24 * 3600
BACKOFF_START = 60
BACKOFF_MAX = 3600
WECHAT_BASE = "https://api.weixin.qq.com"


class WeChatAPIError(Exception):
    """WeChat refused a call (``errcode``), or it could not be reached (``errcode`` None)."""

    def __init__(self, errcode: int | None, errmsg: str, path: str) -> None:
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path
        code = f"错误码 {errcode}" if errcode is not None else "无法连接"
        super().__init__(f"微信接口 {path} 调用失败（{code}）：{errmsg}")


class QuotaExceeded(WeChatAPIError):
    """45009: the account's daily quota for this API is used up; wait ``retry_after`` seconds."""

    def __init__(self, path: str, retry_after: int) -> None:
        super().__init__(QUOTA_ERROR, f"接口调用次数已达上限，{retry_after} 秒后再试", path)
        self.retry_after = retry_after


class NotConfigured(WeChatAPIError):
    def __init__(self, message: str) -> None:
        super().__init__(None, message, "")


def api_base() -> str:
    return str(conf.get("MP_API_BASE_URL")).rstrip("/")


# --- the shared token -----------------------------------------------------------------------


class TokenStore(ABC):
    """Where an account's token lives between calls, and the lock its refresher holds."""

    def __init__(self, account_id: int) -> None:
        self.account_id = account_id

    @abstractmethod
    def read(self) -> tuple[str, float] | None:
        """The token and when it expires (epoch seconds), or None."""

    @abstractmethod
    def write(self, token: str, expires_in: int) -> None:
        """Keep ``token`` for ``expires_in`` seconds."""

    @abstractmethod
    def refresh_lock(self) -> Any:
        """A context manager held by the one process that refreshes the token."""


class RedisTokenStore(TokenStore):
    def __init__(self, account_id: int) -> None:
        super().__init__(account_id)
        self.store = get_store()
        self.key = f"token:{account_id}"

    def read(self) -> tuple[str, float] | None:
        raw = self.store.get(self.key)
        if not raw:
            return None
        data = json.loads(decrypt(raw))
        return data["t"], float(data["e"])

    def write(self, token: str, expires_in: int) -> None:
        payload = json.dumps({"t": token, "e": time.time() + expires_in})
        self.store.set(self.key, encrypt(payload), max(expires_in, 1))

    def refresh_lock(self) -> Any:
        return self.store.lock(self.key, timeout=30)


class DatabaseTokenStore(TokenStore):
    def read(self) -> tuple[str, float] | None:
        from .models import AccessToken

        row = AccessToken.objects.filter(account_id=self.account_id).first()
        if row is None or not row.token_encrypted or row.expires_at is None:
            return None
        return decrypt(row.token_encrypted), row.expires_at.timestamp()

    def write(self, token: str, expires_in: int) -> None:
        from .models import AccessToken

        now = timezone.now()
        AccessToken.objects.update_or_create(
            account_id=self.account_id,
            defaults={
                "token_encrypted": encrypt(token),
                "expires_at": now + datetime.timedelta(seconds=expires_in),
                "refreshed_at": now,
            },
        )

    @contextmanager
    def refresh_lock(self) -> Iterator[None]:
        from .models import AccessToken

        with transaction.atomic():
            AccessToken.objects.get_or_create(account_id=self.account_id)
            AccessToken.objects.select_for_update().get(account_id=self.account_id)
            yield


def token_store(account_id: int) -> TokenStore:
    return RedisTokenStore(account_id) if using_redis() else DatabaseTokenStore(account_id)


# --- the client -----------------------------------------------------------------------------


class MpClient(WeChatClient):
    """wechatpy's ``WeChatClient`` for one account, with the shared token and the retry policy above.

    wechatpy's own API groups (``client.qrcode``, ``client.menu``, ``client.datacube`` …) work through it;
    the calls wechatpy 1.8 lacks (``stable_token``, draft, freepublish) are wrappers over ``post``.
    """

    def __init__(self, *, account_id: int, app_id: str, secret: str, timeout: float | None = None) -> None:
        super().__init__(app_id, secret, timeout=timeout or conf.get("MP_API_TIMEOUT"), auto_retry=False)
        self.account_id = account_id
        self.base = api_base()
        self.API_BASE_URL = self.base + "/cgi-bin/"
        self.tokens = token_store(account_id)
        self.store = get_store()

    # token ----------------------------------------------------------------------------------

    @property
    def access_token(self) -> str:  # type: ignore[override]
        current = self.tokens.read()
        if current and current[1] - time.time() > REFRESH_MARGIN:
            return current[0]
        return self.refresh_token(stale=current[0] if current else None)

    def fetch_access_token(self) -> dict[str, Any]:
        token = self.refresh_token(stale=None, force=True)
        return {"access_token": token}

    def refresh_token(self, *, stale: str | None, rejected: bool = False, force: bool = False) -> str:
        """Get a new token under the account's lock, unless another process already did while we waited."""
        with self.tokens.refresh_lock():
            current = self.tokens.read()
            if not force and current and current[0] != stale and current[1] - time.time() > REFRESH_MARGIN:
                return current[0]
            data = self.stable_token(force_refresh=force)
            token = str(data["access_token"])
            if rejected and token == stale and not force:
                # WeChat hands back the token it just refused (e.g. someone called the old /token API).
                data = self.stable_token(force_refresh=True)
                token = str(data["access_token"])
            self.tokens.write(token, int(data.get("expires_in", 7200)))
            return token

    def stable_token(self, *, force_refresh: bool = False) -> dict[str, Any]:
        """``POST /cgi-bin/stable_token``: the token of the stable-token API (no access token needed)."""
        path = "/cgi-bin/stable_token"
        body = {
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self.secret,
            "force_refresh": force_refresh,
        }
        try:
            res = self._http.post(self.base + path, data=json.dumps(body).encode(), timeout=self.timeout)
            res.raise_for_status()
            result = res.json()
        except (requests.RequestException, ValueError) as exc:
            raise WeChatAPIError(None, f"网络或响应错误：{type(exc).__name__}", path) from None
        errcode = int(result.get("errcode", 0) or 0)
        if errcode:
            raise WeChatAPIError(errcode, str(result.get("errmsg", "")), path)
        logger.info("mp: new access token for account %s (force=%s)", self.account_id, force_refresh)
        return dict(result)

    # requests -------------------------------------------------------------------------------

    def _url(self, url_or_endpoint: str, api_base_url: str | None) -> str:
        if url_or_endpoint.startswith(("http://", "https://")):
            url = url_or_endpoint
        else:
            url = (api_base_url or self.API_BASE_URL) + url_or_endpoint
        if url.startswith(WECHAT_BASE) and self.base != WECHAT_BASE:
            # wechatpy's API groups carry WeChat's address; send them where we are configured to.
            url = self.base + url[len(WECHAT_BASE) :]
        return url

    def _check_backoff(self, path: str) -> None:
        until = self.store.get(f"backoff:{self.account_id}")
        if until and float(until) > time.time():
            raise QuotaExceeded(path, int(float(until) - time.time()) + 1)

    def _start_backoff(self, path: str) -> QuotaExceeded:
        n = self.store.incr(f"backoff-n:{self.account_id}", 24 * 3600)
        delay = min(BACKOFF_START * 2 ** (n - 1), BACKOFF_MAX)
        self.store.set(f"backoff:{self.account_id}", str(time.time() + delay), delay)
        logger.warning("mp: account %s hit 45009 on %s, backing off %ss", self.account_id, path, delay)
        return QuotaExceeded(path, delay)

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        url = self._url(url_or_endpoint, kwargs.pop("api_base_url", None))
        path = urlsplit(url).path
        self._check_backoff(path)
        result_processor = kwargs.pop("result_processor", None)
        params = dict(kwargs.pop("params", None) or {})
        data = kwargs.pop("data", None)
        if isinstance(data, dict | list):
            data = json.dumps(data, ensure_ascii=False).encode()
        timeout = kwargs.pop("timeout", None) or self.timeout
        for attempt in (1, 2):
            token = self.access_token
            params["access_token"] = token
            try:
                res = self._http.request(method, url, params=params, data=data, timeout=timeout, **kwargs)
                res.raise_for_status()
            except requests.RequestException as exc:
                # The exception's text holds the URL and so the token: never pass it on.
                raise WeChatAPIError(None, f"网络错误：{type(exc).__name__}", path) from None
            result = self._decode_result(res)
            if not isinstance(result, dict):
                return result
            errcode = int(result.get("errcode", 0) or 0)
            if errcode in TOKEN_ERRORS and attempt == 1:
                logger.info(
                    "mp: account %s token refused (%s) on %s, refreshing", self.account_id, errcode, path
                )
                self.refresh_token(stale=token, rejected=True)
                continue
            if errcode == QUOTA_ERROR:
                raise self._start_backoff(path)
            if errcode:
                raise WeChatAPIError(errcode, str(result.get("errmsg", "")), path)
            return result_processor(result) if result_processor else result
        raise AssertionError("unreachable")  # pragma: no cover

    # the calls we use -----------------------------------------------------------------------

    def qrcode_create(
        self, scene: str, *, permanent: bool, expire_seconds: int = TEMPORARY_QR_SECONDS
    ) -> dict[str, Any]:
        """A string-scene parametric code: ``QR_LIMIT_STR_SCENE`` (permanent) or ``QR_STR_SCENE``."""
        body: dict[str, Any] = {
            "action_name": "QR_LIMIT_STR_SCENE" if permanent else "QR_STR_SCENE",
            "action_info": {"scene": {"scene_str": scene}},
        }
        if not permanent:
            body["expire_seconds"] = expire_seconds
        return dict(self.post("qrcode/create", data=body))

    def menu_create(self, buttons: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(self.post("menu/create", data={"button": buttons}))

    def material_add_image(self, filename: str, content: bytes) -> dict[str, Any]:
        """A permanent image (a post's cover) → ``media_id``."""
        return dict(
            self.post("material/add_material", params={"type": "image"}, files={"media": (filename, content)})
        )

    def draft_add(self, articles: list[dict[str, Any]]) -> str:
        return str(self.post("draft/add", data={"articles": articles})["media_id"])

    def freepublish_submit(self, media_id: str) -> dict[str, Any]:
        return dict(self.post("freepublish/submit", data={"media_id": media_id}))

    def freepublish_get(self, publish_id: str) -> dict[str, Any]:
        return dict(self.post("freepublish/get", data={"publish_id": publish_id}))

    def template_send(self, *, openid: str, template_id: str, data: dict[str, Any], url: str = "") -> int:
        """``message/template/send``: one template message to a follower → its ``msgid``."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": data}
        if url:
            body["url"] = url
        return int(self.post("message/template/send", data=body).get("msgid", 0))

    def article_summary(self, day: datetime.date) -> list[dict[str, Any]]:
        """``datacube/getarticlesummary`` for one day (the API spans at most one day)."""
        body = {"begin_date": day.isoformat(), "end_date": day.isoformat()}
        return list(self.post(self.base + "/datacube/getarticlesummary", data=body).get("list", []))

    def user_read(self, day: datetime.date) -> list[dict[str, Any]]:
        """``datacube/getuserread`` for one day."""
        body = {"begin_date": day.isoformat(), "end_date": day.isoformat()}
        return list(self.post(self.base + "/datacube/getuserread", data=body).get("list", []))


def client_for(account: Any) -> MpClient:
    """The API client of ``account``; ``NotConfigured`` when it has no AppID or AppSecret."""
    if not account.app_id or not account.app_secret_encrypted:
        raise NotConfigured(f"公众号“{account.name}”未配置 AppID 或 AppSecret，不能调用接口")
    try:
        secret = decrypt(account.app_secret_encrypted)
    except SecretUnreadable as exc:
        raise NotConfigured(f"公众号“{account.name}”的 AppSecret 无法解密，请重新填写：{exc}") from None
    return MpClient(account_id=account.pk, app_id=account.app_id, secret=secret)
