"""Reads of the 三群 ledger that are more than a lookup.

Every function here answers with a fixed number of queries whatever the number of orgs, cadres or
groups involved (subtrees are path ranges, per-org figures are GROUP BYs), so that the campaign rules
(R1 reach, R2 团青 coverage, R3 青农 completeness, R4 专属 count, R6 ledger, R12 dormancy) can reuse them.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Length, Substr
from django.utils import timezone

from qingnong.core.asof import end_of_day
from qingnong.core.permissions import Action
from qingnong.core.scoping import PATH_STEP, subtree_q
from qingnong.orgs.choices import GrassrootsKind, OrgLevel, OrgStatus
from qingnong.orgs.models import Cadre, Org, Position

from .choices import (
    BUILT_STATUSES,
    MEMBER_CAP,
    QR_VALIDITY,
    REACH_TARGET,
    REACH_TYPES,
    SCAN_JOIN_CAP,
    GroupStatus,
    GroupType,
    LiveCodeMode,
)
from .models import ChatGroup, ChatGroupQuerySet, GroupMembership, LiveCode, LiveCodeGroup

# --- R1: cadre reach ------------------------------------------------------------------------


def _reach_pairs_sql(cadre_filter_sql: str, *, as_of: bool = False) -> str:
    """SQL of the distinct (cadre_id, youth_id) pairs of R1, limited by ``cadre_filter_sql``
    (a ``{col} IN (...)`` template applied to each branch's cadre column).

    ``as_of``: only the groups, memberships and youth that existed at the end of a past day (``core.asof``),
    each branch then taking the parameters of ``_as_of_params`` after its cadre filter's."""
    group = ChatGroup._meta.db_table
    member = GroupMembership._meta.db_table
    admins = ChatGroup.admins.through._meta.db_table
    from qingnong.youth.models import Youth

    youth = Youth._meta.db_table
    types = ", ".join(f"'{t}'" for t in REACH_TYPES)
    live = f"g.group_type IN ({types}) AND g.status <> '{GroupStatus.DISSOLVED}'"
    member_then = youth_then = ""
    if as_of:  # the same tests as group_existed_q, membership_existed_q and youth_existed_q
        youth_then = " AND y.created_at < %s"
        member_then = (
            " AND (g.founded_on <= %s OR (g.founded_on IS NULL AND g.created_at < %s))"
            " AND (m.joined_on <= %s OR (m.joined_on IS NULL AND m.created_at < %s))"
            f" AND m.youth_id IN (SELECT y.id FROM {youth} y WHERE y.created_at < %s)"
        )
    live += member_then
    return (
        f"SELECT g.owner_id AS cadre_id, m.youth_id AS youth_id FROM {member} m "
        f"JOIN {group} g ON g.id = m.group_id "
        f"WHERE m.youth_id IS NOT NULL AND {cadre_filter_sql.format(col='g.owner_id')} AND {live} "
        f"UNION "
        f"SELECT a.cadre_id AS cadre_id, m.youth_id AS youth_id FROM {member} m "
        f"JOIN {group} g ON g.id = m.group_id JOIN {admins} a ON a.chatgroup_id = g.id "
        f"WHERE m.youth_id IS NOT NULL AND {cadre_filter_sql.format(col='a.cadre_id')} AND {live} "
        f"UNION "
        f"SELECT y.liaison_id AS cadre_id, y.id AS youth_id FROM {youth} y "
        f"WHERE y.liaison_id IS NOT NULL AND {cadre_filter_sql.format(col='y.liaison_id')}{youth_then}"
    )


def _as_of_params(day: datetime.date) -> tuple[list[Any], list[Any]]:
    """The parameters ``_reach_pairs_sql(as_of=True)`` adds to each membership branch and to the youth one."""
    ops = connection.ops
    date = ops.adapt_datefield_value(day)
    end = ops.adapt_datetimefield_value(end_of_day(day))
    return [date, end, date, end, end], [end]


def _cadre_filter(cadre_ids: Iterable[int] | QuerySet[Any]) -> tuple[str, list[Any], str, list[Any]]:
    """A ``WITH`` clause (or "") and its parameters, a ``{col} ...`` template restricting each UNION branch
    to the cadres, and the parameters of one branch's copy of it. On PostgreSQL the ids travel as one array
    (``= ANY``, once per branch), which the planner estimates well; a queryset is read first (one query).
    On SQLite a queryset becomes one common table expression the three branches read (10 % faster than
    three copies of the subquery on a city's 14 k cadres)."""
    if connection.vendor == "postgresql":
        ids = (
            list(cadre_ids.order_by().values_list("pk", flat=True))
            if isinstance(cadre_ids, QuerySet)
            else [int(i) for i in cadre_ids]
        )
        if not ids:
            return "", [], "1 = 0", []
        return "", [], "{col} = ANY(%s)", [ids]
    if isinstance(cadre_ids, QuerySet):
        sql, params = cadre_ids.order_by().values("pk").query.sql_with_params()
        with_clause = f"WITH reach_cadres(cadre_id) AS ({sql}) "
        return with_clause, list(params), "{col} IN (SELECT reach_cadres.cadre_id FROM reach_cadres)", []
    ids = [int(i) for i in cadre_ids]
    if not ids:
        return "", [], "1 = 0", []
    marks = ", ".join(["%s"] * len(ids))
    return "", [], "{col} IN (" + marks + ")", ids


def cadre_reach(
    cadre_ids: Iterable[int] | QuerySet[Any], *, as_of: datetime.date | None = None
) -> dict[int, int]:
    """R1: distinct youth reached per cadre — members of the 团青 / 专属 groups the cadre owns or
    administers (not dissolved), plus youth whose liaison is the cadre; ``as_of`` a past day, only the
    groups, memberships and youth that existed then (``core.asof``).

    ``cadre_ids`` is a list of ids or a queryset of cadres: at most two queries for any size. Cadres who
    reach nobody are absent from the answer (read it with ``.get(pk, 0)``).
    """
    with_clause, params, template, branch = _cadre_filter(cadre_ids)
    if template == "1 = 0":
        return {}
    members_then, youth_then = _as_of_params(as_of) if as_of is not None else ([], [])
    params += [*branch, *members_then, *branch, *members_then, *branch, *youth_then]
    pairs = _reach_pairs_sql(template, as_of=as_of is not None)
    sql = f"{with_clause}SELECT cadre_id, COUNT(*) FROM ({pairs}) reach GROUP BY cadre_id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(cadre): int(n) for cadre, n in cursor.fetchall()}


def cadre_reach_youth_ids(cadre_id: int) -> set[int]:
    """The youth a cadre reaches (R1), for the cadre's own page."""
    sql = f"SELECT youth_id FROM ({_reach_pairs_sql('{col} = %s')}) reach"
    with connection.cursor() as cursor:
        cursor.execute(sql, [cadre_id] * 3)
        return {int(row[0]) for row in cursor.fetchall()}


def cadres_reaching_sql(target: int = REACH_TARGET) -> tuple[str, list[Any]]:
    """SQL (and params) selecting the ids of every cadre who reaches at least ``target`` youth; for
    ``pk__in=RawSQL(...)`` filters on cadre lists (one query, no id lists)."""
    sql = (
        f"SELECT cadre_id FROM ({_reach_pairs_sql('{col} IS NOT NULL')}) reach "
        f"GROUP BY cadre_id HAVING COUNT(*) >= %s"
    )
    return sql, [target]


def r1_cadres(queryset: QuerySet[Cadre] | None = None) -> QuerySet[Cadre]:
    """The cadres R1 applies to: active cadres holding a current position in a township committee or a
    village / direct org."""
    qs = queryset if queryset is not None else Cadre.objects.all()
    held = Position.objects.current().filter(
        cadre=OuterRef("pk"), org__level__in=[OrgLevel.TOWNSHIP, OrgLevel.GRASSROOTS]
    )
    return qs.filter(is_active=True).filter(Exists(held))


# --- live codes and join targets ------------------------------------------------------------


@dataclass(frozen=True)
class JoinTarget:
    """A group a youth can join, as the official account offers it: the live-code link of the group."""

    org_id: int
    org_display: str
    group_name: str
    url: str


def public_url(code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/j/{code}"


_SPLIT = re.compile(r"[\s,，。.;；、!！?？]+")


def _match_orgs(text: str) -> list[Org]:
    """Active township / grassroots orgs the text names, most specific first.

    A text with "/" is read as a ledger path; otherwise every org whose name or short name (two
    characters or more) occurs in the text is a candidate, and a candidate whose descendant is also
    named gives way to it ("石牌镇新河村" → 新河村 of 石牌镇). Ancestors named in the text (a county)
    narrow same-named candidates down.
    """
    from qingnong.orgs.selectors import org_resolve_path

    text = (text or "").strip()
    if not text:
        return []
    active = Org.objects.filter(status=OrgStatus.ACTIVE)
    if "/" in text or "／" in text:
        org = org_resolve_path(text, queryset=active)
        return [org] if org is not None else []
    probe = Value(text[:200], output_field=CharField())
    candidates = list(
        active.annotate(_t=probe)
        .filter(Q(_t__contains=F("name")) | (Q(_t__contains=F("short_name")) & ~Q(short_name="")))
        .filter(level__in=[OrgLevel.COUNTY, OrgLevel.TOWNSHIP, OrgLevel.GRASSROOTS])
        .order_by("path")[:200]
    )
    candidates = [o for o in candidates if len(o.name) >= 2 and (o.name in text or len(o.short_name) >= 2)]
    if not candidates:
        return []
    paths = {o.path for o in candidates}
    # Keep the deepest: drop a candidate when a descendant of it was named too.
    specific = [o for o in candidates if not any(p != o.path and p.startswith(o.path) for p in paths)]
    # Named ancestors narrow things down: prefer candidates under another named org.
    narrowed = [o for o in specific if any(p != o.path and o.path.startswith(p) for p in paths)]
    chosen = narrowed or specific
    return [o for o in chosen if o.level != OrgLevel.COUNTY]


def join_targets_for_text(text: str, *, limit: int = 9) -> list[JoinTarget]:
    """The live-code links of the 团青 groups of the village or township named in ``text``.

    Accepts a name ("新河村"), a short name ("石牌"), a ledger path ("怀宁县/石牌镇/新河村") or a sentence
    that contains them. A township returns its villages' (and direct orgs') groups. Only groups that are
    not dissolved and have an active live code are offered. A fixed number of queries.
    """
    from qingnong.orgs.selectors import org_display_paths

    orgs = _match_orgs(text)
    if not orgs:
        return []
    q = Q()
    for org in orgs:
        q |= subtree_q("org__path", org.path)
    groups = list(
        ChatGroup.objects.filter(q, group_type=GroupType.TUANQING)
        .exclude(status=GroupStatus.DISSOLVED)
        .exclude(status=GroupStatus.PLANNED)
        .select_related("org")
        .order_by("org__path", "name", "id")[: limit * 4]
    )
    if not groups:
        return []
    codes = group_live_codes([g.pk for g in groups])
    paths = org_display_paths({g.org_id: g.org for g in groups}.values())
    targets: list[JoinTarget] = []
    for group in groups:
        code = codes.get(group.pk)
        if code is None:
            continue
        targets.append(
            JoinTarget(
                org_id=group.org_id,
                org_display=paths[group.org_id],
                group_name=group.name,
                url=public_url(code),
            )
        )
        if len(targets) >= limit:
            break
    return targets


def group_live_codes(group_ids: list[int]) -> dict[int, str]:
    """For each group, the code of an active live code that leads to it (its own default code first,
    then a set that contains it, then an org-wide code of its type). Three queries."""
    if not group_ids:
        return {}
    result: dict[int, str] = {}
    rows = (
        LiveCodeGroup.objects.filter(group_id__in=group_ids, live_code__is_active=True)
        .order_by("-live_code__is_default", "live_code_id")
        .values_list("group_id", "live_code__code")
    )
    for group_id, code in rows:
        result.setdefault(group_id, code)
    missing = [pk for pk in group_ids if pk not in result]
    if missing:
        pairs = list(ChatGroup.objects.filter(pk__in=missing).values_list("pk", "org_id", "group_type"))
        org_codes = {
            (org_id, gtype): code
            for org_id, gtype, code in LiveCode.objects.filter(
                is_active=True, mode=LiveCodeMode.ORG_TYPE, org_id__in={p[1] for p in pairs}
            )
            .order_by("-pk")
            .values_list("org_id", "group_type", "code")
        }
        for pk, org_id, gtype in pairs:
            if (org_id, gtype) in org_codes:
                result[pk] = org_codes[(org_id, gtype)]
    return result


def live_code_candidates(live_code: LiveCode) -> list[ChatGroup]:
    """The groups a live code may lead to, in order (dissolved ones included; the caller filters)."""
    if live_code.mode == LiveCodeMode.ORG_TYPE:
        qs = ChatGroup.objects.filter(org_id=live_code.org_id)
        if live_code.group_type:
            qs = qs.filter(group_type=live_code.group_type)
        return list(qs.order_by("created_at", "id"))
    return [
        entry.group
        for entry in LiveCodeGroup.objects.filter(live_code=live_code)
        .select_related("group", "group__org")
        .order_by("position", "id")
    ]


def group_is_joinable(group: ChatGroup, now: datetime.datetime | None = None) -> bool:
    """A youth can join by scanning: not dissolved (nor only planned), a QR younger than 7 days, and fewer
    than 200 members (WeChat's scan-join cap)."""
    return (
        group.status not in (GroupStatus.DISSOLVED, GroupStatus.PLANNED)
        and group.qr_is_valid(now)
        and group.member_count < SCAN_JOIN_CAP
    )


def live_code_current_group(live_code: LiveCode, now: datetime.datetime | None = None) -> ChatGroup | None:
    """The group a live code shows now: the first joinable one in its order, or None."""
    if not live_code.is_active:
        return None
    for group in live_code_candidates(live_code):
        if group_is_joinable(group, now):
            return group
    return None


# --- per-org figures (path-prefix GROUP BYs) ------------------------------------------------


def group_counts_by_org(
    *, root_path: str, group_type: str | None = None, statuses: Iterable[str] | None = None
) -> dict[int, int]:
    """Groups per org id in the subtree at ``root_path`` (one query)."""
    qs = ChatGroup.objects.filter(subtree_q("org__path", root_path))
    if group_type:
        qs = qs.filter(group_type=group_type)
    if statuses is not None:
        qs = qs.filter(status__in=list(statuses))
    return dict(qs.order_by().values("org_id").annotate(n=Count("pk")).values_list("org_id", "n"))


def group_counts_by_child(
    *,
    parent: Org,
    group_type: str | None = None,
    statuses: Iterable[str] | None = None,
) -> dict[str, int]:
    """Groups under each child of ``parent`` (keyed by the child's path), one GROUP BY on the path prefix."""
    qs = ChatGroup.objects.filter(subtree_q("org__path", parent.path))
    if group_type:
        qs = qs.filter(group_type=group_type)
    if statuses is not None:
        qs = qs.filter(status__in=list(statuses))
    length = (parent.depth + 1) * PATH_STEP
    return dict(
        qs.annotate(_child=Substr("org__path", 1, length))
        .order_by()
        .values("_child")
        .annotate(n=Count("pk"))
        .values_list("_child", "n")
    )


def grassroots_orgs(root_path: str, *, include_direct: bool = False) -> QuerySet[Org]:
    """Active villages (and direct orgs when asked) in a subtree."""
    kinds = [k for k in GrassrootsKind.values if include_direct or k == GrassrootsKind.VILLAGE]
    return Org.objects.filter(
        subtree_q("path", root_path), level=OrgLevel.GRASSROOTS, kind__in=kinds, status=OrgStatus.ACTIVE
    )


def orgs_without_group(
    queryset: QuerySet[Org], *, group_type: str = GroupType.TUANQING, statuses: Iterable[str] = BUILT_STATUSES
) -> QuerySet[Org]:
    """The orgs of ``queryset`` that have no group of ``group_type`` in one of ``statuses`` (R2: a 团青 group
    counts when built or active). One query, whatever the size."""
    has_group = ChatGroup.objects.filter(org=OuterRef("pk"), group_type=group_type, status__in=list(statuses))
    return queryset.filter(~Exists(has_group))


def villages_without_tuanqing(
    *, user: Any, under: Org | None = None, include_direct: bool = False
) -> QuerySet[Org]:
    """Villages (and direct orgs when asked) in the user's scope with no built 团青 group (R2 gaps)."""
    qs = Org.objects.restrict(user, Action.VIEW).filter(level=OrgLevel.GRASSROOTS, status=OrgStatus.ACTIVE)
    if not include_direct:
        qs = qs.filter(kind=GrassrootsKind.VILLAGE)
    if under is not None:
        qs = qs.filter(under.subtree_q())
    return orgs_without_group(qs)


# --- R3: 青农 group completeness ----------------------------------------------------------


@dataclass
class ExpectedMember:
    cadre: Cadre
    org: Org
    title: str
    present: bool


@dataclass
class Completeness:
    group: ChatGroup
    expected: list[ExpectedMember]

    @property
    def expected_count(self) -> int:
        return len(self.expected)

    @property
    def present_count(self) -> int:
        return sum(1 for e in self.expected if e.present)

    @property
    def missing(self) -> list[ExpectedMember]:
        return [e for e in self.expected if not e.present]

    @property
    def ratio(self) -> float | None:
        return self.present_count / self.expected_count if self.expected else None

    @property
    def complete(self) -> bool:
        return not self.missing


def expected_position_filter(org_level: str) -> Q | None:
    """Which current positions one level below an org of ``org_level`` a 青农 group must include (R3):
    a city (or province) group the leadership members (班子成员) of the child committees, a county group the
    committee members (团委成员) of the child townships, a township group the leaders of its villages and
    direct orgs."""
    if org_level in (OrgLevel.NATION, OrgLevel.PROVINCE, OrgLevel.CITY):
        return Q(is_leadership=True)
    if org_level == OrgLevel.COUNTY:
        return Q(is_committee=True)
    if org_level == OrgLevel.TOWNSHIP:
        return Q(is_leadership=True)
    return None


# Above this many groups, R3's expected members are found by one scan rather than by index ranges.
MANY_GROUPS = 50


def qingnong_completeness_many(groups: Iterable[ChatGroup]) -> dict[int, Completeness]:
    """R3 for many 青农 groups at once: three queries whatever their number.

    Expected members come from the current positions of the orgs one level below each group's org;
    present ones are the cadres recorded in the group's member list.
    """
    groups = [g for g in groups if g.group_type == GroupType.QINGNONG]
    if not groups:
        return {}
    orgs = {g.org_id: g.org for g in groups}
    # Positions in the orgs one level below the groups' orgs. A few groups: one index range each. Many
    # (a campaign-wide R3 check): one scan matching each position's parent path against the set, since
    # thousands of OR-ed ranges make a plan that never ends.
    by_level: dict[str, list[Org]] = defaultdict(list)
    for org in orgs.values():
        if expected_position_filter(org.level) is not None:
            by_level[org.level].append(org)
    q = Q()
    for level, level_orgs in by_level.items():
        level_q = expected_position_filter(level)
        assert level_q is not None
        if len(orgs) <= MANY_GROUPS:
            for org in level_orgs:
                q |= subtree_q("org__path", org.path) & Q(org__depth=org.depth + 1) & level_q
        else:
            q |= (
                Q(_parent_path__in=[o.path for o in level_orgs])
                & Q(org__depth__in={o.depth + 1 for o in level_orgs})
                & level_q
            )
    positions: list[Position] = []
    if q:
        qs = Position.objects.current()
        if len(orgs) > MANY_GROUPS:
            qs = qs.annotate(_parent_path=Substr("org__path", 1, Length("org__path") - PATH_STEP))
        positions = list(
            qs.filter(q, cadre__is_active=True, org__status=OrgStatus.ACTIVE)
            .select_related("cadre", "org")
            .order_by("org__path", "title", "cadre__name")
        )
    members: dict[int, set[int]] = defaultdict(set)
    for group_id, cadre_id in GroupMembership.objects.filter(
        group_id__in=[g.pk for g in groups], cadre__isnull=False
    ).values_list("group_id", "cadre_id"):
        members[group_id].add(cadre_id)
    step = PATH_STEP
    by_parent: dict[str, list[Position]] = defaultdict(list)
    for p in positions:
        by_parent[p.org.path[:-step]].append(p)
    result: dict[int, Completeness] = {}
    for group in groups:
        org = orgs[group.org_id]
        level_q = expected_position_filter(org.level)
        seen: set[int] = set()
        expected: list[ExpectedMember] = []
        for p in by_parent.get(org.path, []) if level_q is not None else []:
            if p.cadre_id in seen:
                continue
            seen.add(p.cadre_id)
            expected.append(
                ExpectedMember(
                    cadre=p.cadre, org=p.org, title=p.title_label, present=p.cadre_id in members[group.pk]
                )
            )
        result[group.pk] = Completeness(group=group, expected=expected)
    return result


def qingnong_completeness(group: ChatGroup) -> Completeness:
    return qingnong_completeness_many([group])[group.pk]


# --- lists ----------------------------------------------------------------------------------


def group_list(
    *, user: Any, filters: dict[str, Any] | None = None, action: str = Action.VIEW
) -> ChatGroupQuerySet:
    """Groups in scope, filtered (type, status, org subtree, text, QR expired, below target)."""
    filters = filters or {}
    qs = ChatGroup.objects.restrict(user, action).select_related("org", "owner")
    under = filters.get("under")
    if under is not None:
        qs = qs.filter(under.subtree_q("org__path"))
    if filters.get("group_type"):
        qs = qs.filter(group_type=filters["group_type"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    text = (filters.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(org__name__icontains=text))
    expired = filters.get("qr_expired")
    if expired is True:
        qs = qs.qr_expired().live()
    elif expired is False:
        qs = qs.qr_valid()
    if filters.get("below_target"):
        qs = below_target(qs)
    return qs


def below_target(qs: ChatGroupQuerySet) -> ChatGroupQuerySet:
    """Groups short of their target: a 团青 / 专属 group whose owner reaches fewer than 20 youth (R1) or has
    no owner, or a 青农 group that misses expected members (R3). Five queries whatever the number of groups:
    only the owners of the listed groups are counted."""
    owners = set(
        qs.filter(group_type__in=list(REACH_TYPES)).exclude(owner_id=None).values_list("owner_id", flat=True)
    )
    reach = cadre_reach(owners) if owners else {}
    short = [pk for pk in owners if reach.get(pk, 0) < REACH_TARGET]
    reach_short = Q(group_type__in=list(REACH_TYPES)) & (Q(owner_id__in=short) | Q(owner_id=None))
    qingnong = list(qs.filter(group_type=GroupType.QINGNONG).live().select_related("org"))
    incomplete = [pk for pk, c in qingnong_completeness_many(qingnong).items() if not c.complete]
    return qs.filter(reach_short | Q(pk__in=incomplete)).live()


def my_cadre(user: Any) -> Cadre | None:
    """The cadre a logged-in user is (``User.cadre``), if any."""
    return getattr(user, "cadre", None) if getattr(user, "cadre_id", None) else None


def my_groups(*, user: Any) -> QuerySet[ChatGroup]:
    """The groups the user's cadre owns or administers, within the user's grants (others see none)."""
    cadre = my_cadre(user)
    qs = ChatGroup.objects.restrict(user, Action.VIEW).select_related("org", "owner")
    if cadre is None:
        return qs.none()
    admin_of = ChatGroup.admins.through.objects.filter(chatgroup_id=OuterRef("pk"), cadre_id=cadre.pk)
    return qs.filter(Q(owner_id=cadre.pk) | Exists(admin_of)).order_by("status", "group_type", "name")


@dataclass
class GroupBadges:
    qr_expired: bool
    members_missing: bool
    dormant: bool
    near_cap: bool


def group_badges(groups: Iterable[ChatGroup]) -> dict[int, GroupBadges]:
    """Badges of 我的群: QR expired, members missing (no member recorded, or — for 青农 — expected members
    missing), dormant, near the 200 / 500 caps. Three queries."""
    groups = list(groups)
    recorded = dict(
        GroupMembership.objects.filter(group_id__in=[g.pk for g in groups])
        .order_by()
        .values("group_id")
        .annotate(n=Count("pk"))
        .values_list("group_id", "n")
    )
    completeness = qingnong_completeness_many(groups)
    now = timezone.now()
    result = {}
    for g in groups:
        missing = recorded.get(g.pk, 0) == 0
        if g.pk in completeness:
            missing = missing or not completeness[g.pk].complete
        result[g.pk] = GroupBadges(
            qr_expired=g.is_live and not g.qr_is_valid(now),
            members_missing=missing,
            dormant=g.status == GroupStatus.DORMANT,
            near_cap=g.member_count >= SCAN_JOIN_CAP - 20 or g.member_count >= MEMBER_CAP - 50,
        )
    return result


def qr_expiring_between(start: datetime.datetime, end: datetime.datetime) -> QuerySet[ChatGroup]:
    """Live groups whose QR expires in ``[start, end)`` (for the daily reminder)."""
    return ChatGroup.objects.live().filter(
        qr_uploaded_at__gte=start - QR_VALIDITY, qr_uploaded_at__lt=end - QR_VALIDITY
    )


# --- reach on cadre lists -------------------------------------------------------------------

_REACH_CLASSES: dict[type, type] = {}


def _attach_reach(objects: list[Any]) -> None:
    pending = [o for o in objects if isinstance(o, Cadre) and not hasattr(o, "reach")]
    if pending:
        reach = cadre_reach([o.pk for o in pending])
        for obj in pending:
            obj.reach = reach.get(obj.pk, 0)  # type: ignore[attr-defined]


def with_reach(queryset: QuerySet[Cadre]) -> QuerySet[Cadre]:
    """The same queryset, whose fetched cadres carry ``.reach`` (R1): one more query per page (or per
    2000-row chunk of an export), whatever the page size."""
    base = type(queryset)
    cls = _REACH_CLASSES.get(base)
    if cls is None:

        def _fetch_all(self: Any) -> None:
            base._fetch_all(self)  # type: ignore[attr-defined]
            if self._result_cache:
                _attach_reach(self._result_cache)

        def iterator(self: Any, chunk_size: int | None = None) -> Any:
            chunk: list[Any] = []
            for obj in base.iterator(self, chunk_size=chunk_size or 2000):
                chunk.append(obj)
                if len(chunk) >= (chunk_size or 2000):
                    _attach_reach(chunk)
                    yield from chunk
                    chunk = []
            _attach_reach(chunk)
            yield from chunk

        cls = type(f"{base.__name__}WithReach", (base,), {"_fetch_all": _fetch_all, "iterator": iterator})
        _REACH_CLASSES[base] = cls
    clone = queryset.all()
    clone.__class__ = cls
    return clone


def filter_by_reach(queryset: QuerySet[Cadre], *, below: bool, target: int = REACH_TARGET) -> QuerySet[Cadre]:
    """Cadres of ``queryset`` below (or at or above) the R1 target: the reach of exactly these cadres is
    counted (at most two queries), then the list is filtered by id."""
    reach = cadre_reach(queryset)
    reaching = [pk for pk, n in reach.items() if n >= target]
    return queryset.exclude(pk__in=reaching) if below else queryset.filter(pk__in=reaching)
