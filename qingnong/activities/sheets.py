"""The ``activities`` kind of the sheets pipeline: import an activity ledger (活动台账) and export one.

A row is one activity, matched by (举办组织, 活动日期, 活动名称): an existing one is updated, a new one
added. The rules are the services' own (``activity_rule_errors``): a held activity dated at most
tomorrow, participants 0–100 000, a place for offline activities, duration 0.5–720 hours. The groups
are named by name among the organising org's groups. Each batch is checked with a fixed number of
queries and written in bulk with its audit entries; held activities bring their groups back to 活跃.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from qingnong.content.services import groups_reactivate
from qingnong.core.audit import audit_bulk, snapshot
from qingnong.core.permissions import Action
from qingnong.core.scoping import path_in_scope
from qingnong.core.services import require_scope
from qingnong.sheets.bulkdb import fast_insert, fast_update, new_instance
from qingnong.sheets.columns import CellError, ColumnType, cell_text, shown
from qingnong.sheets.definitions import (
    Choice,
    Column,
    Date,
    ExportContext,
    ImportContext,
    Integer,
    OrgNode,
    OrgRef,
    SheetDefinition,
    SheetRow,
    Text,
    diff,
)
from qingnong.wxgroups.choices import GroupStatus
from qingnong.wxgroups.models import ChatGroup

from .choices import ActivityStatus, ActivityTheme, ActivityType
from .models import Activity
from .services import activity_rule_errors, inactive_org_message


@dataclass
class Hours(ColumnType):
    """A duration in hours: 2, 1.5, "2小时", "半天" (4), "一天" / "全天" (8)."""

    cacheable: ClassVar[bool] = True
    label: ClassVar[str] = "小时数"
    WORDS: ClassVar[dict[str, Decimal]] = {"半天": Decimal(4), "一天": Decimal(8), "全天": Decimal(8)}

    def parse(self, value: Any) -> Decimal:
        if isinstance(value, bool):
            raise CellError("应为小时数")
        text = cell_text(value)
        if text in self.WORDS:
            return self.WORDS[text]
        text = text.removesuffix("小时").removesuffix("h").removesuffix("H").strip()
        try:
            return Decimal(text).quantize(Decimal("0.1"))
        except InvalidOperation:
            raise CellError(f"“{shown(value)}”不是小时数，请写成 2 或 1.5") from None

    def describe(self) -> str:
        return "小时数，如 2 或 1.5（也认“半天”“一天”）"


TYPE_WORDS = {
    "线上活动": ActivityType.ONLINE,
    "网上": ActivityType.ONLINE,
    "网络": ActivityType.ONLINE,
    "线下活动": ActivityType.OFFLINE,
    "现场": ActivityType.OFFLINE,
    "线上+线下": ActivityType.MIXED,
    "线上线下": ActivityType.MIXED,
    "结合": ActivityType.MIXED,
}
THEME_WORDS = {
    "创业": ActivityTheme.ENTREPRENEURSHIP,
    "培训": ActivityTheme.ENTREPRENEURSHIP,
    "技能培训": ActivityTheme.ENTREPRENEURSHIP,
    "志愿": ActivityTheme.VOLUNTEER,
    "志愿者": ActivityTheme.VOLUNTEER,
    "文体活动": ActivityTheme.CULTURE_SPORTS,
    "文艺": ActivityTheme.CULTURE_SPORTS,
    "体育": ActivityTheme.CULTURE_SPORTS,
    "宣讲": ActivityTheme.POLICY,
    "政策": ActivityTheme.POLICY,
    "交友": ActivityTheme.SOCIAL,
    "联谊交友": ActivityTheme.SOCIAL,
}
STATUS_WORDS = {
    "已开展": ActivityStatus.HELD,
    "已完成": ActivityStatus.HELD,
    "已举行": ActivityStatus.HELD,
    "举办": ActivityStatus.HELD,
    "计划中": ActivityStatus.PLANNED,
    "拟开展": ActivityStatus.PLANNED,
    "未开展": ActivityStatus.PLANNED,
}
FIELDS = (
    "activity_type",
    "theme",
    "status",
    "duration_hours",
    "place",
    "participants",
    "description",
    "link",
)
GROUP_SEPARATORS = ("、", "，", ",", ";", "；", "\n")

COLUMNS = [
    Column(
        "org",
        "举办组织",
        OrgRef(),
        required=True,
        aliases=("组织", "单位", "举办单位", "所属组织", "团组织"),
        example="怀宁县/石牌镇/新河村",
    ),
    Column(
        "title",
        "活动名称",
        Text(max_length=100),
        required=True,
        aliases=("名称", "活动标题", "活动内容"),
        example="返乡青年创业沙龙",
    ),
    Column(
        "held_on",
        "活动日期",
        Date(),
        required=True,
        aliases=("日期", "举办日期", "活动时间", "时间"),
        example=datetime.date(2014, 9, 20),
    ),
    Column(
        "activity_type",
        "形式",
        Choice(ActivityType.choices, synonyms=TYPE_WORDS),
        required=True,
        aliases=("活动形式", "线上线下"),
        example="线下",
    ),
    Column(
        "theme",
        "主题",
        Choice(ActivityTheme.choices, synonyms=THEME_WORDS),
        required=True,
        aliases=("活动主题", "活动类别", "类别"),
        example="创业培训",
    ),
    Column(
        "status",
        "状态",
        Choice(ActivityStatus.choices, synonyms=STATUS_WORDS),
        default=ActivityStatus.HELD,
        aliases=("举办状态", "是否举办"),
        example="已举办",
        help="不填为“已举办”；尚未举办的填“计划”",
    ),
    Column(
        "duration_hours",
        "时长（小时）",
        Hours(),
        required=True,
        aliases=("时长", "活动时长", "小时"),
        example=2,
    ),
    Column("place", "地点", Text(max_length=100), aliases=("活动地点", "举办地点"), example="村部会议室"),
    Column(
        "participants",
        "参加人数",
        Integer(),
        required=True,
        aliases=("人数", "参与人数", "参加人次"),
        example=30,
        help="0 到 100000",
    ),
    Column(
        "groups",
        "相关微信群",
        Text(),
        aliases=("微信群", "群名称", "活动所在群"),
        example="新河村青年群",
        help="举办组织的微信群名称，多个用顿号分隔",
    ),
    Column("description", "活动简介", Text(), aliases=("简介", "活动情况"), example=""),
    Column("link", "链接", Text(max_length=500), aliases=("报道链接", "网址"), example=""),
]


def _group_names(text: str) -> list[str]:
    for sep in GROUP_SEPARATORS[1:]:
        text = text.replace(sep, GROUP_SEPARATORS[0])
    return [name.strip() for name in text.split(GROUP_SEPARATORS[0]) if name.strip()]


_url = URLValidator(schemes=["http", "https"])


def _validate(rows: list[SheetRow], ctx: ImportContext) -> None:
    org_ids = {row.values["org"].pk for row in rows if row.values["org"].pk}
    # Existing activities of the batch's orgs on the batch's days: one query.
    days = {row.values["held_on"] for row in rows}
    existing: dict[tuple[int, datetime.date, str], dict[str, Any]] = {}
    for values in Activity.objects.filter(org_id__in=org_ids, held_on__in=days).values(
        "pk", "org_id", "org__path", "held_on", "title", *FIELDS
    ):
        existing[(values["org_id"], values["held_on"], values["title"])] = values
    # The orgs' groups by name: one query.
    groups: dict[tuple[int, str], int] = {}
    if ctx.has_column("groups"):
        for pk, org_id, name in (
            ChatGroup.objects.filter(org_id__in=org_ids)
            .exclude(status=GroupStatus.DISSOLVED)
            .values_list("pk", "org_id", "name")
        ):
            groups[(org_id, name)] = pk
    matched = [v["pk"] for v in existing.values()]
    links: dict[int, list[int]] = defaultdict(list)
    if matched and ctx.has_column("groups"):
        for activity_id, group_id in Activity.groups.through.objects.filter(
            activity_id__in=matched
        ).values_list("activity_id", "chatgroup_id"):
            links[activity_id].append(group_id)
    for row in rows:
        org: OrgNode = row.values["org"]
        if not org.is_active or org.pk is None:
            row.error("org", inactive_org_message(org.name))
            continue
        key = (org.pk, row.values["held_on"], row.values["title"])
        current = existing.get(key)
        merged = {name: row.get(name, current.get(name) if current else None) for name in FIELDS}
        merged["status"] = merged["status"] or ActivityStatus.HELD
        errors = activity_rule_errors(
            title=row.values["title"],
            activity_type=merged["activity_type"],
            theme=merged["theme"],
            status=merged["status"],
            held_on=row.values["held_on"],
            duration_hours=merged["duration_hours"],
            place=merged["place"] or "",
            participants=merged["participants"],
        )
        link = row.get("link")
        if link:
            try:
                _url(link)
            except ValidationError:
                errors["link"] = f"链接“{shown(link)}”不是有效网址（应以 http:// 或 https:// 开头）"
        group_ids: list[int] | None = None
        if not path_in_scope(ctx.actor, Action.ADD, org.scope_path):
            # Outside the importer's scope: the pipeline's scope check names it; say nothing of its groups.
            row.mark_new()
            continue
        if row.has("groups"):
            group_ids = []
            for name in _group_names(row.values["groups"]):
                pk = groups.get((org.pk, name))
                if pk is None:
                    errors["groups"] = f"“{org.name}”没有名为“{name}”的微信群（或已解散）"
                    break
                group_ids.append(pk)
        for field, message in errors.items():
            row.error(field, message)
        if not row.ok:
            continue
        row.data["merged"] = merged
        row.data["group_ids"] = group_ids
        if current is None:
            row.mark_new()
        else:
            changes = diff(row, current, FIELDS)
            row.data["current"] = current
            if group_ids is not None and sorted(group_ids) != sorted(links.get(current["pk"], [])):
                changes["groups"] = ("", row.values["groups"])
            elif group_ids is not None:
                row.data["group_ids"] = None  # the same groups: nothing to rewrite
            row.mark_existing(current, path=current["org__path"], changes=changes)


def _write(rows: list[SheetRow], ctx: ImportContext) -> None:
    from qingnong.orgs.models import Org

    orgs = Org.objects.in_bulk({row.values["org"].pk for row in rows})
    # Re-checked here as the services do, whatever the pipeline checked before.
    for row in rows:
        if row.status == "new":
            require_scope(ctx.actor, Action.ADD, orgs[row.values["org"].pk].path)
        else:
            require_scope(ctx.actor, Action.CHANGE, row.existing_path)
    new: list[Activity] = []
    new_rows: list[SheetRow] = []
    updated: list[Activity] = []
    befores: dict[Any, dict[str, Any] | None] = {}
    fields: set[str] = set()
    actor_id = getattr(ctx.actor, "pk", None)
    pks = [row.existing["pk"] for row in rows if row.status == "updated"]
    instances = Activity.objects.in_bulk(pks) if pks else {}
    for row in rows:
        merged = row.data["merged"]
        org = orgs[row.values["org"].pk]
        if row.status == "new":
            values = {name: merged[name] for name in FIELDS}
            for name in ("place", "description", "link"):
                values[name] = values[name] or ""
            values.update(
                org_id=org.pk,
                title=row.values["title"],
                held_on=row.values["held_on"],
                created_by_id=actor_id,
            )
            activity = new_instance(Activity, values, {"org": org})
            new.append(activity)
            new_rows.append(row)
        else:
            activity = instances[row.existing["pk"]]
            activity._state.fields_cache["org"] = org
            befores[activity.pk] = snapshot(activity)
            for field, (_old, value) in row.changes.items():
                if field != "groups":
                    setattr(activity, field, value)
                    fields.add(field)
            updated.append(activity)
            row.data["activity"] = activity
    fast_insert(Activity, new)
    for row, activity in zip(new_rows, new, strict=True):
        row.data["activity"] = activity
    if updated and fields:
        fast_update(Activity, updated, sorted(fields))
    # Group links: replace those of the rows that name groups (one delete, one insert).
    through = Activity.groups.through
    linked = [row for row in rows if row.data.get("group_ids") is not None]
    if linked:
        through.objects.filter(
            activity_id__in=[r.data["activity"].pk for r in linked if r.status == "updated"]
        ).delete()
        through.objects.bulk_create(
            [
                through(activity_id=r.data["activity"].pk, chatgroup_id=g)
                for r in linked
                for g in r.data["group_ids"]
            ]
        )
    audit_bulk(actor=ctx.actor, action="activities.activity.import", objects=new)
    audit_bulk(actor=ctx.actor, action="activities.activity.import_update", objects=updated, befores=befores)
    # R12: held activities bring their groups back to 活跃 (one pass for the batch).
    today = timezone.localdate()
    latest: dict[int, datetime.date] = {}
    for row in linked:
        if row.data["merged"]["status"] == ActivityStatus.HELD:
            day = min(row.values["held_on"], today)
            for group_id in row.data["group_ids"]:
                latest[group_id] = max(day, latest.get(group_id, day))
    groups_reactivate(actor=ctx.actor, dates=latest)


def _export(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    assert ctx.orgs is not None
    qs = ctx.restrict(Activity.objects.order_by("org__path", "held_on", "pk"), "org__path")
    names = ("pk", "org_id", "org__path", "title", "held_on", *FIELDS)
    chunk: list[dict[str, Any]] = []

    def flush(part: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        groups: dict[int, list[str]] = defaultdict(list)
        through = Activity.groups.through
        for activity_id, name in (
            through.objects.filter(activity_id__in=[v["pk"] for v in part])
            .order_by("activity_id", "chatgroup__name")
            .values_list("activity_id", "chatgroup__name")
        ):
            groups[activity_id].append(name)
        assert ctx.orgs is not None
        for values in part:
            row = {name: values[name] for name in ("title", "held_on", *FIELDS)}
            row["org"] = ctx.orgs.node(values["org_id"])
            row["groups"] = "、".join(groups.get(values["pk"], []))
            row["_path"] = values["org__path"]
            yield row

    for values in qs.values(*names).iterator(chunk_size=2000):
        chunk.append(values)
        if len(chunk) >= 2000:
            yield from flush(chunk)
            chunk = []
    if chunk:
        yield from flush(chunk)


ACTIVITIES = SheetDefinition(
    kind="activities",
    label="线上线下活动",
    description="活动台账：按“举办组织 + 活动日期 + 活动名称”新增或更新活动",
    columns=COLUMNS,
    keys=[("org", "held_on", "title")],
    scope_column="org",
    validate=_validate,
    write=_write,
    export=_export,
    model=Activity,
    notes=[
        "每行一项活动。按“举办组织 + 活动日期 + 活动名称”匹配已有活动：匹配到的更新，匹配不到的新增。",
        "已举办的活动日期不能晚于明天；尚未举办的活动请把“状态”填为“计划”。参加人数为 0 到 100000。",
        "“相关微信群”填举办组织的群名称，多个用顿号分隔；填写后替换该活动原有的关联群。",
        "活动照片请在活动页面上传；导入不会删除活动，空白单元格表示“不修改”。",
    ],
)

SHEETS = [ACTIVITIES]
