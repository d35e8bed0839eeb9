"""Writes of the dashboard: the daily metric snapshots (nightly job) and their back-fill (demo).

A snapshot run reads each root's subtree with a fixed number of queries — one GROUP BY per count metric
(per org, rolled up to every ancestor in Python) and each registered rule evaluated once over the whole
subtree — and writes one row per org with bulk upserts. Its figures are therefore the rules' own values,
never a second computation of compliance.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from qingnong.campaign.models import Campaign
from qingnong.campaign.rules_base import RuleContext, evaluate, rule_ids
from qingnong.campaign.selectors import campaign_for
from qingnong.core.audit import audit_record
from qingnong.core.permissions import Action
from qingnong.core.scoping import subtree_q
from qingnong.core.services import require_org_scope
from qingnong.orgs.choices import OrgLevel, OrgStatus
from qingnong.orgs.models import Org

from .metrics import counts_by_org, roll_up
from .models import MetricSnapshot, SnapshotRun

log = logging.getLogger(__name__)

BATCH = 2000


@dataclass
class SnapshotResult:
    day: datetime.date
    orgs: int = 0
    metrics: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    seconds: float = 0.0


def campaign_units(root: Org, day: datetime.date) -> list[tuple[Campaign, Org]]:
    """The campaigns governing ``root``'s subtree on ``day``, each with the org it governs from: the
    campaign over ``root`` (set by it or an ancestor), then each campaign set inside the subtree, outermost
    first (a city's own campaign overrides its province's for the city's subtree). Queries grow with the
    number of campaigns, never with the number of orgs."""
    units: list[tuple[Campaign, Org]] = []
    outer = campaign_for(root, on=day)
    if outer is not None:
        units.append((outer, root))
    inner_ids = (
        Campaign.objects.filter(subtree_q("org__path", root.path))
        .exclude(org=root)
        .values_list("org_id", flat=True)
        .distinct()
    )
    for org in Org.objects.filter(pk__in=list(inner_ids), status=OrgStatus.ACTIVE).order_by("path"):
        campaign = campaign_for(org, on=day)
        if campaign is not None and campaign.org_id == org.pk:
            units.append((campaign, org))
    return units


def compute_figures(
    root: Org, day: datetime.date, *, as_of: datetime.date | None = None
) -> tuple[dict[int, dict[str, Any]], list[str], list[str]]:
    """Figures of every active org of ``root``'s subtree on ``day``: ``{org_id: {key: value}}``, the count
    metrics measured and the rules evaluated. A fixed number of queries per campaign. With ``as_of`` (a
    past day, the same as ``day``) the counts and rules read the records as they stood at its end, each by
    its own date (``core.asof``); only SELECTs, nothing is written or locked.

    Counts are stored for every org; rule values down to township level. A village's own rule values are
    mostly all-or-nothing (it has a group or not) and its evidence is its township's, and leaving them out
    keeps the nightly rule pass to the ≈ 5 % of orgs above the villages (R11 compares every org with every
    other, see docs/dashboard.md)."""
    orgs = list(
        Org.objects.filter(subtree_q("path", root.path), status=OrgStatus.ACTIVE).values_list(
            "id", "path", "level"
        )
    )
    paths = {pk: path for pk, path, _level in orgs}
    ids_by_path = {path: pk for pk, path, _level in orgs}
    figures: dict[int, dict[str, Any]] = {pk: {} for pk in paths}
    measured: list[str] = []
    for key, counts in counts_by_org(root.path, day, as_of=as_of).items():
        if counts is None:
            continue
        measured.append(key)
        for path, n in roll_up(counts, paths, root.path).items():
            org_id = ids_by_path.get(path)
            if org_id is not None and n:
                figures[org_id][key] = n
    evaluated: set[str] = set()
    max_depth = (
        max((len(p) for _pk, p, level in orgs if level != OrgLevel.GRASSROOTS), default=len(root.path))
        // root.steplen
    )
    for campaign, unit in campaign_units(root, day):
        ctx = RuleContext(
            campaign=campaign,
            root=unit,
            today=day,
            depth=max(0, max_depth - unit.depth),
            evidence_limit=0,
            as_of=as_of,
        )
        for rule_id in rule_ids():
            report = evaluate(rule_id, ctx)
            evaluated.add(rule_id)
            for result in [report.root, *report.results]:
                if result is None or result.org_id not in figures:
                    continue
                if result.value is None:
                    figures[result.org_id].pop(rule_id, None)
                else:
                    figures[result.org_id][rule_id] = round(float(result.value), 1)
    return figures, measured, sorted(evaluated, key=lambda r: int(r[1:]))


def _write(day: datetime.date, figures: dict[int, dict[str, Any]]) -> None:
    rows = [MetricSnapshot(org_id=org_id, day=day, figures=data) for org_id, data in figures.items()]
    for start in range(0, len(rows), BATCH):
        MetricSnapshot.objects.bulk_create(
            rows[start : start + BATCH],
            update_conflicts=True,
            unique_fields=["org", "day"],
            update_fields=["figures"],
        )


def _record_run(result: SnapshotResult, *, backfilled: bool) -> None:
    run, _created = SnapshotRun.objects.get_or_create(day=result.day)
    run.metrics = sorted(set(run.metrics) | set(result.metrics))
    run.rules = sorted(set(run.rules) | set(result.rules), key=lambda r: int(r[1:]))
    run.orgs = max(run.orgs, result.orgs)
    run.seconds = round(result.seconds, 2)
    run.backfilled = run.backfilled or backfilled
    run.updated_at = timezone.now()
    run.save(update_fields=["metrics", "rules", "orgs", "seconds", "backfilled", "updated_at"])


def _roots(actor: Any, under: Org | None) -> list[Org]:
    if under is not None:
        require_org_scope(actor, Action.VIEW, under)
        return [under]
    return list(Org.objects.filter(depth=1, status=OrgStatus.ACTIVE).order_by("path"))


@transaction.atomic
def _store(
    *,
    actor: Any,
    day: datetime.date,
    roots: list[Org],
    figures: dict[int, dict[str, Any]],
    result: SnapshotResult,
    backfilled: bool,
) -> None:
    _write(day, figures)
    _record_run(result, backfilled=backfilled)
    audit_record(
        actor=actor,
        action="dashboard.snapshot.backfill" if backfilled else "dashboard.snapshot.take",
        obj=None,
        after={"day": day.isoformat(), "orgs": result.orgs, "roots": [r.pk for r in roots]},
        org_path=roots[0].path if len(roots) == 1 else "",
        object_repr=f"指标快照 {day}",
    )


def snapshot_take(
    *, actor: Any, day: datetime.date | None = None, under: Org | None = None
) -> SnapshotResult:
    """Store every org's figures for ``day`` (default today): all trees, or the subtree ``under``.
    Re-running a day replaces its rows."""
    day = day or timezone.localdate()
    roots = _roots(actor, under)
    started = time.perf_counter()
    result = SnapshotResult(day=day)
    figures: dict[int, dict[str, Any]] = {}
    for root in roots:
        data, metrics, rules = compute_figures(root, day)
        figures.update(data)
        result.metrics = sorted(set(result.metrics) | set(metrics))
        result.rules = sorted(set(result.rules) | set(rules), key=lambda r: int(r[1:]))
    result.orgs = len(figures)
    result.seconds = time.perf_counter() - started
    _store(actor=actor, day=day, roots=roots, figures=figures, result=result, backfilled=False)
    return result


# --- back-fill ----------------------------------------------------------------------------------


def figures_as_of(root: Org, day: datetime.date) -> tuple[dict[int, dict[str, Any]], list[str], list[str]]:
    """``compute_figures`` as the records stood at the end of ``day``: the groups founded, members joined,
    youth registered, submissions sent, followers who first subscribed and posts published by then (each by
    its own date). What has no date of its own (a group's current status, its latest QR photo) is read as it
    is today. Read-only: it can run beside the nightly job and from a command in production."""
    return compute_figures(root, day, as_of=day)


def backfill_days(*, days: int, every: int = 1, today: datetime.date | None = None) -> list[datetime.date]:
    """The days to back-fill: the last ``days`` days up to ``today``, one every ``every`` days, today
    always included."""
    today = today or timezone.localdate()
    picked = [today - datetime.timedelta(days=n) for n in range(0, max(days, 1), max(every, 1))]
    return sorted(picked)


def snapshot_backfill(
    *, actor: Any, days: Iterable[datetime.date], under: Org | None = None, stdout: Any = None
) -> list[SnapshotResult]:
    """Snapshots for past ``days`` (for the demo: so that trends exist before the nightly job has run),
    each computed as the records stood that day (see ``figures_as_of``). Today's snapshot is a normal one."""
    roots = _roots(actor, under)
    today = timezone.localdate()
    results = []
    for day in sorted(set(days)):
        started = time.perf_counter()
        result = SnapshotResult(day=day)
        figures: dict[int, dict[str, Any]] = {}
        for root in roots:
            if day >= today:
                data, metrics, rules = compute_figures(root, day)
            else:
                data, metrics, rules = figures_as_of(root, day)
            figures.update(data)
            result.metrics = sorted(set(result.metrics) | set(metrics))
            result.rules = sorted(set(result.rules) | set(rules), key=lambda r: int(r[1:]))
        result.orgs = len(figures)
        result.seconds = time.perf_counter() - started
        _store(actor=actor, day=day, roots=roots, figures=figures, result=result, backfilled=day < today)
        if stdout is not None:
            stdout.write(f"  {day}：{result.orgs} 个组织，{result.seconds:.1f} 秒\n")
        results.append(result)
    return results


def latest_snapshot_day() -> datetime.date | None:
    return SnapshotRun.objects.aggregate(last=Max("day"))["last"]
