"""Importable and exportable kinds of the orgs app: ``orgs`` (the tree) and ``cadres`` (with a position).

Rows are checked with the same rule helpers the services use (level order, grassroots kind, unique
division code, phone format and uniqueness, one current 书记 per org) and written with the bulk
functions of ``bulk.py``. Every fact a batch needs is fetched once per batch.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from qingnong.core.audit import snapshot
from qingnong.sheets.bulkdb import in_values
from qingnong.sheets.definitions import (
    Bool,
    Choice,
    Code,
    Column,
    ExportContext,
    ImportContext,
    OrgNode,
    OrgRef,
    Phone,
    SheetDefinition,
    SheetRow,
    Text,
    Year,
    diff,
)
from qingnong.sheets.definitions import Date as DateType

from .bulk import (
    POSITION_COLUMNS,
    CadreChange,
    NewCadre,
    NewPosition,
    cadre_import_rows,
    org_bulk_import,
)
from .choices import SINGLE_HOLDER_TITLES, Gender, GrassrootsKind, OrgLevel, OrgStatus, PositionTitle
from .models import Cadre, Org, Position
from .services import (
    division_code_taken_message,
    duplicate_phone_message,
    inactive_org_message,
    org_children_level_error,
    org_shape_errors,
    position_counts_as_current,
    position_dates_error,
    single_holder_message,
)

# --- orgs ----------------------------------------------------------------------------------------

ORG_FIELDS = ("name", "short_name", "level", "kind", "division_code", "contact_phone")

LEVEL_WORDS = {
    "省": OrgLevel.PROVINCE,
    "省委": OrgLevel.PROVINCE,
    "市": OrgLevel.CITY,
    "市委": OrgLevel.CITY,
    "团市委": OrgLevel.CITY,
    "县": OrgLevel.COUNTY,
    "区": OrgLevel.COUNTY,
    "县区": OrgLevel.COUNTY,
    "县委": OrgLevel.COUNTY,
    "团县委": OrgLevel.COUNTY,
    "县级市": OrgLevel.COUNTY,
    "乡": OrgLevel.TOWNSHIP,
    "镇": OrgLevel.TOWNSHIP,
    "街道": OrgLevel.TOWNSHIP,
    "乡镇团委": OrgLevel.TOWNSHIP,
    "乡镇街道": OrgLevel.TOWNSHIP,
    "村": OrgLevel.GRASSROOTS,
    "村级": OrgLevel.GRASSROOTS,
    "社区": OrgLevel.GRASSROOTS,
    "基层组织": OrgLevel.GRASSROOTS,
    "村和直属": OrgLevel.GRASSROOTS,
    "直属": OrgLevel.GRASSROOTS,
}
KIND_WORDS = {
    "村": GrassrootsKind.VILLAGE,
    "村团支部": GrassrootsKind.VILLAGE,
    "社区": GrassrootsKind.VILLAGE,
    "企业": GrassrootsKind.ENTERPRISE,
    "学校": GrassrootsKind.SCHOOL,
    "合作社": GrassrootsKind.COOPERATIVE,
    "其他": GrassrootsKind.OTHER_DIRECT,
    "直属": GrassrootsKind.OTHER_DIRECT,
}

ORG_COLUMNS = [
    Column(
        "name",
        "组织名称",
        Text(max_length=100),
        required=True,
        aliases=("名称", "团组织名称", "单位名称"),
        example="新河村",
        help="地名或单位名，如“新河村”“石牌镇”“安庆某某公司”",
    ),
    Column(
        "parent",
        "上级组织",
        OrgRef(),
        aliases=("所属上级", "上级", "上级团组织", "上级单位", "所属乡镇"),
        example="怀宁县/石牌镇",
        help="新增组织必填；可写路径或行政区划代码。本文件前面行新增的组织也可作为上级",
    ),
    Column(
        "level",
        "层级",
        Choice(OrgLevel.choices, synonyms=LEVEL_WORDS),
        required=True,
        aliases=("组织层级", "级别"),
        example="基层",
    ),
    Column(
        "kind",
        "基层组织类别",
        Choice(GrassrootsKind.choices, synonyms=KIND_WORDS),
        aliases=("类别", "组织类别", "类型"),
        example="村团组织",
        help="层级为“基层”时必填",
    ),
    Column("short_name", "简称", Text(max_length=30), example="新河", help="用于“青农XX”命名"),
    Column(
        "division_code",
        "行政区划代码",
        Code(max_length=20, digits_only=True),
        aliases=("区划代码", "行政区划编码", "区划编码"),
        example="340822101201",
        help="可不填；填写时全系统唯一，用于再次导入时匹配",
    ),
    Column(
        "contact_phone", "联系电话", Text(max_length=30), aliases=("电话", "办公电话"), example="0556-1234567"
    ),
]


def _org_row_hook(row: SheetRow, ctx: ImportContext) -> None:
    """Match the row to an existing org (by division code, else by parent + name) or register the org
    it will create, so that later rows can name it as their parent."""
    index = ctx.orgs
    code = row.get("division_code")
    parent: OrgNode | None = row.get("parent")
    match: OrgNode | None = None
    if code:
        match = index.by_code.get(code)
        if match is not None and match.pending:
            match = None
        if match is not None and parent is not None and match.parent is not parent:
            row.error(
                "parent",
                f"行政区划代码 {code} 属于“{match.display_path}”，其上级与本行不一致；"
                "移动组织请在组织页面操作",
            )
            return
    if match is None:
        if parent is None:
            if code:
                row.error("parent", f"系统中没有行政区划代码为 {code} 的组织；新增组织必须填写上级组织")
            else:
                row.error("parent", "新增组织必须填写上级组织（或填写已有组织的行政区划代码以修改它）")
            return
        match = index.children_by_name(parent).get(row.values["name"])
        if match is not None and match.pending:
            match = None
    row.data["match"] = match
    if match is None:
        row.data["node"] = index.add_pending(
            name=row.values["name"],
            short_name=row.get("short_name", ""),
            level=row.values["level"],
            kind=row.get("kind", ""),
            code=code,
            parent=parent,
            row=row,
        )


def _validate_orgs(rows: list[SheetRow], ctx: ImportContext) -> None:
    pks = [row.data["match"].pk for row in rows if row.data.get("match") is not None]
    current = {o["pk"]: o for o in Org.objects.filter(pk__in=pks).values("pk", *ORG_FIELDS)} if pks else {}
    for row in rows:
        match: OrgNode | None = row.data.get("match")
        code = row.get("division_code")
        if match is None:
            node: OrgNode = row.data["node"]
            parent = node.parent
            assert parent is not None
            if parent.pending and parent.row is not None and not parent.row.ok:
                row.error("parent", f"上级组织“{parent.name}”（第 {parent.row.number} 行）有错误")
                continue
            if not parent.is_active:
                row.error("parent", inactive_org_message(parent.name))
                continue
            errors = org_shape_errors(
                level=node.level, kind=node.kind, parent_level=parent.level, parent_name=parent.name
            )
            if code:
                other = ctx.orgs.by_code.get(code)
                if other is not None and other is not node:
                    errors["division_code"] = division_code_taken_message(code, other.name)
            for field, message in errors.items():
                row.error(field, message)
            row.mark_new()
            continue
        values = current[match.pk]
        if not match.is_active:
            row.error("name", f"组织“{match.display_path}”已撤销或合并，不能通过导入修改")
            continue
        changes = diff(row, values, ORG_FIELDS)
        level = row.get("level", values["level"])
        kind = row.get("kind", values["kind"])
        errors = org_shape_errors(
            level=level,
            kind=kind if level == OrgLevel.GRASSROOTS or "kind" in changes else "",
            parent_level=match.parent.level if match.parent else None,
            parent_name=match.parent.name if match.parent else "",
        )
        if "level" in changes:
            level_error = org_children_level_error(level, [c.level for c in ctx.orgs.children_of(match)])
            if level_error:
                errors["level"] = level_error
        if "division_code" in changes:
            other = ctx.orgs.by_code.get(code)
            if other is not None and other is not match:
                errors["division_code"] = division_code_taken_message(code, other.name)
        for field, message in errors.items():
            row.error(field, message)
        row.mark_existing(match, path=match.path or "", changes=changes)


def _write_orgs(rows: list[SheetRow], ctx: ImportContext) -> None:
    creates: list[tuple[Org, Org | str]] = []
    made: dict[int, Org] = {}
    nodes: list[tuple[OrgNode, Org]] = []
    updates: list[tuple[Org, dict[str, Any] | None]] = []
    fields: set[str] = set()
    pks = [row.existing.pk for row in rows if row.status == "updated"]
    instances = Org.objects.in_bulk(pks) if pks else {}
    for row in rows:
        if row.status == "new":
            node: OrgNode = row.data["node"]
            org = Org(
                name=node.name,
                short_name=node.short_name,
                level=node.level,
                kind=node.kind,
                division_code=node.code,
                contact_phone=row.get("contact_phone", ""),
            )
            parent = node.parent
            assert parent is not None
            creates.append((org, parent.path if parent.path is not None else made[id(parent)]))
            made[id(node)] = org
            nodes.append((node, org))
        else:
            org = instances[row.existing.pk]
            before = snapshot(org)
            for field, (_old, new) in row.changes.items():
                setattr(org, field, new)
                fields.add(field)
            updates.append((org, before))
    org_bulk_import(
        actor=ctx.actor,
        creates=creates,
        updates=updates,
        update_fields=sorted(fields),
        last_child_path=ctx.orgs.last_child_path,
    )
    for node, org in nodes:
        ctx.orgs.created(node, pk=org.pk, path=org.path)


def _export_orgs(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    assert ctx.orgs is not None
    qs = ctx.restrict(Org.objects.filter(status=OrgStatus.ACTIVE).order_by("path"), "path")
    for pk, path, *values in qs.values_list("pk", "path", *ORG_FIELDS).iterator(chunk_size=2000):
        node = ctx.orgs.node(pk)
        row = dict(zip(ORG_FIELDS, values, strict=True))
        row["parent"] = node.parent if node is not None else None
        row["_path"] = path
        yield row


ORGS = SheetDefinition(
    kind="orgs",
    label="组织",
    description="团组织架构：新增下级组织，或按行政区划代码 / 上级+名称更新已有组织",
    columns=ORG_COLUMNS,
    keys=[("division_code",), ("parent", "name")],
    scope_column="parent",
    row_hook=_org_row_hook,
    validate=_validate_orgs,
    write=_write_orgs,
    export=_export_orgs,
    model=Org,
    notes=[
        "每行一个组织。按“行政区划代码”匹配已有组织，没有代码时按“上级组织 + 组织名称”匹配；匹配不到的新增。",
        "上级组织可以是本文件前面行里新增的组织（先写乡镇，再写其下的村）。",
        "导入不会移动、撤销或删除组织；空白单元格表示“不修改”。",
    ],
)


# --- cadres --------------------------------------------------------------------------------------

CADRE_FIELDS = ("name", "gender", "birth_year", "wechat_id", "notes", "is_active")
POSITION_FIELDS = ("title_text", "is_leadership", "is_committee", "is_full_time", "start_date", "end_date")
_CADRE_VALUES = (
    "pk",
    "org_id",
    "org__path",
    "org__name",
    "name",
    "gender",
    "birth_year",
    "phone",
    "wechat_id",
    "notes",
    "is_active",
    "created_at",
    "updated_at",
)
# A position as the import reads it back: its id and the columns the bulk writer stores.
_POSITION_VALUES = ("pk", *POSITION_COLUMNS)

TITLE_WORDS = {
    "团委书记": PositionTitle.SECRETARY,
    "团支部书记": PositionTitle.SECRETARY,
    "支部书记": PositionTitle.SECRETARY,
    "团总支书记": PositionTitle.SECRETARY,
    "团工委书记": PositionTitle.SECRETARY,
    "团委副书记": PositionTitle.DEPUTY,
    "挂职副书记": PositionTitle.PART_TIME_DEPUTY,
    "兼职团委副书记": PositionTitle.PART_TIME_DEPUTY,
    "团委委员": PositionTitle.MEMBER,
    "支委": PositionTitle.MEMBER,
    "支部委员": PositionTitle.MEMBER,
    "组织委员": PositionTitle.MEMBER,
    "宣传委员": PositionTitle.MEMBER,
    "团组织负责人": PositionTitle.LEADER,
}

CADRE_COLUMNS = [
    Column(
        "org",
        "所属组织",
        OrgRef(),
        required=True,
        aliases=("单位", "所在单位", "所属团组织", "工作单位", "团组织", "组织"),
        example="怀宁县/石牌镇/新河村",
        help="团干部所在（任职）的组织",
    ),
    Column(
        "name", "姓名", Text(max_length=50), required=True, aliases=("干部姓名", "团干部姓名"), example="张三"
    ),
    Column(
        "phone",
        "手机号",
        Phone(),
        required=True,
        aliases=("手机", "手机号码", "联系电话", "联系方式", "电话", "移动电话"),
        personal="phone",
        example="13900000000",
        help="团干部的唯一标识：再次导入时按手机号更新",
    ),
    Column("gender", "性别", Choice(Gender.choices), example="男"),
    Column(
        "birth_year",
        "出生年份",
        Year(min_value=1940, max_value=2015),
        aliases=("出生年月", "出生日期", "出生年"),
        example=1995,
    ),
    Column("wechat_id", "微信号", Text(max_length=40), aliases=("微信",), personal="text"),
    Column(
        "title",
        "职务",
        Choice(PositionTitle.choices, synonyms=TITLE_WORDS),
        aliases=("现任职务", "职位", "团内职务"),
        example="书记",
        help="在所属组织担任的职务；其他职务请在团干部页面添加",
    ),
    Column("title_text", "职务全称", Text(max_length=50), example="团支部书记"),
    Column("is_leadership", "班子成员", Bool(), example="否"),
    Column("is_committee", "团委成员", Bool(), example="否"),
    Column(
        "is_full_time",
        "专职",
        Bool(true_words=("专职",), false_words=("兼职",)),
        aliases=("是否专职", "专兼职"),
        example="否",
    ),
    Column(
        "start_date",
        "任职日期",
        DateType(),
        aliases=("任职时间", "任现职时间"),
        example=datetime.date(2014, 9, 5),
    ),
    Column("end_date", "离任日期", DateType(), aliases=("离任时间",)),
    Column("is_active", "在任", Bool(), aliases=("是否在任",), default=True, example="是"),
    Column("notes", "备注", Text(), example=""),
]


def _validate_cadres(rows: list[SheetRow], ctx: ImportContext) -> None:
    state = ctx.state
    holders_in_file: dict[tuple[int, str], tuple[int, str]] = state.setdefault("holders", {})
    imported: set[int] = state.setdefault("imported_cadres", set())
    phones = [row.values["phone"] for row in rows]
    existing = {
        c["phone"]: c for c in Cadre.objects.filter(phone__in=in_values(phones)).values(*_CADRE_VALUES)
    }
    positions: dict[int, list[dict[str, Any]]] = {}
    if existing:
        ids = [c["pk"] for c in existing.values()]
        for p in Position.objects.filter(cadre_id__in=ids).order_by("pk").values(*_POSITION_VALUES):
            positions.setdefault(p["cadre_id"], []).append(p)
    secretary_orgs = {
        row.values["org"].pk
        for row in rows
        if row.get("title") in SINGLE_HOLDER_TITLES and row.values["org"].pk
    }
    holders: dict[tuple[int, str], tuple[int, str]] = {}
    if secretary_orgs:
        current = Position.objects.current().filter(org_id__in=secretary_orgs, title__in=SINGLE_HOLDER_TITLES)
        for org_id, held, cadre_id, holder_name in current.values_list(
            "org_id", "title", "cadre_id", "cadre__name"
        ):
            holders[(org_id, held)] = (cadre_id, holder_name)
    single = SINGLE_HOLDER_TITLES
    for row in rows:
        values = row.values
        get = values.get
        data = row.data
        org: OrgNode = values["org"]
        phone = values["phone"]
        name = values["name"]
        if not org.is_active:
            row.error("org", inactive_org_message(org.name))
            continue
        cur = existing.get(phone)
        changes: dict[str, tuple[Any, Any]] = {}
        moved = False
        if cur is not None:
            if cur["name"] != name:
                row.error(
                    "phone",
                    duplicate_phone_message(phone, cur["org__name"], cur["name"])
                    + f"，与本行姓名“{name}”不符",
                )
                continue
            changes = diff(row, cur, CADRE_FIELDS)
            if org.pk != cur["org_id"]:
                changes["org"] = (cur["org__name"], org.display_path)
                moved = True
            data["cadre_changes"] = {k: v for k, v in changes.items() if k != "org"}
        else:
            data["cadre_changes"] = {}
        data["cadre"] = cur
        title = get("title")
        if title:
            start, end = get("start_date"), get("end_date")
            pos = (
                _matching_position(positions.get(cur["pk"], []), org.pk, title, end)
                if cur is not None
                else None
            )
            if pos is not None:
                start = start if "start_date" in values else pos["start_date"]
                end = end if "end_date" in values else pos["end_date"]
            dates_error = position_dates_error(start, end)
            if dates_error:
                row.error("end_date", dates_error)
                continue
            if title in single:
                # A row that ends the current holder's term lets later rows name the successor.
                ending = holders.get((org.pk, title)) if org.pk else None
                if (
                    not position_counts_as_current(end)
                    and cur is not None
                    and ending
                    and ending[0] == cur["pk"]
                ):
                    state.setdefault("released", set()).add((org.pk, title))
                if position_counts_as_current(end):
                    label = str(PositionTitle(title).label)
                    first = holders_in_file.get((org.pk or id(org), title))
                    if first is not None:
                        row.error(
                            "title",
                            f"{single_holder_message(org.name, label, first[1])}（见第 {first[0]} 行）",
                        )
                        continue
                    holder = holders.get((org.pk, title)) if org.pk else None
                    released = (org.pk, title) in state.get("released", ())
                    if (
                        holder is not None
                        and not released
                        and (cur is None or holder[0] != cur["pk"])
                        and holder[0] not in imported
                    ):
                        row.error("title", single_holder_message(org.name, label, holder[1]))
                        continue
                    holders_in_file[(org.pk or id(org), title)] = (row.number, name)
            data["pos"] = pos
            if pos is not None:
                pos_changes = diff(row, pos, POSITION_FIELDS)
                data["pos_changes"] = pos_changes
                changes.update(pos_changes)
            else:
                data["pos_changes"] = {}
                if cur is not None:
                    changes["title"] = ("", str(PositionTitle(title).label))
        if cur is None:
            row.mark_new()
        else:
            row.mark_existing(cur, path=cur["org__path"], changes=changes, moved=moved)


def _matching_position(
    positions: list[dict[str, Any]], org_id: int | None, title: str, end: datetime.date | None
) -> dict[str, Any] | None:
    """The cadre's position this row speaks of: the current one at the org with the title, else a
    past one ending on the row's end date; None means the row adds a position."""
    same = [p for p in positions if p["org_id"] == org_id and p["title"] == title]
    current = [p for p in same if position_counts_as_current(p["end_date"])]
    if current:
        return current[-1]
    if end is not None:
        for p in same:
            if p["end_date"] == end:
                return p
    return None


def _cadre_snapshot(cur: dict[str, Any]) -> dict[str, Any]:
    """``snapshot(cadre)`` of an existing cadre, from the values ``_validate_cadres`` fetched."""
    return {
        "id": cur["pk"],
        "org": cur["org_id"],
        "name": cur["name"],
        "gender": cur["gender"],
        "birth_year": cur["birth_year"],
        "phone": cur["phone"],
        "wechat_id": cur["wechat_id"],
        "notes": cur["notes"],
        "is_active": cur["is_active"],
        "created_at": cur["created_at"],
        "updated_at": cur["updated_at"],
    }


def _position_snapshot(pos: dict[str, Any]) -> dict[str, Any]:
    names = {"pk": "id", "cadre_id": "cadre", "org_id": "org"}
    return {names.get(k, k): v for k, v in pos.items()}


def _write_cadres(rows: list[SheetRow], ctx: ImportContext) -> None:
    """New cadres become ``NewCadre`` tuples (no model instances, no dicts); rows about existing cadres
    become ``CadreChange`` (their snapshots before and after)."""
    new: list[NewCadre] = []
    changes: list[CadreChange] = []
    for row in rows:
        v = row.values
        get = v.get
        org: OrgNode = v["org"]
        cur = row.data["cadre"]
        title = get("title")
        pos = row.data.get("pos") if title else None
        position = None
        if title and pos is None:
            position = NewPosition(
                title,
                get("title_text", ""),
                get("is_leadership", False),
                get("is_committee", False),
                get("is_full_time", False),
                get("start_date"),
                get("end_date"),
            )
        if cur is None:
            new.append(
                NewCadre(
                    org.path or "",
                    org.pk or 0,
                    v["name"],
                    get("gender", ""),
                    get("birth_year"),
                    v["phone"],
                    get("wechat_id", ""),
                    get("notes", ""),
                    get("is_active", True),
                    position,
                )
            )
            continue
        before = _cadre_snapshot(cur)
        after = dict(before)
        changed = []
        for field, (_old, value) in row.data["cadre_changes"].items():
            after[field] = value
            changed.append(field)
        if cur["org_id"] != org.pk:
            after["org"] = org.pk
            changed.append("org")
        change = CadreChange(org.path or "", before, after, tuple(changed))
        if position is not None:
            change.position = {"id": None, "cadre": cur["pk"], "org": org.pk, **position._asdict()}
        elif pos is not None and row.data["pos_changes"]:
            change.position_before = _position_snapshot(pos)
            change.position = dict(change.position_before)
            for field, (_old, value) in row.data["pos_changes"].items():
                change.position[field] = value
            change.position_changed = tuple(row.data["pos_changes"])
        changes.append(change)
    ids = cadre_import_rows(actor=ctx.actor, new=new, changes=changes)
    imported: set[int] = ctx.state.setdefault("imported_cadres", set())
    imported.update(ids)


def _export_cadres(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    assert ctx.orgs is not None
    qs = ctx.restrict(Cadre.objects.order_by("org__path", "name", "id"), "org__path")
    fields = (
        "pk",
        "org_id",
        "org__path",
        "name",
        "gender",
        "birth_year",
        "phone",
        "wechat_id",
        "notes",
        "is_active",
    )
    chunk: list[tuple[Any, ...]] = []
    for values in qs.values_list(*fields).iterator(chunk_size=2000):
        chunk.append(values)
        if len(chunk) >= 2000:
            yield from _cadre_chunk(ctx, chunk)
            chunk = []
    if chunk:
        yield from _cadre_chunk(ctx, chunk)


def _cadre_chunk(ctx: ExportContext, chunk: list[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    """One query for the current positions of a chunk; the position in the cadre's own org first."""
    assert ctx.orgs is not None
    main: dict[int, dict[str, Any]] = {}
    org_of = {values[0]: values[1] for values in chunk}
    rows = (
        Position.objects.current()
        .filter(cadre_id__in=list(org_of))
        .order_by("cadre_id", "pk")
        .values("cadre_id", "org_id", "title", *POSITION_FIELDS)
    )
    for p in rows:
        cadre_id = p["cadre_id"]
        if cadre_id not in main or (
            p["org_id"] == org_of[cadre_id] and main[cadre_id]["org_id"] != org_of[cadre_id]
        ):
            main[cadre_id] = p
    for pk, org_id, path, name, gender, birth_year, phone, wechat_id, notes, is_active in chunk:
        row: dict[str, Any] = {
            "org": ctx.orgs.node(org_id),
            "name": name,
            "gender": gender,
            "birth_year": birth_year,
            "phone": phone,
            "wechat_id": wechat_id,
            "notes": notes,
            "is_active": is_active,
            "_path": path,
        }
        position = main.get(pk)
        if position is not None:
            row["title"] = position["title"]
            for field in POSITION_FIELDS:
                row[field] = position[field]
        yield row


CADRES = SheetDefinition(
    kind="cadres",
    label="团干部",
    description="团干部花名册（含在所属组织的职务）：按手机号新增或更新",
    columns=CADRE_COLUMNS,
    keys=[("phone",)],
    scope_column="org",
    validate=_validate_cadres,
    write=_write_cadres,
    export=_export_cadres,
    model=Cadre,
    notes=[
        "每行一名团干部。手机号是唯一标识：系统中已有该手机号时更新其信息，没有时新增。",
        "“职务”是在“所属组织”担任的职务；同一组织只能有一名在任书记（需先为原书记办理离任，或在本文件前面的行中填写其离任日期）。",
        "导入不会删除团干部或职务；空白单元格表示“不修改”。",
    ],
)

SHEETS = [ORGS, CADRES]
