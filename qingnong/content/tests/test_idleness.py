"""R12 in SQL against the row-by-row reading: the same dormant groups, whichever campaign governs them."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from qingnong.campaign.models import Campaign
from qingnong.campaign.services import campaign_create
from qingnong.content import services
from qingnong.content.choices import GroupActivityState
from qingnong.content.idleness import dormancy_counts, dormant_first
from qingnong.content.selectors import iter_group_states
from qingnong.core.system import SYSTEM
from qingnong.core.testing import count_queries
from qingnong.orgs.choices import GrassrootsKind, OrgLevel
from qingnong.orgs.services import org_create
from qingnong.wxgroups.choices import GroupStatus
from qingnong.wxgroups.models import ChatGroup

from .factories import days_ago, hold_activity, make_group

pytestmark = pytest.mark.django_db


def _org(parent, name, level, code, **kw):
    return org_create(actor=SYSTEM, parent=parent, name=name, level=level, division_code=code, **kw)


def _campaign(org, year, dormant_days):
    campaign = campaign_create(actor=SYSTEM, org=org, year=year)
    Campaign.objects.filter(pk=campaign.pk).update(dormant_days=dormant_days)


@pytest.fixture
def province():
    """A province whose three cities answer to different campaigns: 宿州 to its own of this year (7 days),
    淮北 to its own of last year (20 days, nearer than the province's), 阜阳 to the province's of last year
    (40 days), which is newer than 阜阳's own (3 days); 淮北's older one (3 days) and the province's for
    next year (1 day) must not count."""
    year = _evaluated_on().year
    root = _org(None, "安徽省", OrgLevel.PROVINCE, "340000", short_name="安徽")
    cities = {}
    for i, (name, code) in enumerate((("宿州市", "341300"), ("淮北市", "340600"), ("阜阳市", "341200"))):
        city = _org(root, name, OrgLevel.CITY, code)
        county = _org(city, f"{name}一县", OrgLevel.COUNTY, f"{code[:4]}2{i}")
        town = _org(county, f"{name}一镇", OrgLevel.TOWNSHIP, f"{code[:4]}2{i}101")
        village = _org(
            town, f"{name}一村", OrgLevel.GRASSROOTS, f"{code[:4]}2{i}101201", kind=GrassrootsKind.VILLAGE
        )
        cities[name] = (city, town, village)
    _campaign(root, year - 1, 40)
    _campaign(cities["宿州市"][0], year, 7)
    _campaign(cities["淮北市"][0], year - 1, 20)
    _campaign(cities["淮北市"][0], year - 2, 3)
    _campaign(cities["阜阳市"][0], year - 2, 3)  # older than the province's: loses to it
    _campaign(root, year + 1, 1)  # next year's: governs nothing yet
    for _city, town, village in cities.values():
        for quiet in (2, 5, 10, 25, 45):
            services.post_record(
                actor=SYSTEM,
                group=make_group(village, founded_on=days_ago(300)),
                summary="转发",
                sent_on=days_ago(quiet),
            )
        held = make_group(village, founded_on=days_ago(300))
        services.post_record(actor=SYSTEM, group=held, summary="转发", sent_on=days_ago(60))
        hold_activity(village, 6, groups=[held])
        make_group(town, founded_on=days_ago(4))  # new: founded 4 days ago, nothing yet
        recorded = make_group(town)  # no founding day: counted from the day it was recorded
        ChatGroup.objects.filter(pk=recorded.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=12)
        )
        future = make_group(village, founded_on=days_ago(100))
        services.post_record(actor=SYSTEM, group=future, summary="预告", sent_on=days_ago(0))
        make_group(village, founded_on=days_ago(300), status=GroupStatus.DISSOLVED)
    return root, cities


def _evaluated_on():
    """Yesterday: the post recorded today lies after the day evaluated, and must not count."""
    return timezone.localdate() - datetime.timedelta(days=1)


def _reading(root, today):
    return sorted(iter_group_states(today=today, root=root), key=lambda s: (s.org_path, s.group_id))


@pytest.mark.parametrize("root_name", ["安徽省", "宿州市", "淮北市", "阜阳市"])
def test_counts_and_dormant_groups_match_the_row_by_row_reading(province, root_name):
    root, cities = province
    top = root if root_name == "安徽省" else cities[root_name][0]
    today = _evaluated_on()
    states = _reading(top, today)
    cut = len(top.path) + top.steplen
    counts = dormancy_counts(root=top, today=today, cut=cut, with_new=True)
    for path, total, dormant, new in counts:
        mine = [s for s in states if s.org_path.startswith(path)]
        assert total == len(mine)
        assert dormant == sum(s.state == GroupActivityState.DORMANT for s in mine)
        assert new == sum(s.state == GroupActivityState.NEW for s in mine)
    assert sum(row[1] for row in counts) == len(states)
    dormant = [s for s in states if s.state == GroupActivityState.DORMANT]
    assert dormant, "the fixture must hold dormant groups"
    rows = dormant_first(root=top, today=today, cut=cut, limit=None)
    assert [(r[0], r[1]) for r in rows] == [(s.org_path, s.group_id) for s in dormant]
    for (_path, _pk, name, org_name, last_on, quiet_since), s in zip(rows, dormant, strict=True):
        assert (name, org_name) == (s.name, s.org_name)
        dates = [d for d in (s.last_content_on, s.last_activity_on) if d is not None]
        assert last_on == (max(dates) if dates else None)
        assert (today - quiet_since).days == s.idle_days


def test_each_city_answers_to_its_own_campaign(province):
    root, cities = province
    today = _evaluated_on()
    rows = dormancy_counts(root=root, today=today, cut=len(root.path) + root.steplen)
    assert all(new is None for _path, _total, _dormant, new in rows)  # not asked for: not counted
    lively = {path: total - dormant for path, total, dormant, _new in rows}
    # On the day evaluated: quiet 1, 4, 9, 24, 44 days, the activity 5 days ago, two town groups founded
    # 3 and recorded 11 days ago, and a group whose only post comes after that day (quiet 99 days).
    assert lively[cities["宿州市"][0].path] == 2 + 1 + 1  # 7 days: 1, 4; the activity; founded 3 days ago
    assert lively[cities["淮北市"][0].path] == 3 + 1 + 2  # 20 days: 1, 4, 9; activity; 3 and 11 days
    assert lively[cities["阜阳市"][0].path] == 4 + 1 + 2  # 40 days: 1, 4, 9, 24; activity; 3 and 11


def test_the_first_dormant_groups_per_path_and_a_fixed_number_of_queries(province):
    root, cities = province
    today = _evaluated_on()
    cut = len(root.path) + root.steplen
    every = dormant_first(root=root, today=today, cut=cut, limit=None)
    first: list = []
    assert count_queries(lambda: first.extend(dormant_first(root=root, today=today, cut=cut, limit=2))) == 2
    assert count_queries(lambda: dormancy_counts(root=root, today=today, cut=cut)) == 2  # campaigns, counts
    expected = []
    for city, _town, _village in cities.values():
        expected += [r for r in every if r[0].startswith(city.path)][:2]
    assert sorted(first) == sorted(expected)


def test_this_years_campaign_above_beats_an_older_one_nearer(province):
    root, cities = province
    _campaign(root, _evaluated_on().year, 10)
    today = _evaluated_on()
    rows = dormancy_counts(root=root, today=today, cut=len(root.path) + root.steplen)
    lively = {path: total - dormant for path, total, dormant, _new in rows}
    assert lively[cities["宿州市"][0].path] == 2 + 1 + 1  # its own of this year (7 days) is nearer still
    assert lively[cities["淮北市"][0].path] == 3 + 1 + 1  # 10 days, not its own of last year (20)
    assert lively[cities["阜阳市"][0].path] == 3 + 1 + 1
