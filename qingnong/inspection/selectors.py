"""The inspection score (R11): four dimensions scored automatically from the rules, corrected by inspectors.

建群情况 averages the attainment of R2 (团青 coverage), R3 (青农 completeness), R4 (专属 groups, city and
county) and R6 (ledger); 联系青年数量 is R1's share of cadres at target; 内容及频次 and 线上线下活动 come
from the content and activity figures against the campaign's full-mark standards. A dimension without
data is shown as such and left out of the weighted total (which is then marked incomplete).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from qingnong.campaign.rules_base import NO_DATA, OrgResult, RuleContext, evaluate
from qingnong.orgs.models import Org

from .choices import Dimension
from .models import ScoreAdjustment

GROUP_RULES = ("R2", "R3", "R4", "R6")
REACH_RULE = "R1"


@dataclass
class DimensionScore:
    dimension: str
    label: str
    weight: int
    auto: float | None
    final: float | None
    adjustment: ScoreAdjustment | None = None
    basis: list[str] = field(default_factory=list)

    @property
    def adjusted(self) -> bool:
        return self.adjustment is not None and self.adjustment.score is not None


@dataclass
class Scorecard:
    org: Org
    dimensions: list[DimensionScore]
    rank: int = 0

    @property
    def total(self) -> float | None:
        scored = [(d.final, d.weight) for d in self.dimensions if d.final is not None and d.weight]
        weight = sum(w for _f, w in scored)
        if not weight:
            return None
        return round(sum(f * w for f, w in scored) / weight, 1)

    @property
    def complete(self) -> bool:
        return all(d.final is not None for d in self.dimensions if d.weight)

    def dimension(self, key: str) -> DimensionScore:
        return next(d for d in self.dimensions if d.dimension == key)


def attainment(result: OrgResult | None) -> float | None:
    """How far a rule's value reaches its target, 0–100 (None without data)."""
    if result is None or result.status == NO_DATA or result.value is None or not result.target:
        return None
    return round(min(float(result.value) / float(result.target), 1.0) * 100, 1)


# Content and activity scorers are provided by those apps: (ctx, orgs) -> {org_id: (score 0–100, basis)}.
DimensionScorer = Callable[[RuleContext, list[Org]], dict[int, tuple[float, str]]]
EXTRA_SCORERS: dict[str, DimensionScorer] = {}


def register_scorer(dimension: str, scorer: DimensionScorer) -> None:
    EXTRA_SCORERS[dimension] = scorer


def latest_adjustments(campaign_id: int, org_ids: list[int]) -> dict[tuple[int, str], ScoreAdjustment]:
    """The latest adjustment of each (org, dimension): one query."""
    latest: dict[tuple[int, str], ScoreAdjustment] = {}
    rows = ScoreAdjustment.objects.filter(campaign_id=campaign_id, org_id__in=org_ids).order_by(
        "created_at", "pk"
    )
    for adj in rows.select_related("inspector"):
        latest[(adj.org_id, adj.dimension)] = adj
    return latest


def scorecards(ctx: RuleContext, *, include_root: bool = False) -> list[Scorecard]:
    """Scorecards of the root's children (or of the root alone when it has none in range), ranked by total;
    with ``include_root`` the root's own card comes last (unranked), from the same rule evaluations."""
    reports = {rid: evaluate(rid, ctx) for rid in (*GROUP_RULES, REACH_RULE)}
    children = [o for o in ctx.result_orgs() if o.pk != ctx.root.pk]
    orgs = children or [ctx.root]
    if include_root and children:
        orgs = [*children, ctx.root]
    adjustments = latest_adjustments(ctx.campaign.pk, [o.pk for o in orgs])
    extra = {dim: scorer(ctx, orgs) for dim, scorer in EXTRA_SCORERS.items()}
    weights = ctx.campaign.weights
    cards = []
    for org in orgs:
        dims = []
        group_parts = [(rid, attainment(reports[rid].for_org(org.pk))) for rid in GROUP_RULES]
        present = [(rid, v) for rid, v in group_parts if v is not None]
        auto_groups = round(sum(v for _r, v in present) / len(present), 1) if present else None
        dims.append(
            _dimension(
                Dimension.GROUPS, weights, auto_groups, [f"{rid} {v}" for rid, v in present], org, adjustments
            )
        )
        reach = attainment(reports[REACH_RULE].for_org(org.pk))
        dims.append(_dimension(Dimension.REACH, weights, reach, [f"{REACH_RULE} {reach}"], org, adjustments))
        for dim in (Dimension.CONTENT, Dimension.ACTIVITIES):
            score, basis = extra.get(dim, {}).get(org.pk, (None, "无数据"))
            dims.append(_dimension(dim, weights, score, [basis], org, adjustments))
        cards.append(Scorecard(org=org, dimensions=dims))
    root_card = [c for c in cards if c.org.pk == ctx.root.pk and children]
    ranked = sorted((c for c in cards if c not in root_card), key=lambda c: -(c.total or -1))
    for index, card in enumerate(ranked, start=1):
        card.rank = index
    return ranked + root_card


def _dimension(
    dim: str,
    weights: dict[str, int],
    auto: float | None,
    basis: list[str],
    org: Org,
    adjustments: dict[tuple[int, str], ScoreAdjustment],
) -> DimensionScore:
    adj = adjustments.get((org.pk, dim))
    final = float(adj.score) if adj is not None and adj.score is not None else auto
    return DimensionScore(
        dimension=dim,
        label=str(Dimension(dim).label),
        weight=weights[dim],
        auto=auto,
        final=final,
        adjustment=adj,
        basis=basis,
    )


def scorecard_for(ctx: RuleContext, org: Org) -> Scorecard:
    """One org's scorecard (its own subtree as the root)."""
    single = RuleContext(
        campaign=ctx.campaign, root=org, today=ctx.today, depth=0, evidence_limit=ctx.evidence_limit
    )
    return scorecards(single)[0]


def to_decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def card_row(card: Scorecard) -> list[Any]:
    """A flat row for tables and spreadsheets."""
    row: list[Any] = [card.rank, card.org.name]
    for dim in card.dimensions:
        row += [dim.auto, dim.final if dim.adjusted else "", dim.weight]
    row += [card.total, "完整" if card.complete else "缺项"]
    return row


def card_header() -> list[str]:
    header = ["名次", "组织"]
    for _value, label in Dimension.choices:
        header += [f"{label}·自动", f"{label}·调整后", f"{label}·权重"]
    return [*header, "总分", "数据"]
