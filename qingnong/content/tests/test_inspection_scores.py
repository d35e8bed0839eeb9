"""The 内容及频次 and 线上线下活动 dimensions of the inspection score (R11), computed from the records."""

from __future__ import annotations

import datetime

import pytest

from qingnong.activities import services as activity_services
from qingnong.campaign import services as campaign_services
from qingnong.campaign.rules_base import RuleContext
from qingnong.content import services
from qingnong.core.system import SYSTEM
from qingnong.core.testing import assert_constant_queries
from qingnong.inspection.selectors import scorecards
from qingnong.wxgroups.models import ChatGroup

from .factories import make_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(scope_world):
    return campaign_services.campaign_create(actor=SYSTEM, org=scope_world.city, year=2014)


def _ctx(campaign, root, today=datetime.date(2014, 12, 1)):
    return RuleContext(campaign=campaign, root=root, today=today)


def test_without_any_records_the_dimensions_have_no_data(scope_world, campaign):
    make_group(scope_world.village_in)
    card = {c.org.pk: c for c in scorecards(_ctx(campaign, scope_world.city))}[scope_world.county_in.pk]
    assert card.dimension("content").final is None
    assert card.dimension("activities").final is None


def test_scores_from_content_and_activities(scope_world, campaign):
    w = scope_world
    g_in = make_group(w.village_in, founded_on=datetime.date(2014, 8, 1))
    make_group(w.village_out, founded_on=datetime.date(2014, 8, 1))
    ChatGroup.objects.update(created_at=datetime.datetime(2014, 8, 1, tzinfo=datetime.UTC))
    # Campaign 2014: survey_start 08-?? … 12-31; count the posts of g_in over the window.
    ctx = _ctx(campaign, w.city)
    start = campaign.survey_start
    days = (ctx.today - start).days + 1
    needed = round(campaign.content_per_group_month * days / 30)
    for i in range(needed):
        services.post_record(
            actor=SYSTEM, group=g_in, summary="发了通知", sent_on=start + datetime.timedelta(days=i % days)
        )
    activity_services.activity_create(
        actor=SYSTEM,
        org=w.village_in,
        title="座谈会",
        activity_type="offline",
        theme="social",
        held_on=datetime.date(2014, 10, 1),
        duration_hours=2,
        place="村部",
        participants=20,
    )
    cards = {c.org.pk: c for c in scorecards(ctx)}
    inside, outside = cards[w.county_in.pk], cards[w.county_out.pk]
    assert inside.dimension("content").auto == pytest.approx(100.0, abs=5)
    assert outside.dimension("content").auto == 0.0  # a group that sent nothing scores 0
    assert "满分标准" in inside.dimension("content").basis[0]
    assert 0 < inside.dimension("activities").auto < 100
    assert outside.dimension("activities").auto == 0.0
    assert "每组织每季度" in inside.dimension("activities").basis[0]


def test_scorers_keep_a_fixed_query_count(scope_world, campaign):
    from qingnong.activities.selectors import inspection_activity_scores
    from qingnong.content.selectors import inspection_content_scores

    w = scope_world
    group = make_group(w.village_in)
    services.post_record(actor=SYSTEM, group=group, summary="x", sent_on=datetime.date(2014, 9, 1))
    activity_services.activity_create(
        actor=SYSTEM,
        org=w.village_in,
        title="活动",
        activity_type="online",
        theme="policy",
        held_on=datetime.date(2014, 9, 3),
        duration_hours=1,
    )
    ctx = _ctx(campaign, w.city)
    orgs = ctx.result_orgs()

    def fetch():
        inspection_content_scores(ctx, orgs)
        inspection_activity_scores(ctx, orgs)

    def grow():
        for org in (w.village_out, w.town_in, w.town_out):
            g = make_group(org)
            services.post_record(actor=SYSTEM, group=g, summary="y", sent_on=datetime.date(2014, 9, 2))
            activity_services.activity_create(
                actor=SYSTEM,
                org=org,
                title="活动",
                activity_type="online",
                theme="policy",
                held_on=datetime.date(2014, 9, 3),
                duration_hours=1,
                groups=[g],
            )

    assert_constant_queries(fetch, grow)
