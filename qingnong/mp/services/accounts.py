"""Accounts of the official-account app: registration, settings, secrets (encrypted, never echoed) and the
admin team (专职 / 兼职 管理员). Every change is scope-checked and audited, and tells the callback of every
process to reload the account (``runtime.invalidate_runtime``)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from django.db import transaction

from qingnong.core.audit import audit_record, snapshot
from qingnong.core.errors import RuleError
from qingnong.core.permissions import Action
from qingnong.core.services import apply_fields, require_org_scope, save_audited
from qingnong.orgs.choices import LEVEL_RANK, PREFECTURE_AND_ABOVE, OrgLevel, OrgStatus
from qingnong.orgs.models import Cadre, Org

from ..choices import AccountKind, AdminKind, MessageMode
from ..crypto import encrypt
from ..models import AccountAdmin, OfficialAccount
from ..runtime import invalidate_runtime

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
    from ..notify import parse_template_keys

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
