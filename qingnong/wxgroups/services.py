"""Every write to the 三群 ledger: groups, their QR codes and member lists, live codes, reminders.

The per-record rules live here, each message naming its rule id: one live 青农 group per org at city,
county and township level (R3); "青农" + short name at city level and above (R5); 团青 groups only at
township, village and direct orgs (R2); member counts 0–500; live codes only over groups the creator may
manage that are not dissolved.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from qingnong.core.audit import audit_record, snapshot
from qingnong.core.errors import RuleError
from qingnong.core.normalise import clean_text
from qingnong.core.permissions import Action
from qingnong.core.services import apply_fields, require_org_scope, save_audited
from qingnong.orgs.choices import PREFECTURE_AND_ABOVE, OrgLevel
from qingnong.orgs.models import Cadre, Org
from qingnong.youth.choices import YouthCategory, YouthSource
from qingnong.youth.models import Youth

from .choices import MEMBER_CAP, Basis, GroupStatus, GroupType, LiveCodeMode
from .models import ChatGroup, GroupMembership, LiveCode, LiveCodeGroup, LiveCodeVisit

GROUP_FIELDS = (
    "name",
    "group_type",
    "org",
    "bases",
    "category",
    "owner",
    "member_count",
    "member_count_as_of",
    "founded_on",
    "status",
    "function",
    "wecom_chat_id",
    "notes",
)
TUANQING_LEVELS = (OrgLevel.TOWNSHIP, OrgLevel.GRASSROOTS)
QINGNONG_LEVELS = (OrgLevel.NATION, OrgLevel.PROVINCE, OrgLevel.CITY, OrgLevel.COUNTY, OrgLevel.TOWNSHIP)


def qingnong_name_for(org: Org) -> str:
    """The R5 name of a 青农 group at city level and above: "青农" + the org's short name."""
    short = org.short_name or org.name.removesuffix("市").removesuffix("省")
    return f"青农{short}"


def parse_bases(value: Any) -> list[str]:
    by_label = {str(label): code for code, label in Basis.choices}
    items = (
        value.replace("、", ",").replace("，", ",").split(",")
        if isinstance(value, str)
        else list(value or [])
    )
    codes: list[str] = []
    for item in items:
        word = clean_text(item)
        if not word:
            continue
        code = word if word in Basis.values else by_label.get(word) or by_label.get(word + "缘")
        if code is None:
            raise RuleError(
                {"bases": f"组建基础“{word}”不存在，可选：地缘、业缘、事缘、趣缘"}, code="invalid_basis"
            )
        if code not in codes:
            codes.append(code)
    return codes


def _clean_group_input(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    for key in ("name", "function", "wecom_chat_id"):
        if key in data and data[key] is not None:
            data[key] = clean_text(data[key])
    if "bases" in data:
        data["bases"] = parse_bases(data["bases"])
    if "category" in data:
        raw = clean_text(data["category"])
        by_label = {str(label): code for code, label in YouthCategory.choices}
        data["category"] = by_label.get(raw, raw)
    if "member_count" in data:
        raw_count = data["member_count"]
        if raw_count in (None, ""):
            data["member_count"] = 0
        else:
            try:
                data["member_count"] = int(float(clean_text(raw_count)))
            except ValueError:
                raise RuleError({"member_count": f"群成员数“{raw_count}”不是整数"}, code="member_count")
    return data


def group_rule_errors(
    *,
    name: str,
    group_type: str,
    org_level: str,
    org_name: str,
    org_short_name: str,
    category: str,
    member_count: int,
) -> dict[str, str]:
    """The per-record rules of a group that need no query (shared by the services and the import):
    R2 — 团青 groups at township, village or direct orgs; R3 — 青农 groups at city, county and township
    level; R4 — a 专属 group names its category; R5 — "青农" + short name at city level and above;
    member counts 0–500."""
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "请填写微信群名称"
    level_label = str(dict(OrgLevel.choices).get(org_level, org_level))
    if group_type == GroupType.TUANQING:
        if org_level not in TUANQING_LEVELS:
            errors["org"] = (
                f"（R2）团青微信群只能建在乡镇团委、村团组织或直属团组织，“{org_name}”是{level_label}组织"
            )
    elif group_type == GroupType.EXCLUSIVE:
        if not category:
            errors["category"] = "（R4）青年专属微信群须选择专属类别（领头雁、在外青年、大学生村官等）"
        elif category not in YouthCategory.values:
            errors["category"] = f"专属类别“{category}”不存在"
    elif group_type == GroupType.QINGNONG:
        if org_level not in QINGNONG_LEVELS:
            errors["org"] = f"（R3）青农微信群建在市、县、乡镇团委，“{org_name}”是{level_label}组织"
        elif org_level in PREFECTURE_AND_ABOVE and name:
            expected = qingnong_name_for(Org(name=org_name, short_name=org_short_name, level=org_level))
            if name != expected:
                errors["name"] = f"（R5）市级及以上的青农微信群须命名为“{expected}”，填写的是“{name}”"
    else:
        errors["group_type"] = "请选择群类型（团青、青年专属、青农）"
    if member_count < 0 or member_count > MEMBER_CAP:
        errors["member_count"] = (
            f"群成员数须在 0 到 {MEMBER_CAP} 之间（微信群最多 500 人），填写的是 {member_count}"
        )
    return errors


def r3_message(org_name: str, other_name: str) -> str:
    return f"（R3）“{org_name}”已有青农微信群“{other_name}”，每个组织只能有一个"


def _check_group(group: ChatGroup) -> None:
    """The rules of one group record (see ``group_rule_errors``) and R3's one live 青农 group per org."""
    org: Org = group.org
    if group.group_type != GroupType.TUANQING:
        group.bases = []
    if group.group_type != GroupType.EXCLUSIVE:
        group.category = ""
    errors = group_rule_errors(
        name=group.name,
        group_type=group.group_type,
        org_level=org.level,
        org_name=org.name,
        org_short_name=org.short_name,
        category=group.category,
        member_count=group.member_count,
    )
    if errors:
        code = "member_count" if list(errors) == ["member_count"] else "invalid_group"
        raise RuleError(errors, code=code)
    if group.group_type == GroupType.QINGNONG and group.status != GroupStatus.DISSOLVED:
        other = (
            ChatGroup.objects.filter(org=org, group_type=GroupType.QINGNONG)
            .exclude(status=GroupStatus.DISSOLVED)
            .exclude(pk=group.pk)
            .first()
        )
        if other is not None:
            raise RuleError({"group_type": r3_message(org.name, other.name)}, code="R3")


def _check_cadres(actor: Any, owner: Cadre | None, admins: Iterable[Cadre]) -> None:
    for cadre in [c for c in [owner, *admins] if c is not None]:
        require_org_scope(actor, Action.VIEW, cadre.org)
        if not cadre.is_active:
            raise RuleError(
                {"owner": f"团干部“{cadre.name}”已离任，不能担任群主或管理员"}, code="inactive_cadre"
            )


def _new_code() -> str:
    # 8 characters of a 32-letter alphabet without look-alikes: easy to type from a poster.
    alphabet = "23456789abcdefghjkmnpqrstuvwxyz"
    return "".join(secrets.choice(alphabet) for _ in range(8))


@transaction.atomic
def group_create(
    *,
    actor: Any,
    org: Org,
    name: str,
    group_type: str,
    owner: Cadre | None = None,
    admins: Iterable[Cadre] = (),
    qr_upload: Any = None,
    **fields: Any,
) -> ChatGroup:
    """Register a group (with its QR photo when given) and give it its own live code."""
    require_org_scope(actor, Action.ADD, org)
    admins = list(admins)
    data = _clean_group_input({"org": org, "name": name, "group_type": group_type, "owner": owner, **fields})
    unknown = set(data) - set(GROUP_FIELDS)
    if unknown:
        raise TypeError(f"unknown group fields: {sorted(unknown)}")
    group = ChatGroup(**data)
    if group.status == GroupStatus.DISSOLVED:
        raise RuleError({"status": "新登记的群不能是“解散”状态"}, code="invalid_group")
    if group.member_count and not group.member_count_as_of:
        group.member_count_as_of = timezone.localdate()
    _check_cadres(actor, owner, admins)
    _check_group(group)
    content = None
    if qr_upload is not None:
        from .images import clean_uploaded_image

        # Checked before anything is written: a bad picture leaves no row and no file.
        content = clean_uploaded_image(qr_upload)
    group.full_clean(exclude=["qr_image"])
    if content is not None:
        group.qr_image.save("qr.jpg", content, save=False)
        group.qr_uploaded_at = timezone.now()
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError as exc:  # a concurrent second 青农 group
        if group.qr_image:
            group.qr_image.storage.delete(group.qr_image.name)
        raise RuleError({"group_type": f"（R3）“{org.name}”已有青农微信群"}, code="R3") from exc
    if admins:
        group.admins.set(admins)
    audit_record(
        actor=actor,
        action="wxgroups.group.create",
        obj=group,
        before=None,
        after={**(snapshot(group) or {}), "admins": [a.pk for a in admins]},
    )
    _default_live_code(actor=actor, group=group)
    return group


def _default_live_code(*, actor: Any, group: ChatGroup) -> LiveCode:
    code = LiveCode.objects.create(
        code=unique_live_code(),
        title=group.name,
        org=group.org,
        mode=LiveCodeMode.GROUPS,
        owner=group.owner,
        contact_name=group.owner.name if group.owner else "",
        is_default=True,
    )
    LiveCodeGroup.objects.create(live_code=code, group=group, position=0)
    audit_record(actor=actor, action="wxgroups.livecode.create", obj=code, before=None, after=snapshot(code))
    return code


def unique_live_code() -> str:
    return unique_live_codes(1)[0]


def unique_live_codes(count: int) -> list[str]:
    """``count`` new codes not yet used: drawn at random, checked in one query (collisions redrawn)."""
    codes: set[str] = set()
    for _ in range(10):
        wanted = count - len(codes)
        if wanted <= 0:
            break
        drawn = {_new_code() for _ in range(wanted)} - codes
        taken = set(LiveCode.objects.filter(code__in=drawn).values_list("code", flat=True))
        codes |= drawn - taken
    if len(codes) < count:
        raise RuntimeError("could not draw free live codes")
    return sorted(codes)[:count]


@transaction.atomic
def group_update(
    *, actor: Any, group: ChatGroup, data: dict[str, Any], admins: Iterable[Cadre] | None = None
) -> ChatGroup:
    require_org_scope(actor, Action.CHANGE, group.org)
    data = _clean_group_input(data)
    if "org" in data and data["org"] != group.org:
        require_org_scope(actor, Action.ADD, data["org"])
    group = ChatGroup.objects.select_for_update().select_related("org").get(pk=group.pk)
    before = snapshot(group)
    changed = apply_fields(group, data, GROUP_FIELDS)
    if "member_count" in changed and "member_count_as_of" not in data:
        group.member_count_as_of = timezone.localdate()
        changed.append("member_count_as_of")
    admin_list = list(admins) if admins is not None else None
    _check_cadres(actor, group.owner if "owner" in changed else None, admin_list or [])
    _check_group(group)
    group.full_clean(exclude=["qr_image"])
    if changed:
        group.save(update_fields=[*changed, "updated_at"])
    after = snapshot(group) or {}
    if admin_list is not None:
        old = sorted(group.admins.values_list("pk", flat=True))
        if old != sorted(a.pk for a in admin_list):
            group.admins.set(admin_list)
            before = {**(before or {}), "admins": old}
            after = {**after, "admins": sorted(a.pk for a in admin_list)}
            changed.append("admins")
    if changed:
        audit_record(actor=actor, action="wxgroups.group.update", obj=group, before=before, after=after)
    return group


def group_set_member_count(
    *, actor: Any, group: ChatGroup, member_count: Any, as_of: datetime.date | None = None
) -> ChatGroup:
    """The owner reports how many people the WeChat group has now."""
    return group_update(
        actor=actor,
        group=group,
        data={"member_count": member_count, "member_count_as_of": as_of or timezone.localdate()},
    )


@transaction.atomic
def group_set_qr(*, actor: Any, group: ChatGroup, upload: Any) -> ChatGroup:
    """Replace the group's QR photo (checked, EXIF removed); it is valid for the next 7 days."""
    from .images import clean_uploaded_image

    require_org_scope(actor, Action.CHANGE, group.org)
    if group.status == GroupStatus.DISSOLVED:
        raise RuleError({"qr_image": "该群已解散，不能上传二维码"}, code="dissolved")
    content = clean_uploaded_image(upload)
    group = ChatGroup.objects.select_for_update().select_related("org").get(pk=group.pk)
    before = snapshot(group)
    old_name = group.qr_image.name if group.qr_image else ""
    group.qr_image.save("qr.jpg", content, save=False)
    group.qr_uploaded_at = timezone.now()
    group.save(update_fields=["qr_image", "qr_uploaded_at", "updated_at"])
    audit_record(actor=actor, action="wxgroups.group.qr", obj=group, before=before, after=snapshot(group))
    if old_name:
        from django.core.files.storage import default_storage

        transaction.on_commit(lambda: default_storage.delete(old_name))
    return group


@transaction.atomic
def group_dissolve(*, actor: Any, group: ChatGroup) -> ChatGroup:
    """Mark a group dissolved (解散): it stays in the ledger, leaves every count, and live codes skip it."""
    require_org_scope(actor, Action.CHANGE, group.org)
    before = snapshot(group)
    group.status = GroupStatus.DISSOLVED
    return save_audited(
        actor=actor,
        obj=group,
        action="wxgroups.group.dissolve",
        before=before,
        update_fields=["status"],
        exclude_clean=["qr_image"],
    )


# --- members --------------------------------------------------------------------------------


def _check_member_group(actor: Any, group: ChatGroup) -> None:
    require_org_scope(actor, Action.CHANGE, group.org)
    if group.status == GroupStatus.DISSOLVED:
        raise RuleError("该群已解散，不能再添加成员", code="dissolved")


@transaction.atomic
def membership_add_youth(
    *, actor: Any, group: ChatGroup, youth: Youth, joined_on: datetime.date | None = None
) -> GroupMembership:
    _check_member_group(actor, group)
    require_org_scope(actor, Action.VIEW, youth.home_org)
    if GroupMembership.objects.filter(group=group, youth=youth).exists():
        raise RuleError({"youth": f"“{youth.name}”已在群“{group.name}”的成员名单中"}, code="duplicate_member")
    member = GroupMembership(group=group, youth=youth, joined_on=joined_on or timezone.localdate())
    return save_audited(actor=actor, obj=member, action="wxgroups.member.add", before=None)


@transaction.atomic
def membership_add_cadre(
    *, actor: Any, group: ChatGroup, cadre: Cadre, joined_on: datetime.date | None = None
) -> GroupMembership:
    _check_member_group(actor, group)
    require_org_scope(actor, Action.VIEW, cadre.org)
    if GroupMembership.objects.filter(group=group, cadre=cadre).exists():
        raise RuleError({"cadre": f"“{cadre.name}”已在群“{group.name}”的成员名单中"}, code="duplicate_member")
    member = GroupMembership(group=group, cadre=cadre, joined_on=joined_on or timezone.localdate())
    return save_audited(actor=actor, obj=member, action="wxgroups.member.add", before=None)


@transaction.atomic
def membership_add_person(
    *,
    actor: Any,
    group: ChatGroup,
    name: str,
    phone: Any,
    home_org: Org | None = None,
    liaison: Cadre | None = None,
    **youth_fields: Any,
) -> GroupMembership:
    """Add a member typed as name + phone: the youth with that phone when the actor may see them,
    otherwise a new youth registered in ``home_org`` (the group's org by default) with source 微信群."""
    from qingnong.core.normalise import normalise_phone
    from qingnong.youth.services import youth_create

    _check_member_group(actor, group)
    number = normalise_phone(phone, field="phone")
    if not number:
        raise RuleError({"phone": "请填写手机号"}, code="required")
    existing = Youth.objects.filter(phone=number).select_related("home_org").first()
    if existing is not None:
        require_org_scope(actor, Action.VIEW, existing.home_org)
        youth = existing
    else:
        org = home_org or group.org
        youth = youth_create(
            actor=actor,
            home_org=org,
            name=name,
            phone=number,
            liaison=liaison,
            source=YouthSource.GROUP,
            **youth_fields,
        )
    return membership_add_youth(actor=actor, group=group, youth=youth)


@transaction.atomic
def membership_remove(*, actor: Any, membership: GroupMembership) -> None:
    require_org_scope(actor, Action.CHANGE, membership.group.org)
    audit_record(
        actor=actor, action="wxgroups.member.remove", obj=membership, before=snapshot(membership), after=None
    )
    membership.delete()


# --- live codes -----------------------------------------------------------------------------

LIVECODE_FIELDS = (
    "title",
    "mode",
    "group_type",
    "owner",
    "contact_name",
    "contact_phone",
    "contact_note",
    "is_active",
)


def _check_live_code_groups(actor: Any, groups: list[ChatGroup]) -> None:
    for group in groups:
        from qingnong.core.scoping import path_in_scope

        if not path_in_scope(actor, Action.CHANGE, group.org.path):
            raise RuleError(
                {"groups": f"群“{group.name}”不在您的管辖范围内，不能放入活码"}, code="out_of_scope"
            )
        if group.status == GroupStatus.DISSOLVED:
            raise RuleError({"groups": f"群“{group.name}”已解散，不能放入活码"}, code="dissolved")


def _clean_contact_phone(value: Any) -> str:
    text = clean_text(value)
    if not text:
        return ""
    if len([c for c in text if c.isdigit()]) < 7:
        raise RuleError({"contact_phone": f"联系电话“{text}”不是有效的电话号码"}, code="invalid_phone")
    return text


@transaction.atomic
def livecode_create(
    *,
    actor: Any,
    org: Org,
    title: str,
    groups: Iterable[ChatGroup] = (),
    mode: str = LiveCodeMode.GROUPS,
    group_type: str = "",
    owner: Cadre | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_note: str = "",
) -> LiveCode:
    """A live code over an ordered set of groups (or over all groups of a type at ``org``)."""
    require_org_scope(actor, Action.ADD, org)
    groups = list(groups)
    if mode == LiveCodeMode.GROUPS and not groups:
        raise RuleError({"groups": "请至少选择一个微信群"}, code="required")
    if mode == LiveCodeMode.ORG_TYPE and not group_type:
        raise RuleError({"group_type": "请选择群类型"}, code="required")
    _check_live_code_groups(actor, groups)
    if owner is not None:
        require_org_scope(actor, Action.VIEW, owner.org)
    code = LiveCode(
        code=unique_live_code(),
        title=clean_text(title),
        org=org,
        mode=mode,
        group_type=group_type,
        owner=owner,
        contact_name=clean_text(contact_name),
        contact_phone=_clean_contact_phone(contact_phone),
        contact_note=clean_text(contact_note),
    )
    code.full_clean()
    code.save()
    LiveCodeGroup.objects.bulk_create(
        [LiveCodeGroup(live_code=code, group=g, position=i) for i, g in enumerate(groups)]
    )
    audit_record(
        actor=actor,
        action="wxgroups.livecode.create",
        obj=code,
        before=None,
        after={**(snapshot(code) or {}), "groups": [g.pk for g in groups]},
    )
    return code


@transaction.atomic
def livecode_update(
    *, actor: Any, live_code: LiveCode, data: dict[str, Any], groups: Iterable[ChatGroup] | None = None
) -> LiveCode:
    require_org_scope(actor, Action.CHANGE, live_code.org)
    data = dict(data)
    if "contact_phone" in data:
        data["contact_phone"] = _clean_contact_phone(data["contact_phone"])
    for key in ("title", "contact_name", "contact_note"):
        if key in data:
            data[key] = clean_text(data[key])
    if data.get("owner") is not None:
        require_org_scope(actor, Action.VIEW, data["owner"].org)
    before = snapshot(live_code)
    changed = apply_fields(live_code, data, LIVECODE_FIELDS)
    live_code.full_clean()
    if changed:
        live_code.save(update_fields=[*changed, "updated_at"])
    after = snapshot(live_code) or {}
    if groups is not None:
        groups = list(groups)
        _check_live_code_groups(actor, groups)
        if live_code.mode == LiveCodeMode.GROUPS and not groups:
            raise RuleError({"groups": "请至少选择一个微信群"}, code="required")
        before = {**(before or {}), "groups": list(live_code.entries.values_list("group_id", flat=True))}
        live_code.entries.all().delete()
        LiveCodeGroup.objects.bulk_create(
            [LiveCodeGroup(live_code=live_code, group=g, position=i) for i, g in enumerate(groups)]
        )
        after = {**after, "groups": [g.pk for g in groups]}
        changed.append("groups")
    if changed:
        audit_record(
            actor=actor, action="wxgroups.livecode.update", obj=live_code, before=before, after=after
        )
    return live_code


def livecode_record_visit(*, live_code: LiveCode, day: datetime.date | None = None) -> None:
    """Count one opening of the public page. A counter, not a change anyone made: no audit entry."""
    day = day or timezone.localdate()
    updated = LiveCodeVisit.objects.filter(live_code=live_code, day=day).update(count=F("count") + 1)
    if not updated:
        try:
            with transaction.atomic():
                LiveCodeVisit.objects.create(live_code=live_code, day=day, count=1)
        except IntegrityError:  # another visitor created today's row first
            LiveCodeVisit.objects.filter(live_code=live_code, day=day).update(count=F("count") + 1)


# --- reminders ------------------------------------------------------------------------------


def send_group_reminders(*, now: datetime.datetime | None = None) -> int:
    """In-app reminders to owners and admins: a QR code that expires tomorrow, a group nearing 200 or 500
    members. Idempotent per group and event (``dedupe_key``); returns how many notifications were sent."""
    from qingnong.core.notifications import notification_send
    from qingnong.orgs.models import User

    from .choices import MEMBER_CAP, NEAR_MEMBER_CAP, NEAR_SCAN_CAP, SCAN_JOIN_CAP
    from .selectors import qr_expiring_between

    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(tomorrow, datetime.time.min, tz)
    end = start + datetime.timedelta(days=1)
    events: list[tuple[ChatGroup, str, str, str]] = []
    for group in qr_expiring_between(start, end).select_related("org"):
        stamp = group.qr_uploaded_at.strftime("%Y%m%d%H%M") if group.qr_uploaded_at else ""
        events.append(
            (
                group,
                f"wx-qr-{group.pk}-{stamp}",
                f"群“{group.name}”的二维码明天过期",
                "请在微信中重新生成群二维码并上传，活码才能继续使用。",
            )
        )
    live = ChatGroup.objects.live().select_related("org")
    for group in live.filter(member_count__gte=NEAR_SCAN_CAP, member_count__lt=SCAN_JOIN_CAP):
        events.append(
            (
                group,
                f"wx-near200-{group.pk}",
                f"群“{group.name}”快到 200 人",
                f"现有 {group.member_count} 人；满 200 人后不能扫码入群，请准备新群并加入活码。",
            )
        )
    for group in live.filter(member_count__gte=NEAR_MEMBER_CAP, member_count__lt=MEMBER_CAP):
        events.append(
            (
                group,
                f"wx-near500-{group.pk}",
                f"群“{group.name}”快到 500 人",
                f"现有 {group.member_count} 人；微信群最多 500 人，请准备新群。",
            )
        )
    if not events:
        return 0
    group_ids = {g.pk for g, *_ in events}
    cadres_by_group: dict[int, set[int]] = {}
    for pk, owner_id in ChatGroup.objects.filter(pk__in=group_ids).values_list("pk", "owner_id"):
        cadres_by_group.setdefault(pk, set()).add(owner_id)
    for pk, cadre_id in ChatGroup.admins.through.objects.filter(chatgroup_id__in=group_ids).values_list(
        "chatgroup_id", "cadre_id"
    ):
        cadres_by_group.setdefault(pk, set()).add(cadre_id)
    users_by_cadre: dict[int, list[Any]] = {}
    all_cadres = {c for s in cadres_by_group.values() for c in s if c}
    for user in User.objects.filter(cadre_id__in=all_cadres, is_active=True):
        users_by_cadre.setdefault(user.cadre_id, []).append(user)  # type: ignore[arg-type]
    sent = 0
    for group, key, title, body in events:
        recipients = [u for c in cadres_by_group.get(group.pk, set()) for u in users_by_cadre.get(c, [])]
        sent += len(
            notification_send(
                recipients=recipients,
                kind="wxgroups",
                title=title,
                body=body,
                url=group.get_absolute_url(),
                dedupe_key=key,
            )
        )
    return sent


@transaction.atomic
def members_add(
    *,
    actor: Any,
    group: ChatGroup,
    youth: Iterable[Youth] = (),
    name: str = "",
    phone: Any = "",
    liaison: Cadre | None = None,
) -> list[GroupMembership]:
    """Add the picked youth and, when a name and phone are typed, that person: all or nothing."""
    added = [membership_add_youth(actor=actor, group=group, youth=y) for y in youth]
    if clean_text(name) or clean_text(phone):
        if not clean_text(name):
            raise RuleError({"name": "请填写新青年的姓名"}, code="required")
        added.append(membership_add_person(actor=actor, group=group, name=name, phone=phone, liaison=liaison))
    return added
