"""The figures cache: the dashboard serves cached figures until they expire or a refresh is asked for."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from qingnong.campaign import services as campaign_services
from qingnong.core.system import SYSTEM
from qingnong.dashboard.tasks import warm_dashboard_figures
from qingnong.wxgroups.models import ChatGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached_figures(settings):
    settings.FIGURES_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def _r2_value(page: str) -> str:
    return page.split('data-kpi="R2"')[1].split('class="n">')[1].split("<")[0].strip()


def test_dashboard_serves_cached_figures_until_refreshed(scope_world, cached_figures):
    from django.utils import timezone

    w = scope_world
    campaign_services.campaign_create(actor=SYSTEM, org=w.city, year=timezone.localdate().year)
    client = w.client("city_admin")
    first = client.get("/dashboard/", {"org": w.city.pk}).content.decode()
    assert "数据更新于" in first
    ChatGroup.objects.create(org=w.village_in, group_type="tuanqing", status="built", name="新群")
    cached = client.get("/dashboard/", {"org": w.city.pk}).content.decode()
    assert _r2_value(cached) == _r2_value(first)  # still the cached figure
    fresh = client.get("/dashboard/", {"org": w.city.pk, "fresh": "1"}).content.decode()
    assert _r2_value(fresh) != _r2_value(first)


def test_warm_job_fills_the_cache(scope_world, cached_figures):
    from django.utils import timezone

    from qingnong.core.figures import PREFIX

    w = scope_world
    campaign = campaign_services.campaign_create(actor=SYSTEM, org=w.city, year=timezone.localdate().year)
    assert warm_dashboard_figures() == 1
    today = timezone.localdate()
    key = f"{PREFIX}rules:{campaign.pk}:{campaign.updated_at.timestamp()}:{w.city.pk}:{today}:10"
    assert cache.get(key) is not None
