"""Rules R1–R6, R9, R10 on a small world: values, statuses, evidence, and a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from qingnong.campaign import services
from qingnong.campaign.rules_base import MET, NOT_DUE, NOT_MET, RuleContext, evaluate, rule_ids
from qingnong.core.system import SYSTEM
from qingnong.core.testing import count_queries
from qingnong.orgs import services as org_services
from qingnong.orgs.choices import GrassrootsKind, OrgLevel, PositionTitle
from qingnong.wxgroups.models import ChatGroup, GroupMembership
from qingnong.youth.models import Youth

pytestmark = pytest.mark.django_db

ON = datetime.date(2014, 11, 20)  # after every due date but R1 (11-30)


@pytest.fixture
def campaign(scope_world):
    return services.campaign_create(actor=SYSTEM, org=scope_world.city, year=2014)


def ctx(campaign, root, today=ON, depth=1, evidence_limit=200):
    return RuleContext(campaign=campaign, root=root, today=today, depth=depth, evidence_limit=evidence_limit)


def cadre(org, name, title=PositionTitle.SECRETARY, **flags):
    c = org_services.cadre_create(actor=SYSTEM, org=org, name=name)
    org_services.position_create(actor=SYSTEM, cadre=c, org=org, title=title, **flags)
    return c


def group(org, gtype="tuanqing", status="built", owner=None, **kw):
    defaults = {"name": f"{org.name}{gtype}群", "member_count": 30, "bases": ["geo"]}
    defaults.update(kw)
    return ChatGroup.objects.create(org=org, group_type=gtype, status=status, owner=owner, **defaults)


def youth(org, n, liaison=None, start=0):
    return [Youth.objects.create(name=f"青年{start + i}", home_org=org, liaison=liaison) for i in range(n)]


def test_all_rules_registered():
    assert {"R1", "R2", "R3", "R4", "R5", "R6", "R9", "R10"} <= set(rule_ids())


def test_r1_counts_distinct_youth_from_groups_and_liaison(scope_world, campaign):
    w = scope_world
    a = cadre(w.village_in, "甲", is_leadership=True)
    b = cadre(w.village_in, "乙", title=PositionTitle.MEMBER)
    g = group(w.village_in, owner=a)
    people = youth(w.village_in, 15)
    for p in people:
        GroupMembership.objects.create(group=g, youth=p)
    youth(w.village_in, 5, liaison=a, start=100)
    # The same youth as member and as liaison counts once.
    people[0].liaison = a
    people[0].save()
    report = evaluate("R1", ctx(campaign, w.county_in, today=datetime.date(2014, 12, 1), depth=3))
    village = report.for_org(w.village_in.pk)
    assert village.value == 50.0  # 甲 reaches 20, 乙 reaches 0
    assert village.status == NOT_MET
    assert [(e["cadre"], e["reached"]) for e in village.evidence] == [("乙", 0)]
    assert report.root.value == 50.0
    # Before 11-30 the gap is "not yet due", not a failure.
    early = evaluate("R1", ctx(campaign, w.county_in, today=datetime.date(2014, 11, 1)))
    assert early.root.status == NOT_DUE
    assert b.pk == village.evidence[0]["cadre_id"]


def test_r2_coverage_and_missing_villages(scope_world, campaign):
    w = scope_world
    extra = org_services.org_create(
        actor=SYSTEM, parent=w.town_in, name="东河村", level=OrgLevel.GRASSROOTS, kind=GrassrootsKind.VILLAGE
    )
    group(w.village_in)
    group(extra, status="planned")  # planned does not count
    report = evaluate("R2", ctx(campaign, w.city, depth=2))
    county = report.for_org(w.county_in.pk)
    assert county.value == 50.0 and county.status == NOT_MET
    assert county.evidence == [{"org": "东河村", "township": "石牌镇"}]
    out = report.for_org(w.county_out.pk)
    assert out.value == 0.0
    assert report.root.value == pytest.approx(33.3)


def test_r3_expected_members_one_level_down(scope_world, campaign):
    w = scope_world
    leader = cadre(w.county_in, "县书记", is_leadership=True, is_committee=True)
    member = cadre(w.county_in, "县委员", title=PositionTitle.MEMBER, is_committee=True)
    city_group = group(w.city, gtype="qingnong", name="青农安庆")
    GroupMembership.objects.create(group=city_group, cadre=leader)
    report = evaluate("R3", ctx(campaign, w.city, depth=2))
    # City group expects county leadership members only: 县书记 (present); 太湖 has none.
    missing = {(e["group_org"], e["cadre"], e["missing"]) for e in report.root.evidence}
    assert ("安庆市", "县书记", "未入群") not in missing
    assert ("怀宁县", "", "未建青农微信群") in missing
    assert report.root.status == NOT_MET
    assert member.pk  # committee member is expected by a county group only, not by the city's


def test_r4_and_r5(scope_world, campaign):
    w = scope_world
    group(w.city, gtype="exclusive", name="领头雁群", category="leader")
    group(w.city, gtype="exclusive", name="在外青年群", category="away")
    group(w.county_in, gtype="exclusive", name="大学生村官群", category="village_official")
    r4 = evaluate("R4", ctx(campaign, w.city))
    assert r4.root.value == 2 and r4.root.status == MET
    assert r4.for_org(w.county_in.pk).value == 1
    assert r4.for_org(w.county_in.pk).status == NOT_MET
    group(w.city, gtype="qingnong", name="安庆青农群")
    r5 = evaluate("R5", ctx(campaign, w.city))
    assert r5.root.status == NOT_MET
    assert r5.root.evidence[0]["expected"] == "青农安庆"


def test_r6_required_fields(scope_world, campaign):
    w = scope_world
    owner = cadre(w.village_in, "群主")
    good = group(w.village_in, owner=owner, qr_image="public/x.jpg", qr_uploaded_at=timezone.now())
    group(w.village_in, name="无群主群", owner=None, bases=[])
    report = evaluate("R6", ctx(campaign, w.town_in, today=timezone.localdate(), depth=1))
    village = report.for_org(w.village_in.pk)
    assert village.value == 50.0
    assert village.evidence[0]["group"] == "无群主群"
    assert "群主" in village.evidence[0]["missing"] and "组建基础" in village.evidence[0]["missing"]
    assert good.pk


def test_r6_counts_and_evidence_match_a_row_by_row_reading(scope_world, campaign):
    """R6 aggregates in SQL; a plain reading of every group must give the same counts and, per org, the
    first ``evidence_limit`` incomplete groups in ledger order."""
    w = scope_world
    now = timezone.now()
    owner = cadre(w.village_in, "群主")
    fresh = {"qr_image": "public/x.jpg", "qr_uploaded_at": now}
    group(w.village_in, name="甲完整", owner=owner, **fresh)
    group(w.village_in, name="乙无群主", **fresh)
    group(
        w.village_in,
        name="丙旧码",
        owner=owner,
        qr_image="public/x.jpg",
        qr_uploaded_at=now - datetime.timedelta(days=30),
    )
    group(w.village_in, name="丁无缘", owner=owner, bases=[], **fresh)
    group(w.village_in, gtype="exclusive", name="戊专属无缘", owner=owner, bases=[], **fresh)
    group(w.town_in, name="己镇群无人数", owner=owner, member_count=0, **fresh)
    group(w.village_out, name="庚外县完整", owner=owner, **fresh)
    group(w.village_out, name="辛外县无码", owner=owner)
    group(w.village_out, name="壬已解散", status="dissolved")
    report = evaluate("R6", RuleContext(campaign=campaign, root=w.city, today=ON, depth=3, evidence_limit=2))
    by_org = {r.org_id: r for r in [report.root, *report.results]}
    # Ledger order: org path (a township before its villages), then name (丁 < 丙 < 乙 in code points).
    expected = {  # org: (complete, total, first incomplete)
        w.city: (3, 8, ["己镇群无人数", "丁无缘"]),
        w.county_in: (2, 6, ["己镇群无人数", "丁无缘"]),
        w.town_in: (2, 6, ["己镇群无人数", "丁无缘"]),
        w.village_in: (2, 5, ["丁无缘", "丙旧码"]),
        w.county_out: (1, 2, ["辛外县无码"]),
        w.village_out: (1, 2, ["辛外县无码"]),
    }
    for org, (ok, total, first) in expected.items():
        result = by_org[org.pk]
        assert result.value == round(100 * ok / total, 1), org.name
        assert [e["group"] for e in result.evidence] == first, org.name
    town = {e["group"]: e["missing"] for e in evaluate("R6", ctx(campaign, w.town_in, depth=1)).root.evidence}
    assert town["己镇群无人数"] == "成员数" and town["丁无缘"] == "组建基础（缘）"
    assert "戊专属无缘" not in town and town["丙旧码"] == f"{campaign.qr_valid_days}天内的群二维码"
    assert "群主" in town["乙无群主"]


def test_r9_r10_submissions(scope_world, campaign):
    from qingnong.campaign.tests.test_campaign import _upload

    w = scope_world
    services.submission_upload(
        actor=SYSTEM, campaign=campaign, org=w.county_in, kind="plan", upload=_upload()
    )
    r9 = evaluate("R9", ctx(campaign, w.city))
    assert r9.root.value == 50.0
    assert r9.for_org(w.county_out.pk).evidence[0]["state"] == "未报送"
    r10 = evaluate("R10", ctx(campaign, w.city, today=datetime.date(2014, 11, 1)))
    assert r10.root.status == NOT_DUE


def test_rules_use_a_fixed_number_of_queries(scope_world, campaign):
    w = scope_world

    def run():
        for rule_id in ("R1", "R2", "R3", "R4", "R5", "R6", "R9", "R10"):
            evaluate(rule_id, ctx(campaign, w.city, depth=3))

    # Start with one row of each kind: an empty id list is answered without a query (on PostgreSQL
    # the R1 cadres are read first, so with none of them the reach query is skipped).
    group(w.city, gtype="qingnong", name="青农安庆")
    cadre(w.village_in, "书记", is_leadership=True)
    run()
    before = count_queries(run)
    for n in range(12):
        town = org_services.org_create(
            actor=SYSTEM, parent=w.county_in, name=f"镇{n}", level=OrgLevel.TOWNSHIP
        )
        village = org_services.org_create(
            actor=SYSTEM, parent=town, name=f"村{n}", level=OrgLevel.GRASSROOTS, kind=GrassrootsKind.VILLAGE
        )
        c = cadre(village, f"书记{n}", is_leadership=True)
        g = group(village, owner=c)
        GroupMembership.objects.create(group=g, youth=youth(village, 1, start=1000 + n)[0])
        group(town, gtype="qingnong", name=f"镇{n}青农群")
    assert count_queries(run) == before


def test_r7_account_cadence(scope_world, campaign):
    from qingnong.mp.models import AccountAdmin, Post
    from qingnong.mp.services import account_create

    w = scope_world
    today = datetime.date(2014, 11, 20)
    assert evaluate("R7", ctx(campaign, w.city, today=today)).root.status == "no_data"
    good = account_create(
        actor=SYSTEM, org=w.county_in, name="怀宁共青团", app_id="wx0000000000000001", message_mode="plain"
    )
    account_create(
        actor=SYSTEM, org=w.county_out, name="太湖共青团", app_id="wx0000000000000002", message_mode="plain"
    )
    for n in range(2):
        AccountAdmin.objects.create(
            account=good, cadre=cadre(w.county_in, f"管理员{n}", title=PositionTitle.MEMBER)
        )
    from qingnong.mp.choices import PostCategory

    categories = PostCategory.values
    assert len(categories) == 6
    when = timezone.make_aware(datetime.datetime(2014, 11, 18, 9))
    for n in range(8):
        Post.objects.create(
            account=good,
            title=f"第{n}篇",
            category=categories[n % 6],
            status="published",
            published_at=when - datetime.timedelta(days=3 * n),
        )
    report = evaluate("R7", ctx(campaign, w.city, today=today))
    assert report.for_org(w.county_in.pk).status == MET
    out = report.for_org(w.county_out.pk)
    assert out.status == NOT_MET and "管理员 0 人" in out.evidence[0]["problems"]
    assert report.root.value == 50.0


def test_r8_cadres_following(scope_world, campaign):
    from qingnong.mp.models import CadreFollow, OfficialAccount

    w = scope_world
    a = cadre(w.village_in, "关注者")
    cadre(w.village_in, "未关注者", title=PositionTitle.MEMBER)
    assert evaluate("R8", ctx(campaign, w.county_in)).root.status == "no_data"
    external = OfficialAccount.objects.create(
        org=w.city, name="安徽省青年创业者协会", is_external=True, recommended=True
    )
    CadreFollow.objects.create(cadre=a, account=external, method="confirmed", active=True)
    report = evaluate("R8", ctx(campaign, w.county_in, depth=3))
    assert report.root.value == 50.0
    assert [e["cadre"] for e in report.root.evidence] == ["未关注者"]


def test_r12_dormant_groups(scope_world, campaign):
    from qingnong.content.services import post_record

    w = scope_world
    today = datetime.date(2014, 11, 20)
    old = datetime.date(2014, 9, 1)
    quiet = group(w.village_in, name="沉寂群", founded_on=old)
    lively = group(w.village_in, name="活跃群", founded_on=old)
    post_record(actor=SYSTEM, group=lively, summary="转发了团市委通知", sent_on=datetime.date(2014, 11, 10))
    report = evaluate("R12", ctx(campaign, w.county_in, today=today, depth=3))
    village = report.for_org(w.village_in.pk)
    assert village.value == 50.0 and village.status == NOT_MET
    assert village.evidence[0]["group"] == "沉寂群" and village.evidence[0]["last"] == "从未"
    assert quiet.pk


def test_r12_counts_and_evidence_match_a_row_by_row_reading(scope_world, campaign):
    """R12 counts per path and reads only the evidence groups in full; a plain reading of every group's
    state must give the same value per org and, per org, the first ``evidence_limit`` dormant groups in
    (org path, creation) order."""
    from qingnong.content.choices import GroupActivityState
    from qingnong.content.selectors import iter_group_states
    from qingnong.content.services import post_record

    w = scope_world
    today = datetime.date(2014, 11, 20)
    old = datetime.date(2014, 9, 1)
    for org, names in (
        (w.village_in, ["村沉寂一", "村沉寂二", "村沉寂三"]),
        (w.town_in, ["镇沉寂"]),
        (w.village_out, ["外县沉寂"]),
    ):
        for name in names:
            group(org, name=name, founded_on=old)
    lively = group(w.village_in, name="村活跃", founded_on=old)
    post_record(actor=SYSTEM, group=lively, summary="转发", sent_on=datetime.date(2014, 11, 10))
    group(w.village_out, name="外县新群", founded_on=datetime.date(2014, 11, 15))
    group(w.village_out, name="已解散", founded_on=old, status="dissolved")
    report = evaluate("R12", ctx(campaign, w.city, today=today, depth=3, evidence_limit=2))
    by_org = {r.org_id: r for r in [report.root, *report.results]}
    states = sorted(iter_group_states(today=today, root=w.city), key=lambda s: (s.org_path, s.group_id))
    assert len(states) == 7  # the dissolved group is not counted
    for org in (w.city, w.county_in, w.town_in, w.village_in, w.county_out, w.village_out):
        mine = [s for s in states if s.org_path.startswith(org.path)]
        dormant = [s for s in mine if s.state == GroupActivityState.DORMANT]
        result = by_org[org.pk]
        assert result.value == round(100 * (len(mine) - len(dormant)) / len(mine), 1), org.name
        assert [e["group"] for e in result.evidence] == [s.name for s in dormant[:2]], org.name
    assert by_org[w.village_in.pk].evidence[0] == {
        "group": "村沉寂一",
        "org": w.village_in.name,
        "last": "从未",
        "idle_days": (today - old).days,
    }


def test_r3_counts_a_missing_member_with_its_names_and_title(scope_world, campaign):
    w = scope_world
    present = cadre(w.town_in, "镇书记", is_leadership=True, is_committee=True)
    cadre(w.town_in, "镇委员", title=PositionTitle.MEMBER, is_committee=True)
    cadre(w.town_in, "镇非委员", title=PositionTitle.MEMBER)  # not a committee member: not expected
    county_group = group(w.county_in, gtype="qingnong", name="青农怀宁")
    GroupMembership.objects.create(group=county_group, cadre=present)
    report = evaluate("R3", ctx(campaign, w.county_in, depth=0))
    assert report.root.value == 50.0
    expected = {
        "group_org": w.county_in.name,
        "cadre": "镇委员",
        "org": w.town_in.name,
        "title": PositionTitle.MEMBER.label,
        "missing": "未入群",
    }
    assert expected in report.root.evidence
    assert not [e for e in report.root.evidence if e["cadre"] in ("镇书记", "镇非委员")]


@pytest.mark.parametrize("limit", [None, 0, 1, 3])
def test_tally_counting_by_verdicts_matches_adding_row_by_row(scope_world, limit):
    """``add_verdicts`` (counts per cut path, evidence picked afterwards) gives every result org the same
    figures and the same first failing rows as ``add`` one row at a time."""
    import random

    from qingnong.campaign.rules_base import Tally

    w = scope_world
    orgs = [w.city, w.county_in, w.county_out, w.town_in, w.town_out]  # the villages are not result orgs
    leaves = [w.city, w.county_in, w.town_in, w.village_in, w.county_out, w.town_out, w.village_out]
    draw = random.Random(7)
    rows = sorted(
        ((draw.choice(leaves).path, draw.random() < 0.4, n) for n in range(300)), key=lambda r: (r[0], r[2])
    )
    by_row, by_verdict = Tally(orgs), Tally(orgs)
    for path, ok, n in rows:
        by_row.add(path, ok, {"n": n}, limit)
    for path, n in by_verdict.add_verdicts(rows, limit):
        by_verdict.add_evidence(path, {"n": n}, limit)
    for org in orgs:
        assert (by_verdict.num[org.pk], by_verdict.den[org.pk]) == (by_row.num[org.pk], by_row.den[org.pk])
        assert by_verdict.evidence[org.pk] == by_row.evidence[org.pk], org.name
    assert by_row.den[w.city.pk] == 300
    assert bool(by_row.evidence[w.county_in.pk]) == (limit != 0)  # the comparison above compared rows
