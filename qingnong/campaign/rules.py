"""The rules R1–R12 of DESIGN.md §2, one function each. The dashboard, reminders and the inspection score
read these functions and nothing else computes compliance.

Each function evaluates a whole subtree with a fixed number of queries (grouping by path prefix, never
a query per org) and returns per-org value, target, status and evidence (see ``rules_base``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Length, Substr
from django.utils import timezone

from qingnong.core.asof import end_of_day
from qingnong.orgs.choices import OrgLevel, PositionTitle
from qingnong.orgs.models import Cadre, Org, Position

from .choices import SubmissionKind, SubmissionStatus
from .models import Submission
from .rules_base import (
    MET,
    NO_DATA,
    NOT_DUE,
    NOT_MET,
    OrgResult,
    RuleContext,
    RuleReport,
    Tally,
    result,
    rule,
    status_for,
)

COUNTY: set[str] = {OrgLevel.COUNTY}


def _groups(ctx: RuleContext) -> Any:
    """The ledger's groups; read as of a past day, those that existed at its end (``core.asof``)."""
    from qingnong.wxgroups.models import ChatGroup

    groups = ChatGroup.objects.all()
    return groups if ctx.as_of is None else groups.existed_on(ctx.as_of)


def _submission_rule(ctx: RuleContext, rule_id: str, kind: str, title: str) -> RuleReport:
    """R9 / R10: each county's latest submission of ``kind`` exists and was not returned."""
    counties = ctx.subtree_orgs(COUNTY)
    latest: dict[int, Submission] = {}
    submissions = Submission.objects.filter(campaign=ctx.campaign, kind=kind, org__in=counties)
    if ctx.as_of is not None:
        submissions = submissions.filter(submitted_at__lt=end_of_day(ctx.as_of))
    for sub in submissions.order_by("submitted_at", "pk"):
        latest[sub.org_id] = sub
    orgs = [o for o in ctx.result_orgs() if o.level in EXCLUSIVE_LEVELS]
    tally = Tally(orgs)
    for county in counties:
        found = latest.get(county.pk)
        ok = found is not None and found.status != SubmissionStatus.RETURNED
        state = str(found.get_status_display()) if found else "未报送"
        tally.add(
            county.path,
            ok,
            {"org": county.name, "state": state, "comment": found.comment if found else ""},
            ctx.evidence_limit,
        )
    root, rows = _ratio_results(ctx, rule_id, tally, orgs, 100)
    return RuleReport(
        rule_id,
        title,
        ctx.campaign.due_date(rule_id),
        root,
        [r for r in rows if tally.den[r.org_id]],
        [("org", "县级团委"), ("state", "状态"), ("comment", "审核意见")],
    )


@rule("R9", "县级团委报送通知或工作方案")
def r9_plans(ctx: RuleContext) -> RuleReport:
    return _submission_rule(ctx, "R9", SubmissionKind.PLAN, "县级团委报送通知或工作方案")


@rule("R10", "县级团委报送专题总结")
def r10_summaries(ctx: RuleContext) -> RuleReport:
    return _submission_rule(ctx, "R10", SubmissionKind.SUMMARY, "县级团委报送专题总结")


# --- the 三群 ledger: R1–R6 -----------------------------------------------------------------

ALL_LEVELS = None
GRASSROOTS_LEVELS: set[str] = {OrgLevel.TOWNSHIP, OrgLevel.GRASSROOTS}
QINGNONG_LEVELS: set[str] = {
    OrgLevel.NATION,
    OrgLevel.PROVINCE,
    OrgLevel.CITY,
    OrgLevel.COUNTY,
    OrgLevel.TOWNSHIP,
}
EXCLUSIVE_LEVELS: set[str] = {OrgLevel.NATION, OrgLevel.PROVINCE, OrgLevel.CITY, OrgLevel.COUNTY}
PREFECTURE_LEVELS: set[str] = {OrgLevel.NATION, OrgLevel.PROVINCE, OrgLevel.CITY}


def _ratio_results(
    ctx: RuleContext, rule_id: str, tally: Tally, orgs: list[Org], target: float, unit: str = "%"
) -> tuple[OrgResult | None, list[OrgResult]]:
    due = ctx.is_due(rule_id)
    results = []
    for org in orgs:
        value = tally.ratio(org)
        results.append(
            result(
                org,
                value=value,
                target=target,
                unit=unit,
                status=status_for(value=value, target=target, due=due) if value is not None else NO_DATA,
                evidence=tally.evidence[org.pk],
            )
        )
    root = next((r for r in results if r.org_id == ctx.root.pk), None)
    return root, [r for r in results if r.org_id != ctx.root.pk]


@rule("R1", "每名基层团干部联系农村青年不少于规定人数")
def r1_reach(ctx: RuleContext) -> RuleReport:
    """Cadres of township committees and village / direct orgs reaching at least the campaign's number of
    distinct youth (members of the 团青 / 专属 groups they own or administer, plus youth they are liaison
    of). Per org: the share of its cadres (subtree) who do."""
    from qingnong.wxgroups.selectors import cadre_reach, r1_cadres

    target = ctx.campaign.reach_per_cadre
    cadres = r1_cadres(Cadre.objects.filter(ctx.root.subtree_q("org__path")))
    reach = cadre_reach(cadres, as_of=ctx.as_of)
    orgs = ctx.result_orgs()
    tally = Tally(orgs)
    rows = cadres.order_by("org__path", "name").values_list("pk", "name", "org__name", "org__path")
    shown = tally.add_verdicts(
        ((path, reach.get(pk, 0) >= target, (pk, name, org_name)) for pk, name, org_name, path in rows),
        ctx.evidence_limit,
    )
    for path, (pk, name, org_name) in shown:
        n = reach.get(pk, 0)
        evidence = {"cadre": name, "org": org_name, "reached": n, "gap": target - n, "cadre_id": pk}
        tally.add_evidence(path, evidence, ctx.evidence_limit)
    root, rows = _ratio_results(ctx, "R1", tally, orgs, 100)
    return RuleReport(
        "R1",
        f"每名基层团干部联系青年不少于 {target} 名",
        ctx.campaign.due_date("R1"),
        root,
        [r for r in rows if tally.den[r.org_id]],
        [("cadre", "团干部"), ("org", "组织"), ("reached", "已联系"), ("gap", "差额")],
    )


@rule("R2", "团青微信群建群率")
def r2_coverage(ctx: RuleContext) -> RuleReport:
    """Villages and direct orgs with at least one 团青 group that is built or active, as a share of all
    of them, for every township, county and city of the subtree."""
    from qingnong.wxgroups.choices import BUILT_STATUSES, GroupType

    built = _groups(ctx).filter(
        org=OuterRef("pk"), group_type=GroupType.TUANQING, status__in=list(BUILT_STATUSES)
    )
    grassroots = (
        Org.objects.filter(ctx.root.subtree_q(), level=OrgLevel.GRASSROOTS, status="active")
        .annotate(has_group=Exists(built))
        .order_by("path")
        .values_list("name", "path", "has_group")
    )
    orgs = [o for o in ctx.result_orgs() if o.level != OrgLevel.GRASSROOTS or o.pk == ctx.root.pk]
    town_names = dict(
        Org.objects.filter(ctx.root.subtree_q(), level=OrgLevel.TOWNSHIP).values_list("path", "name")
    )
    tally = Tally(orgs)
    step = ctx.root.steplen
    shown = tally.add_verdicts(
        ((path, has_group, name) for name, path, has_group in grassroots), ctx.evidence_limit
    )
    for path, name in shown:
        tally.add_evidence(
            path, {"org": name, "township": town_names.get(path[:-step], "")}, ctx.evidence_limit
        )
    root, rows = _ratio_results(ctx, "R2", tally, orgs, ctx.campaign.tuanqing_coverage_pct)
    return RuleReport(
        "R2",
        f"村和直属团组织建立团青微信群 {ctx.campaign.tuanqing_coverage_pct}% 以上",
        ctx.campaign.due_date("R2"),
        root,
        [r for r in rows if tally.den[r.org_id]],
        [("org", "未建群的组织"), ("township", "所属乡镇")],
    )


def expects_member(parent_level: str, *, is_leadership: bool, is_committee: bool) -> bool:
    """R3: whether a current position one level below an org of ``parent_level`` belongs in that org's
    青农 group (city: the county committees' leadership members; county: the township committee
    members; township: the leaders of its villages and direct orgs)."""
    if parent_level in PREFECTURE_LEVELS:
        return is_leadership
    if parent_level == OrgLevel.COUNTY:
        return is_committee
    if parent_level == OrgLevel.TOWNSHIP:
        return is_leadership
    return False


@rule("R3", "青农微信群建成并向下覆盖一级")
def r3_qingnong(ctx: RuleContext) -> RuleReport:
    """Every city, county and township org has a live 青农 group whose recorded members cover the expected
    members one level down. Per org (subtree): the share of expected members present; an org without a
    group counts all its expected members missing."""
    from qingnong.wxgroups.choices import GroupType
    from qingnong.wxgroups.models import GroupMembership, membership_existed_q

    step = ctx.root.steplen
    owners = {
        o.path: o
        for o in Org.objects.filter(ctx.root.subtree_q(), level__in=QINGNONG_LEVELS, status="active").only(
            "id", "name", "path", "level"
        )
    }
    groups = dict(
        _groups(ctx)
        .filter(ctx.root.subtree_q("org__path"), group_type=GroupType.QINGNONG)
        .live()
        .values_list("org_id", "pk")
    )
    members = GroupMembership.objects.filter(group_id__in=list(groups.values()), cadre__isnull=False)
    if ctx.as_of is not None:
        members = members.filter(membership_existed_q(ctx.as_of))
    present = set(members.values_list("group_id", "cadre_id"))
    # Only leaders, and committee members of a county's children, can be expected in a 青农 group: the
    # database leaves out the village committee members (most positions) before ``expects_member`` decides.
    parent_level = Subquery(
        Org.objects.filter(
            path=Substr(OuterRef("org__path"), 1, Length(OuterRef("org__path")) - step)
        ).values("level")[:1]
    )
    positions = (
        Position.objects.current()
        .filter(ctx.root.subtree_q("org__path"), cadre__is_active=True, org__status="active")
        .alias(parent_level=parent_level)
        .filter(Q(is_leadership=True) | Q(is_committee=True, parent_level=OrgLevel.COUNTY))
        .order_by("org__path", "title", "pk")
        .values_list("pk", "cadre_id", "org__path", "is_leadership", "is_committee")
    )
    orgs = [o for o in ctx.result_orgs(QINGNONG_LEVELS)]
    tally = Tally(orgs)

    def expected() -> Iterator[tuple[str, bool, int]]:
        """(group org path, present, position id) of every expected member, once per group org."""
        seen: set[tuple[int, int]] = set()
        for position_id, cadre_id, path, leadership, committee in positions:
            parent = owners.get(path[:-step])
            if parent is None or not expects_member(
                parent.level, is_leadership=leadership, is_committee=committee
            ):
                continue
            if (parent.pk, cadre_id) in seen:
                continue
            seen.add((parent.pk, cadre_id))
            group_id = groups.get(parent.pk)
            yield parent.path, group_id is not None and (group_id, cadre_id) in present, position_id

    # Only the missing members that end up as evidence are read with their names.
    shown = tally.add_verdicts(expected(), ctx.evidence_limit)
    read = {
        pk: row
        for pk, *row in Position.objects.filter(pk__in=[pk for _path, pk in shown]).values_list(
            "pk", "title", "cadre__name", "org__name"
        )
    }
    for path, pk in shown:
        (title, cadre_name, org_name), parent = read[pk], owners[path]
        evidence = {
            "group_org": parent.name,
            "cadre": cadre_name,
            "org": org_name,
            "title": PositionTitle(title).label,
            "missing": "未建群" if parent.pk not in groups else "未入群",
        }
        tally.add_evidence(path, evidence, ctx.evidence_limit)
    without_group = [o for o in owners.values() if o.pk not in groups]
    due = ctx.is_due("R3")
    results = []
    for org in orgs:
        value = tally.ratio(org)
        lacking = [o for o in without_group if o.path.startswith(org.path)]
        ok = not lacking and (value is None or value >= 100)
        status = MET if ok else (NOT_MET if due else NOT_DUE)
        evidence = [
            {"group_org": o.name, "cadre": "", "org": "", "title": "", "missing": "未建青农微信群"}
            for o in lacking
        ][: ctx.evidence_limit or None] + tally.evidence[org.pk]
        results.append(
            result(
                org,
                value=value if value is not None else (0 if lacking else 100),
                target=100,
                unit="%",
                status=status,
                evidence=ctx.cap(evidence),
            )
        )
    root = next((r for r in results if r.org_id == ctx.root.pk), None)
    return RuleReport(
        "R3",
        "各级青农微信群建成，成员向下覆盖一级",
        ctx.campaign.due_date("R3"),
        root,
        [r for r in results if r.org_id != ctx.root.pk],
        [
            ("group_org", "青农群所属组织"),
            ("cadre", "应入群人员"),
            ("org", "其组织"),
            ("title", "职务"),
            ("missing", "问题"),
        ],
    )


@rule("R4", "市、县青年专属微信群数量")
def r4_exclusive(ctx: RuleContext) -> RuleReport:
    """The city and each county have at least the campaign's number of 青年专属 groups (built or active)."""
    from qingnong.wxgroups.choices import BUILT_STATUSES, GroupType

    orgs = ctx.result_orgs(EXCLUSIVE_LEVELS)
    counts = dict(
        _groups(ctx)
        .filter(
            org_id__in=[o.pk for o in orgs], group_type=GroupType.EXCLUSIVE, status__in=list(BUILT_STATUSES)
        )
        .order_by()
        .values("org_id")
        .annotate(n=Count("pk"))
        .values_list("org_id", "n")
    )
    target = ctx.campaign.exclusive_groups_min
    due = ctx.is_due("R4")
    results = [
        result(
            o,
            value=counts.get(o.pk, 0),
            target=target,
            unit="个",
            status=status_for(value=counts.get(o.pk, 0), target=target, due=due),
            evidence=[] if counts.get(o.pk, 0) >= target else [{"org": o.name, "count": counts.get(o.pk, 0)}],
        )
        for o in orgs
    ]
    root = next((r for r in results if r.org_id == ctx.root.pk), None)
    return RuleReport(
        "R4",
        f"市、县两级建立青年专属微信群 {target} 个以上",
        ctx.campaign.due_date("R4"),
        root,
        [r for r in results if r.org_id != ctx.root.pk],
        [("org", "组织"), ("count", "现有专属群")],
    )


def qingnong_name(org: Org) -> str:
    """The name the notice gives a prefecture-level-and-above cadre group or account: 青农 + short name."""
    return f"青农{org.short_name or org.name}"


@rule("R5", "地市以上青农群、公众号命名")
def r5_naming(ctx: RuleContext) -> RuleReport:
    """The 青农 groups (and official accounts, where the accounts app has them) of prefecture-level and
    higher orgs are named 青农 + the org's short name (a warning, checked on save)."""
    from qingnong.wxgroups.choices import GroupType

    orgs = {
        o.pk: o
        for o in Org.objects.filter(ctx.root.subtree_q(), level__in=PREFECTURE_LEVELS, status="active")
    }
    named: list[tuple[int, str, str]] = [
        (org_id, "青农微信群", name)
        for org_id, name in _groups(ctx)
        .filter(org_id__in=list(orgs), group_type=GroupType.QINGNONG)
        .live()
        .values_list("org_id", "name")
    ]
    named += _account_names(list(orgs))
    result_orgs = ctx.result_orgs(PREFECTURE_LEVELS)
    tally = Tally(result_orgs)
    for org_id, what, name in named:
        org = orgs[org_id]
        expected = qingnong_name(org)
        tally.add(
            org.path,
            name.strip() == expected,
            {"org": org.name, "what": what, "name": name, "expected": expected},
            ctx.evidence_limit,
        )
    results = []
    for org in result_orgs:
        value = tally.ratio(org)
        results.append(
            result(
                org,
                value=value,
                target=100,
                unit="%",
                status=status_for(value=value, target=100, due=True),
                evidence=tally.evidence[org.pk],
            )
        )
    root = next((r for r in results if r.org_id == ctx.root.pk), None)
    return RuleReport(
        "R5",
        "地市以上青农微信群、公众号统一命名为“青农XX”",
        None,
        root,
        [r for r in results if r.org_id != ctx.root.pk],
        [("org", "组织"), ("what", "对象"), ("name", "现名称"), ("expected", "应为")],
    )


def _account_names(org_ids: list[int]) -> list[tuple[int, str, str]]:
    """Official-account names of these orgs, when the accounts app has its model."""
    from django.apps import apps

    try:
        account = apps.get_model("mp", "OfficialAccount")
    except LookupError:
        return []
    return [
        (org_id, "微信公众号", name)
        for org_id, name in account.objects.filter(org_id__in=org_ids).values_list("org_id", "name")
    ]


R6_FIELDS = ("owner", "member_count", "bases", "qr")


def _r6_complete(valid_since: datetime.datetime) -> Q:
    """A group whose ledger entry is complete (R6), as a filter."""
    from qingnong.wxgroups.choices import GroupType

    return (
        ~Q(name="")
        & Q(owner__isnull=False)
        & Q(member_count__gt=0)
        & (~Q(group_type=GroupType.TUANQING) | ~(Q(bases__isnull=True) | Q(bases=[])))
        & ~Q(qr_image="")
        & Q(qr_image__isnull=False)
        & Q(qr_uploaded_at__gt=valid_since)
    )


@rule("R6", "乡镇、村和直属团组织微信群信息填入台账")
def r6_ledger(ctx: RuleContext) -> RuleReport:
    """Every live group of a township, village or direct org is in the ledger with its required fields:
    name, owner cadre, member count, basis (团青), and a QR code no older than the campaign's days.

    Two queries whatever the tree: the counts grouped by the result org the group lies under (its path
    cut to the deepest result path), and the incomplete groups for the evidence — at most
    ``evidence_limit`` per deepest result org (a window), which holds the first ones of every ancestor."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber, Substr

    from qingnong.wxgroups.choices import GroupType

    valid_since = timezone.now() - datetime.timedelta(days=ctx.campaign.qr_valid_days)
    complete = _r6_complete(valid_since)
    orgs = ctx.result_orgs()
    tally = Tally(orgs)
    groups = _groups(ctx).filter(ctx.root.subtree_q("org__path"), org__level__in=GRASSROOTS_LEVELS).live()
    under = Substr("org__path", 1, tally.deepest)
    counts = (
        groups.annotate(under=under)
        .order_by()
        .values("under")
        .annotate(total=Count("id"), ok=Count("id", filter=complete))
        .values_list("under", "total", "ok")
    )
    for path, total, ok in counts:
        tally.add_counts(path, total, ok)
    if ctx.evidence_limit != 0:
        failing = groups.exclude(complete)
        if ctx.evidence_limit is not None:
            failing = failing.annotate(
                rank=Window(RowNumber(), partition_by=[under], order_by=[F("org__path"), F("name"), F("pk")])
            ).filter(rank__lte=ctx.evidence_limit)
        rows = failing.order_by("org__path", "name", "pk").values_list(
            "name",
            "group_type",
            "owner_id",
            "member_count",
            "bases",
            "qr_image",
            "qr_uploaded_at",
            "org__name",
            "org__path",
        )
        days = ctx.campaign.qr_valid_days
        for name, gtype, owner, count, bases, qr_image, qr_at, org_name, path in rows:
            missing = []
            if not name:
                missing.append("群名称")
            if owner is None:
                missing.append("群主")
            if not count:
                missing.append("成员数")
            if gtype == GroupType.TUANQING and not bases:
                missing.append("组建基础（缘）")
            if not qr_image or qr_at is None or qr_at <= valid_since:
                missing.append(f"{days}天内的群二维码")
            tally.add_evidence(
                path, {"group": name, "org": org_name, "missing": "、".join(missing)}, ctx.evidence_limit
            )
    root, rows_out = _ratio_results(ctx, "R6", tally, orgs, 100)
    return RuleReport(
        "R6",
        "乡镇、村和直属团组织的微信群信息完整填入台账",
        ctx.campaign.due_date("R6"),
        root,
        [r for r in rows_out if tally.den[r.org_id]],
        [("group", "微信群"), ("org", "组织"), ("missing", "缺少")],
    )


@rule("R11", "督查考核得分")
def r11_score(ctx: RuleContext) -> RuleReport:
    """The weighted inspection score (建群情况, 联系青年数量, 内容及频次, 线上线下活动) with inspectors'
    adjustments, for the root and its children; passes at the campaign's pass score."""
    from qingnong.inspection.selectors import scorecards

    due = ctx.is_due("R11")
    target = ctx.campaign.pass_score

    def as_result(card: Any) -> OrgResult:
        total = card.total
        evidence = [
            {
                "dimension": d.label,
                "auto": d.auto,
                "final": d.final,
                "weight": d.weight,
                "adjusted": "是" if d.adjusted else "",
                "basis": "；".join(d.basis),
            }
            for d in card.dimensions
        ]
        return result(
            card.org,
            value=total,
            target=target,
            unit="分",
            status=status_for(value=total, target=target, due=due),
            evidence=evidence,
        )

    cards = scorecards(ctx, include_root=True)
    rows = [as_result(c) for c in cards if c.org.pk != ctx.root.pk]
    root = as_result(cards[-1])
    return RuleReport(
        "R11",
        "督查考核得分（建群、联系青年、内容及频次、活动）",
        ctx.campaign.due_date("R11"),
        root,
        rows,
        [
            ("dimension", "考核项"),
            ("auto", "自动得分"),
            ("final", "最终得分"),
            ("weight", "权重"),
            ("adjusted", "已调整"),
            ("basis", "依据"),
        ],
    )


# --- official accounts: R7, R8 --------------------------------------------------------------

R7_WEEKS = 4


@rule("R7", "公众号经常性发布机制")
def r7_cadence(ctx: RuleContext) -> RuleReport:
    """Where an account exists (county level and above): at least the campaign's posts per week over the
    last four weeks, all six categories used this quarter, and an admin team of the campaign's size. Per
    org: the share of the subtree's accounts that pass; no account → no data."""
    from qingnong.mp.models import OfficialAccount
    from qingnong.mp.selectors import account_cadence

    campaign = ctx.campaign
    accounts = list(
        OfficialAccount.objects.served().filter(ctx.root.subtree_q("org__path")).select_related("org")
    )
    rows = account_cadence(
        accounts,
        on=ctx.today,
        weeks=R7_WEEKS,
        posts_per_week=campaign.posts_per_week,
        min_admins=campaign.account_admins_min,
    )
    orgs = ctx.result_orgs()
    tally = Tally(orgs)
    for row in rows:
        problems = []
        if not row.posts_ok:
            problems.append(f"近{R7_WEEKS}周发布 {row.posts} 篇，应不少于 {row.target * row.weeks} 篇")
        if not row.categories_ok:
            problems.append("本季度未发布：" + "、".join(row.missing_categories))
        if not row.admins_ok:
            problems.append(f"管理员 {row.admins} 人，应不少于 {row.min_admins} 人")
        tally.add(
            row.account.org.path,
            row.passed,
            {"account": row.account.name, "org": row.account.org.name, "problems": "；".join(problems)},
            ctx.evidence_limit,
        )
    root, results = _ratio_results(ctx, "R7", tally, orgs, 100)
    return RuleReport(
        "R7",
        f"公众号每周发布 {campaign.posts_per_week} 篇以上、六类内容齐全、"
        f"管理员 {campaign.account_admins_min} 人以上",
        campaign.due_date("R7"),
        root,
        [r for r in results if tally.den[r.org_id]],
        [("account", "公众号"), ("org", "组织"), ("problems", "问题")],
    )


@rule("R8", "团干部关注推荐公众号")
def r8_follow(ctx: RuleContext) -> RuleReport:
    """The share of active cadres who follow every recommended account (the campaign's list, e.g.
    安徽省青年创业者协会): bound through the platform for its own accounts, confirmed by the cadre for
    others. No recommended account configured → no data."""
    from qingnong.mp.selectors import following_cadres, recommended_accounts

    accounts = recommended_accounts(ctx.campaign.recommended_account_names())
    orgs = ctx.result_orgs()
    tally = Tally(orgs)
    if accounts:
        following = set(
            following_cadres(accounts).filter(ctx.root.subtree_q("org__path")).values_list("pk", flat=True)
        )
        cadres = (
            Cadre.objects.filter(ctx.root.subtree_q("org__path"), is_active=True)
            .order_by("org__path", "name")
            .values_list("pk", "name", "org__name", "org__path")
        )
        for pk, name, org_name, path in cadres.iterator(chunk_size=5000):
            tally.add(path, pk in following, {"cadre": name, "org": org_name}, ctx.evidence_limit)
    target = ctx.campaign.follow_target_pct
    root, results = _ratio_results(ctx, "R8", tally, orgs, target)
    names = "、".join(a.name for a in accounts) or "（未设置）"
    return RuleReport(
        "R8",
        f"团干部关注推荐公众号：{names}",
        ctx.campaign.due_date("R8"),
        root,
        [r for r in results if tally.den[r.org_id]],
        [("cadre", "未关注的团干部"), ("org", "组织")],
    )


# --- activity: R12 --------------------------------------------------------------------------


@rule("R12", "微信群活跃度（沉寂群）")
def r12_dormancy(ctx: RuleContext) -> RuleReport:
    """A group with no content forwarded and no activity for the campaign's N days is dormant (沉寂). Per
    org: the share of its subtree's counted groups (built, active, dormant) that are not dormant."""
    from qingnong.content.idleness import dormancy_counts, dormant_first

    orgs = ctx.result_orgs()
    tally = Tally(orgs)
    cut = tally.deepest
    for path, total, dormant, _new in dormancy_counts(
        root=ctx.root, today=ctx.today, cut=cut, as_of=ctx.as_of
    ):
        tally.add_counts(path, total, total - dormant)
    if ctx.evidence_limit != 0:
        for path, _pk, name, org_name, last_on, quiet_since in dormant_first(
            root=ctx.root, today=ctx.today, cut=cut, limit=ctx.evidence_limit, as_of=ctx.as_of
        ):
            evidence = {
                "group": name,
                "org": org_name,
                "last": last_on.isoformat() if last_on else "从未",
                "idle_days": (ctx.today - quiet_since).days,
            }
            tally.add_evidence(path, evidence, ctx.evidence_limit)
    target = ctx.campaign.active_share_pct
    root, results = _ratio_results(ctx, "R12", tally, orgs, target)
    return RuleReport(
        "R12",
        f"{ctx.campaign.dormant_days} 天无内容无活动即为沉寂；活跃群占比 {target}% 以上",
        None,
        root,
        [r for r in results if tally.den[r.org_id]],
        [("group", "沉寂的群"), ("org", "组织"), ("last", "最近内容或活动"), ("idle_days", "沉寂天数")],
    )
