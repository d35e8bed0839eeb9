"""Notifications by WeChat template message: a channel of the in-app notification centre.

Once an account served here has API rights and a reminder template (``reminder_template_id``), every
notification of a user whose cadre has bound their WeChat (the one-time bind code of "我的关注", which links
the openid in ``CadreFollow``) also goes to that cadre's WeChat as a template message, linking back to the
page of the notification. Of several such accounts the one nearest the cadre's org is used (a county's own
account before the city's).

WeChat fills a template's keywords by type, with limits per type (``thing`` 20 characters, ``time`` a date
and time, ``phrase`` 5 characters, ``character_string`` 32): the keys of the chosen template, copied in
order from its detail page, say which goes where — the first ``thing`` gets the title, the next the body,
the next the organisation; a ``time`` or ``date`` key gets when the notification was created.

The messages are sent by a Celery task after the notifications are committed; a WeChat error is logged and
never touches the in-app notification (quota: retried after WeChat's back-off).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone

KEY = re.compile(r"^(thing|time|date|phrase|character_string|number|amount|const|letter|symbol)\d{1,2}$")
LIMITS = {"thing": 20, "phrase": 5, "character_string": 32, "letter": 32, "symbol": 5, "number": 32}
# Notification kinds, as a cadre reads them in a ``phrase`` keyword (at most 5 characters).
KIND_PHRASES = {
    "todo": "待办提醒",
    "wxgroups": "群台账提醒",
    "content.task": "转发任务",
    "content.dormant": "沉寂提醒",
    "content.dormancy_warning": "沉寂预警",
}


def parse_template_keys(raw: str) -> list[str]:
    """``"thing1, thing2,time3"`` → ``["thing1", "thing2", "time3"]``.

    ``ValueError`` with a Chinese message on a bad or repeated key."""
    keys = [k.strip() for k in re.split(r"[,，\s]+", raw or "") if k.strip()]
    bad = [k for k in keys if not KEY.match(k)]
    if bad:
        raise ValueError(
            f"模板字段名“{'、'.join(bad)}”无效：应为模板详情中的 thing1、time2 这类名称（去掉 .DATA）"
        )
    if len(set(keys)) != len(keys):
        raise ValueError("模板字段名有重复")
    return keys


def _fit(value: str, limit: int | None) -> str:
    value = " ".join(value.split())
    if limit is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"


def template_data(
    keys: Iterable[str], *, title: str, body: str, org: str, kind: str, at: Any
) -> dict[str, Any]:
    """The ``data`` of a template message for one notification, each value within its keyword's limit."""
    texts = [t for t in (title, body, org) if t]
    local = timezone.localtime(at)
    data: dict[str, Any] = {}
    for key in keys:
        kind_of_key = KEY.match(key).group(1)  # type: ignore[union-attr]
        if kind_of_key in ("time", "date"):
            value = f"{local:%Y年%m月%d日 %H:%M}" if kind_of_key == "time" else f"{local:%Y年%m月%d日}"
        elif kind_of_key == "phrase":
            value = KIND_PHRASES.get(kind, "提醒")
        elif texts:
            value = texts.pop(0)
        else:
            value = "青农"
        data[key] = {"value": _fit(value, LIMITS.get(kind_of_key))}
    return data


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.PUBLIC_BASE_URL.rstrip("/") + url


def wechat_channel(created: list[Any]) -> None:
    """After commit: queue one template message per notification whose user has a WeChat target."""
    if not created:
        return
    from .selectors import reminder_targets
    from .tasks import template_message_send

    targets = reminder_targets({n.user_id for n in created})
    for notification in created:
        target = targets.get(notification.user_id)
        if target is None:
            continue
        data = template_data(
            target.keys,
            title=notification.title,
            body=notification.body,
            org=target.org_name,
            kind=notification.kind,
            at=notification.created_at or timezone.now(),
        )
        template_message_send.delay(
            target.account_id, target.openid, target.template_id, data, _absolute(notification.url)
        )
