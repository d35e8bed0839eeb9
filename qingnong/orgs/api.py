"""API for the org tree, cadres and positions. Every lookup is scoped; every write is a service call."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from qingnong.api.common import ERRORS, page, scoped_get
from qingnong.core.permissions import Action
from qingnong.core.personal import can_view_personal, masked

from . import selectors, services
from .choices import Gender, GrassrootsKind, OrgLevel, PositionTitle
from .models import Cadre, Org, Position

PREFIX = ""
router = Router(tags=["组织与团干部"])


class OrgOut(Schema):
    id: int
    name: str
    short_name: str
    level: str
    kind: str
    division_code: str | None
    contact_phone: str
    status: str
    parent_id: int | None = None
    depth: int
    numchild: int
    display_path: str = ""

    @staticmethod
    def resolve_parent_id(obj: Org) -> int | None:
        return getattr(obj, "_parent_id", None)


class OrgIn(Schema):
    parent_id: int
    name: str = Field(..., min_length=1, max_length=100)
    level: OrgLevel
    short_name: str = Field("", max_length=30)
    kind: GrassrootsKind | None = None
    division_code: str | None = Field(None, max_length=20)
    contact_phone: str = Field("", max_length=30)


class OrgPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    short_name: str | None = Field(None, max_length=30)
    level: OrgLevel | None = None
    kind: GrassrootsKind | None = None
    division_code: str | None = Field(None, max_length=20)
    contact_phone: str | None = Field(None, max_length=30)


class MoveIn(Schema):
    new_parent_id: int


class OrgPage(Schema):
    count: int
    items: list[OrgOut]


def _with_parents(orgs: list[Org]) -> list[Org]:
    """Attach parent ids and display paths with two queries for the whole page."""
    parent_paths = {o.path[: -o.steplen] for o in orgs if o.depth > 1}
    ids = dict(Org.objects.filter(path__in=parent_paths).values_list("path", "pk"))
    paths = selectors.org_display_paths(orgs)
    for org in orgs:
        org._parent_id = ids.get(org.path[: -org.steplen])  # type: ignore[attr-defined]
        org.display_path = paths[org.pk]  # type: ignore[method-assign, assignment]
    return orgs


@router.get("orgs/", response={200: OrgPage, **ERRORS}, summary="组织列表（授权范围内）")
def org_list(
    request: HttpRequest,
    q: str = "",
    level: OrgLevel | None = None,
    under: int | None = None,
    offset: int = 0,
    limit: int = 100,
) -> dict[str, Any]:
    qs = Org.objects.restrict(request.user, Action.VIEW)
    if under is not None:
        qs = qs.filter(scoped_get(Org.objects.all(), request, under).subtree_q())
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(division_code__startswith=q))
    if level:
        qs = qs.filter(level=level)
    result = page(qs, offset=offset, limit=limit)
    result["items"] = _with_parents(result["items"])
    return result


@router.get("orgs/roots", response={200: list[OrgOut], **ERRORS}, summary="我的顶级组织")
def org_roots(request: HttpRequest) -> list[Org]:
    return _with_parents(list(selectors.org_roots_for(request.user)))


@router.get("orgs/{org_id}", response={200: OrgOut, **ERRORS})
def org_get(request: HttpRequest, org_id: int) -> Org:
    return _with_parents([scoped_get(Org.objects.all(), request, org_id)])[0]


@router.get("orgs/{org_id}/children", response={200: list[OrgOut], **ERRORS})
def org_children(request: HttpRequest, org_id: int) -> list[Org]:
    org = scoped_get(Org.objects.all(), request, org_id)
    rows = Org.objects.restrict(request.user).filter(org.subtree_q(), depth=org.depth + 1)
    return _with_parents(list(rows))


@router.get("orgs/{org_id}/subtree", response={200: OrgPage, **ERRORS}, summary="子树（含本级，按路径排序）")
def org_subtree(
    request: HttpRequest, org_id: int, max_depth: int | None = None, offset: int = 0, limit: int = 500
) -> dict[str, Any]:
    org = scoped_get(Org.objects.all(), request, org_id)
    qs = Org.objects.restrict(request.user).filter(org.subtree_q())
    if max_depth is not None:
        qs = qs.filter(depth__lte=org.depth + max_depth)
    result = page(qs, offset=offset, limit=limit, max_limit=5000)
    result["items"] = _with_parents(result["items"])
    return result


@router.post("orgs/", response={201: OrgOut, **ERRORS})
def org_create(request: HttpRequest, payload: OrgIn) -> Status[Org]:
    parent = scoped_get(Org.objects.all(), request, payload.parent_id, Action.ADD)
    data = payload.dict(exclude={"parent_id"})
    data["kind"] = data["kind"] or ""
    org = services.org_create(actor=request.user, parent=parent, **data)
    return Status(201, _with_parents([org])[0])


@router.patch("orgs/{org_id}", response={200: OrgOut, **ERRORS})
def org_update(request: HttpRequest, org_id: int, payload: OrgPatch) -> Org:
    org = scoped_get(Org.objects.all(), request, org_id, Action.CHANGE)
    data = payload.dict(exclude_unset=True)
    if "kind" in data:
        data["kind"] = data["kind"] or ""
    org = services.org_update(actor=request.user, org=org, data=data)
    return _with_parents([org])[0]


@router.post("orgs/{org_id}/move", response={200: OrgOut, **ERRORS})
def org_move(request: HttpRequest, org_id: int, payload: MoveIn) -> Org:
    org = scoped_get(Org.objects.all(), request, org_id, Action.CHANGE)
    target = scoped_get(Org.objects.all(), request, payload.new_parent_id, Action.ADD)
    return _with_parents([services.org_move(actor=request.user, org=org, new_parent=target)])[0]


@router.post("orgs/{org_id}/dissolve", response={200: OrgOut, **ERRORS})
def org_dissolve(request: HttpRequest, org_id: int) -> Org:
    org = scoped_get(Org.objects.all(), request, org_id, Action.CHANGE)
    return _with_parents([services.org_dissolve(actor=request.user, org=org)])[0]


@router.delete("orgs/{org_id}", response={204: None, **ERRORS})
def org_delete(request: HttpRequest, org_id: int) -> Status[None]:
    org = scoped_get(Org.objects.all(), request, org_id, Action.DELETE)
    services.org_delete(actor=request.user, org=org)
    return Status(204, None)


# --- cadres ---------------------------------------------------------------------------------


class PositionOut(Schema):
    id: int
    cadre_id: int
    org_id: int
    org_name: str = Field(..., alias="org.name")
    title: str
    title_text: str
    is_leadership: bool
    is_committee: bool
    is_full_time: bool
    start_date: datetime.date | None
    end_date: datetime.date | None


class CadreOut(Schema):
    id: int
    org_id: int
    name: str
    gender: str
    birth_year: int | None
    phone: str | None
    wechat_id: str
    notes: str
    is_active: bool

    @staticmethod
    def resolve_phone(obj: Cadre, context: dict[str, Any]) -> str | None:
        user = context["request"].user
        return obj.phone if can_view_personal(user, obj) else masked(obj.phone)

    @staticmethod
    def resolve_wechat_id(obj: Cadre, context: dict[str, Any]) -> str:
        user = context["request"].user
        return obj.wechat_id if can_view_personal(user, obj) else masked(obj.wechat_id, "text")


class CadreIn(Schema):
    org_id: int
    name: str = Field(..., min_length=1, max_length=50)
    gender: Gender | None = None
    birth_year: int | None = Field(None, ge=1940, le=2015)
    phone: str | None = None
    wechat_id: str = Field("", max_length=40)
    notes: str = ""
    is_active: bool = True


class CadrePatch(Schema):
    org_id: int | None = None
    name: str | None = Field(None, min_length=1, max_length=50)
    gender: Gender | None = None
    birth_year: int | None = Field(None, ge=1940, le=2015)
    phone: str | None = None
    wechat_id: str | None = Field(None, max_length=40)
    notes: str | None = None
    is_active: bool | None = None


class CadrePage(Schema):
    count: int
    items: list[CadreOut]


class PositionIn(Schema):
    cadre_id: int
    org_id: int
    title: PositionTitle
    title_text: str = Field("", max_length=50)
    is_leadership: bool = False
    is_committee: bool = False
    is_full_time: bool = False
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None


class PositionPatch(Schema):
    title: PositionTitle | None = None
    title_text: str | None = Field(None, max_length=50)
    is_leadership: bool | None = None
    is_committee: bool | None = None
    is_full_time: bool | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None


@router.get("cadres/", response={200: CadrePage, **ERRORS}, summary="团干部列表")
def cadre_list(
    request: HttpRequest, q: str = "", under: int | None = None, offset: int = 0, limit: int = 100
) -> dict[str, Any]:
    filters: dict[str, Any] = {"q": q}
    if under is not None:
        filters["under"] = scoped_get(Org.objects.all(), request, under)
    qs = selectors.cadre_list(user=request.user, filters=filters)
    return page(qs, offset=offset, limit=limit)


@router.get("cadres/{cadre_id}", response={200: CadreOut, **ERRORS})
def cadre_get(request: HttpRequest, cadre_id: int) -> Cadre:
    return scoped_get(Cadre.objects.select_related("org"), request, cadre_id)


@router.post("cadres/", response={201: CadreOut, **ERRORS})
def cadre_create(request: HttpRequest, payload: CadreIn) -> Status[Cadre]:
    data = payload.dict()
    org = scoped_get(Org.objects.all(), request, data.pop("org_id"), Action.ADD)
    data["gender"] = data["gender"] or ""
    return Status(201, services.cadre_create(actor=request.user, org=org, **data))


@router.patch("cadres/{cadre_id}", response={200: CadreOut, **ERRORS})
def cadre_update(request: HttpRequest, cadre_id: int, payload: CadrePatch) -> Cadre:
    cadre = scoped_get(Cadre.objects.select_related("org"), request, cadre_id, Action.CHANGE)
    data = payload.dict(exclude_unset=True)
    if "org_id" in data:
        data["org"] = scoped_get(Org.objects.all(), request, data.pop("org_id"), Action.ADD)
    if "gender" in data:
        data["gender"] = data["gender"] or ""
    return services.cadre_update(actor=request.user, cadre=cadre, data=data)


@router.delete("cadres/{cadre_id}", response={204: None, **ERRORS})
def cadre_delete(request: HttpRequest, cadre_id: int) -> Status[None]:
    cadre = scoped_get(Cadre.objects.select_related("org"), request, cadre_id, Action.DELETE)
    services.cadre_delete(actor=request.user, cadre=cadre)
    return Status(204, None)


@router.get("cadres/{cadre_id}/positions", response={200: list[PositionOut], **ERRORS})
def cadre_positions(request: HttpRequest, cadre_id: int) -> list[Position]:
    cadre = scoped_get(Cadre.objects.all(), request, cadre_id)
    return list(cadre.positions.select_related("org").order_by("-end_date", "org__path"))


@router.post("positions/", response={201: PositionOut, **ERRORS})
def position_create(request: HttpRequest, payload: PositionIn) -> Status[Position]:
    data = payload.dict()
    cadre = scoped_get(Cadre.objects.select_related("org"), request, data.pop("cadre_id"))
    org = scoped_get(Org.objects.all(), request, data.pop("org_id"), Action.ADD)
    return Status(201, services.position_create(actor=request.user, cadre=cadre, org=org, **data))


@router.patch("positions/{position_id}", response={200: PositionOut, **ERRORS})
def position_update(request: HttpRequest, position_id: int, payload: PositionPatch) -> Position:
    position = scoped_get(
        Position.objects.select_related("org", "cadre"), request, position_id, Action.CHANGE
    )
    return services.position_update(
        actor=request.user, position=position, data=payload.dict(exclude_unset=True)
    )


@router.delete("positions/{position_id}", response={204: None, **ERRORS})
def position_delete(request: HttpRequest, position_id: int) -> Status[None]:
    position = scoped_get(Position.objects.select_related("org"), request, position_id, Action.DELETE)
    services.position_delete(actor=request.user, position=position)
    return Status(204, None)
