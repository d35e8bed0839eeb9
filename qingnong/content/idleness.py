"""R12 in SQL: the day each group has been quiet since, and the day from which that makes it dormant.

``iter_group_states`` reads every group and classifies it in Python, which is what a group's page and the
nightly status job need. Rollups over a province only need, per org, how many counted groups are dormant
and the first of them as evidence: the database answers both by comparing each group's ``quiet_since``
with the ``dormant_cutoff`` of the campaign that governs its org. Only the evidence rows' dates reach
Python.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Case, Count, DateField, F, OuterRef, Q, QuerySet, Subquery, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber, Substr, TruncDate

from qingnong.activities.choices import ActivityStatus
from qingnong.activities.models import Activity
from qingnong.core.scoping import subtree_q
from qingnong.orgs.models import Org
from qingnong.wxgroups.choices import GroupStatus
from qingnong.wxgroups.models import ChatGroup

from .choices import DEFAULT_DORMANT_DAYS
from .models import GroupPost

COUNTED_STATUSES = (GroupStatus.BUILT, GroupStatus.ACTIVE, GroupStatus.DORMANT)


def with_quiet_since(qs: QuerySet[ChatGroup], *, today: datetime.date) -> QuerySet[ChatGroup]:
    """Annotate ``last_on`` (the last content or held activity up to ``today``, or null) and
    ``quiet_since`` (``last_on``, else the founding day, else the local day the group was recorded)."""
    post = GroupPost.objects.filter(group_id=OuterRef("pk"), sent_on__lte=today).order_by()
    held = Activity.groups.through.objects.filter(
        chatgroup_id=OuterRef("pk"), activity__status=ActivityStatus.HELD, activity__held_on__lte=today
    ).order_by()
    # One subquery over both sources: each reference to ``last_on`` runs it once.
    dates = post.values("sent_on").union(held.values("activity__held_on"), all=True)
    last = Subquery(dates.order_by("-sent_on")[:1], output_field=DateField())
    return qs.annotate(
        last_on=last,
        quiet_since=Coalesce(
            F("last_on"), F("founded_on"), TruncDate("created_at"), output_field=DateField()
        ),
    )


def dormant_cutoff(*, root: Org, today: datetime.date) -> Case | Value:
    """The last ``quiet_since`` that makes a group of the subtree dormant on ``today``: ``today - N`` with
    N the ``dormant_days`` of the campaign governing the group's org, chosen as ``dormant_days_resolver``
    chooses it (the nearest campaign of this year, else the latest earlier one, else the default)."""
    from qingnong.campaign.models import Campaign

    ancestors = {root.path[:i] for i in range(root.steplen, len(root.path) + 1, root.steplen)}
    relevant = [
        (path, year, days)
        for path, year, days in Campaign.objects.filter(year__lte=today.year).values_list(
            "org__path", "year", "dormant_days"
        )
        if path in ancestors or path.startswith(root.path)
    ]
    # The resolver's preference as one order: this year's first, then later years; nearer (longer) first.
    relevant.sort(key=lambda c: (c[1] != today.year, -c[1], -len(c[0])))
    whens: list[When] = []
    default = today - datetime.timedelta(days=DEFAULT_DORMANT_DAYS)
    for path, _year, days in relevant:
        cutoff = today - datetime.timedelta(days=days)
        if path in ancestors:  # governs every org the earlier ones do not
            default = cutoff
            break
        whens.append(When(subtree_q("org__path", path), then=Value(cutoff)))
    if not whens:
        return Value(default, output_field=DateField())
    return Case(*whens, default=Value(default), output_field=DateField())


def quiet_groups(
    *, root: Org, today: datetime.date, as_of: datetime.date | None = None
) -> QuerySet[ChatGroup]:
    """The counted groups (built, active, dormant) of the subtree with ``last_on``, ``quiet_since`` and
    ``cutoff``: dormant exactly when ``quiet_since <= cutoff``. ``as_of`` a past day: only the groups that
    existed then (``core.asof``)."""
    groups = ChatGroup.objects.filter(subtree_q("org__path", root.path), status__in=COUNTED_STATUSES)
    if as_of is not None:
        groups = groups.existed_on(as_of)
    return with_quiet_since(groups, today=today).annotate(cutoff=dormant_cutoff(root=root, today=today))


DORMANT = Q(quiet_since__lte=F("cutoff"))


def dormancy_counts(
    *,
    root: Org,
    today: datetime.date,
    cut: int | None = None,
    with_new: bool = False,
    as_of: datetime.date | None = None,
) -> list[tuple[str, int, int, int | None]]:
    """(path, counted groups, dormant, new) under ``root``, per org path cut to ``cut`` characters (per
    org without a cut). New: not dormant and never given content or an activity; counted only
    ``with_new`` (None otherwise), as it reads each group's dates once more. One query."""
    key = F("org__path") if cut is None else Substr("org__path", 1, cut)
    counts: dict[str, Any] = {"total": Count("pk"), "dormant": Count("pk", filter=DORMANT)}
    if with_new:
        counts["new"] = Count("pk", filter=~DORMANT & Q(last_on__isnull=True))
    rows = (
        quiet_groups(root=root, today=today, as_of=as_of)
        .annotate(under=key)
        .order_by()
        .values("under")
        .annotate(**counts)
    )
    return [(r["under"], r["total"], r["dormant"], r.get("new")) for r in rows]


def dormant_first(
    *, root: Org, today: datetime.date, cut: int, limit: int | None, as_of: datetime.date | None = None
) -> list[tuple[str, int, str, str, datetime.date | None, datetime.date]]:
    """The dormant groups under ``root`` as (org path, id, name, org name, last_on, quiet_since), by org
    path and id; with a ``limit``, only the first ``limit`` of each path cut to ``cut`` characters, which
    are the first ones of every ancestor too. One query."""
    groups: QuerySet[Any] = quiet_groups(root=root, today=today, as_of=as_of).filter(DORMANT)
    if limit is not None:
        groups = groups.annotate(
            rank=Window(
                RowNumber(), partition_by=[Substr("org__path", 1, cut)], order_by=[F("org__path"), F("pk")]
            )
        ).filter(rank__lte=limit)
    return list(
        groups.order_by("org__path", "pk").values_list(
            "org__path", "pk", "name", "org__name", "last_on", "quiet_since"
        )
    )
