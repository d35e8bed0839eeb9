"""The ``youth`` kind of the sheets pipeline: import a youth roster (摸底表) and export one.

A row is one youth, matched by phone (then by WeChat ID): an existing youth is updated, a new one
added. The rules are the services' own: a phone or WeChat ID already registered to someone else is
refused, naming that record; categories must be known; the youth belongs to a village, direct org or
township. Each batch is checked with a fixed number of queries and written in bulk with its audit entries.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from qingnong.core.audit import audit_bulk, snapshot
from qingnong.core.permissions import Action
from qingnong.core.services import require_scope
from qingnong.orgs.choices import OrgLevel
from qingnong.sheets.bulkdb import fast_insert, fast_update, new_instance
from qingnong.sheets.definitions import (
    Bool,
    CadreRef,
    Choice,
    Column,
    ExportContext,
    ImportContext,
    OrgRef,
    Phone,
    SheetDefinition,
    SheetRow,
    Text,
    Year,
    diff,
)

from .choices import Gender, Whereabouts, YouthCategory, YouthSource
from .models import Youth
from .services import parse_categories

FIELDS = (
    "name",
    "gender",
    "birth_year",
    "wechat_id",
    "is_league_member",
    "whereabouts",
    "away_place",
    "occupation",
    "industry",
    "interests",
    "categories",
    "tags",
    "source",
    "notes",
)
YOUTH_LEVELS = (OrgLevel.GRASSROOTS, OrgLevel.TOWNSHIP)

COLUMNS = [
    Column(
        "home_org",
        "所属组织",
        OrgRef(),
        required=True,
        aliases=("所在村", "村", "村（社区）", "所属村", "所属团组织", "组织"),
        example="怀宁县/石牌镇/新河村",
        help="青年所属的村、直属团组织或乡镇",
    ),
    Column("name", "姓名", Text(max_length=50), required=True, aliases=("青年姓名",), example="王小明"),
    Column(
        "phone",
        "手机号",
        Phone(),
        aliases=("手机", "手机号码", "联系电话", "电话", "联系方式"),
        personal="phone",
        example="13912345678",
        help="青年的唯一标识：再次导入时按手机号更新",
    ),
    Column("wechat_id", "微信号", Text(max_length=40), aliases=("微信",), personal="text"),
    Column("gender", "性别", Choice(Gender.choices), example="男"),
    Column("birth_year", "出生年份", Year(min_value=1960, max_value=2015), aliases=("出生年月", "出生日期")),
    Column(
        "is_league_member",
        "团员",
        Bool(true_words=("团员", "共青团员"), false_words=("群众", "非团员")),
        aliases=("是否团员", "政治面貌"),
        example="是",
    ),
    Column(
        "whereabouts",
        "在乡/在外",
        Choice(
            Whereabouts.choices, synonyms={"在家": "home", "在村": "home", "外出": "away", "在外务工": "away"}
        ),
        aliases=("现状", "是否在外", "去向"),
        example="在外",
    ),
    Column(
        "away_place",
        "在外地点",
        Text(max_length=60),
        aliases=("务工地", "所在城市", "在外城市"),
        example="上海",
    ),
    Column("occupation", "职业", Text(max_length=60), example="电商店主"),
    Column("industry", "行业", Text(max_length=60), aliases=("行业（业缘）",), example="农村电商"),
    Column("interests", "兴趣", Text(max_length=200), aliases=("兴趣爱好", "兴趣（趣缘）"), example="篮球"),
    Column(
        "categories",
        "类别",
        Text(),
        aliases=("青年类别", "人员类别"),
        example="领头雁、在外青年",
        help="可填多个，用顿号分隔：" + "、".join(str(label) for label in YouthCategory.labels),
    ),
    Column("tags", "标签", Text(), example="养殖、返乡创业"),
    Column("liaison", "联系人", CadreRef(), aliases=("联系干部", "联系团干部"), example="李书记 13900000000"),
    Column("source", "来源", Choice(YouthSource.choices), default=YouthSource.IMPORT, example="摸底"),
    Column("notes", "备注", Text()),
]

_VALUES = ("pk", "home_org_id", "home_org__path", "home_org__name", "phone", "liaison_id", *FIELDS)


def _duplicate(label: str, value: str, cur: dict[str, Any]) -> str:
    return f"{label} {value} 已登记为“{cur['home_org__name']} {cur['name']}”"


def _validate(rows: list[SheetRow], ctx: ImportContext) -> None:
    phones = {row.values["phone"] for row in rows if row.has("phone")}
    wechats = {row.values["wechat_id"] for row in rows if row.has("wechat_id")}
    found = Youth.objects.filter(Q(phone__in=phones) | Q(wechat_id__in=wechats)).values(*_VALUES)
    by_phone = {y["phone"]: y for y in found if y["phone"]}
    by_wechat = {y["wechat_id"]: y for y in found if y["wechat_id"]}
    for row in rows:
        org = row.values["home_org"]
        if not org.is_active:
            row.error("home_org", f"组织“{org.name}”已撤销或合并")
            continue
        if org.level not in YOUTH_LEVELS:
            row.error("home_org", f"青年须登记在乡镇、村或直属团组织，“{org.name}”不是")
            continue
        if row.has("categories"):
            try:
                row.values["categories"] = parse_categories(row.values["categories"])
            except ValidationError as exc:
                row.error("categories", "；".join(exc.messages))
                continue
        if row.has("tags"):
            row.values["tags"] = [
                t for t in row.values["tags"].replace("，", "、").replace(",", "、").split("、") if t
            ]
        liaison = row.get("liaison")
        if liaison is not None:
            row.data["liaison_id"] = liaison.pk
        cur = by_phone.get(row.get("phone")) if row.has("phone") else None
        other = by_wechat.get(row.get("wechat_id")) if row.has("wechat_id") else None
        if cur is None and other is not None:
            cur = other
            if row.has("phone") and other["phone"] and other["phone"] != row.values["phone"]:
                row.error("wechat_id", _duplicate("微信号", row.values["wechat_id"], other))
                continue
        elif cur is not None and other is not None and other["pk"] != cur["pk"]:
            row.error("wechat_id", _duplicate("微信号", row.values["wechat_id"], other))
            continue
        if cur is None:
            row.mark_new()
            continue
        if cur["name"] != row.values["name"]:
            label, value = ("手机号", cur["phone"]) if row.has("phone") else ("微信号", cur["wechat_id"])
            row.error(
                "phone" if label == "手机号" else "wechat_id",
                _duplicate(label, value, cur) + f"，与本行姓名“{row.values['name']}”不符",
            )
            continue
        changes = diff(row, cur, FIELDS)
        if org.pk != cur["home_org_id"]:
            changes["home_org"] = (cur["home_org__name"], org.display_path)
        if liaison is not None and liaison.pk != cur["liaison_id"]:
            changes["liaison"] = (cur["liaison_id"], liaison.pk)
        row.mark_existing(
            cur, path=cur["home_org__path"], changes=changes, moved=org.pk != cur["home_org_id"]
        )


def _write(rows: list[SheetRow], ctx: ImportContext) -> None:
    from qingnong.orgs.models import Org

    orgs = Org.objects.in_bulk({row.values["home_org"].pk for row in rows})
    # The pipeline checked each row's scope; the write checks again, as a service would (no query: the
    # actor's grants are cached).
    for row in rows:
        if row.status == "new" or row.moved:
            require_scope(
                ctx.actor, Action.ADD, row.values["home_org"].path, what=row.values["home_org"].name
            )
        if row.status == "updated":
            require_scope(ctx.actor, Action.CHANGE, row.existing_path)
    new: list[Youth] = []
    updated: list[Youth] = []
    befores: dict[Any, dict[str, Any] | None] = {}
    fields: set[str] = set()
    pks = [row.existing["pk"] for row in rows if row.status == "updated"]
    instances = Youth.objects.in_bulk(pks) if pks else {}
    for row in rows:
        v = row.values
        org = orgs[v["home_org"].pk]
        if row.status == "new":
            values = {name: v[name] for name in FIELDS if name in v}
            values.update(
                home_org_id=org.pk,
                phone=v.get("phone"),
                wechat_id=v.get("wechat_id") or None,
                liaison_id=row.data.get("liaison_id"),
            )
            for name in ("gender", "away_place", "occupation", "industry", "interests", "notes"):
                values.setdefault(name, "")
            values.setdefault("categories", [])
            values.setdefault("tags", [])
            values.setdefault("source", YouthSource.IMPORT)
            new.append(new_instance(Youth, values, {"home_org": org}))
        elif row.status == "updated":
            youth = instances[row.existing["pk"]]
            youth._state.fields_cache["home_org"] = org
            befores[youth.pk] = snapshot(youth)
            for field, (_old, value) in row.changes.items():
                if field == "home_org":
                    youth.home_org_id = org.pk
                    fields.add("home_org")
                elif field == "liaison":
                    youth.liaison_id = value
                    fields.add("liaison")
                else:
                    setattr(youth, field, value)
                    fields.add(field)
            updated.append(youth)
    fast_insert(Youth, new)
    fast_update(Youth, updated, sorted(fields))
    audit_bulk(actor=ctx.actor, action="youth.youth.import", objects=new)
    audit_bulk(actor=ctx.actor, action="youth.youth.import_update", objects=updated, befores=befores)


def _export(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    assert ctx.orgs is not None
    qs = ctx.restrict(Youth.objects.order_by("home_org__path", "name", "id"), "home_org__path")
    fields = ("home_org_id", "home_org__path", "phone", "liaison__name", "liaison__phone", *FIELDS)
    for values in qs.values_list(*fields).iterator(chunk_size=2000):
        org_id, path, phone, liaison_name, liaison_phone, *rest = values
        row = dict(zip(FIELDS, rest, strict=True))
        row["categories"] = "、".join(
            str(dict(YouthCategory.choices).get(c, c)) for c in row["categories"] or []
        )
        row["tags"] = "、".join(row["tags"] or [])
        row.update(
            home_org=ctx.orgs.node(org_id),
            phone=phone,
            liaison=SimpleNamespace(name=liaison_name, phone=liaison_phone) if liaison_name else None,
            _path=path,
        )
        yield row


YOUTH = SheetDefinition(
    kind="youth",
    label="青年名册",
    description="农村青年名册（摸底表）：按手机号（或微信号）新增或更新",
    columns=COLUMNS,
    keys=[("phone",), ("wechat_id",)],
    scope_column="home_org",
    validate=_validate,
    write=_write,
    export=_export,
    model=Youth,
    notes=[
        "每行一名青年。手机号是唯一标识：系统中已有该手机号时更新其信息（姓名须一致），没有时新增；没有手机号时按微信号匹配。",
        "同一手机号或微信号已登记为他人时，该行报错，并写明已登记的组织和姓名。",
        "“类别”可填多个（领头雁、在外青年、大学生村官、致富带头人、青创协会会员等），用顿号分隔。",
        "导入不会删除青年；空白单元格表示“不修改”。",
    ],
)

SHEETS = [YOUTH]
