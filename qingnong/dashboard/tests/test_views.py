"""The dashboard and home page: scoping of every page and export, the landing of each kind of user, the
cards, the ranking, the late list with its evidence, the exports, and a fixed number of queries."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from qingnong.campaign.rules_base import RULES
from qingnong.core.permissions import Role
from qingnong.core.system import SYSTEM
from qingnong.core.testing import Endpoint, ScopedEndpointSuite, assert_constant_queries
from qingnong.dashboard import metrics, selectors
from qingnong.orgs.services import grant_create, user_create

from .helpers import cadre, county_with_villages, group, past_campaign, village

pytestmark = pytest.mark.django_db


def page(org):
    return reverse("dashboard:index") + f"?org={org.pk}"


def export(table, fmt="csv"):
    return lambda w, org: reverse("dashboard:export", args=[table]) + f"?org={org.pk}&format={fmt}"


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


class TestDashboardEndpoints(ScopedEndpointSuite):
    inside_org = "town_in"
    outside_org = "town_out"

    def make_object(self, world, org):
        past_campaign(world)
        return org

    endpoints = [
        Endpoint("page", lambda w, org: page(org)),
        Endpoint("page-ranking-part", lambda w, org: page(org) + "&part=ranking&indicator=R2"),
        *[
            Endpoint(f"export-{table}-{fmt}", export(table, fmt))
            for table in ("ranking", "late", "timeline", "groups", "trend")
            for fmt in ("csv", "xlsx")
        ],
    ]


def test_home_is_the_dashboard_for_staff_and_my_groups_for_grassroots_cadres(scope_world):
    w = scope_world
    past_campaign(w)
    response = w.client("admin_in").get("/")
    assert response.status_code == 200
    assert "团怀宁县委" in response.content.decode() and "逾期清单" in response.content.decode()
    # A cadre whose grants are all at township / village level lands on the phone page.
    me = cadre(w.town_in, "石牌书记")
    user = user_create(actor=SYSTEM, username="shipai_cadre", password="Test-pass-2014", home_org=w.town_in)
    user.cadre = me
    user.save(update_fields=["cadre"])
    grant_create(actor=SYSTEM, user=user, org=w.town_in, role=Role.ENTRY)
    client = w.client(None)
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("wxgroups:my_groups")
    # …but can still open the dashboard of their township.
    assert client.get(page(w.town_in)).status_code == 200
    # The same cadre with a county grant is staff: the dashboard.
    grant_create(actor=SYSTEM, user=user, org=w.county_in, role=Role.VIEWER)
    assert client.get("/").status_code == 200
    # No grant: a friendly page, not an error.
    response = w.client("nogrant").get("/")
    assert response.status_code == 200 and "还没有任何组织的授权" in response.content.decode()
    assert w.client(None).get("/").status_code == 302


def test_city_admin_sees_which_counties_miss_r2_with_their_villages(scope_world):
    w = scope_world
    past_campaign(w)
    group(w.village_in)
    village(w.town_in, "东河村")
    html = w.client("city_admin").get(page(w.city)).content.decode()
    late = html[html.index('id="late"') :]
    r2 = late[late.index('data-rule="R2"') :]
    r2 = r2[: r2.index("</details>")]
    # Both counties miss 90 %: 怀宁 has 1 of 2 villages, 太湖 0 of 1; the villages are listed.
    assert "怀宁县" in r2 and "太湖县" in r2
    assert "东河村" in r2 and "桥东村" in r2 and "新河村" not in r2
    assert f'href="?org={w.county_in.pk}&indicator=R2" data-drill="{w.county_in.pk}"' in r2
    # The ranking by R2 puts 怀宁 (50 %) before 太湖 (0 %).
    ranking = html[html.index('id="qn-ranking"') :]
    assert ranking.index("怀宁县") < ranking.index("太湖县")


def test_drill_down_and_404_outside(scope_world):
    w = scope_world
    past_campaign(w)
    client = w.client("admin_in")
    html = client.get(page(w.town_in)).content.decode()
    assert "新河村" in html and "团怀宁县委" not in html.split("<h1")[1][:80]
    assert "怀宁县" in html  # the breadcrumb
    assert client.get(page(w.county_out)).status_code == 404
    assert client.get(reverse("dashboard:index") + "?org=999999").status_code == 404


def test_cards_show_no_data_honestly(scope_world, monkeypatch):
    w = scope_world
    past_campaign(w)
    monkeypatch.setattr(metrics, "_model", lambda label, name: None)
    board = selectors.dashboard_for(user=w.users["city_admin"], org=w.city, today=selectors_today())
    cards = {k.key: k for k in selectors.kpi_cards(board)}
    assert cards["subs"].value is None and cards["posts_w"].value is None and cards["acts_m"].value is None
    assert cards["g_live"].value == 0  # counted, and there are none
    # A rule that is not registered (yet) is a card without a number.
    assert "R99" not in RULES
    card = selectors._rule_kpi(board, "R99", "某项", "")
    assert card.value is None and card.note == "R99 尚未启用"
    # Without a campaign the rules give nothing either.
    bare = selectors.dashboard_for(user=w.users["root"], org=w.county_out, today=selectors_today())
    bare.campaign = None
    assert selectors._rule_kpi(bare, "R2", "团青", "").note == "尚未设置年度工作"
    html = w.client("city_admin").get(page(w.city)).content.decode()
    assert html.count("暂无数据") >= 4


def selectors_today():
    from django.utils import timezone

    return timezone.localdate()


def test_ranking_order_and_indicator_switch(scope_world):
    w = scope_world
    past_campaign(w)
    group(w.village_in)
    group(w.village_in, name="第二个群")
    client = w.client("city_admin")
    part = client.get(page(w.city) + "&part=ranking&indicator=g_tq&order=asc").content.decode()
    assert "<html" not in part
    assert part.index("太湖县") < part.index("怀宁县")
    # An unknown indicator falls back to the default (R2).
    html = client.get(page(w.city) + "&indicator=nonsense").content.decode()
    assert 'value="R2" selected' in html
    board = selectors.dashboard_for(user=w.users["city_admin"], org=w.city, today=selectors_today())
    rows = selectors.ranking(board, "g_tq")
    assert [(r.rank, r.org.name, r.value) for r in rows] == [(1, "怀宁县", 2), (2, "太湖县", 0)]
    # A rule that does not apply to the children (R5: prefecture level and above) ranks nobody.
    assert all(r.rank is None and r.value is None for r in selectors.ranking(board, "R5"))


def test_late_list_export_has_every_evidence_row(scope_world):
    w = scope_world
    past_campaign(w)
    for i in range(15):  # more than the page shows
        village(w.town_in, f"补充{i:02d}村")
    client = w.client("city_admin")
    text = body(client.get(reverse("dashboard:export", args=["late"]) + f"?org={w.city.pk}&format=csv"))
    text = text.decode("utf-8-sig")
    lines = [line for line in text.splitlines() if line.startswith("R2,") and "怀宁县" in line]
    # 怀宁's 16 villages without a group (新河村 and 补充00–14村), one line each, none cut off.
    assert len(lines) == 16
    assert any("补充14村" in line for line in lines)
    response = client.get(reverse("dashboard:export", args=["late"]) + f"?org={w.city.pk}&format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(body(response)))
    assert book.sheetnames[0] == "逾期清单" and "R2 明细" in book.sheetnames
    r2 = [row for row in book["R2 明细"].iter_rows(values_only=True)]
    assert r2[0] == ("组织", "未建群的组织", "所属乡镇")
    assert ("怀宁县", "补充14村", "石牌镇") in r2


def test_exports_need_the_export_right(scope_world):
    w = scope_world
    past_campaign(w)
    client = w.client("viewer_in")
    html = client.get(page(w.county_in)).content.decode()
    assert "导出 CSV" not in html
    assert (
        client.get(reverse("dashboard:export", args=["late"]) + f"?org={w.county_in.pk}").status_code == 404
    )
    admin = w.client("admin_in")
    assert admin.get(reverse("dashboard:export", args=["nope"]) + f"?org={w.county_in.pk}").status_code == 404
    url = reverse("dashboard:export", args=["late"]) + f"?org={w.county_in.pk}&format=pdf"
    assert admin.get(url).status_code == 404


def test_page_queries_do_not_grow_with_the_tree(scope_world):
    w = scope_world
    past_campaign(w)
    # Some cadres from the start: R1 skips its reach query when a subtree has none at all.
    cadre(w.village_in, "村干部")
    client = w.client("city_admin")
    counter = iter(range(100))

    def grow():
        n = next(counter)
        county_with_villages(w.city, f"新县{n}", f"3408{90 + n}", villages=6)

    assert_constant_queries(lambda: client.get(page(w.city)), grow)
    assert_constant_queries(lambda: client.get("/"), grow)
    url = reverse("dashboard:export", args=["late"]) + f"?org={w.city.pk}&format=xlsx"
    assert_constant_queries(lambda: client.get(url), grow)
