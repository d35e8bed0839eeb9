"""Parametric QR codes (one recruitment scene per org and cadre) and their posters: generated in a
background job, renewed before the temporary ones expire (system writes)."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from qingnong.core.errors import RuleError
from qingnong.core.permissions import Action
from qingnong.core.services import require_org_scope, save_audited
from qingnong.orgs.choices import OrgStatus
from qingnong.orgs.models import Cadre, Org

from .. import conf
from ..choices import JobKind, JobStatus, QrKind
from ..client import MpClient, WeChatAPIError, client_for
from ..models import MpJob, OfficialAccount, QrCode
from ..posters import poster_relative_path, render_poster, write_poster

logger = logging.getLogger(__name__)


def scene_for(*, org: Org | None = None, cadre: Cadre | None = None) -> str:
    if org is not None:
        return f"o{org.pk}"
    assert cadre is not None
    return f"c{cadre.pk}"


def _poster_for(code: QrCode) -> str:
    account = code.account
    if code.org_id:
        assert code.org is not None
        target = code.org.league_name
    elif code.cadre is not None:
        target = f"{code.cadre.org.name} · {code.cadre.name}"
    else:
        target = ""
    note = ""
    if code.kind == QrKind.TEMPORARY and code.expires_at:
        note = f"本码有效期至 {timezone.localtime(code.expires_at):%Y-%m-%d}"
    relative = poster_relative_path(account.pk, code.scene)
    write_poster(
        relative, render_poster(account_name=account.name, target_name=target, qr_content=code.url, note=note)
    )
    return relative


def qrcode_ensure(
    *, account: OfficialAccount, org: Org | None = None, cadre: Cadre | None = None, client: MpClient
) -> QrCode:
    """The recruitment code of an org or cadre, created through the API if missing (system write).

    Permanent while the account is under ``MP_PERMANENT_QR_LIMIT`` permanent codes; 30-day otherwise.
    """
    scene = scene_for(org=org, cadre=cadre)
    existing = (
        QrCode.objects.filter(account=account, scene=scene)
        .select_related("org", "cadre__org", "account")
        .first()
    )
    if existing is not None:
        return existing
    limit = int(conf.get("MP_PERMANENT_QR_LIMIT"))
    permanent = QrCode.objects.filter(account=account, kind=QrKind.PERMANENT).count() < limit
    data = client.qrcode_create(scene, permanent=permanent)
    code = QrCode(
        account=account,
        scene=scene,
        kind=QrKind.PERMANENT if permanent else QrKind.TEMPORARY,
        org=org,
        cadre=cadre,
        ticket=str(data.get("ticket", "")),
        url=str(data.get("url", "")),
    )
    if not permanent:
        code.expires_at = timezone.now() + datetime.timedelta(
            seconds=int(data.get("expire_seconds", 2592000))
        )
    try:
        with transaction.atomic():
            code.save()
    except IntegrityError:  # made meanwhile by another job
        return QrCode.objects.get(account=account, scene=scene)
    code.poster = _poster_for(code)
    code.save(update_fields=["poster"])
    return code


def qrcode_targets(account: OfficialAccount, root: Org) -> tuple[list[Org], list[Cadre]]:
    """Orgs and active cadres under ``root`` (inside the account's own subtree) without a code yet."""
    have = set(QrCode.objects.filter(account=account).values_list("scene", flat=True))
    orgs = [
        o
        for o in Org.objects.filter(root.subtree_q(), status=OrgStatus.ACTIVE).filter(account.org.subtree_q())
        if f"o{o.pk}" not in have
    ]
    cadres = [
        c
        for c in Cadre.objects.filter(is_active=True)
        .filter(root.subtree_q("org__path"))
        .filter(account.org.subtree_q("org__path"))
        .select_related("org")
        if f"c{c.pk}" not in have
    ]
    return orgs, cadres


@transaction.atomic
def qrcodes_job_create(*, actor: Any, account: OfficialAccount, root: Org) -> MpJob:
    """Queue the generation of codes and posters for every org and cadre under ``root``."""
    require_org_scope(actor, Action.PUBLISH, account.org)
    require_org_scope(actor, Action.VIEW, root)
    if not root.path.startswith(account.org.path):
        raise RuleError(
            {"root": f"“{root.name}”不在“{account.name}”所属组织的范围内"}, code="outside_account"
        )
    if not account.api_enabled or account.is_external:
        raise RuleError(f"“{account.name}”没有接口权限，不能生成参数二维码", code="no_api")
    job = MpJob(
        account=account,
        kind=JobKind.QRCODES,
        params={"root": root.pk},
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    job = save_audited(actor=actor, obj=job, action="mp.qrcode.generate", before=None)
    from .. import tasks

    transaction.on_commit(lambda: tasks.qrcodes_generate.delay(job.pk))
    return job


def qrcodes_run_job(job: MpJob, *, client: MpClient | None = None) -> MpJob:
    """Run a queued code-generation job, recording progress as it goes (system write)."""
    account = job.account
    root = Org.objects.get(pk=job.params["root"])
    orgs, cadres = qrcode_targets(account, root)
    MpJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, total=len(orgs) + len(cadres), done=0)
    done = 0
    try:
        client = client or client_for(account)
        for org in orgs:
            qrcode_ensure(account=account, org=org, client=client)
            done += 1
            if done % 20 == 0:
                MpJob.objects.filter(pk=job.pk).update(done=done)
        for cadre in cadres:
            qrcode_ensure(account=account, cadre=cadre, client=client)
            done += 1
            if done % 20 == 0:
                MpJob.objects.filter(pk=job.pk).update(done=done)
    except WeChatAPIError as exc:
        MpJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, done=done, message=str(exc)[:300], finished_at=timezone.now()
        )
        raise
    MpJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, done=done, message=f"新生成 {done} 个二维码", finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def qrcodes_renew_due(*, within_days: int = 3, client_factory: Any = client_for) -> int:
    """Renew temporary codes that expire within ``within_days`` (same scene, new ticket and poster).

    One client per account, made when its account's first code comes up (``dict.setdefault`` would build
    one per code: its default is evaluated before the lookup, decrypting the secret and opening a session
    each time)."""
    soon = timezone.now() + datetime.timedelta(days=within_days)
    due = (
        QrCode.objects.filter(
            kind=QrKind.TEMPORARY, expires_at__lt=soon, account__api_enabled=True, account__is_active=True
        )
        .select_related("account", "org", "cadre__org")
        .order_by("account_id")
    )
    renewed = 0
    clients: dict[int, MpClient] = {}
    for code in due:
        try:
            client = clients.get(code.account_id)
            if client is None:
                client = clients[code.account_id] = client_factory(code.account)
            data = client.qrcode_create(code.scene, permanent=False)
        except WeChatAPIError as exc:
            logger.warning("mp: renewing code %s failed: %s", code.pk, exc)
            continue
        code.ticket = str(data.get("ticket", ""))
        code.url = str(data.get("url", ""))
        code.expires_at = timezone.now() + datetime.timedelta(
            seconds=int(data.get("expire_seconds", 2592000))
        )
        code.renewed_at = timezone.now()
        code.poster = _poster_for(code)
        code.save(update_fields=["ticket", "url", "expires_at", "renewed_at", "poster"])
        renewed += 1
    return renewed


def poster_ensure(code: QrCode) -> str:
    """The poster file of a code (drawn now if it is missing, e.g. after moving the media folder)."""
    from pathlib import Path

    if code.poster and (Path(settings.MEDIA_ROOT) / code.poster).exists():
        return code.poster
    code.poster = _poster_for(code)
    QrCode.objects.filter(pk=code.pk).update(poster=code.poster)
    return code.poster
