"""The R11/R12 selectors: right figures, rolled up the tree, with a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from qingnong.activities.selectors import activity_rollup, quarter_bounds
from qingnong.content import selectors, services
from qingnong.content.choices import GroupActivityState
from qingnong.core.system import SYSTEM
from qingnong.core.testing import assert_constant_queries, count_queries
from qingnong.orgs.choices import GrassrootsKind, OrgLevel
from qingnong.orgs.services import org_create
from qingnong.wxgroups.choices import GroupStatus

from .factories import days_ago, hold_activity, make_cadre_user, make_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(scope_world):
    w = scope_world
    w.cadre, w.users["cun"] = make_cadre_user(w.village_in, "cun")
    w.g1 = make_group(w.village_in, owner=w.cadre, founded_on=days_ago(200))
    w.g2 = make_group(w.village_in, owner=w.cadre, founded_on=days_ago(200))
    w.g_town = make_group(w.town_in, founded_on=days_ago(5))
    w.g_out = make_group(w.village_out, founded_on=days_ago(200))
    w.g_planned = make_group(w.village_in, status=GroupStatus.PLANNED)
    return w


def _post(group, n_days_ago, summary="内容"):
    return services.post_record(actor=SYSTEM, group=group, summary=summary, sent_on=days_ago(n_days_ago))


def test_group_frequency_and_counts(world):
    today = timezone.localdate()
    for n in (0, 1, 6, 7, 29, 30, 100):
        _post(world.g1, n)
    freq = selectors.group_frequency(today=today, root=world.county_in)
    assert freq[world.g1.pk].week == 3  # 0, 1, 6 days ago
    assert freq[world.g1.pk].month == 5  # … and 7, 29
    assert freq[world.g1.pk].last_sent_on == today
    assert world.g2.pk not in freq
    counts = selectors.group_content_counts(start=days_ago(30), end=today, group_ids=[world.g1.pk])
    assert counts[world.g1.pk].own == 6 and counts[world.g1.pk].forwarded == 0


def test_content_rollup_per_org_and_ancestors(world):
    today = timezone.localdate()
    content = services.content_create(
        actor=world.users["admin_in"], org=world.county_in, title="t", category="notice", body="b"
    )
    task = services.task_create(actor=world.users["admin_in"], content=content, due_on=today)
    services.forward_confirm(actor=world.users["cun"], task=task, group=world.g1)
    _post(world.g1, 3)
    _post(world.g2, 10)
    _post(world.g_town, 1)
    _post(world.g_out, 1)
    _post(world.g2, 45)  # outside the period
    figures = selectors.content_rollup(root=world.city, start=days_ago(29), end=today)
    village = figures[world.village_in.path]
    assert (village.groups, village.forwarded, village.own, village.groups_with_content) == (2, 1, 2, 2)
    town = figures[world.town_in.path]
    assert (town.groups, town.posts, town.groups_with_content) == (3, 4, 3)
    assert figures[world.county_in.path].posts == 4
    assert figures[world.city.path].groups == 4 and figures[world.city.path].posts == 5
    assert town.per_group_month == pytest.approx(4 / 3)
    assert world.county_out.path in figures and world.village_out.path in figures


def test_last_dates_and_states(world):
    today = timezone.localdate()
    _post(world.g1, 3)
    hold_activity(world.village_in, 10, groups=[world.g2])
    hold_activity(world.village_in, 1, groups=[world.g1], status="planned")  # planned does not count
    last = selectors.group_last_dates(root=world.city, today=today)
    assert last[world.g1.pk].last_content_on == days_ago(3)
    assert last[world.g1.pk].last_activity_on is None
    assert last[world.g2.pk].last_activity_on == days_ago(10)
    states = {s.group_id: s for s in selectors.iter_group_states(today=today, root=world.city)}
    assert states[world.g1.pk].state == GroupActivityState.ACTIVE
    assert states[world.g2.pk].state == GroupActivityState.ACTIVE
    assert states[world.g_town.pk].state == GroupActivityState.NEW  # founded 5 days ago, nothing yet
    assert states[world.g_out.pk].state == GroupActivityState.DORMANT  # founded 200 days ago, nothing
    assert states[world.g_out.pk].idle_days == 200
    assert world.g_planned.pk not in states
    shares = selectors.group_activity_rollup(root=world.city, today=today)
    assert shares[world.city.path].groups == 4
    assert (shares[world.city.path].active, shares[world.city.path].dormant) == (2, 1)
    assert shares[world.village_in.path].share_active == 1.0
    assert shares[world.county_out.path].share_active == 0.0


def test_classify_uses_the_campaign_days(world):
    from qingnong.campaign.services import campaign_create

    campaign_create(actor=SYSTEM, org=world.city, year=timezone.localdate().year)
    from qingnong.campaign.models import Campaign

    Campaign.objects.update(dormant_days=7)
    _post(world.g1, 8)
    _post(world.g2, 6)
    states = {s.group_id: s for s in selectors.iter_group_states(today=timezone.localdate(), root=world.city)}
    assert states[world.g1.pk].dormant_days == 7
    assert states[world.g1.pk].state == GroupActivityState.DORMANT
    assert states[world.g2.pk].state == GroupActivityState.ACTIVE


def test_activity_rollup(world):
    today = timezone.localdate()
    start, end = quarter_bounds(today)
    hold_activity(world.village_in, 0, participants=40)
    hold_activity(world.town_in, 0, participants=100, activity_type="online", theme="policy", place="")
    hold_activity(world.village_out, 0, participants=5)
    hold_activity(world.village_in, 0, participants=7, status="planned")
    figures = activity_rollup(root=world.city, start=start, end=end)
    town = figures[world.town_in.path]
    assert (town.count, town.participants, town.orgs_with_activity) == (2, 140, 2)
    assert town.by_type == {"offline": 1, "online": 1}
    assert town.by_theme == {"entrepreneurship": 1, "policy": 1}
    assert figures[world.city.path].count == 3


def _grow(world):
    """More orgs, groups, posts and activities across the tree."""
    for i in range(3):
        village = org_create(
            actor=SYSTEM,
            parent=world.town_out,
            name=f"新村{i}",
            level=OrgLevel.GRASSROOTS,
            kind=GrassrootsKind.VILLAGE,
        )
        town = org_create(actor=SYSTEM, parent=world.county_in, name=f"新镇{i}", level=OrgLevel.TOWNSHIP)
        for org in (village, town):
            group = make_group(org, founded_on=days_ago(90))
            _post(group, i)
            hold_activity(org, i, groups=[group])


def test_rollups_run_a_fixed_number_of_queries(world):
    today = timezone.localdate()
    _post(world.g1, 1)

    def fetch():
        selectors.content_rollup(root=world.city, start=days_ago(29), end=today)
        selectors.group_activity_rollup(root=world.city, today=today)
        selectors.group_frequency(today=today, root=world.city)
        activity_rollup(root=world.city, start=days_ago(90), end=today)
        list(selectors.dormant_groups(user=world.users["city_admin"]))

    assert_constant_queries(fetch, lambda: _grow(world))


def test_task_completion_queries_do_not_grow(world):
    content = services.content_create(
        actor=world.users["city_admin"], org=world.city, title="t", category="notice", body="b"
    )

    def fetch():
        task = services.task_create(actor=SYSTEM, content=content, due_on=timezone.localdate())
        return count_queries(
            lambda: (
                selectors.task_completion_by_child(
                    task=task, parent=world.city, user=world.users["city_admin"]
                ),
                selectors.task_totals(task=task, user=world.users["city_admin"]),
                list(selectors.task_pending_groups(task=task, user=world.users["city_admin"])),
                list(selectors.task_list(user=world.users["city_admin"])),
            )
        )

    before = fetch()
    _grow(world)
    assert fetch() == before


def test_completion_by_child_and_scope(world):
    content = services.content_create(
        actor=world.users["city_admin"], org=world.city, title="t", category="notice", body="b"
    )
    task = services.task_create(actor=world.users["city_admin"], content=content, due_on=timezone.localdate())
    services.forward_confirm(actor=world.users["cun"], task=task, group=world.g1)
    rows = {
        r.org.name: (r.total, r.done)
        for r in selectors.task_completion_by_child(task=task, parent=world.city)
    }
    assert rows == {"怀宁县": (3, 1), "太湖县": (1, 0)}
    # The county admin sees only their part, even of the city's task.
    mine = selectors.task_totals(task=task, user=world.users["admin_in"])
    assert (mine.total, mine.done, mine.ratio) == (3, 1, pytest.approx(1 / 3))
    town_rows = selectors.task_completion_by_child(
        task=task, parent=world.town_in, user=world.users["admin_in"]
    )
    assert {(r.path, r.total, r.done) for r in town_rows} == {
        (world.town_in.path, 1, 0),
        (world.village_in.path, 2, 1),
    }
    pending = list(selectors.task_pending_groups(task=task, user=world.users["admin_in"]))
    assert {r.group_id for r in pending} == {world.g2.pk, world.g_town.pk}


def test_todo_lists_my_pending_groups_of_active_tasks(world):
    content = services.content_create(
        actor=world.users["admin_in"], org=world.county_in, title="t", category="notice", body="b"
    )
    task = services.task_create(actor=world.users["admin_in"], content=content, due_on=timezone.localdate())
    todo = selectors.todo_for(user=world.users["cun"])
    assert [t.task for t in todo] == [task]
    assert {r.group_id for r in todo[0].rows} == {world.g1.pk, world.g2.pk}
    services.forward_confirm(actor=world.users["cun"], task=task, group=world.g1)
    assert {r.group_id for r in selectors.todo_for(user=world.users["cun"])[0].rows} == {world.g2.pk}
    # The township's data-entry user (no cadre link) sees every group of the township.
    everyone = selectors.todo_for(user=world.users["entry_in"], mine=False)
    assert {r.group_id for r in everyone[0].rows} == {world.g2.pk, world.g_town.pk}
    services.task_withdraw(actor=world.users["admin_in"], task=task)
    assert selectors.todo_for(user=world.users["cun"]) == []


def test_content_visible_from_above(world):
    city_item = services.content_create(
        actor=world.users["city_admin"], org=world.city, title="市级", category="notice", body="b"
    )
    out_item = services.content_create(
        actor=world.users["city_admin"], org=world.county_out, title="太湖", category="notice", body="b"
    )
    seen = set(selectors.content_visible(world.users["cun"]))
    assert city_item in seen and out_item not in seen
    assert set(selectors.content_visible(world.users["nogrant"])) == set()


def test_frequency_windows_end_today(world):
    today = timezone.localdate()
    _post(world.g1, 0)
    freq = selectors.group_frequency(today=today - datetime.timedelta(days=1), root=world.city)
    assert world.g1.pk not in freq  # content of today is after the evaluated day
