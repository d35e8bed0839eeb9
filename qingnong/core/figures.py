"""A short-lived cache of computed figures (rule reports, rollup counts) shared by every user.

At province scale the rules read millions of rows; the dashboard serves figures at most
``FIGURES_CACHE_SECONDS`` old (default 10 minutes; 0 turns the cache off) and a beat job keeps the top of
the tree warm. The figures are the same for every user who may see the org, so they are cached per org,
never per user; what a user may see is still filtered when the page is built.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

_T = TypeVar("_T")
PREFIX = "qn:figures:v1:"


def figures_timeout() -> int:
    return int(getattr(settings, "FIGURES_CACHE_SECONDS", 600))


def figures_cached(
    key: str, compute: Callable[[], _T], *, fresh: bool = False
) -> tuple[_T, datetime.datetime]:
    """``compute()``'s value and when it was computed: from the cache unless ``fresh`` or expired."""
    timeout = figures_timeout()
    full_key = PREFIX + key
    if timeout and not fresh:
        hit = cache.get(full_key)
        if hit is not None:
            return hit["value"], hit["at"]
    value = compute()
    at = timezone.now()
    if timeout:
        cache.set(full_key, {"value": value, "at": at}, timeout)
    return value, at
