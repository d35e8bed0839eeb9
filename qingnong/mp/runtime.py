"""The per-process runtime of each served account: decrypted secrets and compiled reply rules.

The callback answers from this cache (no database query in the common case). An account's runtime is
reloaded when its version in the shared store changes, checked at most every ``MP_RUNTIME_TTL`` seconds;
the services bump the version after an account or its rules change (``invalidate_runtime``), so that every
process reloads it. The services import this module, never the callback.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from wechatpy.crypto import PrpCrypto, WeChatCrypto

from . import conf
from .crypto import SecretUnreadable, decrypt
from .matching import CompiledRule, normalise_text, validate_regex
from .store import get_store

logger = logging.getLogger(__name__)


@dataclass
class AccountRuntime:
    account_id: int
    key: str
    name: str
    app_id: str
    token: str
    mode: str
    org_path: str
    prp: PrpCrypto | None
    crypto: WeChatCrypto | None
    rules: tuple[CompiledRule, ...] = ()
    welcome: dict[str, Any] | None = None
    clicks: dict[str, dict[str, Any]] = field(default_factory=dict)
    fallback: dict[str, Any] | None = None
    version: str = "0"
    checked_at: float = 0.0


_RUNTIMES: dict[str, AccountRuntime] = {}


def _reply_spec(rule: Any) -> dict[str, Any]:
    if rule.reply_type == "news":
        return {"type": "news", "articles": list(rule.articles or [])}
    return {"type": "text", "text": rule.reply_text}


def _compile_rule(rule: Any) -> CompiledRule | None:
    if rule.match_type == "regex":
        try:
            pattern = validate_regex(rule.keywords)
        except Exception:  # saved before a stricter check: skip rather than risk the reply time
            logger.warning("mp: rule %s has an unsafe pattern, skipped", rule.pk)
            return None
        return CompiledRule(rule.pk, rule.priority, "regex", pattern=pattern, reply=_reply_spec(rule))
    keywords = tuple(normalise_text(k) for k in rule.keyword_list())
    if not keywords:
        return None
    return CompiledRule(rule.pk, rule.priority, rule.match_type, keywords=keywords, reply=_reply_spec(rule))


def load_runtime(key: str, version: str) -> AccountRuntime | None:
    from .models import OfficialAccount, ReplyRule

    account = (
        OfficialAccount.objects.filter(callback_key=key, is_active=True, is_external=False)
        .select_related("org")
        .only(
            "pk",
            "name",
            "app_id",
            "token_encrypted",
            "encoding_aes_key_encrypted",
            "message_mode",
            "org__path",
        )
        .first()
    )
    if account is None or not account.token_encrypted:
        return None
    try:
        token = decrypt(account.token_encrypted)
        aes_key = decrypt(account.encoding_aes_key_encrypted)
    except SecretUnreadable:
        logger.error(
            "mp: secrets of account %s cannot be decrypted (FIELD_ENCRYPTION_KEY changed?)", account.pk
        )
        return None
    app_id = account.app_id or ""
    prp = crypto = None
    if aes_key:
        crypto = WeChatCrypto(token, aes_key, app_id)
        prp = PrpCrypto(crypto.key)
    rt = AccountRuntime(
        account_id=account.pk,
        key=key,
        name=account.name,
        app_id=app_id,
        token=token,
        mode=account.message_mode,
        org_path=account.org.path,
        prp=prp,
        crypto=crypto,
        version=version,
        checked_at=time.monotonic(),
    )
    compiled: list[CompiledRule] = []
    for rule in ReplyRule.objects.filter(account_id=account.pk, is_active=True).order_by("-priority", "id"):
        if rule.kind == "keyword":
            c = _compile_rule(rule)
            if c is not None:
                compiled.append(c)
        elif rule.kind == "subscribe" and rt.welcome is None:
            rt.welcome = _reply_spec(rule)
        elif rule.kind == "click" and rule.event_key:
            rt.clicks.setdefault(rule.event_key, _reply_spec(rule))
        elif rule.kind == "default" and rt.fallback is None:
            rt.fallback = _reply_spec(rule)
    rt.rules = tuple(compiled)
    return rt


def runtime_for(key: str) -> AccountRuntime | None:
    rt = _RUNTIMES.get(key)
    now = time.monotonic()
    if rt is not None and now - rt.checked_at < float(conf.get("MP_RUNTIME_TTL")):
        return rt
    version = get_store().get(f"ver:{key}") or "0"
    if rt is not None and rt.version == version:
        rt.checked_at = now
        return rt
    fresh = load_runtime(key, version)
    if fresh is None:
        _RUNTIMES.pop(key, None)
        return None
    _RUNTIMES[key] = fresh
    return fresh


def invalidate_runtime(key: str) -> None:
    """Called by services after an account or its rules change: every process reloads it."""
    get_store().set(f"ver:{key}", uuid.uuid4().hex, 30 * 24 * 3600)
    _RUNTIMES.pop(key, None)
