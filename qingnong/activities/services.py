"""Every write of activities: record, change, delete, photos.

Rules of one record, each with a Chinese message naming the field: a held activity is dated at most
tomorrow; participants 0–100 000 and not fewer than the youth listed; a place for offline activities;
groups and youth only from the actor's scope; photos are pictures within the size limit (EXIF removed).
A held activity brings its groups back to 活跃 (R12).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from qingnong.content.services import groups_reactivate
from qingnong.content.uploads import ACTIVITY_PHOTO, ACTIVITY_PHOTOS_MAX, clean_image
from qingnong.core.audit import audit_record, snapshot
from qingnong.core.errors import RuleError
from qingnong.core.normalise import clean_text
from qingnong.core.permissions import Action
from qingnong.core.services import apply_fields, require_org_scope, require_scope
from qingnong.orgs.models import Org
from qingnong.wxgroups.choices import GroupStatus
from qingnong.wxgroups.models import ChatGroup
from qingnong.youth.models import Youth

from .choices import (
    DURATION_MAX_HOURS,
    DURATION_MIN_HOURS,
    HELD_DAYS_AHEAD,
    PARTICIPANTS_MAX,
    ActivityStatus,
    ActivityTheme,
    ActivityType,
)
from .models import Activity, ActivityPhoto

ACTIVITY_FIELDS = (
    "org",
    "title",
    "activity_type",
    "theme",
    "status",
    "held_on",
    "duration_hours",
    "place",
    "participants",
    "description",
    "link",
)


def _choice(value: Any, choices: Any) -> str:
    raw = clean_text(value)
    by_label = {str(label): code for code, label in choices.choices}
    return by_label.get(raw, raw)


def _clean_input(data: dict[str, Any]) -> dict[str, Any]:
    """Accept what forms, the API and spreadsheets send (labels for choices, numbers as text)."""
    data = dict(data)
    for key in ("title", "place", "link"):
        if key in data and data[key] is not None:
            data[key] = clean_text(data[key])
    if "description" in data and data["description"] is not None:
        data["description"] = str(data["description"]).strip()
    if "activity_type" in data:
        data["activity_type"] = _choice(data["activity_type"], ActivityType)
    if "theme" in data:
        data["theme"] = _choice(data["theme"], ActivityTheme)
    if "status" in data:
        data["status"] = _choice(data["status"], ActivityStatus)
    if "participants" in data:
        raw = data["participants"]
        if raw in (None, ""):
            data["participants"] = 0
        else:
            try:
                data["participants"] = int(float(clean_text(raw)))
            except ValueError:
                raise RuleError({"participants": f"参加人数“{raw}”不是整数"}, code="participants") from None
    if "duration_hours" in data and data["duration_hours"] not in (None, ""):
        raw = data["duration_hours"]
        try:
            data["duration_hours"] = Decimal(clean_text(raw)).quantize(Decimal("0.1"))
        except InvalidOperation:
            raise RuleError(
                {"duration_hours": f"时长“{raw}”不是数字（单位：小时）"}, code="duration"
            ) from None
    return data


def activity_rule_errors(
    *,
    title: str,
    activity_type: str,
    theme: str,
    status: str,
    held_on: datetime.date | None,
    duration_hours: Any,
    place: str,
    participants: int | None,
    youth_count: int = 0,
) -> dict[str, str]:
    """The rules of one activity record, every problem at once by field (the form, the API and the
    ``activities`` import all answer with these messages)."""
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "请填写活动名称"
    if activity_type not in ActivityType.values:
        errors["activity_type"] = "请选择活动形式：线上、线下或线上线下结合"
    if theme not in ActivityTheme.values:
        errors["theme"] = "请选择活动主题：创业培训、志愿服务、文体、政策宣讲、联谊或其他"
    if status not in ActivityStatus.values:
        errors["status"] = "请选择状态：计划或已举办"
    if held_on is None:
        errors["held_on"] = "请填写活动日期"
    elif status == ActivityStatus.HELD:
        latest = timezone.localdate() + datetime.timedelta(days=HELD_DAYS_AHEAD)
        if held_on > latest:
            errors["held_on"] = (
                f"已举办的活动日期不能晚于明天（{latest:%Y-%m-%d}），填写的是 {held_on:%Y-%m-%d}；"
                "尚未举办的活动请将状态选为“计划”"
            )
    if participants is None or participants < 0 or participants > PARTICIPANTS_MAX:
        errors["participants"] = f"参加人数须在 0 到 {PARTICIPANTS_MAX} 之间，填写的是 {participants}"
    elif youth_count > participants:
        errors["participants"] = f"参加人数（{participants}）不能少于所列参加青年人数（{youth_count}）"
    if duration_hours is None:
        errors["duration_hours"] = "请填写活动时长（小时）"
    elif not (Decimal(str(DURATION_MIN_HOURS)) <= Decimal(duration_hours) <= DURATION_MAX_HOURS):
        errors["duration_hours"] = (
            f"时长须在 {DURATION_MIN_HOURS} 到 {DURATION_MAX_HOURS} 小时之间，填写的是 {duration_hours}"
        )
    if activity_type in (ActivityType.OFFLINE, ActivityType.MIXED) and not place:
        errors["place"] = "线下活动请填写地点"
    return errors


def inactive_org_message(org_name: str) -> str:
    return f"“{org_name}”已撤销或合并，不能登记活动"


def _check_activity(activity: Activity, *, youth_count: int) -> None:
    errors = activity_rule_errors(
        title=activity.title,
        activity_type=activity.activity_type,
        theme=activity.theme,
        status=activity.status,
        held_on=activity.held_on,
        duration_hours=activity.duration_hours,
        place=activity.place,
        participants=activity.participants,
        youth_count=youth_count,
    )
    if not activity.org.is_active:
        errors["org"] = inactive_org_message(activity.org.name)
    if errors:
        raise RuleError(errors, code="invalid_activity")


def _check_groups(actor: Any, groups: list[ChatGroup]) -> None:
    for group in groups:
        require_scope(actor, Action.VIEW, group.org.path, what=f"微信群“{group.name}”")
        if group.status == GroupStatus.DISSOLVED:
            raise RuleError({"groups": f"微信群“{group.name}”已解散，不能关联到活动"}, code="group_dissolved")


def _check_youth(actor: Any, youth: list[Youth]) -> None:
    for person in youth:
        require_scope(actor, Action.VIEW, person.home_org.path, what=f"青年“{person.name}”")


def _clean_photos(uploads: Iterable[Any], *, existing: int = 0) -> list[Any]:
    uploads = [u for u in uploads if u is not None]
    if existing + len(uploads) > ACTIVITY_PHOTOS_MAX:
        message = f"每个活动最多 {ACTIVITY_PHOTOS_MAX} 张照片（已有 {existing} 张，本次 {len(uploads)} 张）"
        raise RuleError({"photos": message}, code="too_many_photos")
    cleaned = []
    for index, upload in enumerate(uploads, start=1):
        try:
            cleaned.append(clean_image(upload, limits=ACTIVITY_PHOTO, field="photos"))
        except RuleError as exc:
            name = getattr(upload, "name", "") or f"第 {index} 张"
            message = "；".join(exc.messages)
            raise RuleError({"photos": f"照片“{name}”：{message}"}, code=exc.rule_code) from None
    return cleaned


def _store_photos(*, actor: Any, activity: Activity, pictures: list[Any]) -> list[ActivityPhoto]:
    photos: list[ActivityPhoto] = []
    try:
        for picture in pictures:
            photo = ActivityPhoto(
                activity=activity, uploaded_by=actor if getattr(actor, "pk", None) else None
            )
            photo.image.save("photo.jpg", picture, save=False)
            photos.append(photo)
            photo.save()
            audit_record(
                actor=actor, action="activities.photo.create", obj=photo, before=None, after=snapshot(photo)
            )
    except BaseException:
        for photo in photos:
            if photo.image:
                photo.image.storage.delete(photo.image.name)
        raise
    return photos


def _reactivate(actor: Any, activity: Activity) -> None:
    if activity.status == ActivityStatus.HELD and activity.held_on <= timezone.localdate():
        groups_reactivate(actor=actor, group_ids=[g.pk for g in activity.groups.all()], on=activity.held_on)


@transaction.atomic
def activity_create(
    *,
    actor: Any,
    org: Org,
    title: str,
    activity_type: str,
    theme: str,
    held_on: datetime.date,
    duration_hours: Any,
    status: str = ActivityStatus.HELD,
    place: str = "",
    participants: Any = 0,
    description: str = "",
    link: str = "",
    groups: Iterable[ChatGroup] = (),
    youth: Iterable[Youth] = (),
    photos: Iterable[Any] = (),
) -> Activity:
    """Record an activity of ``org`` (with its groups, youth and photos)."""
    require_org_scope(actor, Action.ADD, org)
    data = _clean_input(
        {
            "title": title,
            "activity_type": activity_type,
            "theme": theme,
            "status": status,
            "held_on": held_on,
            "duration_hours": duration_hours,
            "place": place,
            "participants": participants,
            "description": description,
            "link": link,
        }
    )
    group_list, youth_list = list(groups), list(youth)
    activity = Activity(org=org, created_by=actor if getattr(actor, "pk", None) else None, **data)
    _check_activity(activity, youth_count=len(youth_list))
    _check_groups(actor, group_list)
    _check_youth(actor, youth_list)
    pictures = _clean_photos(photos)
    activity.full_clean(exclude=["created_by"])
    activity.save()
    if group_list:
        activity.groups.set(group_list)
    if youth_list:
        activity.youth.set(youth_list)
    audit_record(
        actor=actor,
        action="activities.activity.create",
        obj=activity,
        before=None,
        after={
            **(snapshot(activity) or {}),
            "groups": [g.pk for g in group_list],
            "youth": [y.pk for y in youth_list],
        },
    )
    _store_photos(actor=actor, activity=activity, pictures=pictures)
    _reactivate(actor, activity)
    return activity


@transaction.atomic
def activity_update(
    *,
    actor: Any,
    activity: Activity,
    data: dict[str, Any],
    groups: Iterable[ChatGroup] | None = None,
    youth: Iterable[Youth] | None = None,
) -> Activity:
    require_org_scope(actor, Action.CHANGE, activity.org)
    data = _clean_input(data)
    if "org" in data and data["org"] != activity.org:
        require_org_scope(actor, Action.ADD, data["org"])
    activity = Activity.objects.select_for_update().select_related("org").get(pk=activity.pk)
    before = snapshot(activity) or {}
    changed = apply_fields(activity, data, ACTIVITY_FIELDS)
    group_list = list(groups) if groups is not None else None
    youth_list = list(youth) if youth is not None else None
    youth_count = len(youth_list) if youth_list is not None else activity.youth.count()
    _check_activity(activity, youth_count=youth_count)
    if group_list is not None:
        _check_groups(actor, group_list)
    if youth_list is not None:
        _check_youth(actor, youth_list)
    activity.full_clean(exclude=["created_by"])
    if changed:
        activity.save(update_fields=[*changed, "updated_at"])
    after = snapshot(activity) or {}
    if group_list is not None:
        old = sorted(activity.groups.values_list("pk", flat=True))
        if old != sorted(g.pk for g in group_list):
            activity.groups.set(group_list)
            before["groups"], after["groups"] = old, sorted(g.pk for g in group_list)
            changed.append("groups")
    if youth_list is not None:
        old = sorted(activity.youth.values_list("pk", flat=True))
        if old != sorted(y.pk for y in youth_list):
            activity.youth.set(youth_list)
            before["youth"], after["youth"] = old, sorted(y.pk for y in youth_list)
            changed.append("youth")
    if changed:
        audit_record(
            actor=actor, action="activities.activity.update", obj=activity, before=before, after=after
        )
        _reactivate(actor, activity)
    return activity


@transaction.atomic
def activity_delete(*, actor: Any, activity: Activity) -> None:
    require_org_scope(actor, Action.DELETE, activity.org)
    activity = Activity.objects.select_related("org").get(pk=activity.pk)
    names = [p.image.name for p in activity.photos.all() if p.image]
    audit_record(
        actor=actor, action="activities.activity.delete", obj=activity, before=snapshot(activity), after=None
    )
    activity.delete()
    if names:
        from django.core.files.storage import default_storage

        def remove_files() -> None:
            for name in names:
                default_storage.delete(name)

        transaction.on_commit(remove_files)


@transaction.atomic
def activity_add_photos(*, actor: Any, activity: Activity, uploads: Iterable[Any]) -> list[ActivityPhoto]:
    """Add photos (checked and re-encoded before anything is written; at most 9 per activity)."""
    require_org_scope(actor, Action.CHANGE, activity.org)
    activity = Activity.objects.select_for_update().select_related("org").get(pk=activity.pk)
    pictures = _clean_photos(uploads, existing=activity.photos.count())
    if not pictures:
        raise RuleError({"photos": "请选择要上传的照片"}, code="required")
    return _store_photos(actor=actor, activity=activity, pictures=pictures)


@transaction.atomic
def activity_photo_delete(*, actor: Any, photo: ActivityPhoto) -> None:
    require_org_scope(actor, Action.CHANGE, photo.activity.org)
    name = photo.image.name
    audit_record(actor=actor, action="activities.photo.delete", obj=photo, before=snapshot(photo), after=None)
    photo.delete()
    if name:
        from django.core.files.storage import default_storage

        transaction.on_commit(lambda: default_storage.delete(name))
