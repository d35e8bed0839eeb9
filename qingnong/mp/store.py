"""State shared by every web and worker process: Redis when the cache is Redis, else the database.

Used for the callback's de-duplication keys (WeChat retries a message it got no answer to; each is
processed once), a youth's pending numbered choice, the version of each account's configuration,
API back-off after 45009 and the refresh lock of access tokens.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import conf


def using_redis() -> bool:
    backend = str(settings.CACHES.get("default", {}).get("BACKEND", ""))
    return bool(getattr(settings, "REDIS_URL", "")) and backend.endswith("RedisCache")


def prefix() -> str:
    return str(conf.get("MP_STORE_PREFIX"))


@lru_cache(maxsize=4)
def _redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def redis_client() -> Any:
    return _redis_client(settings.REDIS_URL)


class RedisStore:
    """Keys with a time to live in Redis (``SET NX EX``), locks with redis-py's ``Lock``."""

    kind = "redis"

    def __init__(self) -> None:
        self.r = redis_client()
        self.p = prefix()

    def claim(self, key: str, ttl: int) -> bool:
        """True the first time ``key`` is claimed within ``ttl`` seconds."""
        return bool(self.r.set(self.p + key, b"1", nx=True, ex=ttl))

    def get(self, key: str) -> str | None:
        value = self.r.get(self.p + key)
        return value.decode() if value is not None else None

    def set(self, key: str, value: str, ttl: int) -> None:
        self.r.set(self.p + key, value.encode(), ex=ttl)

    def delete(self, key: str) -> None:
        self.r.delete(self.p + key)

    def incr(self, key: str, ttl: int) -> int:
        pipe = self.r.pipeline()
        pipe.incr(self.p + key)
        pipe.expire(self.p + key, ttl)
        return int(pipe.execute()[0])

    @contextmanager
    def lock(self, name: str, timeout: int = 30) -> Iterator[None]:
        lock = self.r.lock(self.p + "lock:" + name, timeout=timeout, blocking_timeout=timeout)
        if not lock.acquire():
            raise TimeoutError(f"lock {name} busy")
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # expired while held: nothing to release
                lock.release()


class DatabaseStore:
    """The same operations on the ``SharedKey`` table (a unique key, a value and an expiry)."""

    kind = "database"

    def _model(self) -> Any:
        from .models import SharedKey

        return SharedKey

    def claim(self, key: str, ttl: int) -> bool:
        model = self._model()
        now = timezone.now()
        expires = now + datetime.timedelta(seconds=ttl)
        try:
            with transaction.atomic():
                model.objects.create(key=key, value="1", expires_at=expires)
            return True
        except IntegrityError:
            # A key whose time ran out (not yet purged) may be claimed again.
            taken = model.objects.filter(key=key, expires_at__lte=now).update(value="1", expires_at=expires)
            return bool(taken)

    def get(self, key: str) -> str | None:
        row = (
            self._model().objects.filter(key=key, expires_at__gt=timezone.now()).values_list("value").first()
        )
        return row[0] if row else None

    def set(self, key: str, value: str, ttl: int) -> None:
        expires = timezone.now() + datetime.timedelta(seconds=ttl)
        self._model().objects.update_or_create(key=key, defaults={"value": value, "expires_at": expires})

    def delete(self, key: str) -> None:
        self._model().objects.filter(key=key).delete()

    def incr(self, key: str, ttl: int) -> int:
        with transaction.atomic():
            current = int(self.get(key) or 0) + 1
            self.set(key, str(current), ttl)
        return current

    @contextmanager
    def lock(self, name: str, timeout: int = 30) -> Iterator[None]:
        """A row lock held for the block (``SELECT … FOR UPDATE``; SQLite's write lock serialises too)."""
        model = self._model()
        far = timezone.now() + datetime.timedelta(days=3650)
        with transaction.atomic():
            model.objects.get_or_create(key="lock:" + name, defaults={"expires_at": far})
            model.objects.select_for_update().get(key="lock:" + name)
            yield


def get_store() -> RedisStore | DatabaseStore:
    return RedisStore() if using_redis() else DatabaseStore()


def purge_expired() -> int:
    """Delete expired shared keys (the database store only; Redis expires its own)."""
    from .models import SharedKey

    deleted, _ = (
        SharedKey.objects.filter(expires_at__lte=timezone.now()).exclude(key__startswith="lock:").delete()
    )
    return deleted
