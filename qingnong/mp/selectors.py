"""Reads of the official-account app: lists, recruitment leaderboards, R7 cadence and R8 follow shares.

Every rollup over an org subtree uses a fixed number of queries whatever the tree size (grouping by the
path prefix of each child, ``core.rollups``), never one query per org.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from qingnong.core.permissions import Action
from qingnong.core.rollups import child_prefix_length, count_by_child
from qingnong.core.scoping import subtree_q
from qingnong.orgs.models import Cadre, Org

from .choices import PostCategory, PostStatus, QrKind
from .models import AccountAdmin, CadreFollow, Follower, OfficialAccount, Post, QrCode

R7_MIN_ADMINS = 2


# --- lists ----------------------------------------------------------------------------------


def account_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[OfficialAccount]:
    filters = filters or {}
    qs = OfficialAccount.objects.restrict(user, Action.VIEW).select_related("org")
    if filters.get("under") is not None:
        qs = qs.filter(filters["under"].subtree_q("org__path"))
    if filters.get("q"):
        qs = qs.filter(name__icontains=filters["q"])
    # Subqueries, not joined counts: two joined counts would multiply followers by admins.
    followers = (
        Follower.objects.filter(account=OuterRef("pk"), subscribed=True)
        .order_by()
        .values("account")
        .annotate(n=Count("pk"))
        .values("n")
    )
    admins = (
        AccountAdmin.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        follower_count=Coalesce(Subquery(followers), 0), admin_count=Coalesce(Subquery(admins), 0)
    ).order_by("org__path", "name", "id")


def post_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Post]:
    filters = filters or {}
    qs = Post.objects.restrict(user, Action.VIEW).select_related("account", "author", "reviewer")
    if filters.get("account") is not None:
        qs = qs.filter(account=filters["account"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("q"):
        qs = qs.filter(title__icontains=filters["q"])
    return qs


def follower_list(
    *,
    user: Any,
    account: OfficialAccount | None = None,
    org: Org | None = None,
    filters: dict[str, Any] | None = None,
) -> QuerySet[Follower]:
    """Followers of an account (scoped by the account's org) or recruited by an org's subtree.

    The org view is scoped by the org (a township sees the followers its villages recruited, whatever
    account they followed); the caller has loaded ``org`` through ``.restrict``.
    """
    filters = filters or {}
    if org is not None:
        qs = Follower.objects.filter(org.subtree_q("org__path"))
    else:
        qs = Follower.objects.restrict(user, Action.VIEW)
    if account is not None:
        qs = qs.filter(account=account)
    status = filters.get("status")
    if status == "subscribed":
        qs = qs.filter(subscribed=True)
    elif status == "unsubscribed":
        qs = qs.filter(subscribed=False)
    return qs.select_related("account__org", "org", "cadre")


# --- recruitment leaderboards ---------------------------------------------------------------


@dataclass
class RecruitRow:
    org: Org
    followers: int
    share: float = 0.0


@dataclass
class CadreRecruitRow:
    cadre_id: int
    name: str
    org_name: str
    followers: int


@dataclass
class Recruitment:
    total: int
    own: int
    children: list[RecruitRow]
    cadres: list[CadreRecruitRow] = field(default_factory=list)


def recruitment(*, parent: Org, account: OfficialAccount | None = None, cadre_limit: int = 20) -> Recruitment:
    """Subscribed followers recruited in ``parent``'s subtree, per child org (ranked) and the top cadres.

    Three queries whatever the size of the tree.
    """
    followers = Follower.objects.filter(subscribed=True, org__isnull=False)
    if account is not None:
        followers = followers.filter(account=account)
    by_child = count_by_child(
        followers, path_field="org__path", parent_path=parent.path, parent_depth=parent.depth
    )
    children = list(
        Org.objects.filter(subtree_q("path", parent.path), depth=parent.depth + 1, status="active")
    )
    total = sum(by_child.values())
    rows = [RecruitRow(org=c, followers=by_child.get(c.path, 0)) for c in children]
    for row in rows:
        row.share = row.followers / total if total else 0.0
    rows.sort(key=lambda r: (-r.followers, r.org.path))
    top = (
        followers.filter(subtree_q("org__path", parent.path), cadre__isnull=False)
        .values("cadre_id", "cadre__name", "cadre__org__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "cadre_id")[:cadre_limit]
    )
    cadres = [CadreRecruitRow(r["cadre_id"], r["cadre__name"], r["cadre__org__name"], r["n"]) for r in top]
    return Recruitment(total=total, own=by_child.get(parent.path, 0), children=rows, cadres=cadres)


# --- R8: cadres following the recommended accounts ------------------------------------------


@dataclass(frozen=True)
class FollowShare:
    following: int
    total: int

    @property
    def share(self) -> float:
        return self.following / self.total if self.total else 0.0


def recommended_accounts(names: Sequence[str] | None = None) -> list[OfficialAccount]:
    """The accounts cadres are asked to follow (R8): those flagged "推荐团干部关注", or — when the campaign
    names them (``Campaign.recommended_accounts``) — the active accounts with those names."""
    qs = OfficialAccount.objects.filter(is_active=True).select_related("org").order_by("name", "pk")
    if names is not None:
        wanted = [n.strip() for n in names if n and n.strip()]
        return list(qs.filter(name__in=wanted))
    return list(qs.filter(recommended=True))


def following_cadres(accounts: Sequence[OfficialAccount]) -> QuerySet[Cadre]:
    """Active cadres who follow every account in ``accounts`` (one subquery; the campaign's R8 uses it)."""
    ids = [a.pk for a in accounts]
    followers_of_all = (
        CadreFollow.objects.filter(account_id__in=ids, active=True)
        .values("cadre_id")
        .annotate(n=Count("account_id", distinct=True))
        .filter(n=len(ids))
        .values("cadre_id")
    )
    return Cadre.objects.filter(is_active=True, pk__in=followers_of_all)


def cadre_follow_shares(
    *, parent: Org, accounts: Sequence[OfficialAccount] | None = None
) -> tuple[FollowShare, dict[str, FollowShare]]:
    """R8: of the active cadres in ``parent``'s subtree, how many follow all recommended accounts —
    for the subtree and per child org (keyed by the child's path; the parent's own cadres under its path).

    Three queries (two when ``accounts`` is given) whatever the size of the tree.
    """
    accounts = list(accounts) if accounts is not None else recommended_accounts()
    totals = count_by_child(
        Cadre.objects.filter(is_active=True),
        path_field="org__path",
        parent_path=parent.path,
        parent_depth=parent.depth,
    )
    if accounts:
        following = count_by_child(
            following_cadres(accounts),
            path_field="org__path",
            parent_path=parent.path,
            parent_depth=parent.depth,
        )
    else:
        following = {}
    per_child = {path: FollowShare(following.get(path, 0), n) for path, n in totals.items()}
    overall = FollowShare(sum(following.values()), sum(totals.values()))
    return overall, per_child


# The name the campaign's R8 first used.


@dataclass
class CadreFollowStatus:
    account: OfficialAccount
    follow: CadreFollow | None

    @property
    def following(self) -> bool:
        return self.follow is not None and self.follow.active


def cadre_follow_status(cadre: Cadre) -> list[CadreFollowStatus]:
    """Each recommended account and whether ``cadre`` follows it (two queries)."""
    return _follow_status(cadre, recommended_accounts())


def _follow_status(cadre: Cadre, accounts: list[OfficialAccount]) -> list[CadreFollowStatus]:
    follows = {f.account_id: f for f in CadreFollow.objects.filter(cadre=cadre, account__in=accounts)}
    return [CadreFollowStatus(a, follows.get(a.pk)) for a in accounts]


def reminder_accounts(cadre: Cadre) -> list[OfficialAccount]:
    """The accounts that can carry ``cadre``'s reminders to their WeChat (served here, with API rights and
    a reminder template), at the cadre's org or above it, nearest first; recommended ones excluded (the
    cadre binds those for R8 already)."""
    ancestors = [
        cadre.org.path[:n] for n in range(cadre.org.steplen, len(cadre.org.path) + 1, cadre.org.steplen)
    ]
    qs = (
        OfficialAccount.objects.filter(
            is_active=True, is_external=False, api_enabled=True, recommended=False, org__path__in=ancestors
        )
        .exclude(reminder_template_id="")
        .select_related("org")
        .order_by("-org__depth", "name", "pk")
    )
    return list(qs)


def cadre_reminder_status(cadre: Cadre) -> list[CadreFollowStatus]:
    """Each account that can carry the cadre's reminders and whether the cadre has bound their WeChat."""
    return _follow_status(cadre, reminder_accounts(cadre))


def cadre_follow_rows(
    *, parent: Org, accounts: Sequence[OfficialAccount] | None = None, limit: int = 500
) -> list[tuple[Cadre, int]]:
    """Active cadres of a subtree with how many of the recommended accounts each follows (two queries)."""
    accounts = list(accounts) if accounts is not None else recommended_accounts()
    ids = [a.pk for a in accounts]
    rows = (
        Cadre.objects.filter(is_active=True)
        .filter(subtree_q("org__path", parent.path))
        .select_related("org")
        .annotate(
            n=Count(
                "mp_follows", filter=Q(mp_follows__account_id__in=ids, mp_follows__active=True), distinct=True
            )
        )
        .order_by("n", "org__path", "name")[:limit]
    )
    return [(c, c.n) for c in rows]  # type: ignore[attr-defined]


# --- R7: publishing cadence -----------------------------------------------------------------


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass
class AccountCadence:
    """R7 for one account: posts in the window against the weekly target, the six categories used this
    quarter, and an admin team of at least two."""

    account: OfficialAccount
    window_start: datetime.date
    window_end: datetime.date
    weeks: int
    posts: int
    target: int
    categories: set[str]
    admins: int
    min_admins: int = R7_MIN_ADMINS

    @property
    def posts_ok(self) -> bool:
        return self.posts >= self.target * self.weeks

    @property
    def missing_categories(self) -> list[str]:
        return [str(label) for value, label in PostCategory.choices if value not in self.categories]

    @property
    def categories_ok(self) -> bool:
        return not self.missing_categories

    @property
    def admins_ok(self) -> bool:
        return self.admins >= self.min_admins

    @property
    def passed(self) -> bool:
        return self.posts_ok and self.categories_ok and self.admins_ok


def account_cadence(
    accounts: Iterable[OfficialAccount],
    *,
    on: datetime.date | None = None,
    weeks: int = 1,
    posts_per_week: int | None = None,
    min_admins: int = R7_MIN_ADMINS,
) -> list[AccountCadence]:
    """R7 for each account (three queries for any number of accounts).

    The window is the ``weeks`` × 7 days ending on ``on`` (today by default); the categories are those of
    the posts published in ``on``'s calendar quarter up to ``on``. The weekly target is the account's own
    unless the campaign gives one (``posts_per_week``); ``min_admins`` likewise.
    """
    accounts = list(accounts)
    on = on or timezone.localdate()
    start = on - datetime.timedelta(days=7 * weeks - 1)
    end_dt = _day_start(on + datetime.timedelta(days=1))
    ids = [a.pk for a in accounts]
    published = Post.objects.filter(account_id__in=ids, status=PostStatus.PUBLISHED)
    counts = dict(
        published.filter(published_at__gte=_day_start(start), published_at__lt=end_dt)
        .values("account_id")
        .annotate(n=Count("pk"))
        .values_list("account_id", "n")
    )
    cats: dict[int, set[str]] = defaultdict(set)
    for account_id, category in (
        published.filter(published_at__gte=_day_start(quarter_start(on)), published_at__lt=end_dt)
        .values_list("account_id", "category")
        .distinct()
    ):
        cats[account_id].add(category)
    admins = dict(
        AccountAdmin.objects.filter(account_id__in=ids, cadre__is_active=True)
        .values("account_id")
        .annotate(n=Count("pk"))
        .values_list("account_id", "n")
    )
    return [
        AccountCadence(
            account=a,
            window_start=start,
            window_end=on,
            weeks=weeks,
            posts=counts.get(a.pk, 0),
            target=a.posts_per_week if posts_per_week is None else posts_per_week,
            categories=cats.get(a.pk, set()),
            admins=admins.get(a.pk, 0),
            min_admins=min_admins,
        )
        for a in accounts
    ]


@dataclass
class CadenceRollup:
    accounts: int = 0
    passed: int = 0
    rows: list[AccountCadence] = field(default_factory=list)


def cadence_by_child(
    *,
    parent: Org,
    on: datetime.date | None = None,
    weeks: int = 1,
    posts_per_week: int | None = None,
    min_admins: int = R7_MIN_ADMINS,
) -> tuple[CadenceRollup, dict[str, CadenceRollup]]:
    """R7 over a subtree: the accounts our platform serves under ``parent`` with their verdicts, for the
    subtree and per child org (keyed by child path). Four queries whatever the size of the tree."""
    accounts = list(
        OfficialAccount.objects.served().filter(subtree_q("org__path", parent.path)).select_related("org")
    )
    length = child_prefix_length(parent.depth)
    overall = CadenceRollup()
    per_child: dict[str, CadenceRollup] = defaultdict(CadenceRollup)
    rows = account_cadence(accounts, on=on, weeks=weeks, posts_per_week=posts_per_week, min_admins=min_admins)
    for row in rows:
        path = row.account.org.path
        key = path[:length] if len(path) > len(parent.path) else parent.path
        for bucket in (overall, per_child[key]):
            bucket.accounts += 1
            bucket.passed += int(row.passed)
            bucket.rows.append(row)
    return overall, dict(per_child)


# --- QR codes -------------------------------------------------------------------------------


def qrcode_list(*, account: OfficialAccount, under: Org | None = None) -> QuerySet[QrCode]:
    """The account's recruitment codes (bind codes excluded), optionally under an org."""
    qs = QrCode.objects.filter(account=account).exclude(kind=QrKind.BIND).select_related("org", "cadre__org")
    if under is not None:
        qs = qs.filter(Q(subtree_q("org__path", under.path)) | Q(subtree_q("cadre__org__path", under.path)))
    return qs.order_by("kind", "scene")


def recruits_by_scene(account: OfficialAccount) -> dict[str, int]:
    """Subscribed followers per recruitment scene of ``account`` (one query)."""
    rows = (
        Follower.objects.filter(account=account, subscribed=True)
        .exclude(scene="")
        .values("scene")
        .annotate(n=Count("pk"))
        .values_list("scene", "n")
    )
    return dict(rows)


# --- reminders by template message ------------------------------------------------------------


@dataclass(frozen=True)
class ReminderTarget:
    """Where a user's notifications go on WeChat: their cadre's openid on an account with a template."""

    account_id: int
    openid: str
    template_id: str
    keys: tuple[str, ...]
    org_name: str


def reminder_targets(user_ids: Iterable[int]) -> dict[int, ReminderTarget]:
    """For each user linked to a cadre who bound their WeChat to a served account with API rights and a
    reminder template: the target of that account nearest the cadre's org (deepest account org that is
    an ancestor of it, else the deepest). One query for any number of users."""
    rows = (
        CadreFollow.objects.filter(
            cadre__user__id__in=list(user_ids),
            cadre__user__is_active=True,
            active=True,
            account__is_active=True,
            account__is_external=False,
            account__api_enabled=True,
        )
        .exclude(openid="")
        .exclude(account__reminder_template_id="")
        .values_list(
            "cadre__user__id",
            "openid",
            "account_id",
            "account__reminder_template_id",
            "account__reminder_template_keys",
            "account__org__path",
            "cadre__org__path",
            "cadre__org__name",
        )
    )
    best: dict[int, tuple[tuple[bool, int], ReminderTarget]] = {}
    for user_id, openid, account_id, template_id, keys, account_path, cadre_path, org_name in rows:
        rank = (str(cadre_path).startswith(str(account_path)), len(str(account_path)))
        target = ReminderTarget(
            account_id=int(account_id),
            openid=str(openid),
            template_id=str(template_id),
            keys=tuple(k for k in str(keys).split(",") if k),
            org_name=str(org_name),
        )
        current = best.get(int(user_id))
        if current is None or rank > current[0]:
            best[int(user_id)] = (rank, target)
    return {user_id: target for user_id, (_rank, target) in best.items() if target.keys}
