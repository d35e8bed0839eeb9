"""API of activities: list, read, record, change, delete, photos (multipart), and the R11 rollup."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Router, Schema, Status, UploadedFile

from qingnong.api.common import ERRORS, page, scoped_get, scoped_get_optional
from qingnong.core.permissions import Action
from qingnong.orgs.models import Org
from qingnong.orgs.selectors import org_roots_for
from qingnong.wxgroups.models import ChatGroup
from qingnong.youth.models import Youth

from . import selectors, services
from .choices import ActivityStatus, ActivityTheme, ActivityType
from .models import Activity, ActivityPhoto

PREFIX = "/activities"
router = Router(tags=["线上线下活动"])


class ActivityOut(Schema):
    id: int
    org_id: int
    org_name: str = Field(..., alias="org.name")
    title: str
    activity_type: str
    theme: str
    status: str
    held_on: datetime.date
    duration_hours: float
    place: str
    participants: int
    description: str
    link: str
    group_ids: list[int] = []
    youth_ids: list[int] = []
    photo_ids: list[int] = []

    @staticmethod
    def resolve_group_ids(obj: Activity) -> list[int]:
        return sorted(g.pk for g in obj.groups.all())

    @staticmethod
    def resolve_youth_ids(obj: Activity) -> list[int]:
        return sorted(y.pk for y in obj.youth.all())

    @staticmethod
    def resolve_photo_ids(obj: Activity) -> list[int]:
        return sorted(p.pk for p in obj.photos.all())


class ActivityIn(Schema):
    org_id: int
    title: str = Field(..., min_length=1, max_length=100)
    activity_type: ActivityType
    theme: ActivityTheme
    status: ActivityStatus = ActivityStatus.HELD
    held_on: datetime.date
    duration_hours: float
    place: str = Field("", max_length=100)
    # Not bounded here: the service answers out-of-range counts with its Chinese message.
    participants: int = 0
    description: str = ""
    link: str = Field("", max_length=500)
    group_ids: list[int] = []
    youth_ids: list[int] = []


class ActivityPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=100)
    activity_type: ActivityType | None = None
    theme: ActivityTheme | None = None
    status: ActivityStatus | None = None
    held_on: datetime.date | None = None
    duration_hours: float | None = None
    place: str | None = Field(None, max_length=100)
    participants: int | None = None
    description: str | None = None
    link: str | None = Field(None, max_length=500)
    group_ids: list[int] | None = None
    youth_ids: list[int] | None = None


class ActivityPage(Schema):
    count: int
    items: list[ActivityOut]


def _groups(request: HttpRequest, ids: list[int]) -> list[ChatGroup]:
    return [scoped_get(ChatGroup.objects.select_related("org"), request, pk) for pk in ids]


def _youth(request: HttpRequest, ids: list[int]) -> list[Youth]:
    return [scoped_get(Youth.objects.select_related("home_org"), request, pk) for pk in ids]


def _with_relations(qs: Any) -> Any:
    return qs.prefetch_related("groups", "youth", "photos")


@router.get("/", response={200: ActivityPage, **ERRORS}, summary="活动列表")
def activity_list(
    request: HttpRequest,
    q: str = "",
    under: int | None = None,
    activity_type: ActivityType | None = None,
    theme: ActivityTheme | None = None,
    status: ActivityStatus | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    offset: int = 0,
    limit: int = 100,
) -> dict[str, Any]:
    filters: dict[str, Any] = {
        "q": q,
        "activity_type": activity_type,
        "theme": theme,
        "status": status,
        "since": since,
        "until": until,
        "under": scoped_get_optional(Org.objects.all(), request, under),
    }
    qs = _with_relations(selectors.activity_list(user=request.user, filters=filters))
    return page(qs, offset=offset, limit=limit)


class ThemeCount(Schema):
    key: str
    label: str
    count: int


class RollupOut(Schema):
    org_id: int
    org_name: str
    count: int
    participants: int
    orgs_with_activity: int
    by_type: list[ThemeCount]
    by_theme: list[ThemeCount]


@router.get("rollup", response={200: list[RollupOut], **ERRORS}, summary="各下级组织的活动数（R11）")
def rollup(
    request: HttpRequest,
    under: int | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> list[dict[str, Any]]:
    from django.http import Http404
    from django.utils import timezone

    root = scoped_get_optional(Org.objects.all(), request, under) or org_roots_for(request.user).first()
    if root is None:
        raise Http404("没有可访问的组织")
    q_start, q_end = selectors.quarter_bounds(timezone.localdate())
    figures = selectors.activity_rollup(root=root, start=start or q_start, end=end or q_end)
    orgs = (
        Org.objects.restrict(request.user, Action.VIEW)
        .filter(path__startswith=root.path, depth__lte=root.depth + 1, status="active")
        .order_by("path")
    )
    types, themes = dict(ActivityType.choices), dict(ActivityTheme.choices)
    rows = []
    for org in orgs:
        f = figures.get(org.path, selectors.ActivityFigures())
        rows.append(
            {
                "org_id": org.pk,
                "org_name": org.name,
                "count": f.count,
                "participants": f.participants,
                "orgs_with_activity": f.orgs_with_activity,
                "by_type": [
                    {"key": k, "label": str(types.get(k, k)), "count": n}
                    for k, n in sorted(f.by_type.items())
                ],
                "by_theme": [
                    {"key": k, "label": str(themes.get(k, k)), "count": n}
                    for k, n in sorted(f.by_theme.items())
                ],
            }
        )
    return rows


@router.get("/{activity_id}", response={200: ActivityOut, **ERRORS})
def activity_get(request: HttpRequest, activity_id: int) -> Activity:
    return scoped_get(_with_relations(Activity.objects.select_related("org")), request, activity_id)


@router.post("/", response={201: ActivityOut, **ERRORS}, summary="登记活动（照片另行上传）")
def activity_create(request: HttpRequest, payload: ActivityIn) -> Status[Activity]:
    data = payload.dict()
    org = scoped_get(Org.objects.all(), request, data.pop("org_id"), Action.ADD)
    groups = _groups(request, data.pop("group_ids"))
    youth = _youth(request, data.pop("youth_ids"))
    activity = services.activity_create(actor=request.user, org=org, groups=groups, youth=youth, **data)
    return Status(201, activity)


@router.patch("/{activity_id}", response={200: ActivityOut, **ERRORS})
def activity_update(request: HttpRequest, activity_id: int, payload: ActivityPatch) -> Activity:
    activity = scoped_get(Activity.objects.select_related("org"), request, activity_id, Action.CHANGE)
    data = payload.dict(exclude_unset=True)
    groups = _groups(request, data.pop("group_ids")) if data.get("group_ids") is not None else None
    youth = _youth(request, data.pop("youth_ids")) if data.get("youth_ids") is not None else None
    data.pop("group_ids", None)
    data.pop("youth_ids", None)
    return services.activity_update(
        actor=request.user, activity=activity, data=data, groups=groups, youth=youth
    )


@router.delete("/{activity_id}", response={204: None, **ERRORS})
def activity_delete(request: HttpRequest, activity_id: int) -> Status[None]:
    activity = scoped_get(Activity.objects.select_related("org"), request, activity_id, Action.DELETE)
    services.activity_delete(actor=request.user, activity=activity)
    return Status(204, None)


@router.post(
    "/{activity_id}/photos",
    response={201: ActivityOut, **ERRORS},
    summary="上传活动照片（multipart，字段 files，可多张）",
)
def photo_upload(request: HttpRequest, activity_id: int, files: File[list[UploadedFile]]) -> Status[Activity]:
    activity = scoped_get(Activity.objects.select_related("org"), request, activity_id, Action.CHANGE)
    services.activity_add_photos(actor=request.user, activity=activity, uploads=files)
    return Status(201, _with_relations(Activity.objects.select_related("org")).get(pk=activity.pk))


@router.delete("/photos/{photo_id}", response={204: None, **ERRORS})
def photo_delete(request: HttpRequest, photo_id: int) -> Status[None]:
    photo = scoped_get(
        ActivityPhoto.objects.select_related("activity__org"), request, photo_id, Action.CHANGE
    )
    services.activity_photo_delete(actor=request.user, photo=photo)
    return Status(204, None)
