"""API of the 三群 ledger: groups, their members, live codes. Scoped lookups; writes through services."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from qingnong.api.common import ERRORS, page, scoped_get, scoped_get_optional
from qingnong.core.permissions import Action
from qingnong.orgs.models import Cadre, Org
from qingnong.youth.models import Youth

from . import selectors, services
from .choices import GroupStatus, GroupType, LiveCodeMode
from .models import ChatGroup, GroupMembership, LiveCode

PREFIX = ""
router = Router(tags=["三群台账"])


class GroupOut(Schema):
    id: int
    name: str
    group_type: str
    org_id: int
    bases: list[str]
    category: str
    owner_id: int | None
    admin_ids: list[int] = []
    member_count: int
    member_count_as_of: datetime.date | None
    founded_on: datetime.date | None
    status: str
    function: str
    qr_url: str | None = None
    qr_uploaded_at: datetime.datetime | None
    qr_valid: bool = False
    wecom_chat_id: str
    notes: str

    @staticmethod
    def resolve_admin_ids(obj: ChatGroup) -> list[int]:
        return [a.pk for a in obj.admins.all()]

    @staticmethod
    def resolve_qr_url(obj: ChatGroup) -> str | None:
        return obj.qr_image.url if obj.qr_image else None

    @staticmethod
    def resolve_qr_valid(obj: ChatGroup) -> bool:
        return obj.qr_is_valid()


class GroupIn(Schema):
    org_id: int
    name: str = Field(..., min_length=1, max_length=60)
    group_type: GroupType
    bases: list[str] = []
    category: str = ""
    owner_id: int | None = None
    admin_ids: list[int] = []
    member_count: int = 0
    founded_on: datetime.date | None = None
    status: GroupStatus = GroupStatus.BUILT
    function: str = Field("", max_length=200)
    wecom_chat_id: str = Field("", max_length=64)
    notes: str = ""


class GroupPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60)
    bases: list[str] | None = None
    category: str | None = None
    owner_id: int | None = None
    admin_ids: list[int] | None = None
    member_count: int | None = None
    member_count_as_of: datetime.date | None = None
    founded_on: datetime.date | None = None
    status: GroupStatus | None = None
    function: str | None = Field(None, max_length=200)
    wecom_chat_id: str | None = Field(None, max_length=64)
    notes: str | None = None


class GroupPage(Schema):
    count: int
    items: list[GroupOut]


class MemberOut(Schema):
    id: int
    group_id: int
    youth_id: int | None
    cadre_id: int | None
    name: str = ""
    joined_on: datetime.date | None

    @staticmethod
    def resolve_name(obj: GroupMembership) -> str:
        return obj.youth.name if obj.youth_id else obj.cadre.name if obj.cadre_id else ""  # type: ignore[union-attr]


class MemberIn(Schema):
    youth_id: int | None = None
    cadre_id: int | None = None
    name: str = Field("", max_length=50)
    phone: str = Field("", max_length=20)


class LiveCodeOut(Schema):
    id: int
    code: str
    title: str
    org_id: int
    mode: str
    group_type: str
    group_ids: list[int] = []
    contact_name: str
    contact_phone: str
    contact_note: str
    is_default: bool
    is_active: bool
    url: str = ""
    current_group_id: int | None = None

    @staticmethod
    def resolve_group_ids(obj: LiveCode) -> list[int]:
        return [e.group_id for e in obj.entries.all()]

    @staticmethod
    def resolve_url(obj: LiveCode) -> str:
        return obj.public_url

    @staticmethod
    def resolve_current_group_id(obj: LiveCode) -> int | None:
        group = selectors.live_code_current_group(obj)
        return group.pk if group else None


class LiveCodeIn(Schema):
    org_id: int
    title: str = Field(..., min_length=1, max_length=60)
    mode: LiveCodeMode = LiveCodeMode.GROUPS
    group_type: str = ""
    group_ids: list[int] = []
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)
    contact_note: str = Field("", max_length=120)


class LiveCodePatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=60)
    group_ids: list[int] | None = None
    contact_name: str | None = Field(None, max_length=50)
    contact_phone: str | None = Field(None, max_length=20)
    contact_note: str | None = Field(None, max_length=120)
    is_active: bool | None = None


class ReachOut(Schema):
    cadre_id: int
    reach: int
    target: int


def _cadres(request: HttpRequest, ids: list[int]) -> list[Cadre]:
    return [scoped_get(Cadre.objects.select_related("org"), request, pk) for pk in ids]


def _groups_for_code(request: HttpRequest, ids: list[int]) -> list[ChatGroup]:
    # Loaded unscoped on purpose: the service refuses a group outside the creator's scope with a message
    # that does not name it, and refuses dissolved ones.
    found = {g.pk: g for g in ChatGroup.objects.select_related("org").filter(pk__in=ids)}
    return [found[pk] if pk in found else scoped_get(ChatGroup.objects.all(), request, pk) for pk in ids]


# --- groups ---------------------------------------------------------------------------------


@router.get("groups/", response={200: GroupPage, **ERRORS}, summary="微信群台账")
def group_list(
    request: HttpRequest,
    q: str = "",
    under: int | None = None,
    group_type: str = "",
    status: str = "",
    qr_expired: bool | None = None,
    below_target: bool = False,
    offset: int = 0,
    limit: int = 100,
) -> dict[str, Any]:
    filters: dict[str, Any] = {
        "q": q,
        "group_type": group_type,
        "status": status,
        "qr_expired": qr_expired,
        "below_target": below_target,
    }
    if under is not None:
        filters["under"] = scoped_get(Org.objects.all(), request, under)
    qs = selectors.group_list(user=request.user, filters=filters).prefetch_related("admins")
    return page(qs, offset=offset, limit=limit)


@router.get("groups/{group_id}", response={200: GroupOut, **ERRORS})
def group_get(request: HttpRequest, group_id: int) -> ChatGroup:
    return scoped_get(ChatGroup.objects.select_related("org"), request, group_id)


@router.post("groups/", response={201: GroupOut, **ERRORS})
def group_create(request: HttpRequest, payload: GroupIn) -> Status[ChatGroup]:
    data = payload.dict()
    org = scoped_get(Org.objects.all(), request, data.pop("org_id"), Action.ADD)
    owner = scoped_get_optional(Cadre.objects.select_related("org"), request, data.pop("owner_id"))
    admins = _cadres(request, data.pop("admin_ids"))
    group = services.group_create(
        actor=request.user,
        org=org,
        name=data.pop("name"),
        group_type=data.pop("group_type"),
        owner=owner or selectors.my_cadre(request.user),
        admins=admins,
        **data,
    )
    return Status(201, group)


@router.patch("groups/{group_id}", response={200: GroupOut, **ERRORS})
def group_update(request: HttpRequest, group_id: int, payload: GroupPatch) -> ChatGroup:
    group = scoped_get(ChatGroup.objects.select_related("org"), request, group_id, Action.CHANGE)
    data = payload.dict(exclude_unset=True)
    admins = _cadres(request, data.pop("admin_ids")) if data.get("admin_ids") is not None else None
    data.pop("admin_ids", None)
    if "owner_id" in data:
        data["owner"] = scoped_get_optional(
            Cadre.objects.select_related("org"), request, data.pop("owner_id")
        )
    return services.group_update(actor=request.user, group=group, data=data, admins=admins)


@router.post("groups/{group_id}/qr", response={200: GroupOut, **ERRORS}, summary="上传群二维码（图片）")
def group_qr(request: HttpRequest, group_id: int, image: File[UploadedFile]) -> ChatGroup:
    group = scoped_get(ChatGroup.objects.select_related("org"), request, group_id, Action.CHANGE)
    return services.group_set_qr(actor=request.user, group=group, upload=image)


@router.post("groups/{group_id}/dissolve", response={200: GroupOut, **ERRORS})
def group_dissolve(request: HttpRequest, group_id: int) -> ChatGroup:
    group = scoped_get(ChatGroup.objects.select_related("org"), request, group_id, Action.CHANGE)
    return services.group_dissolve(actor=request.user, group=group)


# --- members --------------------------------------------------------------------------------


@router.get("groups/{group_id}/members", response={200: list[MemberOut], **ERRORS})
def member_list(request: HttpRequest, group_id: int) -> list[GroupMembership]:
    group = scoped_get(ChatGroup.objects.all(), request, group_id)
    return list(group.memberships.select_related("youth", "cadre").order_by("id"))


@router.post(
    "groups/{group_id}/members",
    response={201: MemberOut, **ERRORS},
    summary="添加成员（青年、团干部或姓名+手机号）",
)
def member_add(request: HttpRequest, group_id: int, payload: MemberIn) -> Status[GroupMembership]:
    group = scoped_get(ChatGroup.objects.select_related("org"), request, group_id, Action.CHANGE)
    if payload.youth_id is not None:
        youth = scoped_get(Youth.objects.select_related("home_org"), request, payload.youth_id)
        member = services.membership_add_youth(actor=request.user, group=group, youth=youth)
    elif payload.cadre_id is not None:
        cadre = scoped_get(Cadre.objects.select_related("org"), request, payload.cadre_id)
        member = services.membership_add_cadre(actor=request.user, group=group, cadre=cadre)
    else:
        member = services.membership_add_person(
            actor=request.user,
            group=group,
            name=payload.name,
            phone=payload.phone,
            liaison=selectors.my_cadre(request.user),
        )
    return Status(201, member)


@router.delete("members/{member_id}", response={204: None, **ERRORS})
def member_remove(request: HttpRequest, member_id: int) -> Status[None]:
    member = scoped_get(
        GroupMembership.objects.select_related("group__org"), request, member_id, Action.CHANGE
    )
    services.membership_remove(actor=request.user, membership=member)
    return Status(204, None)


@router.get("cadres/{cadre_id}/reach", response={200: ReachOut, **ERRORS}, summary="联系青年数（R1）")
def cadre_reach(request: HttpRequest, cadre_id: int) -> dict[str, int]:
    cadre = scoped_get(Cadre.objects.all(), request, cadre_id)
    reach = selectors.cadre_reach([cadre.pk]).get(cadre.pk, 0)
    return {"cadre_id": cadre.pk, "reach": reach, "target": selectors.REACH_TARGET}


# --- live codes -----------------------------------------------------------------------------


@router.get("livecodes/", response={200: list[LiveCodeOut], **ERRORS}, summary="活码")
def livecode_list(request: HttpRequest, under: int | None = None, limit: int = 200) -> list[LiveCode]:
    qs = LiveCode.objects.restrict(request.user, Action.VIEW).prefetch_related("entries")
    if under is not None:
        qs = qs.filter(scoped_get(Org.objects.all(), request, under).subtree_q("org__path"))
    return list(qs.order_by("org__path", "pk")[: max(1, min(limit, 500))])


@router.get("livecodes/{code_id}", response={200: LiveCodeOut, **ERRORS})
def livecode_get(request: HttpRequest, code_id: int) -> LiveCode:
    return scoped_get(LiveCode.objects.all(), request, code_id)


@router.post("livecodes/", response={201: LiveCodeOut, **ERRORS})
def livecode_create(request: HttpRequest, payload: LiveCodeIn) -> Status[LiveCode]:
    data = payload.dict()
    org = scoped_get(Org.objects.all(), request, data.pop("org_id"), Action.ADD)
    groups = _groups_for_code(request, data.pop("group_ids"))
    code = services.livecode_create(
        actor=request.user,
        org=org,
        title=data.pop("title"),
        groups=groups,
        owner=selectors.my_cadre(request.user),
        **data,
    )
    return Status(201, code)


@router.patch("livecodes/{code_id}", response={200: LiveCodeOut, **ERRORS})
def livecode_update(request: HttpRequest, code_id: int, payload: LiveCodePatch) -> LiveCode:
    code = scoped_get(LiveCode.objects.select_related("org"), request, code_id, Action.CHANGE)
    data = payload.dict(exclude_unset=True)
    ids = data.pop("group_ids", None)
    groups = _groups_for_code(request, ids) if ids is not None else None
    return services.livecode_update(actor=request.user, live_code=code, data=data, groups=groups)
