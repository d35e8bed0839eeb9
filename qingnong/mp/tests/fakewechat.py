"""A local fake of WeChat's official-account API, served over real HTTP on a free port.

It implements the documented paths and JSON the platform uses — ``stable_token`` (normal and forced
refresh, 7,200 s tokens renewed in their last 5 minutes), ``qrcode/create``, ``menu/create``,
``material/add_material``, ``draft/add``, ``freepublish/submit`` and ``freepublish/get``,
``datacube/getarticlesummary`` / ``getuserread`` and ``message/template/send`` — and checks the access
token of every call the way WeChat does: missing → 41001, unknown → 40001, revoked → 40014, expired →
42001. Tests can expire tokens and queue error codes for a path.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter, defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN_TTL = 7200
RENEW_WINDOW = 300


class FakeWeChat:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.apps: dict[str, str] = {}
        self.tokens: dict[str, tuple[str, float]] = {}  # token → (appid, expires_at)
        self.revoked: set[str] = set()
        self.current: dict[str, str] = {}  # appid → newest token
        self.calls: Counter[str] = Counter()
        self.token_requests: list[dict[str, Any]] = []
        self.queued: dict[str, deque[int]] = defaultdict(deque)
        self.qrcodes: dict[str, dict[str, Any]] = {}
        self.menus: dict[str, Any] = {}
        self.drafts: dict[str, list[dict[str, Any]]] = {}
        self.publishes: dict[str, dict[str, Any]] = {}
        self.publish_status = 0
        self.template_messages: list[dict[str, Any]] = []
        self.article_summary: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.user_read: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.token_delay = 0.0
        self.server: ThreadingHTTPServer | None = None

    # control ---------------------------------------------------------------------------------

    def register(self, appid: str, secret: str) -> None:
        self.apps[appid] = secret

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = {t: (a, time.time() - 1) for t, (a, _e) in self.tokens.items()}

    def revoke_tokens(self) -> None:
        with self.lock:
            self.revoked |= set(self.tokens)

    def forget_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.current.clear()

    def fail_next(self, path: str, *errcodes: int) -> None:
        self.queued[path].extend(errcodes)

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeWeChat:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, data: dict[str, Any]) -> None:
                body = json.dumps(data, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                self._reply(fake.dispatch(parts.path, query, raw, self.headers.get("Content-Type", "")))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # the API ---------------------------------------------------------------------------------

    def dispatch(self, path: str, query: dict[str, str], raw: bytes, content_type: str) -> dict[str, Any]:
        with self.lock:
            self.calls[path] += 1
        if path == "/cgi-bin/stable_token":
            return self.stable_token(json.loads(raw or b"{}"))
        appid_or_error = self.check_token(query.get("access_token"))
        if isinstance(appid_or_error, dict):
            return appid_or_error
        appid = appid_or_error
        queue = self.queued.get(path)
        if queue:
            code = queue.popleft()
            return {"errcode": code, "errmsg": f"fake error {code}"}
        body: dict[str, Any] = {}
        if raw[:1] == b"{":
            body = json.loads(raw)
        handler = {
            "/cgi-bin/qrcode/create": self.qrcode_create,
            "/cgi-bin/menu/create": self.menu_create,
            "/cgi-bin/material/add_material": self.add_material,
            "/cgi-bin/draft/add": self.draft_add,
            "/cgi-bin/freepublish/submit": self.freepublish_submit,
            "/cgi-bin/freepublish/get": self.freepublish_get,
            "/datacube/getarticlesummary": self.getarticlesummary,
            "/datacube/getuserread": self.getuserread,
            "/cgi-bin/message/template/send": self.template_send,
        }.get(path)
        if handler is None:
            return {"errcode": 40066, "errmsg": "invalid url"}
        return handler(appid, body, query)

    def template_send(self, appid: str, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        if not body.get("touser"):
            return {"errcode": 40003, "errmsg": "invalid openid"}
        if not body.get("template_id"):
            return {"errcode": 40037, "errmsg": "invalid template_id"}
        data = body.get("data") or {}
        for key, item in data.items():
            if key.startswith("thing") and len(item.get("value", "")) > 20:
                return {"errcode": 47003, "errmsg": f"argument invalid! data.{key}.value exceeds limit"}
        with self.lock:
            self.template_messages.append({"appid": appid, **body})
            return {"errcode": 0, "errmsg": "ok", "msgid": len(self.template_messages)}

    def stable_token(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.token_delay:
            time.sleep(self.token_delay)
        appid, secret = body.get("appid", ""), body.get("secret", "")
        if body.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if self.apps.get(appid) != secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        with self.lock:
            self.token_requests.append({"appid": appid, "force_refresh": bool(body.get("force_refresh"))})
            now = time.time()
            current = self.current.get(appid)
            if current and not body.get("force_refresh") and current not in self.revoked:
                _a, expires = self.tokens.get(current, (appid, 0))
                if expires - now > RENEW_WINDOW:
                    return {"access_token": current, "expires_in": int(expires - now)}
            if current and body.get("force_refresh"):
                self.revoked.add(current)
            token = "ACCESS_" + secrets.token_hex(12)
            self.tokens[token] = (appid, now + TOKEN_TTL)
            self.current[appid] = token
            return {"access_token": token, "expires_in": TOKEN_TTL}

    def check_token(self, token: str | None) -> str | dict[str, Any]:
        with self.lock:
            if not token:
                return {"errcode": 41001, "errmsg": "access_token missing"}
            if token in self.revoked:
                return {"errcode": 40014, "errmsg": "invalid access_token"}
            if token not in self.tokens:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            appid, expires = self.tokens[token]
            if expires < time.time():
                return {"errcode": 42001, "errmsg": "access_token expired"}
            return appid

    def qrcode_create(self, appid: str, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        action = body.get("action_name")
        scene = (body.get("action_info") or {}).get("scene", {}).get("scene_str", "")
        if action not in ("QR_STR_SCENE", "QR_LIMIT_STR_SCENE") or not 1 <= len(scene) <= 64:
            return {"errcode": 40053, "errmsg": "invalid action info"}
        ticket = "gQ" + secrets.token_hex(16)
        url = f"http://weixin.qq.com/q/{secrets.token_hex(8)}"
        self.qrcodes[ticket] = {"appid": appid, "scene": scene, "action": action}
        result: dict[str, Any] = {"ticket": ticket, "url": url}
        if action == "QR_STR_SCENE":
            result["expire_seconds"] = min(int(body.get("expire_seconds", 60)), 2592000)
        return result

    def menu_create(self, appid: str, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        buttons = body.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return {"errcode": 40016, "errmsg": "invalid button size"}
        self.menus[appid] = buttons
        return {"errcode": 0, "errmsg": "ok"}

    def add_material(self, appid: str, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        if query.get("type") not in ("image", "thumb"):
            return {"errcode": 40004, "errmsg": "invalid media type"}
        media_id = "MEDIA_" + secrets.token_hex(8)
        return {"media_id": media_id, "url": f"http://mmbiz.qpic.cn/{media_id}"}

    def draft_add(self, appid: str, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        articles = body.get("articles") or []
        if not articles or any(not a.get("title") or not a.get("thumb_media_id") for a in articles):
            return {"errcode": 40007, "errmsg": "invalid media_id"}
        media_id = "DRAFT_" + secrets.token_hex(8)
        self.drafts[media_id] = articles
        return {"media_id": media_id}

    def freepublish_submit(self, appid: str, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        media_id = body.get("media_id", "")
        if media_id not in self.drafts:
            return {"errcode": 40007, "errmsg": "invalid media_id"}
        publish_id = str(100000000 + len(self.publishes) + 1)
        msg_data_id = str(2247480000 + len(self.publishes) + 1)
        self.publishes[publish_id] = {"media_id": media_id, "msg_data_id": msg_data_id, "appid": appid}
        return {"errcode": 0, "errmsg": "ok", "publish_id": publish_id, "msg_data_id": msg_data_id}

    def freepublish_get(self, appid: str, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        publish_id = str(body.get("publish_id", ""))
        job = self.publishes.get(publish_id)
        if job is None:
            return {"errcode": 40007, "errmsg": "invalid publish_id"}
        result: dict[str, Any] = {"publish_id": publish_id, "publish_status": self.publish_status}
        if self.publish_status == 0:
            result["article_id"] = "ARTICLE_" + publish_id
            result["article_detail"] = {
                "count": 1,
                "item": [{"idx": 1, "article_url": f"https://mp.weixin.qq.com/s/{publish_id}"}],
            }
        return result

    def _day(self, body: dict[str, Any]) -> str | dict[str, Any]:
        begin, end = body.get("begin_date"), body.get("end_date")
        if not begin or begin != end:
            return {"errcode": 61501, "errmsg": "date range error"}
        return str(begin)

    def getarticlesummary(self, appid: str, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        day = self._day(body)
        if isinstance(day, dict):
            return day
        return {"list": self.article_summary.get((appid, day), [])}

    def getuserread(self, appid: str, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        day = self._day(body)
        if isinstance(day, dict):
            return day
        return {"list": self.user_read.get((appid, day), [])}
