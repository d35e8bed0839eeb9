"""Password login with lock-out after repeated failures (per username and per client address)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone

from .middleware import client_ip
from .models import LoginFailure

LOCKED_MESSAGE = "登录失败次数过多，账号已临时锁定，请 {minutes} 分钟后再试"


def _window_start() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def login_is_locked(*, username: str, ip: str | None) -> bool:
    """Whether this username, or this address, has failed too often inside the window."""
    since = _window_start()
    limit = settings.LOGIN_FAILURE_LIMIT
    by_user = LoginFailure.objects.filter(username__iexact=username, at__gte=since).count()
    if by_user >= limit:
        return True
    # An address gets more room: an office shares one address behind its router.
    return bool(ip) and LoginFailure.objects.filter(ip=ip, at__gte=since).count() >= limit * 4


def login_failure_record(*, username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username[:150], ip=ip)


def login_failures_clear(*, username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()


def login_failures_purge() -> int:
    """Forget failures older than the window (beat job)."""
    deleted, _ = LoginFailure.objects.filter(at__lt=_window_start()).delete()
    return deleted


class LockoutAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码不正确",
        "inactive": "该账号已停用，请联系上级管理员",
        "locked": LOCKED_MESSAGE,
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "placeholder": "用户名"})
        self.fields["password"].widget.attrs.update({"placeholder": "密码"})

    def clean(self) -> dict[str, Any]:
        username = (self.cleaned_data.get("username") or "").strip()
        ip = client_ip(self.request) if self.request is not None else None
        if username and login_is_locked(username=username, ip=ip):
            raise forms.ValidationError(
                self.error_messages["locked"].format(minutes=settings.LOGIN_LOCKOUT_MINUTES), code="locked"
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                login_failure_record(username=username, ip=ip)
            raise
        login_failures_clear(username=username)
        return cleaned
