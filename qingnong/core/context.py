"""Per-request facts (request id, client address) that audit entries carry."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    request_id: str = ""
    ip: str | None = None


_EMPTY = RequestMeta()
_current: contextvars.ContextVar[RequestMeta] = contextvars.ContextVar("qingnong_request")


def current_request_meta() -> RequestMeta:
    return _current.get(_EMPTY)


def set_request_meta(meta: RequestMeta) -> contextvars.Token[RequestMeta]:
    return _current.set(meta)


def reset_request_meta(token: contextvars.Token[RequestMeta]) -> None:
    _current.reset(token)
