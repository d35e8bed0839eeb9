"""API of the youth registry. Every lookup is scoped; every write is a service call; personal data masked."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from qingnong.api.common import ERRORS, page, scoped_get, scoped_get_optional
from qingnong.core.permissions import Action
from qingnong.core.personal import can_view_personal, masked
from qingnong.orgs.models import Cadre, Org

from . import selectors, services
from .choices import Whereabouts, YouthSource
from .models import Youth

PREFIX = ""
router = Router(tags=["青年名册"])


class YouthOut(Schema):
    id: int
    name: str
    gender: str
    birth_year: int | None
    phone: str | None
    wechat_id: str | None
    is_league_member: bool
    home_org_id: int
    whereabouts: str
    away_place: str
    occupation: str
    industry: str
    interests: str
    tags: list[str]
    categories: list[str]
    liaison_id: int | None
    source: str
    notes: str

    @staticmethod
    def resolve_phone(obj: Youth, context: dict[str, Any]) -> str | None:
        user = context["request"].user
        return obj.phone if can_view_personal(user, obj) else masked(obj.phone)

    @staticmethod
    def resolve_wechat_id(obj: Youth, context: dict[str, Any]) -> str | None:
        user = context["request"].user
        return obj.wechat_id if can_view_personal(user, obj) else masked(obj.wechat_id, "text")


class YouthIn(Schema):
    home_org_id: int
    name: str = Field(..., min_length=1, max_length=50)
    gender: str = Field("", max_length=6)
    birth_year: int | None = Field(None, ge=1940, le=2015)
    phone: str | None = None
    wechat_id: str | None = Field(None, max_length=40)
    is_league_member: bool = False
    whereabouts: Whereabouts = Whereabouts.HOME
    away_place: str = Field("", max_length=60)
    occupation: str = Field("", max_length=60)
    industry: str = Field("", max_length=60)
    interests: str = Field("", max_length=200)
    tags: list[str] = []
    categories: list[str] = []
    liaison_id: int | None = None
    source: YouthSource = YouthSource.SURVEY
    notes: str = ""


class YouthPatch(Schema):
    home_org_id: int | None = None
    name: str | None = Field(None, min_length=1, max_length=50)
    gender: str | None = Field(None, max_length=6)
    birth_year: int | None = Field(None, ge=1940, le=2015)
    phone: str | None = None
    wechat_id: str | None = Field(None, max_length=40)
    is_league_member: bool | None = None
    whereabouts: Whereabouts | None = None
    away_place: str | None = Field(None, max_length=60)
    occupation: str | None = Field(None, max_length=60)
    industry: str | None = Field(None, max_length=60)
    interests: str | None = Field(None, max_length=200)
    tags: list[str] | None = None
    categories: list[str] | None = None
    liaison_id: int | None = None
    source: YouthSource | None = None
    notes: str | None = None


class YouthPage(Schema):
    count: int
    items: list[YouthOut]


class MergeIn(Schema):
    duplicate_id: int


def _resolve_refs(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if "home_org_id" in data:
        data["home_org"] = scoped_get(Org.objects.all(), request, data.pop("home_org_id"), Action.ADD)
    if "liaison_id" in data:
        data["liaison"] = scoped_get_optional(
            Cadre.objects.select_related("org"), request, data.pop("liaison_id")
        )
    return data


@router.get("youth/", response={200: YouthPage, **ERRORS}, summary="青年名册")
def youth_list(
    request: HttpRequest,
    q: str = "",
    under: int | None = None,
    category: str = "",
    whereabouts: str = "",
    liaison_id: int | None = None,
    offset: int = 0,
    limit: int = 100,
) -> dict[str, Any]:
    filters: dict[str, Any] = {"q": q, "category": category, "whereabouts": whereabouts}
    if under is not None:
        filters["under"] = scoped_get(Org.objects.all(), request, under)
    if liaison_id is not None:
        filters["liaison"] = scoped_get(Cadre.objects.all(), request, liaison_id)
    return page(selectors.youth_list(user=request.user, filters=filters), offset=offset, limit=limit)


@router.get("youth/{youth_id}", response={200: YouthOut, **ERRORS})
def youth_get(request: HttpRequest, youth_id: int) -> Youth:
    return scoped_get(Youth.objects.select_related("home_org"), request, youth_id)


@router.post("youth/", response={201: YouthOut, **ERRORS})
def youth_create(request: HttpRequest, payload: YouthIn) -> Status[Youth]:
    data = _resolve_refs(request, payload.dict())
    youth = services.youth_create(
        actor=request.user, home_org=data.pop("home_org"), name=data.pop("name"), **data
    )
    return Status(201, youth)


@router.patch("youth/{youth_id}", response={200: YouthOut, **ERRORS})
def youth_update(request: HttpRequest, youth_id: int, payload: YouthPatch) -> Youth:
    youth = scoped_get(Youth.objects.select_related("home_org"), request, youth_id, Action.CHANGE)
    data = _resolve_refs(request, payload.dict(exclude_unset=True))
    return services.youth_update(actor=request.user, youth=youth, data=data)


@router.delete("youth/{youth_id}", response={204: None, **ERRORS})
def youth_delete(request: HttpRequest, youth_id: int) -> Status[None]:
    youth = scoped_get(Youth.objects.select_related("home_org"), request, youth_id, Action.DELETE)
    services.youth_delete(actor=request.user, youth=youth)
    return Status(204, None)


@router.post("youth/{youth_id}/merge", response={200: YouthOut, **ERRORS}, summary="把重复记录并入本记录")
def youth_merge(request: HttpRequest, youth_id: int, payload: MergeIn) -> Youth:
    keep = scoped_get(Youth.objects.select_related("home_org"), request, youth_id, Action.CHANGE)
    duplicate = scoped_get(
        Youth.objects.select_related("home_org"), request, payload.duplicate_id, Action.DELETE
    )
    return services.youth_merge(actor=request.user, keep=keep, duplicate=duplicate)
