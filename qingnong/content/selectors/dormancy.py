"""R12 in Python: each group's last content or activity, the campaign's dormancy days for its org, its state
(active, new, dormant …), the share of active groups per org and the dormant groups' list. The SQL half,
for rollups over a province, is ``content.idleness``."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db.models import F, Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from qingnong.activities.choices import ActivityStatus
from qingnong.activities.models import Activity
from qingnong.core.permissions import Action
from qingnong.core.rollups import ancestor_prefixes, rollup_by_path
from qingnong.core.scoping import subtree_q
from qingnong.orgs.models import Org
from qingnong.wxgroups.choices import GroupStatus
from qingnong.wxgroups.models import ChatGroup

from ..choices import DEFAULT_DORMANT_DAYS, GroupActivityState
from ..idleness import COUNTED_STATUSES, dormancy_counts
from ..models import GroupPost, TrackedGroup
from .frequency import posts_under

_G = TypeVar("_G", bound=ChatGroup)


# --- R12: last content or activity, dormancy -------------------------------------------------


@dataclass
class LastDates:
    last_content_on: datetime.date | None = None
    last_activity_on: datetime.date | None = None

    @property
    def last_on(self) -> datetime.date | None:
        dates = [d for d in (self.last_content_on, self.last_activity_on) if d is not None]
        return max(dates) if dates else None


def _activity_links(*, root: Org | None, group_ids: Iterable[int] | None) -> QuerySet[Any]:
    through = Activity.groups.through
    qs = through.objects.filter(activity__status=ActivityStatus.HELD)
    if root is not None:
        qs = qs.filter(subtree_q("chatgroup__org__path", root.path))
    if group_ids is not None:
        qs = qs.filter(chatgroup_id__in=list(group_ids))
    return qs


def group_last_dates(
    *, root: Org | None = None, group_ids: Iterable[int] | None = None, today: datetime.date | None = None
) -> dict[int, LastDates]:
    """For each group (in the subtree at ``root`` or among ``group_ids``) the date of its last content and
    of its last held activity, up to ``today``. Two queries; groups with neither are absent."""
    today = today or timezone.localdate()
    ids = list(group_ids) if group_ids is not None else None
    out: dict[int, LastDates] = defaultdict(LastDates)
    content = (
        posts_under(root=root, group_ids=ids)
        .filter(sent_on__lte=today)
        .order_by()
        .values("group_id")
        .annotate(last=Max("sent_on"))
        .values_list("group_id", "last")
    )
    for gid, last in content:
        out[gid].last_content_on = last
    activity = (
        _activity_links(root=root, group_ids=ids)
        .filter(activity__held_on__lte=today)
        .order_by()
        .values("chatgroup_id")
        .annotate(last=Max("activity__held_on"))
        .values_list("chatgroup_id", "last")
    )
    for gid, last in activity:
        out[gid].last_activity_on = last
    return dict(out)


def dormant_days_resolver(today: datetime.date) -> Callable[[str], int]:
    """``resolve(org_path) -> N``: the ``dormant_days`` of the campaign governing an org on ``today``.

    The same choice as ``campaign.selectors.campaign_for`` (the org's own or nearest ancestor's campaign of
    that year, else the latest earlier one), made for any number of orgs with one query.
    """
    from qingnong.campaign.models import Campaign

    campaigns = list(Campaign.objects.values_list("org__path", "year", "dormant_days"))
    cache: dict[str, int] = {}

    def resolve(path: str) -> int:
        if path in cache:
            return cache[path]
        prefixes = set(ancestor_prefixes(path))
        mine = [c for c in campaigns if c[0] in prefixes]
        same = sorted((c for c in mine if c[1] == today.year), key=lambda c: -len(c[0]))
        earlier = sorted((c for c in mine if c[1] < today.year), key=lambda c: (-c[1], -len(c[0])))
        chosen = same[0] if same else earlier[0] if earlier else None
        cache[path] = chosen[2] if chosen else DEFAULT_DORMANT_DAYS
        return cache[path]

    return resolve


@dataclass
class GroupState:
    """A group's R12 reading on a day: active (content or activity in the last N days), dormant (none for
    N days, counted from its founding when it never had any) or new (founded less than N days ago, none
    yet)."""

    group_id: int
    org_path: str
    status: str
    state: str
    name: str
    org_name: str
    owner_id: int | None
    dormant_days: int
    since_on: datetime.date
    last_content_on: datetime.date | None
    last_activity_on: datetime.date | None
    idle_days: int

    @property
    def last_on(self) -> datetime.date | None:
        dates = [d for d in (self.last_content_on, self.last_activity_on) if d is not None]
        return max(dates) if dates else None


def classify(
    *, last_on: datetime.date | None, since_on: datetime.date, today: datetime.date, dormant_days: int
) -> tuple[str, int]:
    """The R12 state and the idle days: idle since the last content or activity, or since founding."""
    if last_on is not None:
        idle = (today - last_on).days
        return (GroupActivityState.ACTIVE if idle < dormant_days else GroupActivityState.DORMANT), idle
    idle = (today - since_on).days
    return (GroupActivityState.NEW if idle < dormant_days else GroupActivityState.DORMANT), idle


GroupReading = Callable[
    [int, str, datetime.date | None, datetime.datetime], tuple[LastDates, datetime.date, int, str, int]
]


def _group_reader(
    *, today: datetime.date, root: Org | None, ids: list[int] | None
) -> tuple[QuerySet[ChatGroup], GroupReading]:
    """The counted groups (built, active, dormant) of the subtree or among the ids, and ``read(pk, path,
    founded_on, created_at)`` -> (last dates, since, dormant days, state, idle days). Three queries (last
    content, last activity, campaigns) here, one more when the groups are read."""
    groups = ChatGroup.objects.filter(status__in=COUNTED_STATUSES)
    if root is not None:
        groups = groups.filter(subtree_q("org__path", root.path))
    if ids is not None:
        groups = groups.filter(pk__in=ids)
    last = group_last_dates(root=root, group_ids=ids, today=today)
    resolve = dormant_days_resolver(today)
    tz = timezone.get_current_timezone()
    none = LastDates()

    def read(
        pk: int, path: str, founded_on: datetime.date | None, created_at: datetime.datetime
    ) -> tuple[LastDates, datetime.date, int, str, int]:
        dates = last.get(pk) or none
        since = founded_on or created_at.astimezone(tz).date()
        n = resolve(path)
        state, idle = classify(last_on=dates.last_on, since_on=since, today=today, dormant_days=n)
        return dates, since, n, state, idle

    return groups.order_by(), read


def iter_group_states(
    *, today: datetime.date, root: Org | None = None, group_ids: Iterable[int] | None = None
) -> Iterator[GroupState]:
    """The R12 state of every counted group (built, active, dormant) in the subtree or among the ids.
    Four queries (groups, last content, last activity, campaigns) whatever the number of groups."""
    groups, read = _group_reader(
        today=today, root=root, ids=list(group_ids) if group_ids is not None else None
    )
    rows = groups.values_list(
        "pk", "org__path", "status", "founded_on", "created_at", "name", "org__name", "owner_id"
    )
    for pk, path, status, founded_on, created_at, name, org_name, owner_id in rows.iterator(chunk_size=5000):
        dates, since, n, state, idle = read(pk, path, founded_on, created_at)
        yield GroupState(
            group_id=pk,
            org_path=path,
            status=status,
            state=state,
            name=name,
            org_name=org_name,
            owner_id=owner_id,
            dormant_days=n,
            since_on=since,
            last_content_on=dates.last_content_on,
            last_activity_on=dates.last_activity_on,
            idle_days=idle,
        )


@dataclass
class ActiveShare:
    """R12 for a subtree: counted groups, how many are active, dormant or new, and the share active."""

    groups: int = 0
    active: int = 0
    dormant: int = 0
    new: int = 0

    @property
    def share_active(self) -> float | None:
        return self.active / self.groups if self.groups else None

    @property
    def share_not_dormant(self) -> float | None:
        return (self.groups - self.dormant) / self.groups if self.groups else None


def group_activity_rollup(*, root: Org, today: datetime.date | None = None) -> dict[str, ActiveShare]:
    """R12 share of active groups for every org of the subtree at ``root``, from the dates (not from the
    stored status, which the nightly job catches up). Keyed by org path. Two queries."""

    def add(acc: ActiveShare, counts: tuple[int, int, int | None]) -> None:
        total, dormant, new = counts
        assert new is not None
        acc.groups += total
        acc.dormant += dormant
        acc.new += new
        acc.active += total - dormant - new

    rows = dormancy_counts(root=root, today=today or timezone.localdate(), with_new=True)
    return rollup_by_path(
        ((path, (total, dormant, new)) for path, total, dormant, new in rows),
        root_path=root.path,
        make=ActiveShare,
        add=add,
    )


def annotate_last_dates(qs: QuerySet[_G]) -> QuerySet[_G]:
    """Add ``last_content_on`` and ``last_activity_on`` to each group (two correlated subqueries, so a
    page of groups costs one query)."""
    last_post = GroupPost.objects.filter(group_id=OuterRef("pk")).order_by("-sent_on").values("sent_on")[:1]
    last_activity = (
        Activity.objects.filter(groups=OuterRef("pk"), status=ActivityStatus.HELD)
        .order_by("-held_on")
        .values("held_on")[:1]
    )
    return qs.annotate(last_content_on=Subquery(last_post), last_activity_on=Subquery(last_activity))


def dormant_groups(*, user: Any, under: Org | None = None) -> QuerySet[TrackedGroup]:
    """Groups marked 沉寂 inside the user's scope (the dashboard's late list), with their owner and last
    content / activity dates, longest idle first (never any content first). One query for a page."""
    # The proxy's manager is typed for ChatGroup; the rows are TrackedGroup.
    qs = cast("QuerySet[TrackedGroup]", TrackedGroup.objects.restrict(user, Action.VIEW))
    qs = qs.filter(status=GroupStatus.DORMANT)
    if under is not None:
        qs = qs.filter(under.subtree_q("org__path"))
    annotated = annotate_last_dates(qs.select_related("org", "owner"))
    return annotated.order_by(F("last_content_on").asc(nulls_first=True), "org__path", "name")
