"""Reads of the campaign app: which campaign applies where, the timeline, the submission board."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from qingnong.core.permissions import Action
from qingnong.core.scoping import grant_paths, subtree_q
from qingnong.orgs.choices import OrgLevel
from qingnong.orgs.models import Org

from .choices import SubmissionKind
from .models import Campaign, Submission


def _prefixes(path: str, step: int = 4) -> list[str]:
    return [path[:i] for i in range(step, len(path) + 1, step)]


def campaigns_visible(user: Any) -> QuerySet[Campaign]:
    """Campaigns a user may read: those set by an org above or inside any of the user's subtrees
    (a county reads the city's campaign it works under)."""
    paths = grant_paths(user, Action.VIEW)
    qs = Campaign.objects.select_related("org")
    if paths is None:
        return qs
    if not paths:
        return qs.none()
    q = Q(org__path__in={p for root in paths for p in _prefixes(root)})
    for root in paths:
        q |= subtree_q("org__path", root)
    return qs.filter(q)


def campaign_for(org: Org, *, on: datetime.date | None = None) -> Campaign | None:
    """The campaign that governs ``org`` on ``on`` (default today): set by the org itself or its nearest
    ancestor, for the year of ``on`` — or, before any campaign of that year exists, the latest one."""
    on = on or timezone.localdate()
    candidates = Campaign.objects.filter(org__path__in=_prefixes(org.path)).select_related("org")
    same_year = sorted((c for c in candidates if c.year == on.year), key=lambda c: -len(c.org.path))
    if same_year:
        return same_year[0]
    earlier = sorted((c for c in candidates if c.year < on.year), key=lambda c: (-c.year, -len(c.org.path)))
    return earlier[0] if earlier else None


@dataclass
class TimelineItem:
    label: str
    date: datetime.date
    end: datetime.date | None
    kind: str  # "phase" or "milestone"
    rule: str
    state: str  # "past", "current", "upcoming"


def campaign_timeline(campaign: Campaign, *, today: datetime.date | None = None) -> list[TimelineItem]:
    today = today or timezone.localdate()
    items: list[TimelineItem] = []
    for _key, label, start, end in Campaign.PHASE_FIELDS:
        s, e = getattr(campaign, start), getattr(campaign, end)
        state = "past" if e < today else "current" if s <= today else "upcoming"
        items.append(TimelineItem(label, s, e, "phase", "", state))
    rules_by_field: dict[str, list[str]] = {}
    for rule, field in Campaign.MILESTONE_FIELDS:
        rules_by_field.setdefault(field, []).append(rule)
    for field, rules in rules_by_field.items():
        day = getattr(campaign, field)
        label = Campaign.label(field)
        state = "past" if day < today else "current" if day == today else "upcoming"
        items.append(TimelineItem(label, day, None, "milestone", "、".join(rules), state))
    items.append(
        TimelineItem(
            "基本完成",
            campaign.complete_by,
            None,
            "milestone",
            "",
            "past" if campaign.complete_by < today else "upcoming",
        )
    )
    return sorted(items, key=lambda i: (i.date, i.kind != "phase"))


@dataclass
class BoardRow:
    org: Org
    plan: Submission | None
    summary: Submission | None


def submission_board(*, user: Any, campaign: Campaign) -> list[BoardRow]:
    """Each county under the campaign that the user may see, with its latest plan and summary:
    two queries for any number of counties."""
    counties = list(
        Org.objects.restrict(user, Action.VIEW)
        .filter(campaign.org.subtree_q(), level=OrgLevel.COUNTY, status="active")
        .order_by("path")
    )
    latest: dict[tuple[int, str], Submission] = {}
    rows = Submission.objects.filter(campaign=campaign, org__in=counties).order_by("submitted_at", "pk")
    for sub in rows.select_related("submitted_by", "reviewer"):
        latest[(sub.org_id, sub.kind)] = sub
    return [
        BoardRow(c, latest.get((c.pk, SubmissionKind.PLAN)), latest.get((c.pk, SubmissionKind.SUMMARY)))
        for c in counties
    ]
