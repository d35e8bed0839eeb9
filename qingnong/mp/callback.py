"""The official-account server: what happens between WeChat's POST to ``/wx/<key>/`` and our answer.

Order of checks (each refusal writes nothing):

1. unknown or inactive account → 404;
2. ``signature`` (SHA-1 of Token, timestamp, nonce) missing or wrong → 403; timestamp too far from now → 403;
3. GET: echo ``echostr`` (WeChat's URL verification);
4. body larger than ``MP_CALLBACK_MAX_BODY`` → 400 before reading it; XML with a DOCTYPE or entities, or
   malformed → 400 (defusedxml, before anything else looks at it);
5. ``encrypt_type=aes``: ``msg_signature`` wrong → 403; the message decrypts to another AppID → 403;
   a plaintext message to an account in safe mode → 403;
6. the message is de-duplicated (MsgId; FromUserName + CreateTime + Event for events) for five minutes —
   WeChat's retries are answered ``success`` and processed once;
7. the reply is computed from the account's cached rules (no database query in the common case); anything
   heavier (followers, publish results) goes to Celery after commit.

The account's configuration (decrypted secrets, compiled rules) is cached per process and reloaded when
its version in the shared store changes, checked at most every ``MP_RUNTIME_TTL`` seconds (``runtime.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException
from django.db import transaction
from wechatpy.events import EVENT_TYPES
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.messages import MESSAGE_TYPES, UnknownMessage
from wechatpy.replies import ArticlesReply, TextReply

from . import conf
from .matching import first_match
from .runtime import AccountRuntime
from .store import get_store

logger = logging.getLogger(__name__)

SUCCESS = "success"


class Refused(Exception):
    """The request is refused with ``status`` (403, 400, 404); nothing has been recorded."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# --- signatures, XML ----------------------------------------------------------------------


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def check_request_signature(rt: AccountRuntime, params: Any) -> tuple[str, str]:
    signature = params.get("signature", "")
    timestamp = params.get("timestamp", "")
    nonce = params.get("nonce", "")
    if not (signature and timestamp and nonce):
        raise Refused(403, "missing signature")
    if not hmac.compare_digest(sha1_signature(rt.token, timestamp, nonce), signature):
        raise Refused(403, "bad signature")
    max_age = int(conf.get("MP_CALLBACK_MAX_AGE"))
    if max_age:
        try:
            age = abs(time.time() - int(timestamp))
        except ValueError:
            raise Refused(403, "bad timestamp") from None
        if age > max_age:
            raise Refused(403, "stale timestamp")
    return timestamp, nonce


def _to_dict(elem: Element) -> Any:
    """An element as xmltodict would give it: text for leaves, dicts (lists for repeats) otherwise."""
    children = list(elem)
    if not children:
        return elem.text or ""
    out: dict[str, Any] = {}
    for child in children:
        value = _to_dict(child)
        if child.tag in out:
            existing = out[child.tag]
            if isinstance(existing, list):
                existing.append(value)
            else:
                out[child.tag] = [existing, value]
        else:
            out[child.tag] = value
    return out


def parse_xml(data: bytes | str) -> dict[str, Any]:
    """The ``<xml>`` document as a dict; DOCTYPE, entities and malformed XML are refused (400)."""
    try:
        root = DefusedET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise Refused(400, "bad xml") from None
    result = _to_dict(root)
    if not isinstance(result, dict):
        raise Refused(400, "empty xml")
    return result


def message_from_dict(data: dict[str, Any]) -> Any:
    """wechatpy's message or event object for a parsed message (``wechatpy.parse_message`` without XML)."""
    msg_type = str(data.get("MsgType", "")).lower()
    if msg_type == "event":
        event = str(data.get("Event", "")).lower()
        key = data.get("EventKey") or ""
        if event == "subscribe" and isinstance(key, str) and key.startswith("qrscene_"):
            data = {**data, "Event": "subscribe_scan", "EventKey": key[len("qrscene_") :]}
            event = "subscribe_scan"
        return EVENT_TYPES.get(event, UnknownMessage)(data)
    return MESSAGE_TYPES.get(msg_type, UnknownMessage)(data)


# --- replies ------------------------------------------------------------------------------


def render_reply(spec: dict[str, Any] | None, message: Any) -> str | None:
    if not spec:
        return None
    if spec["type"] == "news":
        articles = [
            {
                "title": a.get("title", ""),
                "description": a.get("description", ""),
                "image": a.get("image", ""),
                "url": a.get("url", ""),
            }
            for a in spec.get("articles", [])[:8]
        ]
        if not articles:
            return None
        return str(ArticlesReply(message=message, articles=articles).render())
    text = spec.get("text", "")
    if not text:
        return None
    return str(TextReply(message=message, content=text).render())


def _enqueue(func: Any, *args: Any) -> None:
    """Hand work to Celery once the request's writes are committed; the reply never waits for it."""

    def send() -> None:
        try:
            func.delay(*args)
        except Exception:
            logger.exception("mp: could not hand work to the job queue")

    transaction.on_commit(send)


def dedupe_key(rt: AccountRuntime, data: dict[str, Any]) -> str | None:
    if data.get("MsgId"):
        return f"dup:{rt.account_id}:m:{data['MsgId']}"
    sender, created = data.get("FromUserName"), data.get("CreateTime")
    if sender and created:
        return f"dup:{rt.account_id}:e:{sender}:{created}:{data.get('Event', '')}"
    return None


def handle_message(rt: AccountRuntime, data: dict[str, Any], message: Any) -> dict[str, Any] | None:
    """The reply to one (new) message or event, and the work it hands to Celery."""
    from . import tasks
    from .join import join_reply

    msg_type = str(data.get("MsgType", "")).lower()
    openid = str(data.get("FromUserName", ""))
    if msg_type == "text":
        text = str(data.get("Content", ""))
        joined = join_reply(rt, openid, text, builtin_only=True)
        if joined is not None:
            return joined
        rule = first_match(rt.rules, text)
        if rule is not None:
            return rule.reply
        joined = join_reply(rt, openid, text, builtin_only=False)
        if joined is not None:
            return joined
        return rt.fallback
    if msg_type != "event":
        return rt.fallback
    event = str(data.get("Event", "")).lower()
    if event in {"subscribe", "unsubscribe", "scan"}:
        scene = str(data.get("EventKey") or "")
        if event == "subscribe" and scene.startswith("qrscene_"):
            scene = scene[len("qrscene_") :]
        bound = None
        if scene.startswith("b") and event != "unsubscribe":
            from .services import follow_bind_by_scan

            bound = follow_bind_by_scan(account_id=rt.account_id, scene=scene, openid=openid)
        _enqueue(tasks.follower_event, rt.account_id, event, openid, scene, str(data.get("CreateTime", "")))
        if bound is not None:
            return {"type": "text", "text": bound}
        return rt.welcome if event == "subscribe" else None
    if event == "click":
        return rt.clicks.get(str(data.get("EventKey") or ""))
    if event == "publishjobfinish":
        info = data.get("PublishEventInfo") or {}
        if isinstance(info, dict):
            _enqueue(tasks.publish_finished, rt.account_id, info)
        return None
    return None


def process(rt: AccountRuntime, params: Any, body: bytes) -> str:
    """The text of the HTTP 200 answer to a signed POST, or ``Refused``."""
    timestamp, nonce = check_request_signature(rt, params)
    outer = parse_xml(body)
    encrypted = params.get("encrypt_type", "") == "aes"
    if encrypted:
        if rt.prp is None or rt.crypto is None:
            raise Refused(403, "account has no EncodingAESKey")
        encrypt = outer.get("Encrypt")
        msg_signature = params.get("msg_signature", "")
        if not isinstance(encrypt, str) or not encrypt or not msg_signature:
            raise Refused(400, "no Encrypt")
        if not hmac.compare_digest(sha1_signature(rt.token, timestamp, nonce, encrypt), msg_signature):
            raise Refused(403, "bad msg_signature")
        try:
            plaintext = rt.prp.decrypt(encrypt, rt.app_id)
        except InvalidAppIdException:
            raise Refused(403, "message for another AppID") from None
        except Exception:
            raise Refused(400, "cannot decrypt") from None
        data = parse_xml(plaintext)
    else:
        if rt.mode == "safe":
            raise Refused(403, "plaintext message to an account in safe mode")
        data = outer
    if not data.get("MsgType") or not data.get("FromUserName"):
        raise Refused(400, "not a message")
    key = dedupe_key(rt, data)
    if key is not None and not get_store().claim(key, int(conf.get("MP_DEDUPE_SECONDS"))):
        return SUCCESS
    message = message_from_dict(data)
    spec = handle_message(rt, data, message)
    xml = render_reply(spec, message)
    if xml is None:
        return SUCCESS
    if encrypted:
        assert rt.crypto is not None
        return str(rt.crypto.encrypt_message(xml, nonce, str(int(time.time()))))
    return xml
