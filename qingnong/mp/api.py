"""API of the official-account app: accounts (never their secrets), followers, posts and their workflow,
recruitment rankings, R7 cadence and R8 follow shares. Every lookup is scoped; every write is a service."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from qingnong.api.common import ERRORS, page, scoped_get
from qingnong.core.permissions import Action
from qingnong.core.personal import can_view_personal, masked
from qingnong.orgs.models import Org

from . import selectors, services
from .choices import PostCategory, PostStatus
from .models import Follower, OfficialAccount, Post

PREFIX = "/mp"
router = Router(tags=["公众号"])


class AccountOut(Schema):
    """An account as the API shows it: whether each secret is set, never the secret itself."""

    id: int
    org_id: int
    name: str
    kind: str
    original_id: str
    app_id: str | None
    message_mode: str
    api_enabled: bool
    is_external: bool
    recommended: bool
    posts_per_week: int
    naming_warning: str
    is_active: bool
    has_app_secret: bool
    has_token: bool
    has_encoding_aes_key: bool

    @staticmethod
    def resolve_has_app_secret(obj: OfficialAccount) -> bool:
        return obj.has_secret

    @staticmethod
    def resolve_has_token(obj: OfficialAccount) -> bool:
        return obj.has_token

    @staticmethod
    def resolve_has_encoding_aes_key(obj: OfficialAccount) -> bool:
        return obj.has_aes_key


class AccountPage(Schema):
    count: int
    items: list[AccountOut]


@router.get("accounts/", response={200: AccountPage, **ERRORS}, summary="公众号列表")
def account_list(request: HttpRequest, q: str = "", offset: int = 0, limit: int = 100) -> dict[str, Any]:
    qs = OfficialAccount.objects.restrict(request.user, Action.VIEW).select_related("org")
    if q:
        qs = qs.filter(name__icontains=q)
    return page(qs, offset=offset, limit=limit)


@router.get("accounts/{account_id}", response={200: AccountOut, **ERRORS})
def account_get(request: HttpRequest, account_id: int) -> OfficialAccount:
    return scoped_get(OfficialAccount.objects.select_related("org"), request, account_id)


class FollowerOut(Schema):
    id: int
    openid: str
    subscribed: bool
    first_subscribed_at: datetime.datetime
    unsubscribed_at: datetime.datetime | None
    scene: str
    org_id: int | None
    cadre_id: int | None

    @staticmethod
    def resolve_openid(obj: Follower, context: dict[str, Any]) -> str:
        user = context["request"].user
        return obj.openid if can_view_personal(user, obj) else masked(obj.openid, "text")


class FollowerPage(Schema):
    count: int
    items: list[FollowerOut]


@router.get("accounts/{account_id}/followers", response={200: FollowerPage, **ERRORS}, summary="关注者")
def account_followers(
    request: HttpRequest,
    account_id: int,
    status: Literal["subscribed", "unsubscribed", ""] = "",
    offset: int = 0,
    limit: int = 100,
) -> dict[str, Any]:
    account = scoped_get(OfficialAccount.objects.all(), request, account_id)
    qs = selectors.follower_list(user=request.user, account=account, filters={"status": status})
    return page(qs, offset=offset, limit=limit)


class CadenceOut(Schema):
    account_id: int
    window_start: datetime.date
    window_end: datetime.date
    posts: int
    target: int
    posts_ok: bool
    categories: list[str]
    missing_categories: list[str]
    admins: int
    admins_ok: bool
    passed: bool


def _cadence_out(row: selectors.AccountCadence) -> dict[str, Any]:
    return {
        "account_id": row.account.pk,
        "window_start": row.window_start,
        "window_end": row.window_end,
        "posts": row.posts,
        "target": row.target * row.weeks,
        "posts_ok": row.posts_ok,
        "categories": sorted(row.categories),
        "missing_categories": row.missing_categories,
        "admins": row.admins,
        "admins_ok": row.admins_ok,
        "passed": row.passed,
    }


@router.get("accounts/{account_id}/cadence", response={200: CadenceOut, **ERRORS}, summary="发布节奏（R7）")
def account_cadence(
    request: HttpRequest, account_id: int, on: datetime.date | None = None, weeks: int = 1
) -> dict[str, Any]:
    account = scoped_get(OfficialAccount.objects.all(), request, account_id)
    return _cadence_out(selectors.account_cadence([account], on=on, weeks=max(1, min(weeks, 13)))[0])


# --- posts ----------------------------------------------------------------------------------


class PostOut(Schema):
    id: int
    account_id: int
    title: str
    category: str
    status: str
    author_id: int | None
    author_name: str
    reviewer_id: int | None
    digest: str
    content: str
    source_url: str
    scheduled_at: datetime.datetime | None
    channel: str
    published_at: datetime.datetime | None
    url: str
    review_comment: str
    publish_error: str
    read_count: int
    share_count: int


class PostPage(Schema):
    count: int
    items: list[PostOut]


class PostIn(Schema):
    account_id: int
    title: str = Field(..., min_length=1, max_length=64)
    category: PostCategory
    author_name: str = Field("", max_length=16)
    digest: str = Field("", max_length=120)
    content: str = ""
    source_url: str = Field("", max_length=500)
    thumb_media_id: str = Field("", max_length=128)
    scheduled_at: datetime.datetime | None = None


class PostPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=64)
    category: PostCategory | None = None
    author_name: str | None = Field(None, max_length=16)
    digest: str | None = Field(None, max_length=120)
    content: str | None = None
    source_url: str | None = Field(None, max_length=500)
    thumb_media_id: str | None = Field(None, max_length=128)
    scheduled_at: datetime.datetime | None = None


class TransitionIn(Schema):
    action: Literal["submit", "approve", "return", "publish", "record_external"]
    comment: str = Field("", max_length=300)
    url: str = Field("", max_length=500)
    published_at: datetime.datetime | None = None


@router.get("posts/", response={200: PostPage, **ERRORS}, summary="推文列表")
def post_list(
    request: HttpRequest,
    account_id: int | None = None,
    status: PostStatus | None = None,
    category: PostCategory | None = None,
    q: str = "",
    offset: int = 0,
    limit: int = 100,
) -> dict[str, Any]:
    filters: dict[str, Any] = {"status": status, "category": category, "q": q}
    if account_id is not None:
        filters["account"] = scoped_get(OfficialAccount.objects.all(), request, account_id)
    return page(selectors.post_list(user=request.user, filters=filters), offset=offset, limit=limit)


@router.get("posts/{post_id}", response={200: PostOut, **ERRORS})
def post_get(request: HttpRequest, post_id: int) -> Post:
    return scoped_get(Post.objects.select_related("account__org"), request, post_id)


@router.post("posts/", response={201: PostOut, **ERRORS}, summary="新建推文（草稿）")
def post_create(request: HttpRequest, payload: PostIn) -> tuple[int, Post]:
    data = payload.dict()
    account = scoped_get(
        OfficialAccount.objects.select_related("org"), request, data.pop("account_id"), Action.PUBLISH
    )
    post = services.post_create(
        actor=request.user, account=account, title=data.pop("title"), category=data.pop("category"), **data
    )
    return 201, post


@router.patch("posts/{post_id}", response={200: PostOut, **ERRORS})
def post_update(request: HttpRequest, post_id: int, payload: PostPatch) -> Post:
    post = scoped_get(Post.objects.select_related("account__org"), request, post_id, Action.PUBLISH)
    return services.post_update(actor=request.user, post=post, data=payload.dict(exclude_unset=True))


@router.post("posts/{post_id}/transition", response={200: PostOut, **ERRORS}, summary="审核流转")
def post_transition(request: HttpRequest, post_id: int, payload: TransitionIn) -> Post:
    """submit 提交审核 · approve 审核通过 · return 退回 · publish 接口发布 ·
    record_external 登记外部发布链接."""
    post = scoped_get(Post.objects.select_related("account__org"), request, post_id, Action.PUBLISH)
    actor = request.user
    if payload.action == "submit":
        return services.post_submit(actor=actor, post=post)
    if payload.action == "approve":
        return services.post_approve(actor=actor, post=post, comment=payload.comment)
    if payload.action == "return":
        return services.post_return(actor=actor, post=post, comment=payload.comment)
    if payload.action == "publish":
        return services.post_publish(actor=actor, post=post)
    return services.post_record_external(
        actor=actor, post=post, url=payload.url, published_at=payload.published_at
    )


# --- rollups --------------------------------------------------------------------------------


class RankRow(Schema):
    org_id: int
    name: str
    followers: int


class CadreRankRow(Schema):
    cadre_id: int
    name: str
    org_name: str
    followers: int


class RecruitmentOut(Schema):
    org_id: int
    total: int
    own: int
    children: list[RankRow]
    cadres: list[CadreRankRow]


@router.get("orgs/{org_id}/recruitment", response={200: RecruitmentOut, **ERRORS}, summary="涨粉排行")
def org_recruitment(request: HttpRequest, org_id: int, account_id: int | None = None) -> dict[str, Any]:
    org = scoped_get(Org.objects.all(), request, org_id)
    account = (
        scoped_get(OfficialAccount.objects.all(), request, account_id) if account_id is not None else None
    )
    result = selectors.recruitment(parent=org, account=account)
    return {
        "org_id": org.pk,
        "total": result.total,
        "own": result.own,
        "children": [
            {"org_id": r.org.pk, "name": r.org.name, "followers": r.followers} for r in result.children
        ],
        "cadres": [c.__dict__ for c in result.cadres],
    }


class ShareRow(Schema):
    org_id: int | None
    name: str
    following: int
    total: int


class FollowSharesOut(Schema):
    org_id: int
    accounts: list[int]
    following: int
    total: int
    children: list[ShareRow]


@router.get(
    "orgs/{org_id}/cadre-follows", response={200: FollowSharesOut, **ERRORS}, summary="团干部关注率（R8）"
)
def org_cadre_follows(request: HttpRequest, org_id: int) -> dict[str, Any]:
    org = scoped_get(Org.objects.all(), request, org_id)
    accounts = selectors.recommended_accounts()
    overall, per_child = selectors.cadre_follow_shares(parent=org, accounts=accounts)
    children = Org.objects.filter(org.subtree_q(), depth=org.depth + 1, status="active")
    empty = selectors.FollowShare(0, 0)
    return {
        "org_id": org.pk,
        "accounts": [a.pk for a in accounts],
        "following": overall.following,
        "total": overall.total,
        "children": [
            {
                "org_id": c.pk,
                "name": c.name,
                "following": per_child.get(c.path, empty).following,
                "total": per_child.get(c.path, empty).total,
            }
            for c in children
        ],
    }
