"""Inspection (R11): automatic scores, adjustments with reasons, the assessment table and the reports."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from qingnong.campaign import services as campaign_services
from qingnong.campaign.rules_base import RuleContext, evaluate
from qingnong.core.models import AuditEntry
from qingnong.core.system import SYSTEM
from qingnong.core.testing import Endpoint, ScopedEndpointSuite
from qingnong.inspection import services
from qingnong.inspection.models import ScoreAdjustment
from qingnong.inspection.selectors import attainment, scorecards
from qingnong.wxgroups.models import ChatGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(scope_world):
    return campaign_services.campaign_create(actor=SYSTEM, org=scope_world.city, year=2014)


def _ctx(campaign, root):
    return RuleContext(campaign=campaign, root=root, today=datetime.date(2014, 12, 1))


def test_scores_come_from_rules_and_adjustments_replace_them(scope_world, campaign):
    w = scope_world
    ChatGroup.objects.create(org=w.village_in, group_type="tuanqing", status="built", name="新河团青群")
    cards = {c.org.pk: c for c in scorecards(_ctx(campaign, w.city))}
    inside, outside = cards[w.county_in.pk], cards[w.county_out.pk]
    r2 = evaluate("R2", _ctx(campaign, w.city)).for_org(w.county_in.pk)
    assert r2.value == 100.0
    assert inside.dimension("groups").auto > outside.dimension("groups").auto
    assert inside.rank == 1
    assert inside.dimension("content").final is None and not inside.complete  # no content data yet

    services.score_adjust(
        actor=w.users["inspector"],
        campaign=campaign,
        org=w.county_out,
        dimension="groups",
        score="95",
        reason="实地检查发现台账未及时录入，群已建成",
    )
    cards = {c.org.pk: c for c in scorecards(_ctx(campaign, w.city))}
    adjusted = cards[w.county_out.pk].dimension("groups")
    assert adjusted.final == 95.0 and adjusted.adjusted
    assert AuditEntry.objects.filter(action="inspection.score.adjust").count() == 1
    # Restoring the automatic score is an adjustment too (with its own reason).
    services.score_adjust(
        actor=w.users["inspector"],
        campaign=campaign,
        org=w.county_out,
        dimension="groups",
        score=None,
        reason="复核后恢复自动得分",
    )
    restored = {c.org.pk: c for c in scorecards(_ctx(campaign, w.city))}[w.county_out.pk].dimension("groups")
    assert restored.final == restored.auto and not restored.adjusted


def test_total_is_weighted_over_scored_dimensions(scope_world, campaign):
    w = scope_world
    for dim, score in (("groups", 80), ("reach", 60), ("content", 100), ("activities", 40)):
        services.score_adjust(
            actor=SYSTEM, campaign=campaign, org=w.county_in, dimension=dim, score=score, reason="督查组评定"
        )
    card = {c.org.pk: c for c in scorecards(_ctx(campaign, w.city))}[w.county_in.pk]
    assert card.complete
    assert card.total == pytest.approx(0.3 * 80 + 0.3 * 60 + 0.2 * 100 + 0.2 * 40)


@pytest.mark.parametrize(
    ("who", "org", "score", "reason", "error"),
    [
        ("inspector", "county_in", "80", "", ValidationError),
        ("inspector", "county_in", "120", "理由充分说明", ValidationError),
        ("inspector", "county_in", "abc", "理由充分说明", ValidationError),
        ("entry_in", "village_in", "80", "理由充分说明", PermissionDenied),
        ("admin_in", "county_out", "80", "理由充分说明", PermissionDenied),
    ],
)
def test_bad_adjustments_write_nothing(scope_world, campaign, who, org, score, reason, error):
    w = scope_world
    with pytest.raises(error) as exc:
        services.score_adjust(
            actor=w.users[who],
            campaign=campaign,
            org=getattr(w, org),
            dimension="groups",
            score=score,
            reason=reason,
        )
    if error is ValidationError:
        assert "R11" in str(exc.value)
    assert not ScoreAdjustment.objects.exists()
    assert not AuditEntry.objects.filter(action="inspection.score.adjust").exists()


def test_attainment_caps_at_full_marks():
    from qingnong.campaign.rules_base import OrgResult

    assert attainment(OrgResult(1, "x", "0001", "county", 120, 90, "met")) == 100.0
    assert attainment(OrgResult(1, "x", "0001", "county", 45, 90, "not_met")) == 50.0
    assert attainment(OrgResult(1, "x", "0001", "county", None, 90, "no_data")) is None


def test_assessment_table_and_reports(scope_world, campaign):
    import docx
    import openpyxl

    w = scope_world
    services.score_adjust(
        actor=SYSTEM,
        campaign=campaign,
        org=w.county_in,
        dimension="reach",
        score="77.5",
        reason="抽查联系台账",
    )
    client = w.client("inspector")
    page = client.get(reverse("inspection:assessment"), {"org": w.city.pk}).content.decode()
    assert "怀宁县" in page and "77.5" in page
    export = client.get(reverse("inspection:assessment"), {"org": w.city.pk, "export": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert "怀宁县" in values and 77.5 in values
    report = client.get(reverse("inspection:report", args=[w.county_in.pk]))
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(report.content)).paragraphs)
    assert "团怀宁县委农村共青团微信体系建设督查情况报告" in text
    draft = w.client("admin_in").get(reverse("campaign:summary_draft", args=[w.county_in.pk]))
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(draft.content)).paragraphs)
    assert "专题总结" in text and "团青微信群" in text


def test_scorecard_page_adjustment_needs_reason(scope_world, campaign):
    w = scope_world
    url = reverse("inspection:scorecard", args=[w.town_in.pk])
    response = w.client("inspector").post(url, {"dimension": "groups", "score": "88", "reason": ""})
    assert response.status_code == 422
    assert "调整评分须填写理由" in response.content.decode()
    assert not ScoreAdjustment.objects.exists()
    response = w.client("inspector").post(
        url, {"dimension": "groups", "score": "88", "reason": "乡镇自查材料齐全"}
    )
    assert response.status_code == 302
    assert ScoreAdjustment.objects.get().score == 88


class TestInspectionEndpoints(ScopedEndpointSuite):
    inside_org = "town_in"
    outside_org = "town_out"

    def make_object(self, world, org):
        from qingnong.campaign.models import Campaign

        if not Campaign.objects.exists():
            campaign_services.campaign_create(actor=SYSTEM, org=world.city, year=2014)
        return org

    def count_objects(self, world):
        return ScoreAdjustment.objects.count()

    endpoints = [
        Endpoint("page-scorecard", lambda w, o: reverse("inspection:scorecard", args=[o.pk])),
        Endpoint("page-report", lambda w, o: reverse("inspection:report", args=[o.pk])),
        Endpoint("page-assessment", lambda w, o: reverse("inspection:assessment") + f"?org={o.pk}"),
        Endpoint(
            "page-adjust",
            lambda w, o: reverse("inspection:scorecard", args=[o.pk]),
            method="post",
            data=lambda w, o: {"dimension": "groups", "score": "70", "reason": "检查组意见"},
        ),
        Endpoint("page-draft", lambda w, o: reverse("campaign:summary_draft", args=[o.pk])),
    ]
