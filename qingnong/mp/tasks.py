"""Background jobs of the official-account app (Celery; eager without a broker)."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from celery import shared_task
from django.utils import timezone

from .client import QuotaExceeded, WeChatAPIError, client_for

logger = logging.getLogger(__name__)


def _at(create_time: str) -> datetime.datetime:
    try:
        return datetime.datetime.fromtimestamp(int(create_time), tz=datetime.UTC)
    except (TypeError, ValueError, OverflowError):
        return timezone.now()


@shared_task(ignore_result=True)
def follower_event(account_id: int, event: str, openid: str, scene: str, create_time: str) -> None:
    """A subscribe / unsubscribe / SCAN event from the callback: update the follower record."""
    from .services import follower_event as apply_event

    apply_event(account_id=account_id, event=event, openid=openid, scene=scene, at=_at(create_time))


@shared_task(ignore_result=True)
def publish_finished(account_id: int, info: dict[str, Any]) -> None:
    """WeChat's PUBLISHJOBFINISH event: the verdict on a freepublish job."""
    from .services import post_publish_result, publish_info_from_event

    publish_id, status, article_id, urls = publish_info_from_event(info)
    post_publish_result(
        account_id=account_id, publish_id=publish_id, status=status, article_id=article_id, urls=urls
    )


@shared_task(bind=True, ignore_result=True, max_retries=20)
def post_poll_publish(self: Any, post_id: int) -> None:
    """Ask ``freepublish/get`` how a publish job went (in case the event does not arrive)."""
    from .choices import PostStatus
    from .models import Post
    from .services import post_publish_result, publish_info_from_event

    post = Post.objects.select_related("account").filter(pk=post_id).first()
    if post is None or post.status != PostStatus.PUBLISHING or not post.publish_id:
        return
    try:
        data = client_for(post.account).freepublish_get(post.publish_id)
    except QuotaExceeded as exc:
        raise self.retry(countdown=exc.retry_after) from None
    except WeChatAPIError as exc:
        logger.warning("mp: polling publish of post %s failed: %s", post_id, exc)
        raise self.retry(countdown=120) from None
    _publish_id, status, article_id, urls = publish_info_from_event(data)
    post_publish_result(
        account_id=post.account_id,
        publish_id=post.publish_id,
        status=status,
        article_id=article_id,
        urls=urls,
    )
    if status == 1 and not self.request.is_eager:
        raise self.retry(countdown=60)


@shared_task(ignore_result=True)
def qrcodes_generate(job_id: int) -> None:
    from .models import MpJob
    from .services import qrcodes_run_job

    job = MpJob.objects.select_related("account__org").get(pk=job_id)
    try:
        qrcodes_run_job(job)
    except WeChatAPIError:
        logger.warning("mp: QR code job %s stopped on a WeChat error", job_id)


@shared_task(ignore_result=True)
def qrcodes_renew() -> int:
    from .services import qrcodes_renew_due

    return qrcodes_renew_due()


@shared_task(ignore_result=True)
def posts_publish_due() -> int:
    from .services import posts_publish_due as run

    return run()


@shared_task(ignore_result=True)
def stats_sync_nightly() -> dict[int, str]:
    from .services import stats_sync_all

    return stats_sync_all()


@shared_task(ignore_result=True)
def purge_shared_keys() -> int:
    from .store import purge_expired

    return purge_expired()


@shared_task(bind=True, ignore_result=True, max_retries=5)
def template_message_send(
    self: Any, account_id: int, openid: str, template_id: str, data: dict[str, Any], url: str
) -> None:
    """Send one template message (a notification on the cadre's WeChat); errors are logged, never raised
    to the notification that caused it. Quota and network errors are retried."""
    from .models import OfficialAccount

    account = OfficialAccount.objects.filter(pk=account_id, is_active=True).first()
    if account is None:
        return
    try:
        client_for(account).template_send(openid=openid, template_id=template_id, data=data, url=url)
    except QuotaExceeded as exc:
        if self.request.is_eager:
            logger.warning("mp: template message via account %s not sent: %s", account_id, exc)
            return
        raise self.retry(countdown=exc.retry_after) from None
    except WeChatAPIError as exc:
        if exc.errcode is None and not self.request.is_eager:
            raise self.retry(countdown=120) from None
        logger.warning("mp: template message via account %s not sent: %s", account_id, exc)
