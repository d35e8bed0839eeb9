"""Every write to the youth registry.

Phones and WeChat IDs identify a person across the whole deployment: a second record with the same
one is refused, naming the existing record (linked when the actor may see it). Duplicates that slipped
in are merged by an admin; the merge moves everything that points at the duplicate and is audited.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from qingnong.core.audit import audit_record, snapshot
from qingnong.core.errors import RuleError
from qingnong.core.normalise import clean_text, normalise_phone
from qingnong.core.permissions import Action
from qingnong.core.scoping import path_in_scope
from qingnong.core.services import apply_fields, require_org_scope, save_audited
from qingnong.orgs.choices import OrgLevel
from qingnong.orgs.models import Cadre, Org

from .choices import Whereabouts, YouthCategory
from .models import Youth

YOUTH_FIELDS = (
    "name",
    "gender",
    "birth_year",
    "phone",
    "wechat_id",
    "is_league_member",
    "home_org",
    "whereabouts",
    "away_place",
    "occupation",
    "industry",
    "interests",
    "tags",
    "categories",
    "liaison",
    "source",
    "notes",
)


class DuplicateYouth(RuleError):
    """The phone or WeChat ID is already registered; ``existing`` is that record."""

    def __init__(self, message: dict[str, str], *, existing: Youth, code: str) -> None:
        super().__init__(message, code=code)
        self.existing = existing


def _split_words(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        parts = value.replace("，", ",").replace("、", ",").replace(";", ",").replace("；", ",").split(",")
    else:
        parts = [str(v) for v in value]
    words: list[str] = []
    for part in parts:
        word = clean_text(part)
        if word and word not in words:
            words.append(word)
    return words


def parse_categories(value: Any, *, field: str = "categories") -> list[str]:
    """Category codes from codes or Chinese labels ("领头雁、在外青年"); unknown ones are an error."""
    by_label = {str(label): code for code, label in YouthCategory.choices}
    codes: list[str] = []
    for word in _split_words(value):
        code = word if word in YouthCategory.values else by_label.get(word)
        if code is None:
            allowed = "、".join(str(label) for label in YouthCategory.labels)
            raise RuleError({field: f"类别“{word}”不存在，可选：{allowed}"}, code="invalid_category")
        if code not in codes:
            codes.append(code)
    return codes


def clean_youth_input(data: dict[str, Any]) -> dict[str, Any]:
    """Phones as 11 digits (full-width and float forms cleaned), blank identifiers as NULL, lists parsed."""
    data = dict(data)
    if "phone" in data:
        data["phone"] = normalise_phone(data["phone"], field="phone")
    if "wechat_id" in data:
        data["wechat_id"] = clean_text(data["wechat_id"]) or None
    for key in ("name", "away_place", "occupation", "industry", "interests"):
        if key in data and data[key] is not None:
            data[key] = clean_text(data[key])
    if "tags" in data:
        data["tags"] = _split_words(data["tags"])
    if "categories" in data:
        data["categories"] = parse_categories(data["categories"])
    if data.get("gender") is None and "gender" in data:
        data["gender"] = ""
    return data


def _check_youth(actor: Any, youth: Youth) -> None:
    errors: dict[str, str] = {}
    if not youth.name:
        errors["name"] = "请填写姓名"
    org: Org = youth.home_org
    if org.level not in (OrgLevel.GRASSROOTS, OrgLevel.TOWNSHIP):
        errors["home_org"] = f"青年须登记在乡镇、村或直属团组织，“{org.name}”是{org.get_level_display()}组织"
    if youth.whereabouts == Whereabouts.HOME and youth.away_place:
        youth.away_place = ""
    if youth.liaison_id and not youth.liaison.is_active:  # type: ignore[union-attr]
        errors["liaison"] = f"联系人“{youth.liaison}”已离任"
    if errors:
        raise RuleError(errors, code="invalid_youth")
    for field, label, code in (
        ("phone", "手机号", "duplicate_phone"),
        ("wechat_id", "微信号", "duplicate_wechat"),
    ):
        value = getattr(youth, field)
        if not value:
            continue
        other = Youth.objects.filter(**{field: value}).exclude(pk=youth.pk).select_related("home_org").first()
        if other is not None:
            if path_in_scope(actor, Action.VIEW, other.home_org.path):
                text = f"{label} {value} 已登记为“{other.home_org.name} {other.name}”，请打开该记录修改或合并"
            else:
                text = f"{label} {value} 已在“{other.home_org.name}”登记，请联系上级管理员核对或合并"
            raise DuplicateYouth({field: text}, existing=other, code=code)


def _check_liaison_scope(actor: Any, liaison: Cadre | None) -> None:
    if liaison is not None:
        require_org_scope(actor, Action.VIEW, liaison.org)


@transaction.atomic
def youth_create(*, actor: Any, home_org: Org, name: str, **fields: Any) -> Youth:
    """Register a youth in ``home_org`` (a village, direct org or township in the actor's scope)."""
    require_org_scope(actor, Action.ADD, home_org)
    data = clean_youth_input({"home_org": home_org, "name": name, **fields})
    unknown = set(data) - set(YOUTH_FIELDS)
    if unknown:
        raise TypeError(f"unknown youth fields: {sorted(unknown)}")
    youth = Youth(**data)
    _check_liaison_scope(actor, youth.liaison)
    _check_youth(actor, youth)
    try:
        with transaction.atomic():
            return save_audited(
                actor=actor,
                obj=youth,
                action="youth.youth.create",
                before=None,
                exclude_clean=["phone", "wechat_id"],
            )
    except IntegrityError as exc:  # registered concurrently
        raise RuleError("该手机号或微信号刚被其他人登记，请刷新后重试", code="duplicate_phone") from exc


@transaction.atomic
def youth_update(*, actor: Any, youth: Youth, data: dict[str, Any]) -> Youth:
    require_org_scope(actor, Action.CHANGE, youth.home_org)
    data = clean_youth_input(data)
    if "home_org" in data and data["home_org"] != youth.home_org:
        require_org_scope(actor, Action.ADD, data["home_org"])
    if "liaison" in data and data["liaison"] != youth.liaison:
        _check_liaison_scope(actor, data["liaison"])
    before = snapshot(youth)
    changed = apply_fields(youth, data, YOUTH_FIELDS)
    _check_youth(actor, youth)
    return save_audited(
        actor=actor,
        obj=youth,
        action="youth.youth.update",
        before=before,
        update_fields=changed,
        exclude_clean=["phone", "wechat_id"],
    )


@transaction.atomic
def youth_delete(*, actor: Any, youth: Youth) -> None:
    """Delete a record entered by mistake (its group memberships go with it)."""
    require_org_scope(actor, Action.DELETE, youth.home_org)
    audit_record(actor=actor, action="youth.youth.delete", obj=youth, before=snapshot(youth), after=None)
    youth.delete()


MERGE_FILL_FIELDS = (
    "gender",
    "birth_year",
    "phone",
    "wechat_id",
    "away_place",
    "occupation",
    "industry",
    "interests",
    "liaison",
    "notes",
)


@transaction.atomic
def youth_merge(*, actor: Any, keep: Youth, duplicate: Youth) -> Youth:
    """Merge ``duplicate`` into ``keep``: blank fields of ``keep`` are filled from the duplicate, lists are
    joined, everything that points at the duplicate (group memberships, activity records …) is moved to
    ``keep``, and the duplicate is deleted. Both records' data are kept in the audit entry."""
    if keep.pk == duplicate.pk:
        raise RuleError("不能把一条记录合并到它自己", code="invalid_merge")
    require_org_scope(actor, Action.DELETE, duplicate.home_org)
    require_org_scope(actor, Action.CHANGE, keep.home_org)
    keep = Youth.objects.select_for_update().get(pk=keep.pk)
    duplicate = Youth.objects.select_for_update().get(pk=duplicate.pk)
    before = {"keep": snapshot(keep), "duplicate": snapshot(duplicate)}
    moved = _move_references(duplicate, keep)
    fills: dict[str, Any] = {}
    for field in MERGE_FILL_FIELDS:
        if not getattr(keep, field) and getattr(duplicate, field):
            fills[field] = getattr(duplicate, field)
    # The unique identifiers move with the row: free them on the duplicate first.
    Youth.objects.filter(pk=duplicate.pk).update(phone=None, wechat_id=None)
    keep.tags = list(dict.fromkeys([*(keep.tags or []), *(duplicate.tags or [])]))
    keep.categories = list(dict.fromkeys([*(keep.categories or []), *(duplicate.categories or [])]))
    keep.is_league_member = keep.is_league_member or duplicate.is_league_member
    for field, value in fills.items():
        setattr(keep, field, value)
    keep.full_clean(exclude=["phone", "wechat_id"])
    keep.save()
    dup_pk = duplicate.pk
    duplicate.delete()
    audit_record(
        actor=actor,
        action="youth.youth.merge",
        obj=keep,
        before=before,
        after={"keep": snapshot(keep), "merged_id": dup_pk, "moved": moved},
    )
    return keep


def _move_references(source: Youth, target: Youth) -> dict[str, int]:
    """Point every foreign key to ``source`` at ``target``. Rows that would then be duplicates of rows
    the target already has (the same group twice) are dropped instead."""
    moved: dict[str, int] = {}
    for rel in Youth._meta.related_objects:
        model = rel.related_model
        if rel.many_to_many or not isinstance(model, type):
            continue
        field = rel.field.name
        rows = model._base_manager.filter(**{field: source})
        count = 0
        for row in rows:
            try:
                with transaction.atomic():
                    model._base_manager.filter(pk=row.pk).update(**{field: target})
                    count += 1
            except IntegrityError:
                row.delete()
        if count:
            moved[model._meta.label] = count
    return moved
