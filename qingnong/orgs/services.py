"""Every write to the org tree, the cadre roster, positions, users and grants.

Each service is atomic, validates with ``full_clean``, checks that the result lies inside the
actor's scope and writes its audit entry in the same transaction.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from qingnong.core.audit import audit_record, snapshot
from qingnong.core.errors import RuleError
from qingnong.core.normalise import normalise_phone
from qingnong.core.permissions import Action, Role
from qingnong.core.scoping import forget_grants
from qingnong.core.services import apply_fields, require_org_scope, save_audited

from .choices import (
    LEVEL_RANK,
    SINGLE_HOLDER_TITLES,
    GrassrootsKind,
    OrgLevel,
    OrgStatus,
)
from .models import Cadre, Org, Position, ScopeGrant, User

ORG_FIELDS = ("name", "short_name", "level", "kind", "division_code", "contact_phone")
CADRE_FIELDS = ("org", "name", "gender", "birth_year", "phone", "wechat_id", "notes", "is_active")
POSITION_FIELDS = (
    "title",
    "title_text",
    "is_leadership",
    "is_committee",
    "is_full_time",
    "start_date",
    "end_date",
)


# --- orgs -----------------------------------------------------------------------------------


# --- rule helpers shared with bulk imports (qingnong/orgs/sheets.py) --------------------------------
# Pure functions: the single-object services below and the batch import apply the same rules with the
# same messages; only how the facts are fetched differs (one query here, one per batch there).


def org_shape_errors(
    *, level: str, kind: str, parent_level: str | None, parent_name: str = ""
) -> dict[str, str]:
    """Level order under the parent and the grassroots kind rule, by field."""
    errors: dict[str, str] = {}
    if parent_level is not None and LEVEL_RANK[level] <= LEVEL_RANK[parent_level]:
        errors["level"] = (
            f"层级不符：{OrgLevel(level).label}组织不能设在{OrgLevel(parent_level).label}组织“{parent_name}”之下"
        )
    if parent_level == OrgLevel.GRASSROOTS:
        errors["level"] = f"基层组织“{parent_name}”下不能再设下级组织"
    if level == OrgLevel.GRASSROOTS and not kind:
        errors["kind"] = "基层组织须选择类别（村团组织或直属团组织）"
    if level != OrgLevel.GRASSROOTS and kind:
        errors["kind"] = "只有基层组织才有类别"
    return errors


def org_children_level_error(level: str, child_levels: list[str]) -> str | None:
    """A changed level must stay above every child's level."""
    if child_levels and min(LEVEL_RANK[c] for c in child_levels) <= LEVEL_RANK[level]:
        return "层级不符：修改后的层级不高于其下级组织"
    return None


def division_code_taken_message(code: str, other_name: str) -> str:
    return f"行政区划代码 {code} 已被“{other_name}”使用"


def duplicate_phone_message(phone: str, org_name: str, name: str) -> str:
    return f"手机号 {phone} 已登记为“{org_name} {name}”"


def position_dates_error(start: datetime.date | None, end: datetime.date | None) -> str | None:
    if start and end and end < start:
        return "离任日期不能早于任职日期"
    return None


def position_counts_as_current(end: datetime.date | None) -> bool:
    """A position without an end date, or ending today or later, takes its place in the org."""
    return end is None or end >= timezone.localdate()


def inactive_org_message(org_name: str) -> str:
    return f"组织“{org_name}”已撤销或合并"


def duplicate_position_message(cadre_name: str, org_name: str) -> str:
    return f"“{cadre_name}”已在“{org_name}”担任该职务"


def single_holder_message(org_name: str, title_label: str, holder_name: str) -> str:
    """One current holder per org for the titles in SINGLE_HOLDER_TITLES (one 书记 per org)."""
    return f"“{org_name}”已有在任{title_label}“{holder_name}”，请先为其办理离任"


def _check_org_shape(*, org: Org, parent: Org | None) -> None:
    """Level order, grassroots kind and the unique division code, with messages naming the problem."""
    errors = org_shape_errors(
        level=org.level,
        kind=org.kind,
        parent_level=parent.level if parent is not None else None,
        parent_name=parent.name if parent is not None else "",
    )
    if org.division_code:
        other = Org.objects.filter(division_code=org.division_code).exclude(pk=org.pk).first()
        if other is not None:
            errors["division_code"] = division_code_taken_message(org.division_code, other.name)
    if errors:
        raise RuleError(errors, code="invalid_org")


def _clean_org_input(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if "division_code" in data:
        data["division_code"] = (data["division_code"] or "").strip() or None
    for key in ("name", "short_name", "contact_phone"):
        if key in data and data[key] is not None:
            data[key] = str(data[key]).strip()
    return data


@transaction.atomic
def org_create(
    *,
    actor: Any,
    parent: Org | None,
    name: str,
    level: str,
    short_name: str = "",
    kind: str = "",
    division_code: str | None = None,
    contact_phone: str = "",
) -> Org:
    """Add an org under ``parent`` (a root only for superusers)."""
    data = _clean_org_input(
        {
            "name": name,
            "short_name": short_name,
            "level": level,
            "kind": kind,
            "division_code": division_code,
            "contact_phone": contact_phone,
        }
    )
    org = Org(**data)
    if parent is None:
        if not getattr(actor, "is_superuser", False):
            raise RuleError({"parent": "只有系统管理员可以创建顶级组织"}, code="out_of_scope")
    else:
        require_org_scope(actor, Action.ADD, parent)
        if not parent.is_active:
            raise RuleError({"parent": f"上级组织“{parent.name}”已撤销或合并"}, code="inactive_parent")
    _check_org_shape(org=org, parent=parent)
    org.full_clean(exclude=["path", "depth", "numchild", "division_code"])
    org = (
        Org.objects.add_root(instance=org) if parent is None else Org.objects.add_child(parent, instance=org)
    )
    audit_record(actor=actor, action="orgs.org.create", obj=org, before=None, after=snapshot(org))
    return org


@transaction.atomic
def org_update(*, actor: Any, org: Org, data: dict[str, Any]) -> Org:
    require_org_scope(actor, Action.CHANGE, org)
    org = Org.objects.select_for_update().get(pk=org.pk)
    before = snapshot(org)
    changed = apply_fields(org, _clean_org_input(data), ORG_FIELDS)
    parent = org.parent_org()
    _check_org_shape(org=org, parent=parent)
    if "level" in changed and org.numchild:
        message = org_children_level_error(org.level, [c.level for c in org.children_orgs()])
        if message:
            raise RuleError({"level": message}, code="invalid_org")
    return save_audited(
        actor=actor,
        obj=org,
        action="orgs.org.update",
        before=before,
        update_fields=changed,
        exclude_clean=["path", "depth", "numchild", "division_code"],
    )


@transaction.atomic
def org_move(*, actor: Any, org: Org, new_parent: Org) -> Org:
    """Move ``org`` with its whole subtree under ``new_parent`` (townships merge, villages re-attach)."""
    require_org_scope(actor, Action.CHANGE, org)
    require_org_scope(actor, Action.ADD, new_parent)
    org = Org.objects.get(pk=org.pk)
    new_parent = Org.objects.get(pk=new_parent.pk)
    if new_parent.path.startswith(org.path):
        raise RuleError(
            {"parent": f"不能把“{org.name}”移动到它自己或它的下级“{new_parent.name}”之下"}, code="cycle"
        )
    if not new_parent.is_active:
        raise RuleError({"parent": f"目标组织“{new_parent.name}”已撤销或合并"}, code="inactive_parent")
    _check_org_shape(org=org, parent=new_parent)
    old_parent = org.parent_org()
    before = {**(snapshot(org) or {}), "parent": old_parent.pk if old_parent else None}
    Org.objects.move(org, new_parent, pos="last-child")
    org = Org.objects.get(pk=org.pk)
    after = {**(snapshot(org) or {}), "parent": new_parent.pk}
    audit_record(actor=actor, action="orgs.org.move", obj=org, before=before, after=after)
    return org


def org_data_counts(org: Org) -> dict[str, int]:
    """How many rows of each kind point at ``org`` (children included), in Chinese labels."""
    counts: dict[str, int] = {}
    if org.numchild:
        counts["下级组织"] = org.numchild
    for rel in org._meta.related_objects:
        if rel.one_to_one or not rel.related_model or rel.related_model is Org:
            continue
        accessor = rel.related_model._base_manager.filter(**{rel.field.name: org})
        n = accessor.count()
        if n:
            counts[str(rel.related_model._meta.verbose_name)] = n
    return counts


@transaction.atomic
def org_delete(*, actor: Any, org: Org) -> None:
    """Delete an org created by mistake. An org with any data is dissolved instead."""
    require_org_scope(actor, Action.DELETE, org)
    counts = org_data_counts(org)
    if counts:
        detail = "、".join(f"{k} {v}" for k, v in counts.items())
        raise RuleError(f"“{org.name}”已有数据（{detail}），不能删除；请改为撤销", code="org_has_data")
    before = snapshot(org)
    path = org.path
    audit_record(actor=actor, action="orgs.org.delete", obj=org, before=before, after=None, org_path=path)
    try:
        org.delete()
    except ProtectedError as exc:  # data added concurrently
        raise RuleError(f"“{org.name}”已有数据，不能删除；请改为撤销", code="org_has_data") from exc


@transaction.atomic
def org_dissolve(*, actor: Any, org: Org) -> Org:
    """Mark an org dissolved (撤销); its data stays, its active children must be moved first."""
    require_org_scope(actor, Action.CHANGE, org)
    org = Org.objects.select_for_update().get(pk=org.pk)
    if org.children_orgs().filter(status=OrgStatus.ACTIVE).exists():
        raise RuleError(f"“{org.name}”还有正常状态的下级组织，请先移动或撤销它们", code="has_children")
    before = snapshot(org)
    org.status = OrgStatus.DISSOLVED
    return save_audited(
        actor=actor,
        obj=org,
        action="orgs.org.dissolve",
        before=before,
        update_fields=["status"],
        exclude_clean=["path", "depth", "numchild", "division_code"],
    )


@transaction.atomic
def org_merge(*, actor: Any, org: Org, into: Org) -> Org:
    """Merge ``org`` into a sibling of the same level: its children move under ``into``."""
    require_org_scope(actor, Action.CHANGE, org)
    require_org_scope(actor, Action.ADD, into)
    if org.pk == into.pk or org.level != into.level:
        raise RuleError({"into": "只能并入另一个同层级的组织"}, code="invalid_merge")
    if not into.is_active:
        raise RuleError({"into": f"目标组织“{into.name}”已撤销或合并"}, code="inactive_parent")
    for child in list(org.children_orgs()):
        org_move(actor=actor, org=child, new_parent=Org.objects.get(pk=into.pk))
    org = Org.objects.get(pk=org.pk)
    before = snapshot(org)
    org.status = OrgStatus.MERGED
    org.merged_into = into
    return save_audited(
        actor=actor,
        obj=org,
        action="orgs.org.merge",
        before=before,
        update_fields=["status", "merged_into"],
        exclude_clean=["path", "depth", "numchild", "division_code"],
    )


@transaction.atomic
def org_restore(*, actor: Any, org: Org) -> Org:
    """Undo a dissolution."""
    require_org_scope(actor, Action.CHANGE, org)
    before = snapshot(org)
    org.status = OrgStatus.ACTIVE
    org.merged_into = None
    return save_audited(
        actor=actor,
        obj=org,
        action="orgs.org.restore",
        before=before,
        update_fields=["status", "merged_into"],
        exclude_clean=["path", "depth", "numchild", "division_code"],
    )


# --- cadres ---------------------------------------------------------------------------------


def _clean_cadre_input(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if "phone" in data:
        data["phone"] = normalise_phone(data["phone"], field="phone")
    for key in ("name", "wechat_id"):
        if key in data and data[key] is not None:
            data[key] = str(data[key]).strip()
    return data


def _check_cadre_phone(cadre: Cadre) -> None:
    if cadre.phone:
        other = Cadre.objects.filter(phone=cadre.phone).exclude(pk=cadre.pk).select_related("org").first()
        if other is not None:
            raise RuleError(
                {"phone": duplicate_phone_message(cadre.phone, other.org.name, other.name)},
                code="duplicate_phone",
            )


@transaction.atomic
def cadre_create(*, actor: Any, org: Org, name: str, **fields: Any) -> Cadre:
    require_org_scope(actor, Action.ADD, org)
    data = _clean_cadre_input({"org": org, "name": name, **fields})
    unknown = set(data) - set(CADRE_FIELDS)
    if unknown:
        raise TypeError(f"unknown cadre fields: {sorted(unknown)}")
    cadre = Cadre(**data)
    _check_cadre_phone(cadre)
    return save_audited(
        actor=actor, obj=cadre, action="orgs.cadre.create", before=None, exclude_clean=["phone"]
    )


@transaction.atomic
def cadre_update(*, actor: Any, cadre: Cadre, data: dict[str, Any]) -> Cadre:
    require_org_scope(actor, Action.CHANGE, cadre.org)
    data = _clean_cadre_input(data)
    if "org" in data and data["org"] != cadre.org:
        require_org_scope(actor, Action.ADD, data["org"])
    before = snapshot(cadre)
    changed = apply_fields(cadre, data, CADRE_FIELDS)
    _check_cadre_phone(cadre)
    return save_audited(
        actor=actor,
        obj=cadre,
        action="orgs.cadre.update",
        before=before,
        update_fields=changed,
        exclude_clean=["phone"],
    )


@transaction.atomic
def cadre_delete(*, actor: Any, cadre: Cadre) -> None:
    """Delete a cadre entered by mistake; one who owns data must be marked not in office instead."""
    require_org_scope(actor, Action.DELETE, cadre.org)
    before = snapshot(cadre)
    audit_record(actor=actor, action="orgs.cadre.delete", obj=cadre, before=before, after=None)
    try:
        with transaction.atomic():
            cadre.delete()
    except ProtectedError as exc:
        raise RuleError(
            f"团干部“{cadre.name}”已关联其他数据（如微信群），不能删除；请改为离任", code="cadre_has_data"
        ) from exc


# --- positions ------------------------------------------------------------------------------


def _check_position(position: Position) -> None:
    errors: dict[str, str] = {}
    dates_error = position_dates_error(position.start_date, position.end_date)
    if dates_error:
        errors["end_date"] = dates_error
    if not position.org.is_active:
        errors["org"] = inactive_org_message(position.org.name)
    if errors:
        raise RuleError(errors, code="invalid_position")
    others = Position.objects.current().filter(org=position.org).exclude(pk=position.pk)
    if position_counts_as_current(position.end_date):
        if others.filter(cadre=position.cadre, title=position.title).exists():
            raise RuleError(
                {"title": duplicate_position_message(position.cadre.name, position.org.name)},
                code="duplicate_position",
            )
        if position.title in SINGLE_HOLDER_TITLES:
            holder = others.filter(title=position.title).select_related("cadre").first()
            if holder is not None:
                raise RuleError(
                    {
                        "title": single_holder_message(
                            position.org.name, str(position.get_title_display()), holder.cadre.name
                        )
                    },
                    code="single_holder",
                )


@transaction.atomic
def position_create(*, actor: Any, cadre: Cadre, org: Org, title: str, **fields: Any) -> Position:
    require_org_scope(actor, Action.ADD, org)
    require_org_scope(actor, Action.VIEW, cadre.org)
    position = Position(cadre=cadre, org=org, title=title, **fields)
    position.full_clean()
    _check_position(position)
    position.save()
    audit_record(
        actor=actor, action="orgs.position.create", obj=position, before=None, after=snapshot(position)
    )
    return position


@transaction.atomic
def position_update(*, actor: Any, position: Position, data: dict[str, Any]) -> Position:
    require_org_scope(actor, Action.CHANGE, position.org)
    before = snapshot(position)
    changed = apply_fields(position, data, POSITION_FIELDS)
    position.full_clean()
    _check_position(position)
    return save_audited(
        actor=actor, obj=position, action="orgs.position.update", before=before, update_fields=changed
    )


def position_end(*, actor: Any, position: Position, on: datetime.date | None = None) -> Position:
    """The cadre leaves the post (离任) on ``on`` (today by default)."""
    return position_update(actor=actor, position=position, data={"end_date": on or timezone.localdate()})


@transaction.atomic
def position_delete(*, actor: Any, position: Position) -> None:
    require_org_scope(actor, Action.DELETE, position.org)
    audit_record(
        actor=actor, action="orgs.position.delete", obj=position, before=snapshot(position), after=None
    )
    position.delete()


# --- users and grants -----------------------------------------------------------------------


def _check_user_home(actor: Any, home_org: Org | None) -> None:
    if home_org is None:
        if not getattr(actor, "is_superuser", False):
            raise RuleError({"home_org": "请选择用户所属组织"}, code="required")
        return
    require_org_scope(actor, Action.MANAGE_USERS, home_org)


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    home_org: Org | None,
    display_name: str = "",
    cadre: Cadre | None = None,
    email: str = "",
) -> User:
    """Create an account inside the actor's subtree."""
    _check_user_home(actor, home_org)
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise RuleError({"username": f"用户名“{username}”已被使用"}, code="duplicate_username")
    user = User(
        username=username, display_name=display_name.strip(), home_org=home_org, cadre=cadre, email=email
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(actor=actor, action="orgs.user.create", obj=user, before=None, after=snapshot(user))
    return user


USER_FIELDS = ("display_name", "home_org", "cadre", "email")


@transaction.atomic
def user_update(*, actor: Any, user: User, data: dict[str, Any]) -> User:
    _check_user_home(actor, user.home_org)
    if "home_org" in data:
        _check_user_home(actor, data["home_org"])
    before = snapshot(user)
    changed = apply_fields(user, data, USER_FIELDS)
    return save_audited(
        actor=actor,
        obj=user,
        action="orgs.user.update",
        before=before,
        update_fields=changed,
        exclude_clean=["password"],
    )


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool) -> User:
    """Disable (or re-enable) an account; a disabled account cannot log in or use its API tokens."""
    _check_user_home(actor, user.home_org)
    if user.pk == getattr(actor, "pk", None) and not active:
        raise RuleError("不能停用自己的账号", code="self_disable")
    before = snapshot(user)
    user.is_active = active
    return save_audited(
        actor=actor,
        obj=user,
        action="orgs.user.enable" if active else "orgs.user.disable",
        before=before,
        update_fields=["is_active"],
        exclude_clean=["password"],
    )


@transaction.atomic
def user_set_password(*, actor: Any, user: User, password: str) -> User:
    """Set a password: the user themself, or an admin of the user's subtree (a reset)."""
    if user.pk != getattr(actor, "pk", None):
        _check_user_home(actor, user.home_org)
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="orgs.user.set_password", obj=user, before=None, after=None)
    return user


@transaction.atomic
def grant_create(*, actor: Any, user: User, org: Org, role: str) -> ScopeGrant:
    """Give ``user`` a role on ``org``; only inside the actor's own subtree."""
    if role not in Role.values:
        raise RuleError({"role": f"未知角色：{role}"}, code="invalid_choice")
    require_org_scope(actor, Action.MANAGE_USERS, org)
    _check_user_home(actor, user.home_org)
    if ScopeGrant.objects.filter(user=user, org=org, role=role).exists():
        raise RuleError({"role": f"“{user}”已有“{org.name}”的该角色"}, code="duplicate_grant")
    grant = ScopeGrant(user=user, org=org, role=role, granted_by=actor if actor and actor.pk else None)
    grant.full_clean()
    grant.save()
    audit_record(actor=actor, action="orgs.grant.create", obj=grant, before=None, after=snapshot(grant))
    forget_grants(user)
    return grant


@transaction.atomic
def grant_delete(*, actor: Any, grant: ScopeGrant) -> None:
    require_org_scope(actor, Action.MANAGE_USERS, grant.org)
    audit_record(actor=actor, action="orgs.grant.delete", obj=grant, before=snapshot(grant), after=None)
    grant.delete()
    forget_grants(grant.user)


__all__ = [
    "GrassrootsKind",
    "cadre_create",
    "cadre_delete",
    "cadre_update",
    "division_code_taken_message",
    "duplicate_phone_message",
    "duplicate_position_message",
    "grant_create",
    "grant_delete",
    "inactive_org_message",
    "org_children_level_error",
    "org_create",
    "org_data_counts",
    "org_delete",
    "org_dissolve",
    "org_merge",
    "org_move",
    "org_restore",
    "org_shape_errors",
    "org_update",
    "position_counts_as_current",
    "position_create",
    "position_dates_error",
    "position_delete",
    "position_end",
    "position_update",
    "single_holder_message",
    "user_create",
    "user_set_active",
    "user_set_password",
    "user_update",
]
