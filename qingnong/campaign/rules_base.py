"""The shape every rule R1–R12 returns, and the registry the dashboard, reminders and inspection read.

A rule is a function ``(ctx: RuleContext) -> RuleReport``. It evaluates every org of the subtree the
rule applies to (e.g. R2 at township, county and city level) and the subtree's root, with a fixed
number of queries whatever the subtree's size. A rule that needs data the deployment does not have
(no accounts configured, no content recorded) answers ``no_data`` — never an invented number.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from qingnong.orgs.models import Org

from .models import Campaign

_R = TypeVar("_R")

MET = "met"
NOT_MET = "not_met"
NOT_DUE = "not_due"
NO_DATA = "no_data"
STATUS_LABELS = {MET: "达标", NOT_MET: "未达标", NOT_DUE: "未到期", NO_DATA: "无数据"}


@dataclass
class OrgResult:
    """One org's value against the rule's target, with the rows that prove it."""

    org_id: int
    org_name: str
    path: str
    level: str
    value: float | int | None
    target: float | int | None
    status: str
    unit: str = ""
    evidence: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def gap(self) -> float | None:
        if self.value is None or self.target is None:
            return None
        return max(0, self.target - self.value)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status_label": self.status_label}


@dataclass
class RuleReport:
    rule: str
    title: str
    due: datetime.date | None
    root: OrgResult | None
    results: list[OrgResult]
    evidence_columns: list[tuple[str, str]] = field(default_factory=list)

    def for_org(self, org_id: int) -> OrgResult | None:
        index = self.__dict__.get("_index")
        if index is None:  # built once: a report is not changed after the rule returns it
            index = {r.org_id: r for r in self.results}
            if self.root is not None:
                index.setdefault(self.root.org_id, self.root)
            self.__dict__["_index"] = index
        return index.get(org_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "due": self.due.isoformat() if self.due else None,
            "root": self.root.as_dict() if self.root else None,
            "results": [r.as_dict() for r in self.results],
            "evidence_columns": self.evidence_columns,
        }


@dataclass
class RuleContext:
    """What a rule is evaluated for: a campaign, the subtree's root, the day of evaluation.

    ``depth`` is how many levels below the root get their own result (1: the root's children, as the
    dashboard ranks them; larger for a full report). ``evidence_limit`` caps the evidence rows kept per
    org (None keeps all, for exports). Neither changes the number of queries.

    ``as_of`` (the same day as ``today``, in the past): the rules read the records as they stood at the end
    of that day, each by its own date (``core.asof``); None reads them as they are now.
    """

    campaign: Campaign
    root: Org
    today: datetime.date
    depth: int = 1
    evidence_limit: int | None = 200
    as_of: datetime.date | None = None
    # Reports already evaluated for this context: R11, the dashboard and the reminders read the same
    # rules, and each is computed once per context.
    reports: dict[str, RuleReport] = field(default_factory=dict, repr=False, compare=False)

    def is_due(self, rule_id: str) -> bool:
        due = self.campaign.due_date(rule_id)
        return due is None or self.today >= due

    def subtree_orgs(self, levels: set[str]) -> list[Org]:
        """Active orgs of the subtree (root included) at the given levels, in tree order: one query."""
        return list(
            Org.objects.filter(self.root.subtree_q(), level__in=levels, status="active")
            .order_by("path")
            .only("id", "name", "path", "level", "kind", "short_name", "depth")
        )

    def result_orgs(self, levels: set[str] | None = None) -> list[Org]:
        """The orgs that get a result: the root and its descendants down to ``depth`` levels, at ``levels``
        (all levels when None). One query."""
        qs = Org.objects.filter(
            self.root.subtree_q(), status="active", depth__lte=self.root.depth + self.depth
        ).order_by("path")
        if levels is not None:
            qs = qs.filter(level__in=levels)
        return list(qs.only("id", "name", "path", "level", "kind", "short_name", "depth"))

    def cap(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return rows if self.evidence_limit is None else rows[: self.evidence_limit]


class Tally:
    """Counts attributed to every result org whose path is a prefix of a row's path (fixed memory per
    result org; one pass over the rows, whatever the tree)."""

    def __init__(self, orgs: list[Org]) -> None:
        self.by_path = {o.path: o for o in orgs}
        self.lengths = sorted({len(o.path) for o in orgs})
        self.num: dict[int, int] = {o.pk: 0 for o in orgs}
        self.den: dict[int, int] = {o.pk: 0 for o in orgs}
        self.evidence: dict[int, list[dict[str, Any]]] = {o.pk: [] for o in orgs}

    def owners(self, path: str) -> list[Org]:
        found = []
        for length in self.lengths:
            if length > len(path):
                break
            org = self.by_path.get(path[:length])
            if org is not None:
                found.append(org)
        return found

    def add(
        self, path: str, ok: bool, evidence: dict[str, Any] | None = None, limit: int | None = None
    ) -> None:
        for org in self.owners(path):
            self.den[org.pk] += 1
            if ok:
                self.num[org.pk] += 1
            elif evidence is not None and (limit is None or len(self.evidence[org.pk]) < limit):
                self.evidence[org.pk].append(evidence)

    def add_counts(self, path: str, total: int, ok: int) -> None:
        """Counts already aggregated in SQL for the rows under ``path``."""
        for org in self.owners(path):
            self.den[org.pk] += total
            self.num[org.pk] += ok

    def add_evidence(self, path: str, evidence: dict[str, Any], limit: int | None = None) -> None:
        for org in self.owners(path):
            if limit is None or len(self.evidence[org.pk]) < limit:
                self.evidence[org.pk].append(evidence)

    def add_verdicts(self, rows: Iterable[tuple[str, bool, _R]], limit: int | None) -> list[tuple[str, _R]]:
        """Count rows (path, ok, row), and return the failing (path, row) that some owner still needs as
        evidence under ``limit``, in their order, to be described and passed to ``add_evidence``.

        Rows are counted per path cut to the deepest result path, and the owners looked up once per
        cut: the same figures as ``add`` row by row, for a fraction of the work on large subtrees."""
        cut = self.deepest
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        failing: list[tuple[str, tuple[str, _R]]] = []
        for path, ok, row in rows:
            counts = totals[path[:cut]]
            counts[0] += 1
            if ok:
                counts[1] += 1
            else:
                failing.append((path, (path, row)))
        for path, (total, ok) in totals.items():
            self.add_counts(path, total, ok)
        return self.pick_evidence(failing, limit)

    def pick_evidence(self, rows: Iterable[tuple[str, _R]], limit: int | None) -> list[_R]:
        """The rows (path, row), in their order, that some owner still lacks evidence for under ``limit``
        (all of them without a limit): what is worth reading in full before ``add_evidence``."""
        if limit is None:
            return [row for _path, row in rows]
        taken: dict[int, int] = defaultdict(int)
        picked = []
        for path, row in rows:
            owners = [o.pk for o in self.owners(path) if taken[o.pk] < limit]
            if owners:
                picked.append(row)
                for pk in owners:
                    taken[pk] += 1
        return picked

    @property
    def deepest(self) -> int:
        """The longest result path: rows grouped by their path cut to it keep every owner."""
        return self.lengths[-1] if self.lengths else 0

    def ratio(self, org: Org) -> float | None:
        den = self.den[org.pk]
        return round(100 * self.num[org.pk] / den, 1) if den else None


def status_for(*, value: float | None, target: float | None, due: bool, higher_is_better: bool = True) -> str:
    if value is None or target is None:
        return NO_DATA
    ok = value >= target if higher_is_better else value <= target
    if ok:
        return MET
    return NOT_MET if due else NOT_DUE


def result(org: Org, **kwargs: Any) -> OrgResult:
    return OrgResult(org_id=org.pk, org_name=org.name, path=org.path, level=org.level, **kwargs)


RuleFunction = Callable[[RuleContext], RuleReport]
RULES: dict[str, tuple[str, RuleFunction]] = {}


def rule(rule_id: str, title: str) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule function under its id (R1 … R12)."""

    def register(func: RuleFunction) -> RuleFunction:
        RULES[rule_id] = (title, func)
        return func

    return register


def evaluate(rule_id: str, ctx: RuleContext) -> RuleReport:
    """Rule ``rule_id`` for ``ctx``, computed once per context."""
    report = ctx.reports.get(rule_id)
    if report is None:
        report = RULES[rule_id][1](ctx)
        ctx.reports[rule_id] = report
    return report


def rule_ids() -> list[str]:
    return sorted(RULES, key=lambda r: int(r[1:]))
