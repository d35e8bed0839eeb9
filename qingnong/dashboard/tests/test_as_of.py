"""Figures as of a past day: that day's own, from date-filtered reads that write and lock nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qingnong.campaign.choices import SubmissionKind
from qingnong.campaign.models import Campaign, Submission
from qingnong.core.asof import end_of_day
from qingnong.core.system import SYSTEM
from qingnong.dashboard.services import compute_figures, figures_as_of
from qingnong.mp import services as mp_services
from qingnong.mp.choices import PostCategory, PostStatus
from qingnong.mp.models import Follower, Post
from qingnong.wxgroups.models import ChatGroup, GroupMembership
from qingnong.wxgroups.selectors import cadre_reach
from qingnong.youth.models import Youth

from .helpers import cadre, days_ago, group, past_campaign

pytestmark = pytest.mark.django_db

THEN = 10  # days ago


def people(org: Any, n: int, *, at: datetime.datetime, liaison: Any = None, tag: str = "") -> list[Youth]:
    return [
        Youth.objects.create(name=f"{tag}青年{i}", home_org=org, liaison=liaison, created_at=at)
        for i in range(n)
    ]


def join(
    group_obj: ChatGroup, youth: list[Youth] = (), *, on: datetime.date | None = None, **kw: Any
) -> None:
    rows = [GroupMembership(group=group_obj, youth=y, joined_on=on, **kw) for y in youth]
    if not youth:
        rows = [GroupMembership(group=group_obj, joined_on=on, **kw)]
    GroupMembership.objects.bulk_create(rows)


def ledger_world(w: Any) -> dict[str, Any]:
    """The records of a city as they stood ``THEN`` days ago: every one dated on or before that day."""
    then = days_ago(THEN)
    recorded = end_of_day(then) - datetime.timedelta(hours=2)
    campaign = past_campaign(w)
    Campaign.objects.filter(pk=campaign.pk).update(reach_per_cadre=3)
    secretary = cadre(w.village_in, "村书记")
    member = cadre(w.village_out, "外村书记")
    g = group(w.village_in, founded_on=days_ago(30), owner=secretary, created_at=recorded)
    join(g, people(w.village_in, 3, at=recorded, tag="老"), on=days_ago(20))
    people(w.village_in, 2, at=recorded, liaison=member, tag="联系")
    people(w.village_in, 1, at=recorded, tag="未入群")
    town_secretary = cadre(w.town_in, "镇书记", is_committee=True)
    qn = group(w.county_in, gtype="qingnong", name="青农怀宁", founded_on=days_ago(40), created_at=recorded)
    join(qn, cadre=secretary, on=days_ago(40))
    account = mp_services.account_create(actor=SYSTEM, org=w.county_in, name="怀宁青年", message_mode="plain")
    Follower.objects.create(account=account, openid="o-then", first_subscribed_at=recorded)
    Post.objects.create(
        account=account,
        title="那时的推文",
        category=PostCategory.POLICY,
        status=PostStatus.PUBLISHED,
        published_at=recorded,
    )
    return {
        "then": then,
        "campaign": campaign,
        "g": g,
        "member": member,
        "secretary": secretary,
        "qn": qn,
        "town_secretary": town_secretary,
        "account": account,
    }


def later_records(w: Any, world: dict[str, Any]) -> None:
    """Records dated after ``THEN``: groups founded (or recorded) later, members who joined later, youth
    registered later, a submission, a follower and a post of later days."""
    g, member = world["g"], world["member"]
    late = group(w.village_out, founded_on=days_ago(3))
    join(late, people(w.village_out, 4, at=datetime.datetime.now(datetime.UTC), tag="新"), on=days_ago(3))
    unknown_day = group(w.village_in, gtype="exclusive", name="新专属群", status="built", category="leader")
    join(unknown_day, people(w.village_in, 1, at=datetime.datetime.now(datetime.UTC), tag="又"))
    group(w.city, gtype="exclusive", name="领头雁群", category="leader", founded_on=days_ago(1))
    group(w.city, gtype="exclusive", name="在外青年群", category="away", founded_on=days_ago(1))
    old_youth = list(Youth.objects.filter(name__startswith="联系")) + list(
        Youth.objects.filter(name__startswith="未入群")
    )
    join(g, old_youth, on=days_ago(2))  # youth who existed then, joining later
    people(w.village_in, 1, at=datetime.datetime.now(datetime.UTC), liaison=member, tag="后联系")
    join(world["qn"], cadre=world["town_secretary"], on=days_ago(1))
    group(w.town_in, gtype="qingnong", name="青农石牌", founded_on=days_ago(2))
    Submission.objects.create(
        campaign=world["campaign"],
        org=w.county_in,
        kind=SubmissionKind.PLAN,
        file="p.pdf",
        original_name="方案.pdf",
        size=10,
    )
    Follower.objects.create(account=world["account"], openid="o-later")
    Post.objects.create(
        account=world["account"],
        title="后来的推文",
        category=PostCategory.POLICY,
        status=PostStatus.PUBLISHED,
        published_at=datetime.datetime.now(datetime.UTC),
    )


def test_figures_as_of_a_past_day_are_that_days_and_touch_nothing(scope_world):
    w = scope_world
    world = ledger_world(w)
    then = world["then"]
    # While nothing later exists, the live reading of that day is the day's own figures.
    before = compute_figures(w.city, then)
    later_records(w, world)
    live, _metrics, _rules = compute_figures(w.city, then)
    city_then, city_now = before[0][w.city.pk], live[w.city.pk]
    changed = {k for k in set(city_now) | set(city_then) if city_now.get(k) != city_then.get(k)}
    # The later records change every kind of figure when read as they are now ...
    assert changed == {"g_tq", "g_ex", "g_qn", "g_live", "youth", "reached", "subs"} | {
        "R1",
        "R2",
        "R3",
        "R4",
        "R9",
        "R11",
        "R12",
    }
    rows = (ChatGroup.objects.count(), GroupMembership.objects.count(), Youth.objects.count())
    with CaptureQueriesContext(connection) as queries:
        past = figures_as_of(w.city, then)
    # ... and as of that day they are exactly the day's own, for every org, count and rule.
    assert past == before
    # Read only: SELECTs and nothing else — no DELETE/UPDATE, no transaction or savepoint, no row lock.
    statements = [q["sql"].lstrip().upper() for q in queries.captured_queries]
    assert statements and all(s.startswith(("SELECT", "WITH")) for s in statements)
    assert not any(" FOR UPDATE" in s or " FOR SHARE" in s or " FOR NO KEY" in s for s in statements)
    assert (ChatGroup.objects.count(), GroupMembership.objects.count(), Youth.objects.count()) == rows


def test_reach_as_of_counts_the_groups_members_and_youth_of_that_day(scope_world):
    w = scope_world
    world = ledger_world(w)
    secretary, member = world["secretary"], world["member"]
    later_records(w, world)
    then = world["then"]
    assert cadre_reach([secretary.pk, member.pk]) == {secretary.pk: 6, member.pk: 3}
    assert cadre_reach([secretary.pk, member.pk], as_of=then) == {secretary.pk: 3, member.pk: 2}
    from qingnong.orgs.models import Cadre

    assert cadre_reach(Cadre.objects.filter(pk=member.pk), as_of=then) == {member.pk: 2}
