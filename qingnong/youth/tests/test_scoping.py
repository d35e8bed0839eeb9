"""Every youth page and API endpoint honours scope; personal data is masked for roles without access."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qingnong.core.system import SYSTEM
from qingnong.core.testing import Endpoint, ScopedEndpointSuite, assert_constant_queries
from qingnong.youth import services
from qingnong.youth.models import Youth

pytestmark = pytest.mark.django_db


def _url(name):
    return lambda w, obj: reverse(name, args=[obj.pk])


def _youth(world, org):
    return services.youth_create(
        actor=SYSTEM, home_org=org, name=f"{org.name}青年", phone=f"1380000{org.pk % 10000:04d}"
    )


class TestYouthEndpoints(ScopedEndpointSuite):
    make_object = staticmethod(_youth)

    def count_objects(self, world):
        return Youth.objects.count()

    endpoints = [
        Endpoint("page-detail", _url("youth:youth_detail")),
        Endpoint("page-edit-form", _url("youth:youth_edit")),
        Endpoint(
            "page-edit",
            _url("youth:youth_edit"),
            method="post",
            data=lambda w, y: {
                "name": y.name + "改",
                "home_org": f"#{y.home_org_id}",
                "whereabouts": "away",
                "away_place": "上海",
                "source": "survey",
            },
        ),
        Endpoint("page-merge-form", _url("youth:youth_merge")),
        Endpoint("page-delete-form", _url("youth:youth_delete")),
        Endpoint("page-delete", _url("youth:youth_delete"), method="post"),
        Endpoint(
            "page-create",
            lambda w, o: reverse("youth:youth_add"),
            method="post",
            target="create",
            data=lambda w, o: {
                "home_org": f"#{o.pk}",
                "name": "新青年",
                "whereabouts": "home",
                "source": "survey",
            },
            outside=(422,),
        ),
        Endpoint(
            "page-list",
            lambda w, o: reverse("youth:youth_list"),
            target="list",
            marker=lambda y: f'href="/youth/{y.pk}/"',
        ),
        Endpoint("api-get", lambda w, y: f"/api/v1/youth/{y.pk}", kind="api"),
        Endpoint(
            "api-patch",
            lambda w, y: f"/api/v1/youth/{y.pk}",
            kind="api",
            method="patch",
            data=lambda w, y: {"notes": "备注", "categories": ["领头雁"]},
        ),
        Endpoint("api-delete", lambda w, y: f"/api/v1/youth/{y.pk}", kind="api", method="delete"),
        Endpoint(
            "api-create",
            lambda w, o: "/api/v1/youth/",
            kind="api",
            method="post",
            target="create",
            data=lambda w, o: {"home_org_id": o.pk, "name": "新青年", "phone": "13977778888"},
        ),
        Endpoint(
            "api-list",
            lambda w, o: "/api/v1/youth/?limit=500",
            kind="api",
            target="list",
            marker=lambda y: f'"name": "{y.name}"',
        ),
    ]


def test_merge_page_and_api(scope_world):
    w = scope_world
    keep = _youth(w, w.village_in)
    dup = services.youth_create(actor=SYSTEM, home_org=w.village_in, name="重复", phone="13955556666")
    response = w.client("admin_in").post(
        reverse("youth:youth_merge", args=[keep.pk]), {"duplicate": "13955556666"}
    )
    assert response.status_code == 302
    assert not Youth.objects.filter(pk=dup.pk).exists()
    other = services.youth_create(actor=SYSTEM, home_org=w.village_out, name="外县", phone="13955557777")
    response = w.client("admin_in").post(
        reverse("youth:youth_merge", args=[keep.pk]), {"duplicate": f"#{other.pk}"}
    )
    assert response.status_code == 422
    assert "找不到该记录" in response.content.decode()
    api = w.api("admin_in").post(
        f"/api/v1/youth/{keep.pk}/merge", f'{{"duplicate_id": {other.pk}}}', content_type="application/json"
    )
    assert api.status_code == 404
    assert Youth.objects.filter(pk=other.pk).exists()


def test_duplicate_on_the_form_links_to_the_record(scope_world):
    w = scope_world
    first = _youth(w, w.village_in)
    response = w.client("admin_in").post(
        reverse("youth:youth_add"),
        {
            "home_org": f"#{w.village_in.pk}",
            "name": "又一个",
            "phone": first.phone,
            "whereabouts": "home",
            "source": "survey",
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert f'href="/youth/{first.pk}/"' in body and "已登记为" in body
    assert Youth.objects.count() == 1


def test_api_duplicate_phone_error_body(scope_world):
    w = scope_world
    first = _youth(w, w.village_in)
    response = w.api("admin_in").post(
        "/api/v1/youth/",
        f'{{"home_org_id": {w.village_in.pk}, "name": "x", "phone": "{first.phone}"}}',
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "duplicate_phone"
    assert "已登记为" in response.json()["message"]


def test_personal_data_masked_for_viewer(scope_world):
    w = scope_world
    youth = _youth(w, w.village_in)
    body = w.client("viewer_in").get(reverse("youth:youth_detail", args=[youth.pk])).content.decode()
    assert youth.phone not in body and youth.phone[:3] + "****" in body
    data = w.api("viewer_in").get(f"/api/v1/youth/{youth.pk}").json()
    assert data["phone"] == youth.phone[:3] + "****" + youth.phone[-4:]
    assert w.api("admin_in").get(f"/api/v1/youth/{youth.pk}").json()["phone"] == youth.phone


def test_youth_list_fixed_queries_and_filters(scope_world, client):
    w = scope_world
    client.force_login(w.users["city_admin"])
    _youth(w, w.village_in)

    def grow():
        for i in range(5):
            services.youth_create(
                actor=SYSTEM, home_org=w.village_in, name=f"青年{i}", categories=["away"], whereabouts="away"
            )

    assert_constant_queries(lambda: client.get(reverse("youth:youth_list")), grow)
    body = client.get(reverse("youth:youth_list") + "?category=away&whereabouts=away").content.decode()
    assert "青年3" in body and "新河村青年" not in body
