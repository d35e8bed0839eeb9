"""The figures store: current figures are served until they expire or a refresh is asked for; a large
subtree's figures are only ever computed in the background, the page serving the last ones it has."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from qingnong.campaign import services as campaign_services
from qingnong.core.figures import PREFIX
from qingnong.core.system import SYSTEM
from qingnong.dashboard import selectors, tasks
from qingnong.dashboard.tasks import refresh_dashboard_figures, warm_dashboard_figures
from qingnong.wxgroups.models import ChatGroup

# Transactional: the background refresh is asked for on commit, as after a real request.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cached_figures(settings):
    settings.FIGURES_CACHE_SECONDS = 600
    cache.clear()
    yield settings
    cache.clear()


@pytest.fixture
def large(cached_figures):
    """Every subtree counts as large: its figures are computed in the background only."""
    cached_figures.DASHBOARD_LIVE_MAX_ORGS = 1
    return cached_figures


@pytest.fixture
def queued(monkeypatch):
    """Background refreshes recorded instead of run, as with a broker whose worker has not started yet."""
    calls: list[int] = []
    monkeypatch.setattr(tasks.refresh_dashboard_figures, "delay", lambda org_id: calls.append(org_id))
    return calls


@pytest.fixture
def city_campaign(scope_world):
    return campaign_services.campaign_create(
        actor=SYSTEM, org=scope_world.city, year=timezone.localdate().year
    )


def _r2_value(page: str) -> str:
    return page.split('data-kpi="R2"')[1].split('class="n">')[1].split("<")[0].strip()


def _page(client, w, **params) -> str:
    """The city's dashboard as the client gets it."""
    return client.get("/dashboard/", {"org": w.city.pk, **params}).content.decode()


def _new_group(w) -> None:
    ChatGroup.objects.create(org=w.village_in, group_type="tuanqing", status="built", name="新群")


def _pages_around_new_group(client, w, **params) -> tuple[str, str]:
    """The city's dashboard before and after a 团青 group is added (the second page with ``params``)."""
    first = _page(client, w)
    _new_group(w)
    return first, _page(client, w, **params)


def _age_figures(org, hours: float) -> None:
    key = PREFIX + selectors.board_key(org, selectors.PAGE_EVIDENCE)
    entry = cache.get(key)
    entry["at"] -= datetime.timedelta(hours=hours)
    cache.set(key, entry)


def test_small_dashboard_serves_stored_figures_until_refreshed(scope_world, cached_figures, city_campaign):
    w = scope_world
    client = w.client("city_admin")
    first, cached = _pages_around_new_group(client, w)
    assert "数据更新于" in first
    assert _r2_value(cached) == _r2_value(first)  # still the stored figure
    fresh = _page(client, w, fresh="1")
    assert _r2_value(fresh) != _r2_value(first)


def test_small_dashboard_recomputes_expired_figures_in_the_request(
    scope_world, cached_figures, city_campaign
):
    w = scope_world
    client = w.client("city_admin")
    first = _page(client, w)
    _new_group(w)
    _age_figures(w.city, hours=1)
    page = _page(client, w)
    assert _r2_value(page) != _r2_value(first)
    assert "正在后台更新" not in page


def test_warm_job_stores_the_top_figures(scope_world, cached_figures, city_campaign):
    w = scope_world
    assert warm_dashboard_figures() == 1
    entry = cache.get(PREFIX + selectors.board_key(w.city, selectors.PAGE_EVIDENCE))
    assert entry is not None
    assert entry["version"].endswith(timezone.localdate().isoformat())
    assert set(entry["value"].reports) >= {"R1", "R2"}
    # Nothing is left marked as refreshing, so a visitor may ask for the next refresh.
    assert cache.get(PREFIX + "refreshing:" + selectors.board_key(w.city, selectors.PAGE_EVIDENCE)) is None


def test_large_dashboard_without_figures_says_they_are_being_computed(
    scope_world, large, queued, city_campaign, monkeypatch
):
    w = scope_world
    client = w.client("city_admin")
    page = _page(client, w)
    assert "正在后台计算" in page
    assert 'data-kpi="R2"' not in page
    assert queued == [w.city.pk]
    # Polling while the job runs: the notice again, and no second job.
    status = client.get("/dashboard/", {"org": w.city.pk, "part": "status"})
    assert "正在后台计算" in status.content.decode()
    assert "HX-Refresh" not in status
    assert queued == [w.city.pk]
    assert refresh_dashboard_figures(w.city.pk) is True
    status = client.get("/dashboard/", {"org": w.city.pk, "part": "status"})
    assert status["HX-Refresh"] == "true"
    # From now on the page is built from the stored figures: nothing is computed in the request.
    monkeypatch.setattr(selectors, "board_figures", lambda *a, **k: pytest.fail("computed in the request"))
    page = _page(client, w)
    assert 'data-kpi="R2"' in page
    assert "正在后台更新" not in page


def test_large_dashboard_serves_stale_figures_while_a_refresh_runs(scope_world, large, queued, city_campaign):
    w = scope_world
    refresh_dashboard_figures(w.city.pk)
    client = w.client("city_admin")
    first = _page(client, w)
    _new_group(w)
    _age_figures(w.city, hours=1)
    for _ in range(2):
        page = _page(client, w)
        assert _r2_value(page) == _r2_value(first)
        assert "正在后台更新" in page
    assert queued == [w.city.pk]  # asked for once, whoever visits meanwhile
    refresh_dashboard_figures(w.city.pk)
    page = _page(client, w)
    assert _r2_value(page) != _r2_value(first)
    assert "正在后台更新" not in page


def test_large_dashboard_refresh_link_queues_instead_of_computing(scope_world, large, queued, city_campaign):
    w = scope_world
    refresh_dashboard_figures(w.city.pk)
    client = w.client("city_admin")
    page = _page(client, w, fresh="1")
    assert "正在后台更新" in page
    assert queued == [w.city.pk]


def test_large_dashboard_without_a_worker_refreshes_in_the_request(scope_world, large, city_campaign):
    """Without a broker (the demo) the refresh job runs eagerly, so the page shows fresh figures."""
    w = scope_world
    first, page = _pages_around_new_group(w.client("city_admin"), w, fresh="1")
    assert 'data-kpi="R2"' in first
    assert _r2_value(page) != _r2_value(first)
    assert "正在后台更新" not in page


def test_campaign_edit_makes_the_stored_figures_stale(scope_world, large, queued, city_campaign):
    w = scope_world
    refresh_dashboard_figures(w.city.pk)
    campaign_services.campaign_update(
        actor=w.users["root"], campaign=city_campaign, data={"reach_per_cadre": 5}
    )
    page = _page(w.client("city_admin"), w)
    assert "正在后台更新" in page
    assert queued == [w.city.pk]


def test_figures_of_yesterday_are_served_stale_after_midnight(scope_world, large, queued, city_campaign):
    w = scope_world
    refresh_dashboard_figures(w.city.pk)
    key = PREFIX + selectors.board_key(w.city, selectors.PAGE_EVIDENCE)
    entry = cache.get(key)
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    entry["version"] = entry["version"].rsplit(":", 1)[0] + ":" + yesterday
    entry["at"] -= datetime.timedelta(hours=10)
    cache.set(key, entry)
    page = _page(w.client("city_admin"), w)
    assert 'data-kpi="R2"' in page
    assert "正在后台更新" in page
    assert queued == [w.city.pk]


def test_export_of_a_large_dashboard_without_figures_computes_them(scope_world, large, queued, city_campaign):
    w = scope_world
    response = w.client("city_admin").get("/dashboard/export/ranking/", {"org": w.city.pk, "format": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    assert w.county_in.name in body.decode("utf-8-sig")
