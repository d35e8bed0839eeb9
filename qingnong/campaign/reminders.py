"""The daily to-do: for each user, what is late or soon due in their orgs, from the rules.

Items: every registered rule that is due and not met at the user's org (with the children that miss it),
every rule due within ``SOON_DAYS`` that is not met yet, group QR codes about to expire, and the cadres under
the R1 target. They go to the in-app notification centre — one notification per item, or one digest when a
user has more than ``DIGEST_AFTER`` items (a city admin gets one message a day, not hundreds) — with a
de-duplication key per user, item and day, so the job can run again safely. The same text goes by email when
SMTP is configured (``EMAIL_HOST``), after the notifications are committed.

Rules are evaluated once per distinct org that users are granted (a fixed number of queries per such org),
never per user or per org below it.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from qingnong.core.notifications import notification_send
from qingnong.core.scoping import minimal_roots, subtree_q
from qingnong.orgs.choices import OrgStatus
from qingnong.orgs.models import Org, ScopeGrant, User

from .models import Campaign
from .rules_base import MET, NO_DATA, NOT_DUE, NOT_MET, RuleContext, RuleReport, evaluate, rule_ids
from .selectors import campaign_for

log = logging.getLogger(__name__)

SOON_DAYS = 7
QR_SOON_DAYS = 2
DIGEST_AFTER = 3
NAMES_SHOWN = 8
KIND = "todo"


@dataclass
class TodoItem:
    """One thing a user should act on today, about one of their orgs."""

    key: str
    kind: str  # "late", "due_soon", "qr", "reach"
    title: str
    body: str
    url: str = ""
    rule: str = ""


@dataclass
class ReminderStats:
    users: int = 0
    roots: int = 0
    items: int = 0
    notifications: int = 0
    emails: int = 0
    digests: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def _url(name: str, query: str = "") -> str:
    try:
        return reverse(name) + query
    except NoReverseMatch:
        return ""


def _names(items: Iterable[str]) -> str:
    items = list(items)
    shown = "、".join(items[:NAMES_SHOWN])
    return shown + (f" 等 {len(items)} 个" if len(items) > NAMES_SHOWN else "")


def _md(day: datetime.date) -> str:
    return f"{day.month}月{day.day}日"


def _figure(value: Any, unit: str) -> str:
    return "无数据" if value is None else f"{value}{unit}"


def _rule_item(report: RuleReport, root: Org, today: datetime.date, board_url: str) -> TodoItem | None:
    head = report.root
    if head is None or report.rule == "R1":
        return None  # R1 comes as the list of cadres under the target (``_reach_item``)
    # Children not there yet: failing once due, "not due" before.
    failing = [r for r in report.results if r.status in (NOT_MET, NOT_DUE)]
    where = f"{root.name}：现 {_figure(head.value, head.unit)}，目标 {_figure(head.target, head.unit)}"
    if failing:
        where += "。未达标：" + _names(f"{r.org_name}（{_figure(r.value, r.unit)}）" for r in failing)
    elif any("org" in e for e in head.evidence):
        where += "。涉及：" + _names(str(e["org"]) for e in head.evidence if "org" in e)
    if head.status == NOT_MET:
        due = f"已于 {_md(report.due)}到期" if report.due else "持续检查"
        return TodoItem(
            f"{root.pk}-{report.rule}-late",
            "late",
            f"（{report.rule}）{report.title}：未达标",
            f"{due}。{where}",
            board_url + f"&indicator={report.rule}#late",
            report.rule,
        )
    if (
        report.due is not None
        and today < report.due <= today + datetime.timedelta(days=SOON_DAYS)
        and head.status not in (MET, NO_DATA)
    ):
        left = (report.due - today).days
        return TodoItem(
            f"{root.pk}-{report.rule}-soon",
            "due_soon",
            f"（{report.rule}）{report.title}：{_md(report.due)}到期",
            f"还有 {left} 天。{where}",
            board_url + f"&indicator={report.rule}",
            report.rule,
        )
    return None


def _reach_item(report: RuleReport, root: Org, campaign: Campaign) -> TodoItem | None:
    head = report.root
    if head is None or not head.evidence:
        return None
    cadres = [e for e in head.evidence if "cadre" in e]
    if not cadres:
        return None
    capped = len(cadres) >= REACH_LIMIT
    count = f"{len(cadres)}+" if capped else str(len(cadres))
    listed = "、".join(
        f"{e['cadre']}（{e.get('org', '')}，{e.get('reached', 0)} 名）" for e in cadres[:NAMES_SHOWN]
    )
    if len(cadres) > NAMES_SHOWN:
        listed += f" 等 {count} 名"
    return TodoItem(
        f"{root.pk}-R1-reach",
        "reach",
        f"（R1）{count} 名团干部联系青年不足 {campaign.reach_per_cadre} 名",
        f"{root.name}：{listed}",
        _url("orgs:cadre_list"),
        "R1",
    )


def _qr_item(root: Org, now: datetime.datetime) -> TodoItem | None:
    from qingnong.wxgroups.choices import QR_VALIDITY
    from qingnong.wxgroups.models import ChatGroup

    soon = (
        ChatGroup.objects.live()
        .filter(subtree_q("org__path", root.path))
        .filter(
            qr_uploaded_at__gt=now - QR_VALIDITY,
            qr_uploaded_at__lte=now - QR_VALIDITY + datetime.timedelta(days=QR_SOON_DAYS),
        )
        .order_by("qr_uploaded_at", "pk")
    )
    names = list(soon.values_list("name", flat=True)[: NAMES_SHOWN + 1])
    if not names:
        return None
    total = soon.count() if len(names) > NAMES_SHOWN else len(names)
    return TodoItem(
        f"{root.pk}-qr",
        "qr",
        f"{total} 个微信群的二维码将在 {QR_SOON_DAYS} 天内过期",
        f"{root.name}：{'、'.join(names[:NAMES_SHOWN])}{' 等' if total > NAMES_SHOWN else ''}。"
        "请提醒群主在微信中重新生成群二维码并上传，活码才能继续使用。",
        _url("wxgroups:group_list"),
    )


# Cadres under the R1 target listed per org (the count shows "N+" beyond this).
REACH_LIMIT = 500


def todos_for(root: Org, *, today: datetime.date, now: datetime.datetime | None = None) -> list[TodoItem]:
    """The to-do items of one org (its whole subtree), from every registered rule of its campaign."""
    now = now or timezone.now()
    items: list[TodoItem] = []
    campaign = campaign_for(root, on=today)
    board_url = _url("dashboard:index", f"?org={root.pk}")
    if campaign is not None:
        ctx = RuleContext(campaign=campaign, root=root, today=today, depth=1, evidence_limit=REACH_LIMIT)
        for rule_id in rule_ids():
            report = evaluate(rule_id, ctx)
            if rule_id == "R1":
                reach = _reach_item(report, root, campaign)
                if reach is not None:
                    items.append(reach)
                continue
            item = _rule_item(report, root, today, board_url)
            if item is not None:
                items.append(item)
    qr = _qr_item(root, now)
    if qr is not None:
        items.append(qr)
    return items


def _user_roots() -> dict[int, list[str]]:
    """Each active user's granted subtree roots (any role may view): one query."""
    paths: dict[int, list[str]] = {}
    for user_id, path in ScopeGrant.objects.filter(
        user__is_active=True, org__status=OrgStatus.ACTIVE
    ).values_list("user_id", "org__path"):
        paths.setdefault(user_id, []).append(path)
    return {user_id: minimal_roots(p) for user_id, p in paths.items()}


def _digest_body(items: list[TodoItem]) -> str:
    return "\n".join(f"{n}. {item.title}\n   {item.body}" for n, item in enumerate(items, start=1))


def _email(user: Any, day: datetime.date, items: list[TodoItem]) -> None:
    subject = f"【青农】{_md(day)}待办：{len(items)} 项"
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    lines = [f"{item.title}\n{item.body}" + (f"\n{base}{item.url}" if item.url else "") for item in items]
    try:
        send_mail(subject, "\n\n".join(lines), None, [user.email])
    except Exception:  # a mail server outage must not undo or stop the in-app reminders
        log.exception("reminder email to user %s failed", user.pk)


def _emailer(user: Any, day: datetime.date, items: list[TodoItem]) -> Callable[[], None]:
    def send() -> None:
        _email(user, day, items)

    return send


def send_daily_reminders(
    *, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> ReminderStats:
    """Build every user's to-do for today and send it (in-app, and by email when SMTP is configured)."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    stats = ReminderStats()
    roots_by_user = _user_roots()
    all_paths = {p for paths in roots_by_user.values() for p in paths}
    orgs = {o.path: o for o in Org.objects.filter(path__in=all_paths)}
    items_by_path: dict[str, list[TodoItem]] = {}
    for path in sorted(all_paths):
        items_by_path[path] = todos_for(orgs[path], today=today, now=now)
    stats.roots = len(items_by_path)
    email_on = bool(settings.EMAIL_HOST)
    users = User.objects.filter(pk__in=list(roots_by_user), is_active=True).order_by("pk")
    board = _url("dashboard:index")
    for user in users:
        items = [item for path in roots_by_user[user.pk] for item in items_by_path.get(path, [])]
        if not items:
            continue
        stats.users += 1
        stats.items += len(items)
        for item in items:
            stats.by_kind[item.kind] = stats.by_kind.get(item.kind, 0) + 1
        with transaction.atomic():
            if len(items) > DIGEST_AFTER:
                created = notification_send(
                    recipients=[user],
                    kind=KIND,
                    title=f"今日待办 {len(items)} 项（{_md(today)}）",
                    body=_digest_body(items),
                    url=board,
                    dedupe_key=f"todo:{today:%Y%m%d}:digest",
                )
                stats.digests += len(created)
            else:
                created = []
                for item in items:
                    created += notification_send(
                        recipients=[user],
                        kind=KIND,
                        title=item.title,
                        body=item.body,
                        url=item.url,
                        dedupe_key=f"todo:{today:%Y%m%d}:{item.key}",
                    )
            stats.notifications += len(created)
            if created and email_on and user.email:
                # Only what is new today goes out by email, once, after the notifications are committed.
                transaction.on_commit(_emailer(user, today, items))
                stats.emails += 1
    return stats
