"""The ``groups`` and ``group_members`` kinds of the sheets pipeline (the 台账 a township keeps in Excel).

``groups``: a row is one WeChat group, named by its org path and its name; an existing group is
updated, a new one added (with its own live code). The rules are the services' (``group_rule_errors``:
R2 团青 level, R3 青农 level and one live 青农 group per org, R4 专属 category, R5 naming, 0–500 members).

``group_members``: a row is one person in a group's member list — the group named by org path + group
name, the person by name + phone. A youth with that phone is added (a new youth is registered in the
group's org when there is none); with 身份 = 团干部 the cadre with that phone is added.

Each batch is checked with a fixed number of queries and written in bulk with its audit entries.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from django.db.models import Q
from django.utils import timezone

from qingnong.core.audit import audit_bulk, snapshot
from qingnong.core.permissions import Action
from qingnong.core.services import require_scope
from qingnong.orgs.models import Cadre, Org
from qingnong.sheets.bulkdb import fast_insert, fast_update, new_instance
from qingnong.sheets.definitions import (
    CadreRef,
    Choice,
    Column,
    Date,
    ExportContext,
    ImportContext,
    Integer,
    OrgRef,
    Phone,
    SheetDefinition,
    SheetRow,
    Text,
    diff,
)
from qingnong.youth.choices import YouthCategory, YouthSource
from qingnong.youth.models import Youth

from .choices import Basis, GroupStatus, GroupType, LiveCodeMode
from .models import ChatGroup, GroupMembership, LiveCode, LiveCodeGroup
from .services import group_rule_errors, parse_bases, r3_message, unique_live_codes

TYPE_WORDS = {
    "团青": GroupType.TUANQING,
    "团青群": GroupType.TUANQING,
    "团青微信群": GroupType.TUANQING,
    "专属": GroupType.EXCLUSIVE,
    "专属群": GroupType.EXCLUSIVE,
    "青年专属": GroupType.EXCLUSIVE,
    "青年专属群": GroupType.EXCLUSIVE,
    "青农": GroupType.QINGNONG,
    "青农群": GroupType.QINGNONG,
}
GROUP_FIELDS = (
    "group_type",
    "bases",
    "category",
    "member_count",
    "member_count_as_of",
    "founded_on",
    "status",
    "function",
    "wecom_chat_id",
    "notes",
)

GROUP_COLUMNS = [
    Column(
        "org",
        "所属组织",
        OrgRef(),
        required=True,
        aliases=("组织", "建群单位", "所属团组织"),
        example="怀宁县/石牌镇/新河村",
    ),
    Column(
        "name",
        "群名称",
        Text(max_length=60),
        required=True,
        aliases=("微信群名称", "群名"),
        example="新河村青年之家",
    ),
    Column(
        "group_type",
        "群类型",
        Choice(GroupType.choices, synonyms=TYPE_WORDS),
        required=True,
        aliases=("类型", "类别"),
        example="团青微信群",
    ),
    Column(
        "bases",
        "组建基础",
        Text(),
        aliases=("缘", "组建方式"),
        example="地缘、趣缘",
        help="团青群：地缘、业缘、事缘、趣缘",
    ),
    Column(
        "category",
        "专属类别",
        Choice(YouthCategory.choices),
        example="",
        help="青年专属群：领头雁、在外青年、大学生村官等",
    ),
    Column("owner", "群主", CadreRef(), aliases=("群主（团干部）",), example="李书记 13900000000"),
    Column(
        "member_count",
        "群成员数",
        Integer(min_value=0, max_value=500),
        aliases=("成员数", "人数"),
        example=36,
    ),
    Column("member_count_as_of", "成员数截至", Date(), aliases=("统计日期",)),
    Column("founded_on", "建群日期", Date(), aliases=("建群时间",)),
    Column(
        "status",
        "状态",
        Choice(GroupStatus.choices, synonyms={"已建成": "built", "正常": "active"}),
        default=GroupStatus.BUILT,
        example="已建",
    ),
    Column("function", "功能", Text(max_length=200), aliases=("群功能",)),
    Column("wecom_chat_id", "企业微信群ID", Text(max_length=64)),
    Column("notes", "备注", Text()),
]

_GROUP_VALUES = ("pk", "org_id", "org__path", "name", "owner_id", *GROUP_FIELDS)


def _groups_by_key(rows: list[SheetRow], name_column: str) -> dict[tuple[int, str], dict[str, Any]]:
    """Existing groups of the batch's orgs, by (org id, name): one query."""
    org_ids = {row.values["org"].pk for row in rows if row.values["org"].pk}
    names = {row.values[name_column] for row in rows}
    found = ChatGroup.objects.filter(org_id__in=org_ids, name__in=names).values(*_GROUP_VALUES)
    return {(g["org_id"], g["name"]): g for g in found}


def _validate_groups(rows: list[SheetRow], ctx: ImportContext) -> None:
    existing = _groups_by_key(rows, "name")
    org_ids = {row.values["org"].pk for row in rows if row.values["org"].pk}
    live_qingnong = {
        org_id: (pk, name)
        for pk, org_id, name in ChatGroup.objects.filter(org_id__in=org_ids, group_type=GroupType.QINGNONG)
        .exclude(status=GroupStatus.DISSOLVED)
        .values_list("pk", "org_id", "name")
    }
    in_file: dict[int, tuple[int, str]] = ctx.state.setdefault("qingnong_in_file", {})
    for row in rows:
        v = row.values
        org = v["org"]
        if not org.is_active:
            row.error("org", f"组织“{org.name}”已撤销或合并")
            continue
        cur = existing.get((org.pk, v["name"]))
        merged = {**(cur or {}), **{k: v[k] for k in GROUP_FIELDS if k in v}}
        if row.has("bases"):
            try:
                v["bases"] = merged["bases"] = parse_bases(v["bases"])
            except Exception as exc:  # RuleError carries the Chinese message
                row.error("bases", "；".join(getattr(exc, "messages", [str(exc)])))
                continue
        gtype = merged.get("group_type") or ""
        errors = group_rule_errors(
            name=v["name"],
            group_type=gtype,
            org_level=org.level,
            org_name=org.name,
            org_short_name=org.short_name,
            category=merged.get("category") or "",
            member_count=merged.get("member_count") or 0,
        )
        for field, message in errors.items():
            row.error(
                field if field in ("org", "name", "category", "member_count") else "group_type", message
            )
        if errors:
            continue
        status = merged.get("status") or GroupStatus.BUILT
        if gtype == GroupType.QINGNONG and status != GroupStatus.DISSOLVED:
            other = live_qingnong.get(org.pk)
            if other is not None and (cur is None or other[0] != cur["pk"]):
                row.error("group_type", r3_message(org.name, other[1]))
                continue
            first = in_file.get(org.pk)
            if first is not None and first[1] != v["name"]:
                row.error("group_type", f"{r3_message(org.name, first[1])}（见第 {first[0]} 行）")
                continue
            in_file[org.pk] = (row.number, v["name"])
        owner = v.get("owner")
        if owner is not None:
            row.data["owner_id"] = owner.pk
        if cur is None:
            row.mark_new()
            continue
        changes = diff(row, cur, GROUP_FIELDS)
        if owner is not None and owner.pk != cur["owner_id"]:
            changes["owner"] = (cur["owner_id"], owner.pk)
        row.mark_existing(cur, path=cur["org__path"], changes=changes)


def _recheck_scope(rows: list[SheetRow], ctx: ImportContext) -> None:
    """The pipeline checked each row's scope; the write checks again, as a service would (no query)."""
    for row in rows:
        if row.status == "new":
            require_scope(
                ctx.actor,
                Action.ADD if row.values.get("group") is None else Action.CHANGE,
                row.values["org"].path,
                what=row.values["org"].name,
            )
        elif row.status == "updated":
            require_scope(ctx.actor, Action.CHANGE, row.existing_path)


def _write_groups(rows: list[SheetRow], ctx: ImportContext) -> None:
    _recheck_scope(rows, ctx)
    orgs = Org.objects.in_bulk({row.values["org"].pk for row in rows})
    new: list[ChatGroup] = []
    updated: list[ChatGroup] = []
    befores: dict[Any, dict[str, Any] | None] = {}
    fields: set[str] = set()
    today = timezone.localdate()
    pks = [row.existing["pk"] for row in rows if row.status == "updated"]
    instances = ChatGroup.objects.in_bulk(pks) if pks else {}
    for row in rows:
        v = row.values
        org = orgs[v["org"].pk]
        if row.status == "new":
            values = {name: v[name] for name in GROUP_FIELDS if name in v}
            values.update(org_id=org.pk, name=v["name"], owner_id=row.data.get("owner_id"))
            if values.get("group_type") != GroupType.TUANQING:
                values["bases"] = []
            values.setdefault("bases", [])
            for name in ("category", "function", "wecom_chat_id", "notes", "qr_image"):
                values.setdefault(name, "")
            values.setdefault("member_count", 0)
            values.setdefault("status", GroupStatus.BUILT)
            if values["member_count"] and not values.get("member_count_as_of"):
                values["member_count_as_of"] = today
            new.append(new_instance(ChatGroup, values, {"org": org}))
        elif row.status == "updated":
            group = instances[row.existing["pk"]]
            group._state.fields_cache["org"] = org
            befores[group.pk] = snapshot(group)
            for field, (_old, value) in row.changes.items():
                if field == "owner":
                    group.owner_id = value
                else:
                    setattr(group, field, value)
                fields.add(field)
            if "member_count" in row.changes and "member_count_as_of" not in row.changes:
                group.member_count_as_of = today
                fields.add("member_count_as_of")
            updated.append(group)
    fast_insert(ChatGroup, new)
    fast_update(ChatGroup, updated, sorted(fields))
    # Each new group gets its own live code, as a registration through the service does.
    free = unique_live_codes(len(new)) if new else []
    codes = [
        new_instance(
            LiveCode,
            {
                "code": free[i],
                "title": g.name,
                "org_id": g.org_id,
                "mode": LiveCodeMode.GROUPS,
                "group_type": "",
                "owner_id": g.owner_id,
                "contact_name": "",
                "contact_phone": "",
                "contact_note": "",
                "is_default": True,
                "is_active": True,
            },
            {"org": orgs[g.org_id]},
        )
        for i, g in enumerate(new)
    ]
    fast_insert(LiveCode, codes)
    entries = [
        new_instance(LiveCodeGroup, {"live_code_id": c.pk, "group_id": g.pk, "position": 0})
        for c, g in zip(codes, new, strict=True)
    ]
    fast_insert(LiveCodeGroup, entries)
    audit_bulk(actor=ctx.actor, action="wxgroups.group.import", objects=new)
    audit_bulk(actor=ctx.actor, action="wxgroups.livecode.create", objects=codes)
    audit_bulk(actor=ctx.actor, action="wxgroups.group.import_update", objects=updated, befores=befores)


def _export_groups(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    assert ctx.orgs is not None
    qs = ctx.restrict(ChatGroup.objects.order_by("org__path", "group_type", "name", "id"), "org__path")
    fields = ("org_id", "org__path", "name", "owner__name", "owner__phone", *GROUP_FIELDS)
    labels = {str(code): str(label) for code, label in Basis.choices}
    for org_id, path, name, owner_name, owner_phone, *rest in qs.values_list(*fields).iterator(
        chunk_size=2000
    ):
        row = dict(zip(GROUP_FIELDS, rest, strict=True))
        row["bases"] = "、".join(labels.get(b, b) for b in row["bases"] or [])
        row.update(
            org=ctx.orgs.node(org_id),
            name=name,
            owner=SimpleNamespace(name=owner_name, phone=owner_phone) if owner_name else None,
            _path=path,
        )
        yield row


GROUPS = SheetDefinition(
    kind="groups",
    label="微信群台账",
    description="三群台账：团青、青年专属、青农微信群，按“所属组织 + 群名称”新增或更新",
    columns=GROUP_COLUMNS,
    keys=[("org", "name")],
    scope_column="org",
    validate=_validate_groups,
    write=_write_groups,
    export=_export_groups,
    model=ChatGroup,
    notes=[
        "每行一个微信群，按“所属组织 + 群名称”匹配：已有的更新，没有的新增（并自动生成该群的活码）。",
        "团青群只能建在乡镇、村或直属团组织（R2）；青农群建在市、县、乡镇团委，每个组织只能有一个（R3）；"
        "市级及以上的青农群须命名为“青农”+简称（R5）；群成员数 0–500。",
        "群二维码请在群页面拍照上传；导入不会删除或解散群；空白单元格表示“不修改”。",
    ],
)


# --- group members -------------------------------------------------------------------------------

MEMBER_COLUMNS = [
    Column(
        "org",
        "群所属组织",
        OrgRef(),
        required=True,
        aliases=("所属组织", "组织", "建群单位"),
        example="怀宁县/石牌镇/新河村",
    ),
    Column(
        "group",
        "群名称",
        Text(max_length=60),
        required=True,
        aliases=("微信群名称", "群名"),
        example="新河村青年之家",
    ),
    Column("name", "姓名", Text(max_length=50), required=True, aliases=("成员姓名",), example="王小明"),
    Column(
        "phone",
        "手机号",
        Phone(),
        required=True,
        aliases=("手机", "手机号码", "联系电话", "电话"),
        personal="phone",
        example="13912345678",
    ),
    Column(
        "role",
        "身份",
        Choice(
            [("youth", "青年"), ("cadre", "团干部")],
            synonyms={"团员": "youth", "群众": "youth", "干部": "cadre"},
        ),
        default="youth",
        aliases=("成员类型",),
        example="青年",
    ),
    Column("joined_on", "入群日期", Date(), aliases=("入群时间",)),
]


def _validate_members(rows: list[SheetRow], ctx: ImportContext) -> None:
    groups = _groups_by_key(rows, "group")
    phones = {row.values["phone"] for row in rows}
    youth = {
        y["phone"]: y
        for y in Youth.objects.filter(phone__in=phones).values("pk", "phone", "name", "home_org__name")
    }
    cadres = {
        c["phone"]: c
        for c in Cadre.objects.filter(phone__in=phones).values("pk", "phone", "name", "is_active")
    }
    group_ids = {g["pk"] for g in groups.values()}
    present: set[tuple[int, str, int]] = set()
    for group_id, youth_id, cadre_id in (
        GroupMembership.objects.filter(group_id__in=group_ids)
        .filter(Q(youth__phone__in=phones) | Q(cadre__phone__in=phones))
        .values_list("group_id", "youth_id", "cadre_id")
    ):
        present.add((group_id, "youth", youth_id) if youth_id else (group_id, "cadre", cadre_id))
    for row in rows:
        v = row.values
        org = v["org"]
        group = groups.get((org.pk, v["group"]))
        if group is None:
            row.error("group", f"“{org.name}”没有名为“{v['group']}”的微信群，请先登记或导入该群")
            continue
        if group["status"] == GroupStatus.DISSOLVED:
            row.error("group", f"微信群“{v['group']}”已解散，不能添加成员")
            continue
        row.data["group"] = group
        phone, name = v["phone"], v["name"]
        if v.get("role", "youth") == "cadre":
            cadre = cadres.get(phone)
            if cadre is None:
                row.error("phone", f"找不到手机号为 {phone} 的团干部，请先登记或导入该团干部")
                continue
            if cadre["name"] != name:
                row.error("name", f"手机号 {phone} 登记的团干部是“{cadre['name']}”，与“{name}”不符")
                continue
            row.data["cadre_id"] = cadre["pk"]
            key = (group["pk"], "cadre", cadre["pk"])
        else:
            found = youth.get(phone)
            if found is not None and found["name"] != name:
                row.error(
                    "name",
                    f"手机号 {phone} 已登记为“{found['home_org__name']} {found['name']}”"
                    f"，与本行姓名“{name}”不符",
                )
                continue
            if found is None and org.level not in ("grassroots", "township"):
                row.error(
                    "phone", f"青年“{name}”尚未登记：请先在青年名册中登记（县级以上的群不自动新建青年）"
                )
                continue
            row.data["youth_id"] = found["pk"] if found else None
            key = (group["pk"], "youth", found["pk"] if found else -1)
        if key in present:
            row.mark_existing(group, path=group["org__path"], changes={})
        else:
            row.mark_new()


def _write_members(rows: list[SheetRow], ctx: ImportContext) -> None:
    _recheck_scope(rows, ctx)
    orgs = Org.objects.in_bulk({row.values["org"].pk for row in rows})
    today = timezone.localdate()
    new_youth: list[Youth] = []
    pending: list[SheetRow] = []
    created_by_phone: dict[str, Youth] = ctx.state.setdefault("created_youth", {})
    for row in rows:
        if row.status != "new" or row.data.get("cadre_id") or row.data.get("youth_id"):
            continue
        phone = row.values["phone"]
        if phone not in created_by_phone:
            org = orgs[row.values["org"].pk]
            youth = new_instance(
                Youth,
                {
                    "name": row.values["name"],
                    "phone": phone,
                    "home_org_id": org.pk,
                    "source": YouthSource.GROUP,
                    "gender": "",
                    "away_place": "",
                    "occupation": "",
                    "industry": "",
                    "interests": "",
                    "notes": "",
                    "tags": [],
                    "categories": [],
                },
                {"home_org": org},
            )
            new_youth.append(youth)
            created_by_phone[phone] = youth
        pending.append(row)
    fast_insert(Youth, new_youth)
    for row in pending:
        row.data["youth_id"] = created_by_phone[row.values["phone"]].pk
    # The people themselves, loaded once, so that each audit entry can name them without a query.
    people_youth = {y.phone: y for y in new_youth}
    known_youth = Youth.objects.in_bulk(
        {row.data["youth_id"] for row in rows if row.status == "new" and row.data.get("youth_id")}
        - {y.pk for y in new_youth}
    )
    known_cadres = Cadre.objects.in_bulk({row.data["cadre_id"] for row in rows if row.data.get("cadre_id")})
    members: list[GroupMembership] = []
    seen: set[tuple[int, int | None, int | None]] = set()
    groups = ChatGroup.objects.in_bulk({row.data["group"]["pk"] for row in rows if row.status == "new"})
    for row in rows:
        if row.status != "new":
            continue
        group = groups[row.data["group"]["pk"]]
        group._state.fields_cache["org"] = orgs[row.values["org"].pk]
        key = (group.pk, row.data.get("youth_id"), row.data.get("cadre_id"))
        if key in seen:
            continue
        seen.add(key)
        members.append(
            new_instance(
                GroupMembership,
                {
                    "group_id": group.pk,
                    "youth_id": row.data.get("youth_id"),
                    "cadre_id": row.data.get("cadre_id"),
                    "joined_on": row.values.get("joined_on") or today,
                },
                {
                    "group": group,
                    **(
                        {"cadre": known_cadres[row.data["cadre_id"]]}
                        if row.data.get("cadre_id")
                        else {
                            "youth": known_youth.get(row.data["youth_id"])
                            or people_youth[row.values["phone"]]
                        }
                    ),
                },
            )
        )
    fast_insert(GroupMembership, members)
    audit_bulk(actor=ctx.actor, action="youth.youth.import", objects=new_youth)
    audit_bulk(actor=ctx.actor, action="wxgroups.member.import", objects=members)


def _export_members(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    assert ctx.orgs is not None
    qs = ctx.restrict(
        GroupMembership.objects.order_by("group__org__path", "group__name", "id"), "group__org__path"
    )
    fields = (
        "group__org_id",
        "group__org__path",
        "group__name",
        "youth__name",
        "youth__phone",
        "cadre__name",
        "cadre__phone",
        "joined_on",
    )
    for org_id, path, group, y_name, y_phone, c_name, c_phone, joined in qs.values_list(*fields).iterator(
        chunk_size=2000
    ):
        yield {
            "org": ctx.orgs.node(org_id),
            "group": group,
            "name": y_name or c_name,
            "phone": y_phone or c_phone,
            "role": "youth" if y_name else "cadre",
            "joined_on": joined,
            "_path": path,
        }


GROUP_MEMBERS = SheetDefinition(
    kind="group_members",
    label="微信群成员",
    description="微信群成员名单：按“群所属组织 + 群名称 + 手机号”添加成员",
    columns=MEMBER_COLUMNS,
    keys=[("org", "group", "phone")],
    scope_column="org",
    validate=_validate_members,
    write=_write_members,
    export=_export_members,
    model=GroupMembership,
    notes=[
        "每行一名成员：群用“群所属组织 + 群名称”指明（群须已登记），成员用“姓名 + 手机号”。",
        "青年名册中已有该手机号时加入该青年（姓名须一致）；没有时在群所属的村（乡镇）新登记该青年。",
        "“身份”填“团干部”时，按手机号加入已登记的团干部（青农群的成员多为团干部）。",
        "已在群中的成员跳过；导入不会移出成员。",
    ],
)

SHEETS = [GROUPS, GROUP_MEMBERS]
