"""Issuing and revoking API tokens."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from qingnong.core.audit import audit_record, snapshot

from .models import ApiToken

TOKEN_PREFIX = "qn_"


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, actor: Any, user: Any, name: str = "", days: int | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user`` (the user themself, or a superuser for them). Returns the token and the
    raw key, which is never stored."""
    if actor.pk != user.pk and not actor.is_superuser:
        raise PermissionDenied("只能为自己创建 API 令牌")
    public = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{public}_{secrets.token_urlsafe(32)}"
    expires = timezone.now() + datetime.timedelta(days=days) if days else None
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:60], prefix=public, key_hash=token_hash(raw), expires_at=expires
    )
    audit_record(actor=actor, action="api.token.create", obj=token, before=None, after=snapshot(token))
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    if actor.pk != token.user_id and not actor.is_superuser:
        raise PermissionDenied("只能撤销自己的 API 令牌")
    before = snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="api.token.revoke", obj=token, before=before, after=snapshot(token))
    return token


def api_token_authenticate(raw: str) -> Any | None:
    """The active user a raw token belongs to, or None for a wrong, expired or revoked token."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(raw)).first()
    if token is None or not token.is_valid or not token.user.is_active:
        return None
    now = timezone.now()
    # Record use at most once a minute: a busy client must not turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
