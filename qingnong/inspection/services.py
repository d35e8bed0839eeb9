"""Inspectors adjust a dimension of an org's automatic score, always with a written reason (audited)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from qingnong.campaign.models import Campaign
from qingnong.core.audit import audit_record, snapshot
from qingnong.core.errors import RuleError
from qingnong.core.permissions import Action
from qingnong.core.services import require_org_scope
from qingnong.orgs.models import Org

from .choices import Dimension
from .models import ScoreAdjustment

MIN_REASON = 4


@transaction.atomic
def score_adjust(
    *,
    actor: Any,
    campaign: Campaign,
    org: Org,
    dimension: str,
    score: Decimal | float | str | None,
    reason: str,
    auto_score: float | None = None,
) -> ScoreAdjustment:
    """Set ``dimension`` of ``org``'s score to ``score`` (None restores the automatic score). R11."""
    require_org_scope(actor, Action.SCORE, org)
    if not org.path.startswith(campaign.org.path):
        raise RuleError({"org": "（R11）该组织不在本年度工作范围内"}, code="out_of_campaign")
    if dimension not in Dimension.values:
        raise RuleError({"dimension": "（R11）考核项有误"}, code="invalid_choice")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise RuleError(
            {"reason": f"（R11）调整评分须填写理由（至少 {MIN_REASON} 个字）"}, code="reason_required"
        )
    value: Decimal | None = None
    if score not in (None, ""):
        try:
            value = Decimal(str(score)).quantize(Decimal("0.1"))
        except InvalidOperation:
            raise RuleError({"score": "（R11）得分须为 0–100 的数字"}, code="invalid_score") from None
        if not Decimal(0) <= value <= Decimal(100):
            raise RuleError({"score": f"（R11）得分须在 0–100 之间，现为 {value}"}, code="invalid_score")
    adjustment = ScoreAdjustment(
        campaign=campaign,
        org=org,
        dimension=dimension,
        score=value,
        auto_score=None if auto_score is None else Decimal(str(auto_score)).quantize(Decimal("0.1")),
        reason=reason,
        inspector=actor if getattr(actor, "pk", None) else None,
    )
    adjustment.full_clean()
    adjustment.save()
    audit_record(
        actor=actor,
        action="inspection.score.adjust",
        obj=adjustment,
        after=snapshot(adjustment),
        object_repr=f"{org.name} · {Dimension(dimension).label}",
    )
    return adjustment
