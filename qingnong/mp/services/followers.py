"""Followers and cadres' follows (R8).

Follower records are machine records that WeChat produces (subscribe / unsubscribe / scan events), written
by the system without an audit entry per row: the rows carry their own times, and auditing every subscribe
would swamp the trail. A cadre's follow of a recommended account — bound by scanning a one-time bind code,
or confirmed by the cadre for an external account — is audited.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from qingnong.core.audit import audit_record, snapshot
from qingnong.core.errors import RuleError
from qingnong.core.system import SYSTEM
from qingnong.orgs.models import Cadre

from ..choices import FollowMethod, QrKind
from ..client import MpClient, WeChatAPIError, client_for
from ..models import CadreFollow, Follower, OfficialAccount, QrCode

BIND_QR_SECONDS = 600


# --- followers (machine records from WeChat) ------------------------------------------------


def _scene_target(account_id: int, scene: str) -> tuple[int | None, int | None]:
    """The (org_id, cadre_id) a recruitment scene attributes to; a cadre also counts for their org."""
    if not scene or scene[0] not in "oc":
        return None, None
    code = (
        QrCode.objects.filter(account_id=account_id, scene=scene)
        .exclude(kind=QrKind.BIND)
        .values_list("org_id", "cadre_id", "cadre__org_id")
        .first()
    )
    if code is None:
        return None, None
    org_id, cadre_id, cadre_org_id = code
    return (org_id or cadre_org_id), cadre_id


@transaction.atomic
def follower_event(
    *, account_id: int, event: str, openid: str, scene: str = "", at: datetime.datetime | None = None
) -> Follower | None:
    """Apply a subscribe / unsubscribe / scan event to the account's follower record.

    First-touch attribution: the org (and cadre) of the first scene a follower subscribed through stays.
    """
    at = at or timezone.now()
    if not openid:
        return None
    follower = Follower.objects.select_for_update().filter(account_id=account_id, openid=openid).first()
    if event == "unsubscribe":
        if follower is not None and follower.subscribed:
            follower.subscribed = False
            follower.unsubscribed_at = at
            follower.save(update_fields=["subscribed", "unsubscribed_at", "updated_at"])
        CadreFollow.objects.filter(account_id=account_id, openid=openid, active=True).update(
            active=False, ended_at=at
        )
        return follower
    recruit_scene = scene if scene[:1] in ("o", "c") else ""
    if follower is None:
        org_id, cadre_id = _scene_target(account_id, recruit_scene)
        follower = Follower(
            account_id=account_id,
            openid=openid,
            subscribed=True,
            first_subscribed_at=at,
            subscribed_at=at,
            scene=recruit_scene if org_id else "",
            last_scene=scene,
            org_id=org_id,
            cadre_id=cadre_id,
        )
        try:
            with transaction.atomic():
                follower.save()
        except IntegrityError:  # the same openid arrived in two workers at once
            follower = Follower.objects.select_for_update().get(account_id=account_id, openid=openid)
        else:
            return follower
    fields = ["last_scene", "updated_at"]
    follower.last_scene = scene or follower.last_scene
    if event == "subscribe" and not follower.subscribed:
        follower.subscribed = True
        follower.subscribed_at = at
        follower.unsubscribed_at = None
        fields += ["subscribed", "subscribed_at", "unsubscribed_at"]
        CadreFollow.objects.filter(account_id=account_id, openid=openid, method=FollowMethod.BIND).update(
            active=True, ended_at=None
        )
    if follower.org_id is None and recruit_scene and event == "subscribe":
        org_id, cadre_id = _scene_target(account_id, recruit_scene)
        if org_id:
            follower.org_id, follower.cadre_id, follower.scene = org_id, cadre_id, recruit_scene
            fields += ["org", "cadre", "scene"]
    follower.save(update_fields=fields)
    return follower


# --- cadres following recommended accounts (R8) ---------------------------------------------


def follow_bind_by_scan(*, account_id: int, scene: str, openid: str) -> str | None:
    """A cadre scanned their one-time bind code: link their openid, record that they follow (R8).

    Returns the text to reply, or None when the scene is not a live bind code.
    """
    with transaction.atomic():
        code = (
            QrCode.objects.select_for_update(of=("self",))
            .select_related("cadre", "account", "cadre__org")
            .filter(account_id=account_id, scene=scene, kind=QrKind.BIND)
            .first()
        )
        now = timezone.now()
        if code is None or code.cadre is None:
            return None
        if code.used_at is not None or (code.expires_at and code.expires_at < now):
            return "该绑定码已使用或已过期，请在“我的关注”页面重新生成。"
        code.used_at = now
        code.save(update_fields=["used_at"])
        follow, _created = CadreFollow.objects.update_or_create(
            cadre=code.cadre,
            account_id=account_id,
            defaults={
                "method": FollowMethod.BIND,
                "openid": openid,
                "active": True,
                "confirmed_at": now,
                "ended_at": None,
            },
        )
        audit_record(actor=SYSTEM, action="mp.follow.bind", obj=follow, before=None, after=snapshot(follow))
        return f"绑定成功：{code.cadre.name}（{code.cadre.org.name}）已关注“{code.account.name}”。"


def _actor_cadre(actor: Any, cadre: Cadre) -> None:
    if getattr(actor, "cadre_id", None) != cadre.pk:
        raise RuleError("只能由团干部本人确认关注", code="not_self")


@transaction.atomic
def follow_confirm(*, actor: Any, cadre: Cadre, account: OfficialAccount) -> CadreFollow:
    """The cadre confirms on their phone that they follow an external recommended account ("我已关注")."""
    _actor_cadre(actor, cadre)
    if not account.recommended or not account.is_active:
        raise RuleError("该公众号不在推荐关注名单中", code="not_recommended")
    if not account.is_external:
        raise RuleError(
            f"“{account.name}”由本平台托管，请扫描本人的绑定二维码完成确认（R8）", code="bind_required"
        )
    existing = CadreFollow.objects.filter(cadre=cadre, account=account).first()
    before = snapshot(existing)
    follow, _ = CadreFollow.objects.update_or_create(
        cadre=cadre,
        account=account,
        defaults={
            "method": FollowMethod.CONFIRMED,
            "openid": "",
            "active": True,
            "confirmed_at": timezone.now(),
            "ended_at": None,
        },
    )
    audit_record(actor=actor, action="mp.follow.confirm", obj=follow, before=before, after=snapshot(follow))
    return follow


@transaction.atomic
def follow_withdraw(*, actor: Any, cadre: Cadre, account: OfficialAccount) -> CadreFollow | None:
    """The cadre says they no longer follow an external account."""
    _actor_cadre(actor, cadre)
    follow = CadreFollow.objects.filter(cadre=cadre, account=account, active=True).first()
    if follow is None:
        return None
    before = snapshot(follow)
    follow.active = False
    follow.ended_at = timezone.now()
    follow.save(update_fields=["active", "ended_at"])
    audit_record(actor=actor, action="mp.follow.withdraw", obj=follow, before=before, after=snapshot(follow))
    return follow


def bind_code_create(
    *, actor: Any, cadre: Cadre, account: OfficialAccount, client: MpClient | None = None
) -> QrCode:
    """A personal one-time bind code (temporary, 10 minutes) the cadre scans with their own WeChat."""
    _actor_cadre(actor, cadre)
    if (
        not (account.recommended or account.reminder_template_id)
        or account.is_external
        or not account.api_enabled
    ):
        raise RuleError(
            f"“{account.name}”不能生成绑定二维码（需为本平台托管、具备接口权限，且为推荐公众号或已设置提醒模板）",
            code="no_bind",
        )
    scene = "b" + secrets.token_urlsafe(16).replace("-", "x").replace("_", "y")
    try:
        data = (client or client_for(account)).qrcode_create(
            scene, permanent=False, expire_seconds=BIND_QR_SECONDS
        )
    except WeChatAPIError as exc:
        raise RuleError(str(exc), code="wechat_error") from None
    with transaction.atomic():
        code = QrCode.objects.create(
            account=account,
            scene=scene,
            kind=QrKind.BIND,
            cadre=cadre,
            ticket=str(data.get("ticket", "")),
            url=str(data.get("url", "")),
            expires_at=timezone.now()
            + datetime.timedelta(seconds=int(data.get("expire_seconds", BIND_QR_SECONDS))),
        )
        audit_record(actor=actor, action="mp.follow.bind_code", obj=code, before=None, after=snapshot(code))
    return code
