"""Demo step (runs last): back-fill the metric snapshots since the campaign began, so that the dashboard's
trend chart has lines before the nightly job has ever run: a point a week, and every day of the last
week."""

from __future__ import annotations

import datetime

from qingnong.core.datagen import DataContext
from qingnong.core.system import SYSTEM
from qingnong.orgs.models import Org

from .models import SnapshotRun
from .services import snapshot_backfill

# At most this many days back (a campaign runs August to December).
MAX_DAYS = 160


def demo_days(
    today: datetime.date, start: datetime.date | None, done: set[datetime.date]
) -> list[datetime.date]:
    first = max(start or today - datetime.timedelta(days=60), today - datetime.timedelta(days=MAX_DAYS))
    first = min(first, today)
    days = {today - datetime.timedelta(days=n) for n in range(7)}
    day = first
    while day < today:
        days.add(day)
        day += datetime.timedelta(days=7)
    return sorted(d for d in days if first <= d <= today and d not in done)


def analyze() -> None:
    """Planner statistics after the bulk loads of the earlier steps. Without them SQLite (which never gathers
    them by itself) picks nested loops for the reach query of R1 — seconds instead of a tenth of one."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def seed_demo(ctx: DataContext) -> None:
    from qingnong.campaign.selectors import campaign_for

    analyze()
    city = ctx.shared.get("city") or Org.objects.filter(division_code="340800").first()
    if city is None:
        return
    campaign = campaign_for(city, on=ctx.today)
    start = campaign.survey_start if campaign is not None and campaign.survey_start <= ctx.today else None
    done = set(SnapshotRun.objects.values_list("day", flat=True))
    days = demo_days(ctx.today, start, done)
    if not days:
        ctx.say("指标快照：已存在，跳过")
        return
    ctx.say(f"指标快照：补算 {len(days)} 天（{days[0]} 至 {days[-1]}）")
    snapshot_backfill(actor=SYSTEM, days=days, under=city, stdout=ctx.stdout)
