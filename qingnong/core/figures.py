"""Computed figures (rule reports, rollup counts) shared by every user, served stale-while-revalidate.

At province scale the rules read millions of rows: computing a province's dashboard takes seconds, far
more than a page may. So figures are kept per org (never per user; what a user may see is still filtered
when the page is built) with the version they were computed for (the day, the campaign's last edit) and
are current for ``FIGURES_CACHE_SECONDS`` (default 10 minutes; 0 turns the store off and everything is
computed on demand, as in the tests).

A small subtree's figures, once out of date, are recomputed in the request. A large one's never are:
the request serves the last figures it has (marked stale), and asks once for a background refresh; with
no figures at all yet the page says they are being computed. A beat job keeps the top of the tree
current, so a leader normally sees figures a few minutes old and never waits for the computation.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

_T = TypeVar("_T")
PREFIX = "qn:figures:v2:"
# How long out-of-date figures are kept to be served while newer ones are computed.
RETENTION_SECONDS = 8 * 24 * 3600
# A refresh that has not finished by then (a worker died) may be asked for again.
REFRESH_LOCK_SECONDS = 15 * 60


def figures_timeout() -> int:
    return int(getattr(settings, "FIGURES_CACHE_SECONDS", 600))


@dataclass(frozen=True)
class Figures(Generic[_T]):
    """What the store answered: the figures (``ready`` false when none exist yet), when they were
    computed, whether they are out of date, and whether a background refresh is under way."""

    value: _T | None
    at: datetime.datetime | None
    stale: bool = False
    refreshing: bool = False

    @property
    def ready(self) -> bool:
        return self.at is not None


def _current(hit: dict | None, version: str, timeout: int) -> bool:
    if hit is None or hit["version"] != version:
        return False
    return (timezone.now() - hit["at"]).total_seconds() < timeout


def figures_put(key: str, value: object, *, version: str) -> datetime.datetime:
    at = timezone.now()
    if figures_timeout():
        cache.set(PREFIX + key, {"value": value, "at": at, "version": version}, RETENTION_SECONDS)
    return at


def figures_refresh_done(key: str) -> None:
    """Called by the background refresh when it has stored (or failed to store) ``key``."""
    cache.delete(PREFIX + "refreshing:" + key)


def figures_get(
    key: str,
    compute: Callable[[], _T],
    *,
    version: str = "",
    fresh: bool = False,
    refresh: Callable[[], None] | None = None,
    in_background: Callable[[], bool] = lambda: False,
) -> Figures[_T]:
    """``key``'s figures for ``version``. Current ones are served unless ``fresh`` asks to recompute.
    Otherwise, when ``in_background()`` says the computation is too long for a request, ``refresh()``
    is scheduled (once, whoever asks meanwhile) and the last figures are served as they are; else
    ``compute()`` runs here and its result is stored."""
    timeout = figures_timeout()
    if not timeout:
        return Figures(compute(), timezone.now())
    hit = cache.get(PREFIX + key)
    if not fresh and _current(hit, version, timeout):
        return Figures(hit["value"], hit["at"])
    if refresh is None or not in_background():
        value = compute()
        return Figures(value, figures_put(key, value, version=version))
    scheduled = cache.add(PREFIX + "refreshing:" + key, True, REFRESH_LOCK_SECONDS)
    if scheduled:
        # Without a broker the task runs eagerly, after the request's transaction, and the figures
        # are there when we look again below.
        transaction.on_commit(refresh)
    hit = cache.get(PREFIX + key)
    refreshing = cache.get(PREFIX + "refreshing:" + key) is not None
    if hit is None:
        return Figures(None, None, stale=True, refreshing=refreshing)
    if scheduled and not refreshing and _current(hit, version, timeout):
        return Figures(hit["value"], hit["at"])
    return Figures(hit["value"], hit["at"], stale=not _current(hit, version, timeout), refreshing=refreshing)
