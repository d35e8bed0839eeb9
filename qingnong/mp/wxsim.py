"""What WeChat's servers send to an account's callback, built the way they build it.

Used by the tests, the end-to-end tests and the callback benchmark (and handy for trying a callback by
hand): messages and events as XML, signed and — in compatible or safe mode — encrypted.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from wechatpy.crypto import PrpCrypto, WeChatCrypto


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_xml(*, to: str, sender: str, content: str, msg_id: int, create_time: int | None = None) -> str:
    return (
        f"<xml><ToUserName>{_cdata(to)}</ToUserName><FromUserName>{_cdata(sender)}</FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType>{_cdata('text')}</MsgType>"
        f"<Content>{_cdata(content)}</Content><MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(
    *, to: str, sender: str, event: str, key: str = "", create_time: int | None = None, extra: str = ""
) -> str:
    """An event; for a subscribe through a parametric code pass ``key="qrscene_<scene>"``."""
    key_xml = f"<EventKey>{_cdata(key)}</EventKey>" if key else ""
    ticket = f"<Ticket>{_cdata('TICKET')}</Ticket>" if key else ""
    return (
        f"<xml><ToUserName>{_cdata(to)}</ToUserName><FromUserName>{_cdata(sender)}</FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType>{_cdata('event')}</MsgType>"
        f"<Event>{_cdata(event)}</Event>{key_xml}{ticket}{extra}</xml>"
    )


def publish_event_xml(*, to: str, publish_id: str, status: int, article_id: str, url: str) -> str:
    info = (
        f"<PublishEventInfo><publish_id>{escape(publish_id)}</publish_id><publish_status>{status}</publish_status>"
        f"<article_id>{_cdata(article_id)}</article_id><article_detail><count>1</count>"
        f"<item><idx>1</idx><article_url>{_cdata(url)}</article_url></item></article_detail></PublishEventInfo>"
    )
    return event_xml(to=to, sender="o_system", event="PUBLISHJOBFINISH", extra=info)


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signed(
    *,
    token: str,
    xml: str,
    mode: str = "safe",
    aes_key: str = "",
    app_id: str = "",
    to: str = "gh_000000000000",
    timestamp: str | None = None,
    nonce: str | None = None,
) -> tuple[dict[str, str], bytes]:
    """(query parameters, body) of WeChat's POST in ``mode`` (plain / compatible / safe)."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or secrets.token_hex(5)
    query = {"signature": signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    if mode == "plain":
        return query, xml.encode()
    crypto = WeChatCrypto(token, aes_key, app_id)
    encrypted = PrpCrypto(crypto.key).encrypt(xml, app_id).decode()
    query.update(
        {
            "openid": "o" + secrets.token_hex(6),
            "encrypt_type": "aes",
            "msg_signature": signature(token, timestamp, nonce, encrypted),
        }
    )
    if mode == "compatible":
        body = xml.replace("</xml>", f"<Encrypt>{_cdata(encrypted)}</Encrypt></xml>")
    else:
        body = f"<xml><ToUserName>{_cdata(to)}</ToUserName><Encrypt>{_cdata(encrypted)}</Encrypt></xml>"
    return query, body.encode()


def url_with(path: str, query: dict[str, str]) -> str:
    return f"{path}?{urlencode(query)}"


def decrypt_reply(*, token: str, aes_key: str, app_id: str, body: bytes | str) -> str:
    """The plaintext XML of an encrypted reply (checking its signature)."""
    import xmltodict

    data = xmltodict.parse(body)["xml"]
    crypto = WeChatCrypto(token, aes_key, app_id)
    return str(crypto.decrypt_message(body, data["MsgSignature"], data["TimeStamp"], data["Nonce"]))
