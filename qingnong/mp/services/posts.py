"""Posts: 草稿 → 待审核 → 已通过 → 发布中 → 已发布, written, reviewed and published through the API (draft,
freepublish) or published by hand on the WeChat platform and recorded by their link."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from qingnong.core.audit import audit_record, snapshot
from qingnong.core.errors import RuleError
from qingnong.core.permissions import Action
from qingnong.core.services import apply_fields, require_org_scope, save_audited
from qingnong.core.system import SYSTEM

from ..choices import PostCategory, PostStatus, PublishChannel
from ..client import MpClient, WeChatAPIError, client_for
from ..models import OfficialAccount, Post

logger = logging.getLogger(__name__)


POST_FIELDS = (
    "title",
    "category",
    "author_name",
    "digest",
    "content",
    "source_url",
    "thumb_media_id",
    "scheduled_at",
)


def _check_post(post: Post) -> None:
    errors: dict[str, str] = {}
    if not post.title.strip():
        errors["title"] = "请填写标题"
    elif len(post.title) > 64:
        errors["title"] = "标题最多 64 个字"
    if post.category not in PostCategory.values:
        errors["category"] = (
            "请选择六类栏目之一（政策解读、团内要讯、服务项目、工作典型、青年榜样、励志文章）"
        )
    if post.account.is_external:
        errors["account"] = f"“{post.account.name}”是外部公众号，不在本平台编辑推文"
    if errors:
        raise RuleError(errors, code="invalid_post")


@transaction.atomic
def post_create(*, actor: Any, account: OfficialAccount, title: str, category: str, **data: Any) -> Post:
    """A new post in 草稿 by ``actor`` (the 撰稿人)."""
    require_org_scope(actor, Action.PUBLISH, account.org)
    unknown = set(data) - set(POST_FIELDS)
    if unknown:
        raise TypeError(f"unknown post fields: {sorted(unknown)}")
    post = Post(
        account=account,
        title=str(title).strip(),
        category=category,
        author=actor if getattr(actor, "pk", None) else None,
        status=PostStatus.DRAFT,
        **data,
    )
    _check_post(post)
    return save_audited(actor=actor, obj=post, action="mp.post.create", before=None)


def _require_status(post: Post, allowed: Iterable[str], doing: str) -> None:
    if post.status not in set(allowed):
        raise RuleError(
            f"推文“{post.title}”当前为“{post.get_status_display()}”，不能{doing}", code="bad_transition"
        )


def _locked(post: Post) -> Post:
    return Post.objects.select_for_update().select_related("account__org").get(pk=post.pk)


@transaction.atomic
def post_update(*, actor: Any, post: Post, data: dict[str, Any]) -> Post:
    require_org_scope(actor, Action.PUBLISH, post.account.org)
    post = _locked(post)
    _require_status(post, [PostStatus.DRAFT], "修改（请先退回草稿）")
    before = snapshot(post)
    data = dict(data)
    if "title" in data:
        data["title"] = str(data["title"]).strip()
    changed = apply_fields(post, data, POST_FIELDS)
    _check_post(post)
    return save_audited(actor=actor, obj=post, action="mp.post.update", before=before, update_fields=changed)


def _transition(*, actor: Any, post: Post, action: str, fields: dict[str, Any]) -> Post:
    before = snapshot(post)
    for name, value in fields.items():
        setattr(post, name, value)
    return save_audited(actor=actor, obj=post, action=action, before=before, update_fields=list(fields))


@transaction.atomic
def post_submit(*, actor: Any, post: Post) -> Post:
    """草稿 → 待审核."""
    require_org_scope(actor, Action.PUBLISH, post.account.org)
    post = _locked(post)
    _require_status(post, [PostStatus.DRAFT], "提交审核")
    if not post.content.strip() and not post.source_url:
        raise RuleError({"content": "正文为空，不能提交审核"}, code="empty_post")
    return _transition(
        actor=actor,
        post=post,
        action="mp.post.submit",
        fields={"status": PostStatus.REVIEW, "submitted_at": timezone.now(), "review_comment": ""},
    )


@transaction.atomic
def post_approve(*, actor: Any, post: Post, comment: str = "") -> Post:
    """待审核 → 已通过; the actor is recorded as 审核人."""
    require_org_scope(actor, Action.PUBLISH, post.account.org)
    post = _locked(post)
    _require_status(post, [PostStatus.REVIEW], "审核通过")
    return _transition(
        actor=actor,
        post=post,
        action="mp.post.approve",
        fields={
            "status": PostStatus.APPROVED,
            "reviewer": actor if getattr(actor, "pk", None) else None,
            "reviewed_at": timezone.now(),
            "review_comment": comment.strip()[:300],
        },
    )


@transaction.atomic
def post_return(*, actor: Any, post: Post, comment: str) -> Post:
    """待审核 / 已通过 → 草稿, with the reviewer's reason."""
    require_org_scope(actor, Action.PUBLISH, post.account.org)
    post = _locked(post)
    _require_status(post, [PostStatus.REVIEW, PostStatus.APPROVED], "退回")
    if not comment.strip():
        raise RuleError({"comment": "退回须填写意见"}, code="comment_required")
    return _transition(
        actor=actor,
        post=post,
        action="mp.post.return",
        fields={
            "status": PostStatus.DRAFT,
            "reviewer": actor if getattr(actor, "pk", None) else None,
            "reviewed_at": timezone.now(),
            "review_comment": comment.strip()[:300],
        },
    )


@transaction.atomic
def post_delete(*, actor: Any, post: Post) -> None:
    require_org_scope(actor, Action.PUBLISH, post.account.org)
    post = _locked(post)
    _require_status(post, [PostStatus.DRAFT], "删除（只能删除草稿）")
    audit_record(actor=actor, action="mp.post.delete", obj=post, before=snapshot(post), after=None)
    post.delete()


def _check_article_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != "mp.weixin.qq.com":
        raise RuleError({"url": "请填写公众号文章链接（https://mp.weixin.qq.com/ 开头）"}, code="bad_url")
    return url


@transaction.atomic
def post_record_external(
    *, actor: Any, post: Post, url: str, published_at: datetime.datetime | None = None
) -> Post:
    """已通过 → 已发布, published on the WeChat platform by hand and recorded by its link."""
    require_org_scope(actor, Action.PUBLISH, post.account.org)
    post = _locked(post)
    _require_status(post, [PostStatus.APPROVED], "登记发布")
    url = _check_article_url(url)
    published_at = published_at or timezone.now()
    if published_at > timezone.now() + datetime.timedelta(minutes=5):
        raise RuleError({"published_at": "发布时间不能晚于现在"}, code="future_publish")
    return _transition(
        actor=actor,
        post=post,
        action="mp.post.record_external",
        fields={
            "status": PostStatus.PUBLISHED,
            "channel": PublishChannel.EXTERNAL,
            "url": url,
            "published_at": published_at,
            "publish_error": "",
        },
    )


def _article_for(post: Post, thumb_media_id: str) -> dict[str, Any]:
    return {
        "title": post.title,
        "author": post.author_name,
        "digest": post.digest,
        "content": post.content,
        "content_source_url": post.source_url,
        "thumb_media_id": thumb_media_id,
        "need_open_comment": 0,
        "only_fans_can_comment": 0,
    }


def post_publish(*, actor: Any, post: Post, client: MpClient | None = None) -> Post:
    """已通过 → 发布中: ``draft/add`` then ``freepublish/submit``; the result arrives later (the
    PUBLISHJOBFINISH event, or ``freepublish/get`` polled by a job) and moves the post to 已发布.

    The post is claimed (发布中) before WeChat is called, so that two clicks cannot publish it twice; a
    refusal puts it back to 已通过 with the reason."""
    require_org_scope(actor, Action.PUBLISH, post.account.org)
    with transaction.atomic():
        post = _locked(post)
        _require_status(post, [PostStatus.APPROVED], "发布")
        account = post.account
        if not account.api_enabled or account.is_external:
            raise RuleError(
                f"“{account.name}”没有发布接口权限：请在公众平台后台发布后“登记发布链接”", code="no_api"
            )
        thumb = post.thumb_media_id or account.default_thumb_media_id
        if not thumb:
            raise RuleError(
                {"thumb_media_id": "请填写封面素材 media_id（或在公众号设置默认封面）"}, code="no_thumb"
            )
        before = snapshot(post)
        post.status = PostStatus.PUBLISHING
        post.save(update_fields=["status", "updated_at"])
    try:
        api = client or client_for(account)
        media_id = api.draft_add([_article_for(post, thumb)])
        submitted = api.freepublish_submit(media_id)
    except WeChatAPIError as exc:
        with transaction.atomic():
            Post.objects.filter(pk=post.pk).update(status=PostStatus.APPROVED, publish_error=str(exc)[:300])
        raise RuleError(f"发布失败：{exc}", code="wechat_error") from None
    with transaction.atomic():
        post = _locked(post)
        post.channel = PublishChannel.API
        post.media_id = media_id
        post.publish_id = str(submitted.get("publish_id", ""))
        post.msg_data_id = str(submitted.get("msg_data_id", "") or "")
        post.publish_error = ""
        post.save(
            update_fields=["channel", "media_id", "publish_id", "msg_data_id", "publish_error", "updated_at"]
        )
        audit_record(actor=actor, action="mp.post.publish", obj=post, before=before, after=snapshot(post))
        from .. import tasks

        post_id = post.pk
        transaction.on_commit(lambda: tasks.post_poll_publish.apply_async((post_id,), countdown=30))
    return post


PUBLISH_FAILURES = {
    2: "原创声明失败",
    3: "发布失败",
    4: "平台审核不通过",
    5: "发布后已被删除",
    6: "发布后被系统封禁",
}


@transaction.atomic
def post_publish_result(
    *, account_id: int, publish_id: str, status: int, article_id: str = "", urls: list[str] | None = None
) -> Post | None:
    """WeChat's verdict on a publish job (event or poll): 0 → 已发布; 1 → still going; else back to 已通过."""
    post = (
        Post.objects.select_for_update()
        .select_related("account__org")
        .filter(account_id=account_id, publish_id=publish_id)
        .first()
    )
    if post is None or status == 1:
        return post
    if status == 0:
        if post.status == PostStatus.PUBLISHED:
            return post
        return _transition(
            actor=SYSTEM,
            post=post,
            action="mp.post.published",
            fields={
                "status": PostStatus.PUBLISHED,
                "article_id": article_id,
                "url": (urls or [""])[0][:500],
                "published_at": timezone.now(),
                "publish_error": "",
            },
        )
    if post.status != PostStatus.PUBLISHING:
        return post
    return _transition(
        actor=SYSTEM,
        post=post,
        action="mp.post.publish_failed",
        fields={
            "status": PostStatus.APPROVED,
            "publish_error": PUBLISH_FAILURES.get(status, f"发布失败（{status}）"),
        },
    )


def publish_info_from_event(info: dict[str, Any]) -> tuple[str, int, str, list[str]]:
    """(publish_id, status, article_id, urls) from a PUBLISHJOBFINISH event's ``PublishEventInfo``."""
    detail = info.get("article_detail") or {}
    items = detail.get("item") if isinstance(detail, dict) else None
    if isinstance(items, dict):
        items = [items]
    urls = [str(i.get("article_url", "")) for i in items or [] if isinstance(i, dict)]
    return (
        str(info.get("publish_id", "")),
        int(info.get("publish_status", 3) or 0),
        str(info.get("article_id", "") or ""),
        urls,
    )


def posts_publish_due(*, now: datetime.datetime | None = None) -> int:
    """Publish approved posts whose scheduled time has come, on accounts with API rights (beat job)."""
    now = now or timezone.now()
    due = Post.objects.filter(
        status=PostStatus.APPROVED,
        scheduled_at__lte=now,
        account__api_enabled=True,
        account__is_active=True,
        publish_error="",
    ).select_related("account__org")
    count = 0
    for post in due:
        try:
            post_publish(actor=SYSTEM, post=post)
            count += 1
        except RuleError as exc:
            logger.warning("mp: scheduled post %s not published: %s", post.pk, exc.messages)
    return count
