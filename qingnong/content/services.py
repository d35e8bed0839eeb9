"""Every write of content supply: content items, forwarding tasks, confirmations (已转发), the owner's own
records, and the R12 group status (活跃 / 沉寂) the nightly job and new content set.

The rules of one record live here with Chinese messages naming the field: only city, county and
township bodies publish; a task goes only below its publisher, to groups that exist; a confirmation only
for a group of the task, inside the actor's scope, while the task is not withdrawn; no date in the future.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from qingnong.core.audit import audit_bulk, audit_record, snapshot
from qingnong.core.errors import RuleError
from qingnong.core.normalise import clean_text
from qingnong.core.notifications import notification_send
from qingnong.core.permissions import Action
from qingnong.core.services import apply_fields, require_org_scope, save_audited
from qingnong.orgs.choices import OrgLevel
from qingnong.orgs.models import Org, User
from qingnong.wxgroups.choices import GroupStatus, GroupType
from qingnong.wxgroups.models import ChatGroup

from . import selectors
from .choices import DORMANCY_WARNING_DAYS, ContentCategory, GroupActivityState, PostKind, TaskStatus
from .models import ContentItem, ForwardTask, GroupPost, TaskGroup
from .uploads import POSTER, SCREENSHOT, clean_image, files_removed_on_error

PUBLISHER_LEVELS = (OrgLevel.NATION, OrgLevel.PROVINCE, OrgLevel.CITY, OrgLevel.COUNTY, OrgLevel.TOWNSHIP)
CONTENT_FIELDS = ("title", "category", "body", "link", "valid_until")
TASK_GROUP_BATCH = 2000


def _today() -> datetime.date:
    return timezone.localdate()


# --- content items ---------------------------------------------------------------------------


def _clean_content_input(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    for key in ("title", "link"):
        if key in data and data[key] is not None:
            data[key] = clean_text(data[key])
    if "body" in data and data["body"] is not None:
        data["body"] = str(data["body"]).strip()
    if "category" in data:
        raw = clean_text(data["category"])
        by_label = {str(label): code for code, label in ContentCategory.choices}
        data["category"] = by_label.get(raw, raw)
    return data


def _check_content(item: ContentItem, *, has_poster: bool) -> None:
    errors: dict[str, str] = {}
    org: Org = item.org
    if org.level not in PUBLISHER_LEVELS:
        errors["org"] = f"只有市、县、乡镇团组织可以发布供稿内容，“{org.name}”是{org.get_level_display()}组织"
    elif not org.is_active:
        errors["org"] = f"“{org.name}”已撤销或合并，不能发布内容"
    if not item.title:
        errors["title"] = "请填写标题"
    if item.category not in ContentCategory.values:
        errors["category"] = "请选择类别：政策解读、团内要讯、服务项目、工作典型、青年榜样、励志文章或通知"
    if not (item.body or item.link or has_poster):
        errors["body"] = "转发文字、链接、海报至少填写一项"
    if item.valid_until is not None and item.valid_until < _today():
        errors["valid_until"] = f"有效期至 {item.valid_until:%Y-%m-%d} 已经过去，请填写今天或以后的日期"
    if errors:
        raise RuleError(errors, code="invalid_content")


@transaction.atomic
def content_create(
    *,
    actor: Any,
    org: Org,
    title: str,
    category: str,
    body: str = "",
    link: str = "",
    valid_until: datetime.date | None = None,
    poster: Any = None,
) -> ContentItem:
    """Publish a content item for the subtree of ``org`` (a city, county or township body)."""
    require_org_scope(actor, Action.PUBLISH, org)
    data = _clean_content_input(
        {"title": title, "category": category, "body": body, "link": link, "valid_until": valid_until}
    )
    item = ContentItem(org=org, created_by=actor if getattr(actor, "pk", None) else None, **data)
    _check_content(item, has_poster=poster is not None)
    # Checked before anything is written: a bad picture leaves no row and no file.
    picture = clean_image(poster, limits=POSTER, field="poster") if poster is not None else None
    item.full_clean(exclude=["poster", "created_by"])
    if picture is not None:
        item.poster.save("poster.jpg", picture, save=False)
    with files_removed_on_error(item.poster if picture is not None else None):
        item.save()
        audit_record(actor=actor, action="content.item.create", obj=item, before=None, after=snapshot(item))
    return item


@transaction.atomic
def content_update(
    *,
    actor: Any,
    item: ContentItem,
    data: dict[str, Any],
    poster: Any = None,
    remove_poster: bool = False,
) -> ContentItem:
    require_org_scope(actor, Action.PUBLISH, item.org)
    item = ContentItem.objects.select_for_update().select_related("org").get(pk=item.pk)
    before = snapshot(item)
    changed = apply_fields(item, _clean_content_input(data), CONTENT_FIELDS)
    old_poster = item.poster.name if item.poster else ""
    has_poster = poster is not None or (bool(old_poster) and not remove_poster)
    _check_content(item, has_poster=has_poster)
    picture = clean_image(poster, limits=POSTER, field="poster") if poster is not None else None
    if picture is not None:
        item.poster.save("poster.jpg", picture, save=False)
        changed.append("poster")
    elif remove_poster and old_poster:
        item.poster = None  # type: ignore[assignment]
        changed.append("poster")
    with files_removed_on_error(item.poster if picture is not None else None):
        item = save_audited(
            actor=actor,
            obj=item,
            action="content.item.update",
            before=before,
            update_fields=changed,
            exclude_clean=["poster", "created_by"],
        )
    if old_poster and "poster" in changed:
        _delete_file_on_commit(old_poster)
    return item


def _delete_file_on_commit(name: str) -> None:
    from django.core.files.storage import default_storage

    transaction.on_commit(lambda: default_storage.delete(name))


# --- forwarding tasks ------------------------------------------------------------------------


def _clean_group_types(value: Iterable[str] | None) -> list[str]:
    if value is None:
        return list(selectors.DEFAULT_TASK_GROUP_TYPES)
    by_label = {str(label): code for code, label in GroupType.choices}
    types: list[str] = []
    for raw in value:
        word = clean_text(raw)
        code = word if word in GroupType.values else by_label.get(word)
        if code is None:
            raise RuleError(
                {"group_types": f"群类型“{word}”不存在，可选：团青微信群、青年专属微信群、青农微信群"},
                code="invalid_group_type",
            )
        if code not in types:
            types.append(code)
    if not types:
        raise RuleError({"group_types": "请至少选择一种群类型"}, code="invalid_group_type")
    return types


@transaction.atomic
def task_create(
    *,
    actor: Any,
    content: ContentItem,
    due_on: datetime.date,
    group_types: Iterable[str] | None = None,
    target_orgs: Iterable[Org] = (),
    note: str = "",
) -> ForwardTask:
    """Push a content item to the groups below its publisher (all of them, or under the picked orgs).

    The groups reached now are frozen as the task's groups; their owners are notified after commit.
    """
    org: Org = content.org
    require_org_scope(actor, Action.PUBLISH, org)
    types = _clean_group_types(group_types)
    targets = list(target_orgs)
    today = _today()
    errors: dict[str, str] = {}
    if content.valid_until is not None and content.valid_until < today:
        errors["content"] = f"内容“{content.title}”已过有效期（{content.valid_until:%Y-%m-%d}），不能再下发"
    if due_on < today:
        errors["due_on"] = f"转发截止日期 {due_on:%Y-%m-%d} 已经过去，请填写今天或以后的日期"
    elif content.valid_until is not None and due_on > content.valid_until:
        errors["due_on"] = f"转发截止日期不能晚于内容有效期（{content.valid_until:%Y-%m-%d}）"
    for target in targets:
        if not target.path.startswith(org.path):
            errors["target_orgs"] = f"“{target.name}”不是“{org.name}”的下级组织，不能向它下发"
            break
        if not target.is_active:
            errors["target_orgs"] = f"“{target.name}”已撤销或合并"
            break
    if errors:
        raise RuleError(errors, code="invalid_task")
    for target in targets:
        require_org_scope(actor, Action.VIEW, target)
    task = ForwardTask(
        content=content,
        org=org,
        group_types=types,
        due_on=due_on,
        note=clean_text(note),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    task.full_clean(exclude=["created_by", "content", "org"])
    group_ids = list(
        selectors.target_groups(org=org, target_orgs=targets, group_types=types)
        .order_by("org__path", "pk")
        .values_list("pk", flat=True)
    )
    if not group_ids:
        raise RuleError(
            {"target_orgs": "所选范围内没有已建、活跃或沉寂的此类微信群，无法下发；请检查群类型和下发范围"},
            code="no_groups",
        )
    task.group_count = len(group_ids)
    task.save()
    if targets:
        task.target_orgs.set(targets)
    for i in range(0, len(group_ids), TASK_GROUP_BATCH):
        TaskGroup.objects.bulk_create(
            [TaskGroup(task=task, group_id=gid) for gid in group_ids[i : i + TASK_GROUP_BATCH]]
        )
    # One entry for the task and its frozen groups (thousands of rows would only add noise).
    audit_record(
        actor=actor,
        action="content.task.create",
        obj=task,
        before=None,
        after={**(snapshot(task) or {}), "target_orgs": [t.pk for t in targets], "groups": len(group_ids)},
    )
    transaction.on_commit(lambda: _notify_task_owners(task.pk))
    return task


def _notify_task_owners(task_id: int) -> None:
    task = ForwardTask.objects.select_related("content").get(pk=task_id)
    owners = TaskGroup.objects.filter(task=task, group__owner__isnull=False).values("group__owner_id")
    users = User.objects.filter(cadre_id__in=owners, is_active=True)
    notification_send(
        recipients=users,
        kind="content.task",
        title=f"待转发：{task.content.title}",
        body=f"请在 {task.due_on:%m月%d日} 前转发到您的微信群，并在“待转发”中确认。",
        url=reverse("content:todo"),
        dedupe_key=f"content.task:{task.pk}",
    )


@transaction.atomic
def task_withdraw(*, actor: Any, task: ForwardTask, reason: str = "") -> ForwardTask:
    """Withdraw a task: it leaves every 待转发 list and takes no more confirmations (those made stay)."""
    require_org_scope(actor, Action.PUBLISH, task.org)
    task = ForwardTask.objects.select_for_update().select_related("org", "content").get(pk=task.pk)
    if task.status == TaskStatus.WITHDRAWN:
        raise RuleError("该转发任务已经撤回", code="task_withdrawn")
    before = snapshot(task)
    task.status = TaskStatus.WITHDRAWN
    task.withdrawn_at = timezone.now()
    task.withdraw_reason = clean_text(reason)[:200]
    return save_audited(
        actor=actor,
        obj=task,
        action="content.task.withdraw",
        before=before,
        update_fields=["status", "withdrawn_at", "withdraw_reason"],
        exclude_clean=["created_by", "content", "org"],
    )


# --- what was sent into groups -------------------------------------------------------------------


def _check_sent_on(sent_on: datetime.date, *, earliest: datetime.date | None = None) -> None:
    today = _today()
    if sent_on > today:
        raise RuleError(
            {"sent_on": f"发送日期 {sent_on:%Y-%m-%d} 晚于今天，请填写实际发送的日期"}, code="future_date"
        )
    if earliest is not None and sent_on < earliest:
        raise RuleError(
            {"sent_on": f"发送日期 {sent_on:%Y-%m-%d} 早于任务下发日期 {earliest:%Y-%m-%d}"},
            code="invalid_date",
        )


def _check_group_takes_content(group: ChatGroup) -> None:
    if group.status == GroupStatus.DISSOLVED:
        raise RuleError({"group": f"微信群“{group.name}”已解散，不能记录内容"}, code="group_dissolved")
    if group.status == GroupStatus.PLANNED:
        raise RuleError({"group": f"微信群“{group.name}”尚在筹建，建成后才能记录内容"}, code="group_planned")


@transaction.atomic
def forward_confirm(
    *,
    actor: Any,
    task: ForwardTask,
    group: ChatGroup,
    sent_on: datetime.date | None = None,
    screenshot: Any = None,
) -> GroupPost:
    """已转发: the task's content was sent into ``group`` (optionally proven by a screenshot)."""
    require_org_scope(actor, Action.ADD, group.org)
    task = ForwardTask.objects.select_related("content", "org").get(pk=task.pk)
    if task.status == TaskStatus.WITHDRAWN:
        when = f"已于 {timezone.localtime(task.withdrawn_at):%m月%d日} " if task.withdrawn_at else "已"
        raise RuleError(f"转发任务“{task.content.title}”{when}撤回，无需再确认转发", code="task_withdrawn")
    _check_group_takes_content(group)
    row = TaskGroup.objects.select_for_update().filter(task=task, group=group).first()
    if row is None:
        raise RuleError(
            {"group": f"微信群“{group.name}”不在转发任务“{task.content.title}”的下发范围内"},
            code="not_in_task",
        )
    if row.post_id is not None:
        raise RuleError({"group": f"微信群“{group.name}”已确认转发，无需重复确认"}, code="already_confirmed")
    sent_on = sent_on or _today()
    _check_sent_on(sent_on, earliest=timezone.localtime(task.created_at).date())
    picture = (
        clean_image(screenshot, limits=SCREENSHOT, field="screenshot") if screenshot is not None else None
    )
    post = GroupPost(
        group=group,
        sent_on=sent_on,
        kind=PostKind.FORWARDED,
        task=task,
        summary=task.content.title[:200],
        link=task.content.link,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    post.full_clean(exclude=["screenshot", "recorded_by", "task", "group"])
    if picture is not None:
        post.screenshot.save("screenshot.jpg", picture, save=False)
    with files_removed_on_error(post.screenshot if picture is not None else None):
        try:
            with transaction.atomic():
                post.save()
        except IntegrityError as exc:  # confirmed concurrently
            raise RuleError(
                {"group": f"微信群“{group.name}”已确认转发，无需重复确认"}, code="already_confirmed"
            ) from exc
        row.post = post
        row.save(update_fields=["post"])
        audit_record(actor=actor, action="content.task.confirm", obj=post, before=None, after=snapshot(post))
    groups_reactivate(actor=actor, group_ids=[group.pk], on=sent_on)
    return post


@transaction.atomic
def post_record(
    *,
    actor: Any,
    group: ChatGroup,
    summary: str,
    sent_on: datetime.date | None = None,
    link: str = "",
    screenshot: Any = None,
) -> GroupPost:
    """ "今天在群里发了…": content the owner sent into a group on their own."""
    require_org_scope(actor, Action.ADD, group.org)
    _check_group_takes_content(group)
    summary = clean_text(summary)
    if not summary:
        raise RuleError({"summary": "请简要写明在群里发了什么"}, code="required")
    sent_on = sent_on or _today()
    _check_sent_on(sent_on)
    picture = (
        clean_image(screenshot, limits=SCREENSHOT, field="screenshot") if screenshot is not None else None
    )
    post = GroupPost(
        group=group,
        sent_on=sent_on,
        kind=PostKind.OWN,
        summary=summary[:200],
        link=clean_text(link),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    post.full_clean(exclude=["screenshot", "recorded_by", "task", "group"])
    if picture is not None:
        post.screenshot.save("screenshot.jpg", picture, save=False)
    with files_removed_on_error(post.screenshot if picture is not None else None):
        post.save()
        audit_record(actor=actor, action="content.post.create", obj=post, before=None, after=snapshot(post))
    groups_reactivate(actor=actor, group_ids=[group.pk], on=sent_on)
    return post


@transaction.atomic
def post_set_screenshot(*, actor: Any, post: GroupPost, upload: Any) -> GroupPost:
    """Add or replace the screenshot proving a record."""
    require_org_scope(actor, Action.CHANGE, post.group.org)
    picture = clean_image(upload, limits=SCREENSHOT, field="screenshot")
    post = GroupPost.objects.select_for_update().select_related("group__org").get(pk=post.pk)
    before = snapshot(post)
    old = post.screenshot.name if post.screenshot else ""
    post.screenshot.save("screenshot.jpg", picture, save=False)
    with files_removed_on_error(post.screenshot):
        post.save(update_fields=["screenshot"])
        audit_record(
            actor=actor, action="content.post.screenshot", obj=post, before=before, after=snapshot(post)
        )
    if old:
        _delete_file_on_commit(old)
    return post


@transaction.atomic
def post_delete(*, actor: Any, post: GroupPost) -> None:
    """Remove a record made by mistake; a forwarding confirmation goes back to 待转发."""
    require_org_scope(actor, Action.CHANGE, post.group.org)
    post = GroupPost.objects.select_for_update().select_related("group__org").get(pk=post.pk)
    if post.task_id is not None:
        TaskGroup.objects.filter(post=post).update(post=None)
    before = snapshot(post)
    name = post.screenshot.name if post.screenshot else ""
    audit_record(actor=actor, action="content.post.delete", obj=post, before=before, after=None)
    post.delete()
    if name:
        _delete_file_on_commit(name)


# --- R12: group status (活跃 / 沉寂) ------------------------------------------------------------


def _apply_status(
    *, actor: Any, group_ids: list[int], status: str, from_statuses: Iterable[str], action: str
) -> list[ChatGroup]:
    """Set ``status`` on the groups (only those still in ``from_statuses``), audited in bulk. Only the
    status column is written."""
    changed: list[ChatGroup] = []
    from_list = list(from_statuses)
    for i in range(0, len(group_ids), TASK_GROUP_BATCH):
        chunk = group_ids[i : i + TASK_GROUP_BATCH]
        rows = list(
            ChatGroup.objects.select_for_update(of=("self",))
            .filter(pk__in=chunk, status__in=from_list)
            .select_related("org")
        )
        if not rows:
            continue
        befores: dict[Any, dict[str, Any] | None] = {g.pk: {"status": g.status} for g in rows}
        ChatGroup.objects.filter(pk__in=[g.pk for g in rows]).update(status=status)
        for group in rows:
            group.status = status
        audit_bulk(actor=actor, action=action, objects=rows, befores=befores)
        changed.extend(rows)
    return changed


def groups_reactivate(
    *,
    actor: Any,
    group_ids: Iterable[int] = (),
    on: datetime.date | None = None,
    dates: dict[int, datetime.date] | None = None,
) -> list[ChatGroup]:
    """Content or an activity brings built or dormant groups back to 活跃 when it lies within the
    campaign's N days (R12): ``group_ids`` all on the day ``on``, or ``dates`` = {group id: day} (a bulk
    import). A fixed number of queries; called inside the recording service's transaction."""
    days: dict[int, datetime.date] = dict(dates or {})
    if on is not None:
        for pk in group_ids:
            days[pk] = max(on, days.get(pk, on))
    if not days:
        return []
    today = _today()
    resolve = selectors.dormant_days_resolver(today)
    candidates = ChatGroup.objects.filter(
        pk__in=list(days), status__in=[GroupStatus.BUILT, GroupStatus.DORMANT]
    )
    wake = [
        pk
        for pk, path in candidates.values_list("pk", "org__path")
        if 0 <= (today - days[pk]).days < resolve(path)
    ]
    return _apply_status(
        actor=actor,
        group_ids=wake,
        status=GroupStatus.ACTIVE,
        from_statuses=[GroupStatus.BUILT, GroupStatus.DORMANT],
        action="content.group.active",
    )


@dataclass
class DormancyResult:
    checked: int = 0
    activated: int = 0
    dormant: int = 0
    warned: int = 0
    notified_users: int = 0


@transaction.atomic
def group_dormancy_refresh(
    *, actor: Any, today: datetime.date | None = None, root: Org | None = None
) -> DormancyResult:
    """The nightly R12 pass: a counted group with no content and no held activity for the campaign's N
    days becomes 沉寂; one with content or activity inside N days becomes 活跃. 筹建 and 解散 groups are
    never touched. Owners are told after commit (newly dormant groups, and groups that will turn dormant
    in ``DORMANCY_WARNING_DAYS`` days)."""
    if root is not None:
        require_org_scope(actor, Action.CHANGE, root)
    today = today or _today()
    result = DormancyResult()
    to_active: list[int] = []
    to_dormant: list[int] = []
    warn: list[int] = []
    for state in selectors.iter_group_states(today=today, root=root):
        result.checked += 1
        if state.state == GroupActivityState.ACTIVE and state.status != GroupStatus.ACTIVE:
            to_active.append(state.group_id)
        elif state.state == GroupActivityState.DORMANT and state.status != GroupStatus.DORMANT:
            to_dormant.append(state.group_id)
        elif (
            state.state != GroupActivityState.DORMANT
            and state.status != GroupStatus.DORMANT
            and state.dormant_days - state.idle_days == DORMANCY_WARNING_DAYS
        ):
            warn.append(state.group_id)
    counted = [GroupStatus.BUILT, GroupStatus.ACTIVE, GroupStatus.DORMANT]
    activated = _apply_status(
        actor=actor,
        group_ids=to_active,
        status=GroupStatus.ACTIVE,
        from_statuses=counted,
        action="content.group.active",
    )
    dormant = _apply_status(
        actor=actor,
        group_ids=to_dormant,
        status=GroupStatus.DORMANT,
        from_statuses=counted,
        action="content.group.dormant",
    )
    result.activated = len(activated)
    result.dormant = len(dormant)
    result.warned = len(warn)
    dormant_ids = [g.pk for g in dormant]
    transaction.on_commit(
        lambda: _notify_dormancy(today=today, dormant_ids=dormant_ids, warn_ids=warn, result=result)
    )
    return result


def _notify_dormancy(
    *, today: datetime.date, dormant_ids: list[int], warn_ids: list[int], result: DormancyResult
) -> None:
    """One notification per owner and day for newly dormant groups, one for groups about to be."""
    if not dormant_ids and not warn_ids:
        return
    groups = list(
        ChatGroup.objects.filter(pk__in=[*dormant_ids, *warn_ids], owner__isnull=False).values_list(
            "pk", "name", "owner_id"
        )
    )
    users = {u.cadre_id: u for u in User.objects.filter(cadre_id__in={g[2] for g in groups}, is_active=True)}
    by_owner: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"dormant": [], "warn": []})
    dormant_set = set(dormant_ids)
    for pk, name, owner_id in groups:
        by_owner[owner_id]["dormant" if pk in dormant_set else "warn"].append(name)
    url = reverse("content:dormant_list")
    todo_url = reverse("content:post_add")
    for owner_id, names in by_owner.items():
        user = users.get(owner_id)
        if user is None:
            continue
        if names["dormant"]:
            listed = "、".join(f"“{n}”" for n in names["dormant"][:10])
            notification_send(
                recipients=[user],
                kind="content.dormant",
                title=f"您的 {len(names['dormant'])} 个微信群已沉寂（R12）",
                body=f"{listed}已较长时间没有发送内容或开展活动。转发上级供稿或记录一次群内发言即可恢复活跃。",
                url=url,
                dedupe_key=f"content.dormant:{today:%Y%m%d}:{user.pk}",
            )
            result.notified_users += 1
        if names["warn"]:
            listed = "、".join(f"“{n}”" for n in names["warn"][:10])
            notification_send(
                recipients=[user],
                kind="content.dormancy_warning",
                title=f"{DORMANCY_WARNING_DAYS} 天后将判定沉寂：{len(names['warn'])} 个微信群",
                body=f"{listed}近期没有发送内容或开展活动，请及时在群里发布内容并记录。",
                url=todo_url,
                dedupe_key=f"content.dormancy_warning:{today:%Y%m%d}:{user.pk}",
            )
            result.notified_users += 1


__all__ = [
    "DormancyResult",
    "ValidationError",
    "content_create",
    "content_update",
    "forward_confirm",
    "group_dormancy_refresh",
    "groups_reactivate",
    "post_delete",
    "post_record",
    "post_set_screenshot",
    "task_create",
    "task_withdraw",
]
