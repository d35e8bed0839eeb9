"""Every write of the official-account app.

People's changes (accounts, secrets, admin teams, rules, menus, posts, follow confirmations) are atomic,
validated, scope-checked and audited. Machine records that WeChat itself produces — follower events,
read statistics — are written by the system without an audit entry per row: the rows carry their own
times, and auditing every subscribe would swamp the trail.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import logging
import re
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from qingnong.core.audit import audit_record, snapshot
from qingnong.core.errors import RuleError
from qingnong.core.permissions import Action
from qingnong.core.services import apply_fields, require_org_scope, save_audited
from qingnong.core.system import SYSTEM
from qingnong.orgs.choices import LEVEL_RANK, PREFECTURE_AND_ABOVE, OrgLevel, OrgStatus
from qingnong.orgs.models import Cadre, Org

from . import conf
from .callback import invalidate_runtime
from .choices import (
    AccountKind,
    AdminKind,
    FollowMethod,
    JobKind,
    JobStatus,
    MatchType,
    MessageMode,
    PostCategory,
    PostStatus,
    PublishChannel,
    QrKind,
    ReplyType,
    RuleKind,
)
from .client import MpClient, WeChatAPIError, client_for
from .crypto import encrypt
from .matching import validate_regex
from .models import (
    AccountAdmin,
    AccountDailyStat,
    CadreFollow,
    Follower,
    Menu,
    MpJob,
    OfficialAccount,
    Post,
    PostStat,
    QrCode,
    ReplyRule,
)
from .posters import poster_relative_path, render_poster, write_poster

logger = logging.getLogger(__name__)

COUNTY_RANK = LEVEL_RANK[OrgLevel.COUNTY]
APP_ID = re.compile(r"^wx[0-9a-f]{16}$")
ORIGINAL_ID = re.compile(r"^gh_[0-9a-f]{12}$")
TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
APP_SECRET = re.compile(r"^[0-9a-f]{32}$")
TOKEN = re.compile(r"^[A-Za-z0-9]{3,32}$")
AES_KEY = re.compile(r"^[A-Za-z0-9+/]{43}$")
SECRET_NAMES = {"app_secret": "AppSecret", "token": "Token", "encoding_aes_key": "EncodingAESKey"}
ACCOUNT_FIELDS = (
    "name",
    "kind",
    "original_id",
    "app_id",
    "message_mode",
    "api_enabled",
    "is_external",
    "recommended",
    "posts_per_week",
    "default_thumb_media_id",
    "reminder_template_id",
    "reminder_template_keys",
    "is_active",
)
BIND_QR_SECONDS = 600
MAX_TEXT_REPLY = 600
MAX_ARTICLES = 8


# --- accounts -------------------------------------------------------------------------------


def naming_warning(account: OfficialAccount) -> str:
    """R5 (notice 二.4): at city level and above the account is named "青农" + the org's short name."""
    org = account.org
    if account.is_external or org.level not in PREFECTURE_AND_ABOVE:
        return ""
    expected = f"青农{org.short_name or org.name}"
    if account.name.strip() == expected:
        return ""
    return f"（R5）{org.get_level_display()}公众号应命名为“{expected}”，当前为“{account.name}”"


def _check_reminder_template(account: OfficialAccount) -> dict[str, str]:
    from .notify import parse_template_keys

    errors: dict[str, str] = {}
    template_id = account.reminder_template_id = account.reminder_template_id.strip()
    if template_id and not TEMPLATE_ID.match(template_id):
        errors["reminder_template_id"] = "模板ID应为 20 到 64 位英文字母、数字、- 或 _，请从公众号后台复制"
    try:
        keys = parse_template_keys(account.reminder_template_keys)
    except ValueError as exc:
        errors["reminder_template_keys"] = str(exc)
    else:
        account.reminder_template_keys = ",".join(keys)
        if template_id and not keys:
            errors["reminder_template_keys"] = "填写了提醒模板ID，还须填写模板的字段名"
    if template_id and (account.is_external or not account.api_enabled):
        errors["reminder_template_id"] = "只有由本平台托管且具备接口权限的公众号才能发送模板消息"
    return errors


def _check_account(account: OfficialAccount) -> None:
    errors: dict[str, str] = {}
    org = account.org
    if LEVEL_RANK[org.level] > COUNTY_RANK:
        errors["org"] = (
            f"（二.4）公众号只能由县级及以上团组织开设，“{org.name}”是{org.get_level_display()}组织"
        )
    if org.status != OrgStatus.ACTIVE:
        errors["org"] = f"组织“{org.name}”已撤销或合并"
    if account.original_id and not ORIGINAL_ID.match(account.original_id):
        errors["original_id"] = "原始ID应为 gh_ 加 12 位十六进制字符，如 gh_0123456789ab"
    if account.app_id:
        if not APP_ID.match(account.app_id):
            errors["app_id"] = "AppID 应为 wx 加 16 位十六进制字符，如 wx0123456789abcdef"
        elif OfficialAccount.objects.filter(app_id=account.app_id).exclude(pk=account.pk).exists():
            errors["app_id"] = f"AppID {account.app_id} 已登记在另一个公众号"
    if account.posts_per_week < 1 or account.posts_per_week > 50:
        errors["posts_per_week"] = "每周发布目标应在 1 到 50 篇之间"
    errors.update(_check_reminder_template(account))
    if not account.is_external:
        if account.message_mode != MessageMode.PLAIN and not account.has_aes_key:
            errors.setdefault("message_mode", "兼容模式和安全模式需要先填写 EncodingAESKey")
        if account.api_enabled and not (account.app_id and account.has_secret):
            errors.setdefault("api_enabled", "具备接口权限的公众号须填写 AppID 和 AppSecret")
    elif account.api_enabled:
        errors["api_enabled"] = "外部公众号不由本平台调用接口"
    if errors:
        raise RuleError(errors, code="invalid_account")


def _clean_secrets(secrets_in: dict[str, str | None]) -> dict[str, str]:
    """The secrets given (``None`` or '' = keep), checked for shape; never echoed in the message."""
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, value in secrets_in.items():
        if value is None or str(value).strip() == "":
            continue
        value = str(value).strip()
        if name == "app_secret" and not APP_SECRET.match(value):
            errors[name] = "AppSecret 应为 32 位十六进制字符"
        elif name == "token" and not TOKEN.match(value):
            errors[name] = "Token 应为 3 到 32 位英文字母或数字"
        elif name == "encoding_aes_key":
            ok = bool(AES_KEY.match(value))
            if ok:
                try:
                    ok = len(base64.b64decode(value + "=")) == 32
                except (binascii.Error, ValueError):
                    ok = False
            if not ok:
                errors[name] = "EncodingAESKey 应为 43 位英文字母或数字"
        cleaned[name] = value
    if errors:
        raise RuleError(errors, code="invalid_secret")
    return cleaned


def _store_secrets(account: OfficialAccount, cleaned: dict[str, str]) -> list[str]:
    changed = []
    for name, value in cleaned.items():
        setattr(account, f"{name}_encrypted", encrypt(value))
        changed.append(f"{name}_encrypted")
    return changed


@transaction.atomic
def account_create(
    *,
    actor: Any,
    org: Org,
    name: str,
    kind: str = AccountKind.SUBSCRIPTION,
    app_secret: str | None = None,
    token: str | None = None,
    encoding_aes_key: str | None = None,
    **fields: Any,
) -> OfficialAccount:
    """Register an account of ``org``. Secrets are encrypted; the audit entry says only which were set."""
    require_org_scope(actor, Action.CONFIGURE, org)
    unknown = set(fields) - set(ACCOUNT_FIELDS) - {"is_demo"}
    if unknown:
        raise TypeError(f"unknown account fields: {sorted(unknown)}")
    fields.setdefault("app_id", None)
    fields["app_id"] = (fields["app_id"] or "").strip() or None
    account = OfficialAccount(org=org, name=str(name).strip(), kind=kind, **fields)
    cleaned = _clean_secrets({"app_secret": app_secret, "token": token, "encoding_aes_key": encoding_aes_key})
    _store_secrets(account, cleaned)
    _check_account(account)
    account.naming_warning = naming_warning(account)
    account.full_clean(exclude=["app_id"])
    account.save()
    audit_record(
        actor=actor,
        action="mp.account.create",
        obj=account,
        before=None,
        after={**(snapshot(account) or {}), "secrets_set": sorted(SECRET_NAMES[n] for n in cleaned)},
    )
    transaction.on_commit(lambda: invalidate_runtime(account.callback_key))
    return account


@transaction.atomic
def account_update(*, actor: Any, account: OfficialAccount, data: dict[str, Any]) -> OfficialAccount:
    require_org_scope(actor, Action.CONFIGURE, account.org)
    account = OfficialAccount.objects.select_for_update().select_related("org").get(pk=account.pk)
    before = snapshot(account)
    data = dict(data)
    if "app_id" in data:
        data["app_id"] = (data["app_id"] or "").strip() or None
    if "name" in data:
        data["name"] = str(data["name"]).strip()
    changed = apply_fields(account, data, ACCOUNT_FIELDS)
    _check_account(account)
    warning = naming_warning(account)
    if warning != account.naming_warning:
        account.naming_warning = warning
        changed.append("naming_warning")
    result = save_audited(
        actor=actor,
        obj=account,
        action="mp.account.update",
        before=before,
        update_fields=changed,
        exclude_clean=["app_id"],
    )
    transaction.on_commit(lambda: invalidate_runtime(account.callback_key))
    return result


@transaction.atomic
def account_set_secrets(
    *,
    actor: Any,
    account: OfficialAccount,
    app_secret: str | None = None,
    token: str | None = None,
    encoding_aes_key: str | None = None,
) -> OfficialAccount:
    """Replace the secrets given (blank = keep). The audit entry names them, never their values."""
    require_org_scope(actor, Action.CONFIGURE, account.org)
    account = OfficialAccount.objects.select_for_update().select_related("org").get(pk=account.pk)
    cleaned = _clean_secrets({"app_secret": app_secret, "token": token, "encoding_aes_key": encoding_aes_key})
    if not cleaned:
        raise RuleError("没有填写要更换的密钥", code="no_secret")
    changed = _store_secrets(account, cleaned)
    _check_account(account)
    account.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action="mp.account.secrets",
        obj=account,
        before=None,
        after={"secrets_changed": sorted(SECRET_NAMES[n] for n in cleaned)},
    )
    transaction.on_commit(lambda: invalidate_runtime(account.callback_key))
    return account


@transaction.atomic
def admin_add(
    *, actor: Any, account: OfficialAccount, cadre: Cadre, kind: str = AdminKind.PART_TIME
) -> AccountAdmin:
    """Put a cadre on the account's admin team (专职 / 兼职 管理员)."""
    require_org_scope(actor, Action.CONFIGURE, account.org)
    require_org_scope(actor, Action.VIEW, cadre.org)
    if not cadre.is_active:
        raise RuleError({"cadre": f"“{cadre.name}”已离任，不能加入管理团队"}, code="inactive_cadre")
    if AccountAdmin.objects.filter(account=account, cadre=cadre).exists():
        raise RuleError({"cadre": f"“{cadre.name}”已在“{account.name}”的管理团队中"}, code="duplicate_admin")
    admin = AccountAdmin(account=account, cadre=cadre, kind=kind)
    return save_audited(actor=actor, obj=admin, action="mp.admin.add", before=None)


@transaction.atomic
def admin_remove(*, actor: Any, admin: AccountAdmin) -> None:
    require_org_scope(actor, Action.CONFIGURE, admin.account.org)
    audit_record(actor=actor, action="mp.admin.remove", obj=admin, before=snapshot(admin), after=None)
    admin.delete()


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


# --- parametric QR codes and posters --------------------------------------------------------


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
    from . import tasks

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
    """Renew temporary codes that expire within ``within_days`` (same scene, new ticket and poster)."""
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
            client = clients.setdefault(code.account_id, client_factory(code.account))
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


# --- automatic replies ----------------------------------------------------------------------

RULE_FIELDS = (
    "kind",
    "name",
    "match_type",
    "keywords",
    "event_key",
    "priority",
    "reply_type",
    "reply_text",
    "articles",
    "is_active",
)


def _http_url(value: str) -> bool:
    parts = urlsplit(value or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _check_rule(rule: ReplyRule) -> None:
    errors: dict[str, str] = {}
    if rule.kind == RuleKind.KEYWORD:
        if rule.match_type == MatchType.REGEX:
            try:
                validate_regex(rule.keywords)
            except Exception as exc:
                errors["keywords"] = "；".join(getattr(exc, "messages", [str(exc)]))
        elif not rule.keyword_list():
            errors["keywords"] = "请至少填写一个关键词"
        elif any(len(k) > 30 for k in rule.keyword_list()):
            errors["keywords"] = "每个关键词最多 30 个字"
    if rule.kind == RuleKind.CLICK and not rule.event_key.strip():
        errors["event_key"] = "菜单点击回复须填写菜单 key"
    if rule.reply_type == ReplyType.TEXT:
        if not rule.reply_text.strip():
            errors["reply_text"] = "请填写回复文字"
        elif len(rule.reply_text) > MAX_TEXT_REPLY:
            errors["reply_text"] = f"回复文字最多 {MAX_TEXT_REPLY} 字"
    else:
        articles = rule.articles if isinstance(rule.articles, list) else []
        if not articles:
            errors["articles"] = "图文回复至少需要一篇图文"
        elif len(articles) > MAX_ARTICLES:
            errors["articles"] = f"图文回复最多 {MAX_ARTICLES} 篇"
        else:
            for i, article in enumerate(articles, start=1):
                if not isinstance(article, dict) or not str(article.get("title", "")).strip():
                    errors["articles"] = f"第 {i} 篇图文缺少标题"
                    break
                if not _http_url(str(article.get("url", ""))):
                    errors["articles"] = f"第 {i} 篇图文的链接不是 http(s) 网址"
                    break
                if article.get("image") and not _http_url(str(article["image"])):
                    errors["articles"] = f"第 {i} 篇图文的图片地址不是 http(s) 网址"
                    break
    if errors:
        raise RuleError(errors, code="invalid_rule")


def _rule_data(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    for key in ("name", "keywords", "event_key", "reply_text"):
        if key in data and data[key] is not None:
            data[key] = str(data[key]).strip()
    return data


@transaction.atomic
def rule_create(*, actor: Any, account: OfficialAccount, **data: Any) -> ReplyRule:
    """Add an automatic reply; the callback of every process picks it up within ``MP_RUNTIME_TTL``."""
    require_org_scope(actor, Action.PUBLISH, account.org)
    data = _rule_data(data)
    unknown = set(data) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown rule fields: {sorted(unknown)}")
    rule = ReplyRule(account=account, **data)
    _check_rule(rule)
    rule = save_audited(actor=actor, obj=rule, action="mp.rule.create", before=None)
    transaction.on_commit(lambda: invalidate_runtime(account.callback_key))
    return rule


@transaction.atomic
def rule_update(*, actor: Any, rule: ReplyRule, data: dict[str, Any]) -> ReplyRule:
    require_org_scope(actor, Action.PUBLISH, rule.account.org)
    before = snapshot(rule)
    changed = apply_fields(rule, _rule_data(data), RULE_FIELDS)
    _check_rule(rule)
    rule = save_audited(actor=actor, obj=rule, action="mp.rule.update", before=before, update_fields=changed)
    key = rule.account.callback_key
    transaction.on_commit(lambda: invalidate_runtime(key))
    return rule


@transaction.atomic
def rule_delete(*, actor: Any, rule: ReplyRule) -> None:
    require_org_scope(actor, Action.PUBLISH, rule.account.org)
    key = rule.account.callback_key
    audit_record(actor=actor, action="mp.rule.delete", obj=rule, before=snapshot(rule), after=None)
    rule.delete()
    transaction.on_commit(lambda: invalidate_runtime(key))


# --- menu -----------------------------------------------------------------------------------

MENU_TOP = 3
MENU_SUB = 5


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def clean_menu(buttons: Any) -> list[dict[str, Any]]:
    """Check a menu against WeChat's limits and return it in the API's shape.

    Top buttons: at most 3, name ≤ 16 bytes (4 汉字); items: at most 5 each, name ≤ 60 bytes; a button
    without items is itself a click (key ≤ 128 bytes) or view (http(s) URL ≤ 1024 bytes).
    """
    errors: list[str] = []
    if not isinstance(buttons, list) or not buttons:
        raise RuleError({"buttons": "菜单至少需要一个按钮"}, code="invalid_menu")
    if len(buttons) > MENU_TOP:
        raise RuleError({"buttons": f"一级菜单最多 {MENU_TOP} 个"}, code="invalid_menu")

    def leaf(item: dict[str, Any], where: str, name_limit: int) -> dict[str, Any]:
        name = str(item.get("name", "")).strip()
        kind = str(item.get("type", "")).strip()
        out: dict[str, Any] = {"name": name, "type": kind}
        if not name:
            errors.append(f"{where}缺少名称")
        elif _utf8_len(name) > name_limit:
            errors.append(f"{where}“{name}”名称过长（最多 {name_limit // 4} 个汉字）")
        if kind == "click":
            key = str(item.get("key", "")).strip()
            if not key or _utf8_len(key) > 128:
                errors.append(f"{where}“{name}”的 key 须填写且不超过 128 字节")
            out["key"] = key
        elif kind == "view":
            url = str(item.get("url", "")).strip()
            if not _http_url(url) or _utf8_len(url) > 1024:
                errors.append(f"{where}“{name}”的链接须为 http(s) 网址（不超过 1024 字节）")
            out["url"] = url
        else:
            errors.append(f"{where}“{name}”的类型须为点击（click）或链接（view）")
        return out

    result = []
    for i, button in enumerate(buttons, start=1):
        where = f"第 {i} 个一级菜单"
        if not isinstance(button, dict):
            errors.append(f"{where}格式有误")
            continue
        subs = [
            s
            for s in button.get("sub_button") or []
            if isinstance(s, dict) and str(s.get("name", "")).strip()
        ]
        if subs:
            name = str(button.get("name", "")).strip()
            if not name:
                errors.append(f"{where}缺少名称")
            elif _utf8_len(name) > 16:
                errors.append(f"{where}“{name}”名称过长（最多 4 个汉字）")
            if len(subs) > MENU_SUB:
                errors.append(f"{where}“{name}”的子菜单最多 {MENU_SUB} 个")
            result.append(
                {
                    "name": name,
                    "sub_button": [leaf(s, f"{where}的第 {j} 个子菜单", 60) for j, s in enumerate(subs, 1)],
                }
            )
        else:
            result.append(leaf(button, where, 16))
    if errors:
        raise RuleError({"buttons": "；".join(errors)}, code="invalid_menu")
    return result


@transaction.atomic
def menu_save(*, actor: Any, account: OfficialAccount, buttons: Any) -> Menu:
    require_org_scope(actor, Action.PUBLISH, account.org)
    cleaned = clean_menu(buttons)
    menu = Menu.objects.select_for_update().filter(account=account).first()
    before = snapshot(menu)
    if menu is None:
        menu = Menu(account=account)
    menu.buttons = cleaned
    menu.updated_at = timezone.now()
    return save_audited(actor=actor, obj=menu, action="mp.menu.save", before=before)


def menu_push(*, actor: Any, account: OfficialAccount, client: MpClient | None = None) -> Menu:
    """Push the saved menu to WeChat (``menu/create``); a refusal is recorded and shown in Chinese."""
    require_org_scope(actor, Action.PUBLISH, account.org)
    menu = Menu.objects.filter(account=account).first()
    if menu is None or not menu.buttons:
        raise RuleError("请先保存菜单", code="no_menu")
    if not account.api_enabled or account.is_external:
        raise RuleError(f"“{account.name}”没有接口权限，请在公众平台后台手工设置菜单", code="no_api")
    try:
        (client or client_for(account)).menu_create(menu.buttons)
    except WeChatAPIError as exc:
        with transaction.atomic():
            Menu.objects.filter(pk=menu.pk).update(push_error=str(exc)[:300])
        raise RuleError(f"菜单推送失败：{exc}", code="wechat_error") from None
    with transaction.atomic():
        before = snapshot(menu)
        menu.pushed_at = timezone.now()
        menu.push_error = ""
        menu.save(update_fields=["pushed_at", "push_error"])
        audit_record(actor=actor, action="mp.menu.push", obj=menu, before=before, after=snapshot(menu))
    return menu


# --- posts ----------------------------------------------------------------------------------

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
        from . import tasks

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


# --- statistics (machine records from datacube) ---------------------------------------------


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


__all__ = [
    "account_create",
    "account_set_secrets",
    "account_update",
    "admin_add",
    "admin_remove",
    "bind_code_create",
    "follow_bind_by_scan",
    "follow_confirm",
    "follow_withdraw",
    "follower_event",
    "menu_push",
    "menu_save",
    "naming_warning",
    "post_approve",
    "post_create",
    "post_delete",
    "post_publish",
    "post_publish_result",
    "post_record_external",
    "post_return",
    "post_submit",
    "post_update",
    "qrcode_ensure",
    "qrcodes_job_create",
    "rule_create",
    "rule_delete",
    "rule_update",
    "stats_sync",
]
