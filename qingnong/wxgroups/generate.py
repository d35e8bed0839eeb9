"""Generated groups, members and live codes for the demo and the scale data (a mid-campaign state).

Some villages have no 团青 group yet, some QR codes have expired, some 青农 groups miss expected members,
some counties have fewer than two 专属 groups, and most cadres who own no group are under 20 youth.
Rows are written with ids chosen here (COPY on PostgreSQL), so nothing is read back.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from qingnong.core.datagen import DataContext
from qingnong.core.scoping import PATH_STEP, subtree_q
from qingnong.orgs.choices import GrassrootsKind, OrgLevel, OrgStatus
from qingnong.orgs.models import Org, Position
from qingnong.youth.bulk import IdBlock, analyze, copy_rows, fix_sequence
from qingnong.youth.choices import YouthCategory
from qingnong.youth.generate import YouthPlan, cadres_by_org

from .choices import Basis, GroupStatus, GroupType, LiveCodeMode
from .models import ChatGroup, GroupMembership, LiveCode, LiveCodeGroup, LiveCodeVisit
from .services import qingnong_name_for

GROUP_COLUMNS = (
    "id",
    "name",
    "group_type",
    "org_id",
    "bases",
    "category",
    "owner_id",
    "member_count",
    "member_count_as_of",
    "founded_on",
    "status",
    "function",
    "qr_image",
    "qr_uploaded_at",
    "wecom_chat_id",
    "notes",
    "created_at",
    "updated_at",
)
MEMBER_COLUMNS = ("id", "group_id", "youth_id", "cadre_id", "joined_on", "created_at")
CODE_COLUMNS = (
    "id",
    "code",
    "title",
    "org_id",
    "mode",
    "group_type",
    "owner_id",
    "contact_name",
    "contact_phone",
    "contact_note",
    "is_default",
    "is_active",
    "created_at",
    "updated_at",
)
TUANQING_KINDS = (
    ("青年之家", [Basis.GEO]),
    ("青年创业群", [Basis.TRADE]),
    ("返乡青年群", [Basis.GEO, Basis.AFFAIR]),
    ("青年志愿者群", [Basis.AFFAIR]),
    ("电商青年群", [Basis.TRADE]),
    ("文体青年群", [Basis.INTEREST]),
    ("在外青年联谊群", [Basis.GEO]),
)
EXCLUSIVE_KINDS = (
    (YouthCategory.LEADER, "领头雁"),
    (YouthCategory.AWAY, "在外青年"),
    (YouthCategory.VILLAGE_OFFICIAL, "大学生村官"),
)
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


@dataclass
class Params:
    no_tuanqing: float  # share of villages without any 团青 group (R2 gaps)
    tuanqing_per_org: tuple[int, int]
    members: tuple[int, int]  # recorded youth members of a 团青 group
    township_qingnong: float  # share of townships with a 青农 group
    county_qingnong: float
    visits: bool = False


PARAMS = {
    "demo": Params(0.15, (1, 2), (14, 40), 0.8, 0.9, visits=True),
    "city": Params(0.08, (2, 5), (25, 52), 0.85, 0.9),
    "province": Params(0.08, (2, 5), (20, 36), 0.85, 0.9),
}


@dataclass
class Counts:
    groups: int = 0
    memberships: int = 0
    codes: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


def live_code_for(number: int) -> str:
    """A code unique for each number: "0" and 7 letters (a bijection of 35 bits), looking random. Codes
    drawn by the services never contain "0", so generated and registered codes cannot collide."""
    value = (number * 0x9E3779B1 + 0x5BD1E995) % (32**7)
    chars = ["0"]
    for _ in range(7):
        value, rem = divmod(value, 32)
        chars.append((CODE_ALPHABET + "1")[rem])
    return "".join(chars)


def qr_pool(count: int = 12) -> list[str]:
    """A few real-looking group QR pictures under MEDIA_ROOT/public, shared by the generated groups."""
    import segno

    folder = settings.MEDIA_ROOT / "public" / "wxgroups" / "qr" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(count):
        path = folder / f"qr-{i:02d}.png"
        if not path.exists():
            segno.make(f"https://weixin.qq.com/g/AQ-demo-{i:02d}", error="m").save(
                str(path), scale=8, border=2
            )
        names.append(f"public/wxgroups/qr/demo/qr-{i:02d}.png")
    return names


def _status(rng: Any) -> str:
    roll = rng.random()
    if roll < 0.05:
        return GroupStatus.PLANNED
    if roll < 0.40:
        return GroupStatus.BUILT
    if roll < 0.85:
        return GroupStatus.ACTIVE
    if roll < 0.97:
        return GroupStatus.DORMANT
    return GroupStatus.DISSOLVED


def load_ledger(ctx: DataContext, root: Org, youth: YouthPlan | None, params: Params) -> Counts:
    """Groups of the three types, their recorded members, admins and default live codes under ``root``."""
    rng = ctx.rng
    now = timezone.now()
    today = timezone.localdate()
    pool = qr_pool()
    from qingnong.orgs.models import Cadre
    from qingnong.youth.models import Youth

    analyze(Org, Cadre, Position, Youth)
    orgs = list(
        Org.objects.filter(subtree_q("path", root.path), status=OrgStatus.ACTIVE)
        .order_by("path")
        .values_list("pk", "path", "level", "kind", "name", "short_name")
    )
    by_path = {o[1]: o for o in orgs}
    cadres = cadres_by_org(root.path)
    ranges = youth.ranges if youth is not None else _ranges_from_db(root.path)
    by_category = youth.by_category if youth is not None else {}
    expected = _expected_members(root.path, by_path)

    group_ids = IdBlock(ChatGroup)
    member_ids = IdBlock(GroupMembership)
    groups: list[list[Any]] = []
    # (group id, owner id, org id, kind of members, how many) — members are drawn in a second pass.
    specs: list[tuple[int, int | None, int, str, Any]] = []
    admins: list[tuple[int, int]] = []
    counts = Counts()

    def add_group(
        org: tuple[Any, ...],
        name: str,
        gtype: str,
        *,
        bases: list[str],
        category: str,
        owner: int | None,
        members: Any,
        kind: str,
    ) -> None:
        pk = group_ids.take()
        status = _status(rng) if gtype != GroupType.QINGNONG else GroupStatus.ACTIVE
        qr_roll = rng.random()
        if qr_roll < 0.55:
            uploaded: datetime.datetime | None = now - datetime.timedelta(hours=rng.randint(1, 6 * 24))
        elif qr_roll < 0.85:
            uploaded = now - datetime.timedelta(days=rng.randint(8, 40))
        else:
            uploaded = None
        if isinstance(members, list):
            size = len(members)
        elif isinstance(members[0], int):
            size = members[2]  # (first youth id, youth of the org, members drawn)
        else:
            size = 40  # a 专属 group: members drawn from a category later
        reported = min(size + rng.randint(0, 60), 499)
        if rng.random() < 0.03:
            reported = rng.randint(185, 205)
        founded = today - datetime.timedelta(days=rng.randint(5, 120))
        groups.append(
            [
                pk,
                name,
                gtype,
                org[0],
                bases,
                category,
                owner,
                reported,
                today - datetime.timedelta(days=rng.randint(0, 20)),
                founded,
                status,
                "",
                rng.choice(pool) if uploaded else "",
                uploaded,
                "",
                "",
                now,
                now,
            ]
        )
        specs.append((pk, owner, org[0], kind, members))
        counts.by_type[gtype] = counts.by_type.get(gtype, 0) + 1
        org_cadres = cadres.get(org[0], [])
        if owner is not None and len(org_cadres) > 1 and rng.random() < 0.5:
            admins.append((pk, rng.choice(org_cadres[1:])))

    county_of: dict[int, tuple[Any, ...]] = {}
    for org in orgs:
        pk, path, level, kind, name, short = org
        org_cadres = cadres.get(pk, [])
        owner = org_cadres[0] if org_cadres else None
        if level == OrgLevel.GRASSROOTS:
            for i in range(0, len(path), PATH_STEP):
                anc = by_path.get(path[: i + PATH_STEP])
                if anc is not None and anc[2] == OrgLevel.COUNTY:
                    county_of[pk] = anc
            if pk not in ranges or rng.random() < params.no_tuanqing:
                continue
            if kind != GrassrootsKind.VILLAGE and rng.random() < 0.5:
                continue
            first, n = ranges[pk]
            for suffix, bases in rng.sample(TUANQING_KINDS, rng.randint(*params.tuanqing_per_org)):
                k = min(n, rng.randint(*params.members))
                add_group(
                    org,
                    f"{short or name}{suffix}",
                    GroupType.TUANQING,
                    bases=bases,
                    category="",
                    owner=owner,
                    members=(first, n, k),
                    kind="youth",
                )
        elif level == OrgLevel.TOWNSHIP:
            if rng.random() < params.township_qingnong:
                add_group(
                    org,
                    f"{short or name}青农群",
                    GroupType.QINGNONG,
                    bases=[],
                    category="",
                    owner=owner,
                    members=_cover(rng, expected.get(pk, [])),
                    kind="cadre",
                )
        elif level == OrgLevel.COUNTY:
            if rng.random() < params.county_qingnong:
                add_group(
                    org,
                    f"青农{short or name}",
                    GroupType.QINGNONG,
                    bases=[],
                    category="",
                    owner=owner,
                    members=_cover(rng, expected.get(pk, [])),
                    kind="cadre",
                )
            for code, label in rng.sample(EXCLUSIVE_KINDS, rng.randint(1, 3)):
                add_group(
                    org,
                    f"{short or name}{label}群",
                    GroupType.EXCLUSIVE,
                    bases=[],
                    category=code,
                    owner=owner,
                    members=("category", code, pk),
                    kind="category",
                )
        elif level in (OrgLevel.CITY, OrgLevel.PROVINCE):
            org_obj = Org(name=name, short_name=short, level=level)
            add_group(
                org,
                qingnong_name_for(org_obj),
                GroupType.QINGNONG,
                bases=[],
                category="",
                owner=owner,
                members=_cover(rng, expected.get(pk, []), complete=True),
                kind="cadre",
            )
            for code, label in EXCLUSIVE_KINDS[: rng.randint(2, 3)]:
                add_group(
                    org,
                    f"{short or name}{label}群",
                    GroupType.EXCLUSIVE,
                    bases=[],
                    category=code,
                    owner=owner,
                    members=("category", code, None),
                    kind="category",
                )

    # Youth of a category, by county (for the 专属 groups of a county) and all of them (city level).
    category_pool: dict[tuple[str, int | None], list[int]] = {}
    for code, rows in by_category.items():
        for youth_id, org_id in rows:
            county = county_of.get(org_id)
            category_pool.setdefault((code, county[0] if county else None), []).append(youth_id)
            category_pool.setdefault((code, None), []).append(youth_id)

    def member_rows() -> Iterator[list[Any]]:
        for pk, _owner, _org, kind, members in specs:
            if kind == "youth":
                first, n, k = members
                chosen = rng.sample(range(first, first + n), k)
                people = [(y, None) for y in chosen]
            elif kind == "cadre":
                people = [(None, c) for c in members]
            else:
                _tag, code, county_pk = members
                candidates = category_pool.get((code, county_pk), [])
                people = [
                    (y, None) for y in rng.sample(candidates, min(len(candidates), rng.randint(15, 60)))
                ]
            for youth_id, cadre_id in people:
                counts.memberships += 1
                yield [
                    member_ids.take(),
                    pk,
                    youth_id,
                    cadre_id,
                    today - datetime.timedelta(days=rng.randint(0, 90)),
                    now,
                ]

    copy_rows(ChatGroup, GROUP_COLUMNS, groups)
    counts.groups = len(groups)
    copy_rows(GroupMembership, MEMBER_COLUMNS, member_rows())
    admin_table = ChatGroup.admins.through
    admin_ids = IdBlock(admin_table)
    copy_rows(admin_table, ("id", "chatgroup_id", "cadre_id"), ([admin_ids.take(), g, c] for g, c in admins))
    counts.codes = _load_codes(ctx, groups, now, visits=params.visits)
    for model in (ChatGroup, GroupMembership, admin_table, LiveCode, LiveCodeGroup, LiveCodeVisit):
        fix_sequence(model)
    analyze(ChatGroup, GroupMembership, admin_table, LiveCode, LiveCodeGroup)
    return counts


def _cover(rng: Any, expected: list[int], complete: bool = False) -> list[int]:
    """Most 青农 groups hold all expected members; the rest miss some (R3 gaps)."""
    if complete or rng.random() < 0.65 or not expected:
        return list(expected)
    keep = max(0, int(len(expected) * rng.uniform(0.4, 0.95)))
    return rng.sample(expected, keep)


def _expected_members(root_path: str, by_path: dict[str, tuple[Any, ...]]) -> dict[int, list[int]]:
    """R3's expected members of each org's 青农 group: cadre ids of the right positions one level down."""
    rows = (
        Position.objects.current()
        .filter(subtree_q("org__path", root_path), cadre__is_active=True)
        .order_by("pk")
        .values_list("cadre_id", "org__path", "is_leadership", "is_committee")
    )
    expected: dict[int, list[int]] = {}
    for cadre_id, path, leadership, committee in rows.iterator(chunk_size=20000):
        parent = by_path.get(path[:-PATH_STEP])
        if parent is None:
            continue
        # The same positions as selectors.expected_position_filter: committee members under a county,
        # leadership members everywhere else.
        wanted = committee if parent[2] == OrgLevel.COUNTY else leadership
        if wanted:
            bucket = expected.setdefault(parent[0], [])
            if cadre_id not in bucket:
                bucket.append(cadre_id)
    return expected


def _ranges_from_db(root_path: str) -> dict[int, tuple[int, int]]:
    """Youth id ranges per org when the youth step did not run in this process (ids may have gaps: the
    range is min..max, and the sampled ids are checked to exist by the foreign key)."""
    from django.db.models import Count, Max, Min

    from qingnong.youth.models import Youth

    rows = (
        Youth.objects.in_subtree(root_path)
        .order_by()
        .values("home_org_id")
        .annotate(lo=Min("pk"), hi=Max("pk"), n=Count("pk"))
    )
    return {r["home_org_id"]: (r["lo"], r["n"]) for r in rows if r["hi"] - r["lo"] + 1 == r["n"]}


def _load_codes(ctx: DataContext, groups: list[list[Any]], now: datetime.datetime, *, visits: bool) -> int:
    """One default live code per group (like a registration does), and visit counts for the demo."""
    rng = ctx.rng
    code_ids = IdBlock(LiveCode)
    entry_ids = IdBlock(LiveCodeGroup)
    codes: list[list[Any]] = []
    entries: list[list[Any]] = []
    for row in groups:
        pk = code_ids.take()
        codes.append(
            [
                pk,
                live_code_for(pk),
                row[1],
                row[3],
                LiveCodeMode.GROUPS,
                "",
                row[6],
                "",
                "",
                "",
                True,
                True,
                now,
                now,
            ]
        )
        entries.append([entry_ids.take(), pk, row[0], 0])
    copy_rows(LiveCode, CODE_COLUMNS, codes)
    copy_rows(LiveCodeGroup, ("id", "live_code_id", "group_id", "position"), entries)
    if visits:
        visit_ids = IdBlock(LiveCodeVisit)
        today = timezone.localdate()
        rows = []
        for code in codes:
            if rng.random() < 0.3:
                for back in range(7):
                    rows.append(
                        [visit_ids.take(), code[0], today - datetime.timedelta(days=back), rng.randint(1, 25)]
                    )
        copy_rows(LiveCodeVisit, ("id", "live_code_id", "day", "count"), rows)
    return len(codes)
