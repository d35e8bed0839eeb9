"""Read statistics (machine records from datacube): one day of figures per post and per account, loaded by
the nightly job without an audit entry per row."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from ..choices import PostStatus
from ..client import MpClient, WeChatAPIError, client_for
from ..models import AccountDailyStat, OfficialAccount, Post, PostStat

logger = logging.getLogger(__name__)


def stats_sync(*, account: OfficialAccount, day: datetime.date, client: MpClient | None = None) -> int:
    """Load one day of datacube figures: per post (``getarticlesummary``, matched by msg_data_id, else by
    title) and for the account (``getuserread``). Returns how many post-days were stored."""
    api = client or client_for(account)
    articles = api.article_summary(day)
    reads = api.user_read(day)
    stored = 0
    with transaction.atomic():
        posts = list(Post.objects.filter(account=account, status=PostStatus.PUBLISHED))
        by_msg = {p.msg_data_id: p for p in posts if p.msg_data_id}
        by_title: dict[str, Post] = {}
        for p in sorted(posts, key=lambda p: p.published_at or p.created_at):
            by_title.setdefault(p.title, p)
        touched: set[int] = set()
        for row in articles:
            msgid = str(row.get("msgid", ""))
            post = by_msg.get(msgid.split("_")[0]) or by_title.get(str(row.get("title", "")))
            if post is None:
                continue
            PostStat.objects.update_or_create(
                post=post,
                ref_date=day,
                defaults={
                    "msgid": msgid,
                    "read_user": int(row.get("int_page_read_user", 0) or 0),
                    "read_count": int(row.get("int_page_read_count", 0) or 0),
                    "share_user": int(row.get("share_user", 0) or 0),
                    "share_count": int(row.get("share_count", 0) or 0),
                },
            )
            touched.add(post.pk)
            stored += 1
        totals = (
            PostStat.objects.filter(post_id__in=touched)
            .values("post_id")
            .annotate(r=Sum("read_count"), s=Sum("share_count"))
        )
        now = timezone.now()
        for row in totals:
            Post.objects.filter(pk=row["post_id"]).update(
                read_count=row["r"] or 0, share_count=row["s"] or 0, stats_synced_at=now
            )
        if reads:
            keys = ("int_page_read_user", "int_page_read_count", "share_user", "share_count")
            sums = {k: sum(int(r.get(k, 0) or 0) for r in reads) for k in keys}
            AccountDailyStat.objects.update_or_create(
                account=account,
                ref_date=day,
                defaults={
                    "read_user": sums["int_page_read_user"],
                    "read_count": sums["int_page_read_count"],
                    "share_user": sums["share_user"],
                    "share_count": sums["share_count"],
                },
            )
    return stored


def stats_sync_all(*, day: datetime.date | None = None, client_factory: Any = client_for) -> dict[int, str]:
    """The nightly job: yesterday's figures for every active account with API rights."""
    day = day or timezone.localdate() - datetime.timedelta(days=1)
    results: dict[int, str] = {}
    for account in OfficialAccount.objects.filter(
        api_enabled=True, is_active=True, is_external=False
    ).exclude(Q(app_id__isnull=True) | Q(app_secret_encrypted="")):
        try:
            n = stats_sync(account=account, day=day, client=client_factory(account))
            results[account.pk] = f"ok {n}"
        except WeChatAPIError as exc:
            results[account.pk] = str(exc)
            logger.warning("mp: stats sync of account %s failed: %s", account.pk, exc)
    return results
