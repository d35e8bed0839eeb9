"""Settings of the official-account app, each overridable in Django settings or the environment."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULTS: dict[str, Any] = {
    # WeChat's API; tests and staging point this at a fake server.
    "MP_API_BASE_URL": "https://api.weixin.qq.com",
    "MP_API_TIMEOUT": 10,
    # WeChat allows 100,000 permanent parametric codes per account; beyond, 30-day codes renewed nightly.
    "MP_PERMANENT_QR_LIMIT": 100_000,
    # Largest callback body accepted (WeChat's messages are a few kB).
    "MP_CALLBACK_MAX_BODY": 64 * 1024,
    # A callback whose timestamp is further than this from now is refused (0: no check), so that an old
    # captured request cannot be replayed after its de-duplication key has expired.
    "MP_CALLBACK_MAX_AGE": 300,
    # How long a retry of the same message is remembered (WeChat retries within 15 s).
    "MP_DEDUPE_SECONDS": 300,
    # How long a youth's pending numbered choice (入群 ambiguous answer) is kept.
    "MP_PENDING_CHOICE_SECONDS": 300,
    # How long a process trusts its cached account configuration before checking its version.
    "MP_RUNTIME_TTL": 2.0,
    "MP_STORE_PREFIX": "qn:mp:",
}


_cache: dict[str, Any] = {}


def get(name: str) -> Any:
    """The setting's value (cached: the callback reads several on every request)."""
    try:
        return _cache[name]
    except KeyError:
        value = _cache[name] = _read(name)
        return value


def _read(name: str) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    default = DEFAULTS[name]
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return type(default)(raw)


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    _cache.clear()
