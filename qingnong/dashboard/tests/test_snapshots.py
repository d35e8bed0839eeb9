"""The daily metric snapshots: figures rolled up per org, the rules' own values, re-runs, the back-fill as
the records stood each day, the nightly job and the command — with a fixed number of queries."""

from __future__ import annotations

import datetime
import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from qingnong.campaign.rules_base import RuleContext, evaluate
from qingnong.core.models import AuditEntry
from qingnong.core.system import SYSTEM
from qingnong.core.testing import assert_constant_queries
from qingnong.dashboard import metrics
from qingnong.dashboard.demo import demo_days
from qingnong.dashboard.models import MetricSnapshot, SnapshotRun
from qingnong.dashboard.selectors import trend
from qingnong.dashboard.services import backfill_days, snapshot_backfill, snapshot_take
from qingnong.dashboard.tasks import take_daily_snapshots
from qingnong.orgs.models import Org
from qingnong.wxgroups.models import ChatGroup
from qingnong.youth.models import Youth

from .helpers import cadre, county_with_villages, days_ago, group, member, past_campaign, youth

pytestmark = pytest.mark.django_db


def figures(org, day=None):
    return MetricSnapshot.objects.get(org=org, day=day or timezone.localdate()).figures


def test_snapshot_rolls_counts_up_and_stores_the_rules_values(scope_world):
    w = scope_world
    campaign = past_campaign(w)
    g = group(w.village_in)
    member(g, youth(w.village_in, 4))
    youth(w.village_out, 2)
    group(w.city, gtype="exclusive", name="领头雁群", category="leader")
    result = snapshot_take(actor=SYSTEM)
    assert result.orgs == Org.objects.filter(status="active").count()
    assert MetricSnapshot.objects.count() == result.orgs
    city, county_in, county_out = figures(w.city), figures(w.county_in), figures(w.county_out)
    assert city["g_tq"] == 1 and city["g_ex"] == 1 and city["youth"] == 6 and city["reached"] == 4
    assert county_in["g_tq"] == 1 and county_in["reached"] == 4
    # Zero counts are left out; the day's run says they were measured.
    assert "g_tq" not in county_out and county_out["youth"] == 2
    run = SnapshotRun.objects.get(day=timezone.localdate())
    assert {"g_tq", "youth", "reached", "cadres"} <= set(run.metrics)
    # The rule values are the rules' own.
    report = evaluate("R2", RuleContext(campaign=campaign, root=w.city, today=timezone.localdate(), depth=3))
    assert city["R2"] == report.root.value == 50.0
    assert county_in["R2"] == report.for_org(w.county_in.pk).value == 100.0
    assert county_out["R2"] == 0.0
    assert "R2" in run.rules
    # Rule values down to township level; villages keep their counts only.
    assert figures(w.town_in)["R2"] == 100.0
    village = figures(w.village_in)
    assert village["g_tq"] == 1 and not any(key.startswith("R") for key in village)
    # One summary audit entry per run.
    assert AuditEntry.objects.filter(action="dashboard.snapshot.take").count() == 1


def test_a_rerun_replaces_the_days_rows(scope_world):
    w = scope_world
    past_campaign(w)
    snapshot_take(actor=SYSTEM)
    rows = MetricSnapshot.objects.count()
    group(w.village_out)
    snapshot_take(actor=SYSTEM)
    assert MetricSnapshot.objects.count() == rows
    assert figures(w.county_out)["g_tq"] == 1
    assert figures(w.county_out)["R2"] == 100.0


def test_snapshot_without_a_campaign_stores_counts_and_no_rule_values(scope_world):
    w = scope_world
    group(w.village_in)
    result = snapshot_take(actor=SYSTEM)
    assert result.rules == []
    assert figures(w.city) == {"g_tq": 1, "g_live": 1}


def test_snapshot_queries_do_not_grow_with_the_tree(scope_world):
    w = scope_world
    past_campaign(w)
    # Some cadres from the start: R1 skips its reach query when a subtree has none at all.
    cadre(w.village_in, "村干部")
    counter = iter(range(100))

    def grow():
        n = next(counter)
        county_with_villages(w.city, f"新县{n}", f"3408{90 + n}", villages=5)

    assert_constant_queries(lambda: snapshot_take(actor=SYSTEM), grow)


def test_backfill_reads_the_records_as_they_stood(scope_world):
    w = scope_world
    past_campaign(w)
    group(w.village_in, founded_on=days_ago(20))
    late = group(w.village_out, founded_on=days_ago(3))
    member(late, youth(w.village_out, 2))
    groups, people = ChatGroup.objects.count(), Youth.objects.count()
    snapshot_backfill(actor=SYSTEM, days=[days_ago(10), days_ago(1), timezone.localdate()])
    before = figures(w.county_out, days_ago(10))
    assert "g_tq" not in before and before["R2"] == 0.0
    assert figures(w.city, days_ago(10))["g_tq"] == 1
    assert figures(w.county_out, days_ago(1))["g_tq"] == 1
    assert figures(w.county_out, days_ago(1))["R2"] == 100.0
    # Nothing was lost: the later records were only left out of the reads (date-filtered queries).
    assert (ChatGroup.objects.count(), Youth.objects.count()) == (groups, people)
    assert SnapshotRun.objects.get(day=days_ago(10)).backfilled
    assert not SnapshotRun.objects.get(day=timezone.localdate()).backfilled


def test_backfill_command(scope_world):
    w = scope_world
    past_campaign(w)
    call_command("backfill_snapshots", "--days", "3", "--under", str(w.county_in.pk), stdout=io.StringIO())
    assert SnapshotRun.objects.count() == 3
    # Only the subtree asked for.
    assert set(MetricSnapshot.objects.values_list("org_id", flat=True)) == set(
        Org.objects.filter(path__startswith=w.county_in.path).values_list("pk", flat=True)
    )
    with pytest.raises(CommandError, match="--days"):
        call_command("backfill_snapshots", "--days", "0")


def test_backfill_days():
    today = datetime.date(2014, 11, 20)
    assert backfill_days(days=3, today=today) == [
        datetime.date(2014, 11, 18),
        datetime.date(2014, 11, 19),
        today,
    ]
    assert backfill_days(days=15, every=7, today=today) == [
        datetime.date(2014, 11, 6),
        datetime.date(2014, 11, 13),
        today,
    ]
    days = demo_days(today, datetime.date(2014, 8, 1), done={today})
    assert days[0] == datetime.date(2014, 8, 1) and today not in days
    assert datetime.date(2014, 11, 19) in days


def test_nightly_job_is_scheduled_and_runs(scope_world):
    entry = settings.CELERY_BEAT_SCHEDULE["dashboard-daily-snapshots"]
    assert entry["task"] == "qingnong.dashboard.tasks.take_daily_snapshots"
    out = take_daily_snapshots.delay().get()
    assert out["orgs"] == Org.objects.count()
    assert MetricSnapshot.objects.filter(day=timezone.localdate()).count() == out["orgs"]


def test_trend_tells_measured_zero_from_no_data(scope_world):
    w = scope_world
    day = days_ago(1)
    MetricSnapshot.objects.create(org=w.city, day=day, figures={"R2": 40.0})
    SnapshotRun.objects.create(day=day, metrics=["g_tq"], rules=["R2"])
    data = trend(w.city, start=days_ago(5), end=timezone.localdate(), keys=["R2", "g_tq", "subs"])
    assert data.days == [day]
    assert data.series == {"R2": [40.0], "g_tq": [0], "subs": [None]}


def test_a_count_whose_app_is_missing_is_no_data(scope_world, monkeypatch):
    w = scope_world
    monkeypatch.setattr(metrics, "_model", lambda label, name: None)
    counts = metrics.counts_by_child(w.city.path, w.city.depth, timezone.localdate())
    assert counts["subs"] is None and counts["posts_w"] is None and counts["acts_m"] is None
    assert counts["g_tq"] == {}
    result = snapshot_take(actor=SYSTEM)
    assert "subs" not in result.metrics and "g_tq" in result.metrics
