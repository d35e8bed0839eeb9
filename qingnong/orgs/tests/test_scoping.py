"""Every orgs page and API endpoint honours scope (the generic suite), and lists keep a fixed query count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qingnong.core.system import SYSTEM
from qingnong.core.testing import Endpoint, ScopedEndpointSuite, assert_constant_queries
from qingnong.orgs import services
from qingnong.orgs.choices import GrassrootsKind, OrgLevel, PositionTitle
from qingnong.orgs.models import Cadre, Org, Position, User

pytestmark = pytest.mark.django_db


def _url(name, attr="pk"):
    return lambda w, obj: reverse(name, args=[getattr(obj, attr)])


class TestOrgEndpoints(ScopedEndpointSuite):
    inside_org = "town_in"
    outside_org = "town_out"

    def make_object(self, world, org):
        return org

    def count_objects(self, world):
        return Org.objects.count()

    endpoints = [
        Endpoint("page-detail", _url("orgs:org_detail")),
        Endpoint("page-children", _url("orgs:org_children")),
        Endpoint("page-edit-form", _url("orgs:org_edit")),
        Endpoint(
            "page-edit",
            _url("orgs:org_edit"),
            method="post",
            data=lambda w, o: {"name": o.name + "改", "level": o.level, "short_name": "", "kind": ""},
        ),
        Endpoint("page-add-child-form", _url("orgs:org_add")),
        Endpoint(
            "page-add-child",
            _url("orgs:org_add"),
            method="post",
            data=lambda w, o: {"name": "新建村", "level": "grassroots", "kind": "village"},
        ),
        Endpoint("page-move-form", _url("orgs:org_move")),
        Endpoint("page-dissolve-form", _url("orgs:org_dissolve")),
        Endpoint("page-delete-form", _url("orgs:org_delete")),
        Endpoint(
            "page-list",
            lambda w, o: reverse("orgs:org_list"),
            target="list",
            marker=lambda o: f'href="/orgs/{o.pk}/"',
        ),
        Endpoint("api-get", lambda w, o: f"/api/v1/orgs/{o.pk}", kind="api"),
        Endpoint("api-children", lambda w, o: f"/api/v1/orgs/{o.pk}/children", kind="api"),
        Endpoint("api-subtree", lambda w, o: f"/api/v1/orgs/{o.pk}/subtree", kind="api"),
        Endpoint(
            "api-patch",
            lambda w, o: f"/api/v1/orgs/{o.pk}",
            kind="api",
            method="patch",
            data=lambda w, o: {"contact_phone": "0556-1234567"},
        ),
        Endpoint(
            "api-create",
            lambda w, o: "/api/v1/orgs/",
            kind="api",
            method="post",
            target="create",
            data=lambda w, o: {"parent_id": o.pk, "name": "新村", "level": "grassroots", "kind": "village"},
        ),
        Endpoint(
            "api-move",
            lambda w, o: f"/api/v1/orgs/{o.pk}/move",
            kind="api",
            method="post",
            data=lambda w, o: {"new_parent_id": o.parent_org().pk},
        ),
        Endpoint(
            "api-list",
            lambda w, o: "/api/v1/orgs/?limit=500",
            kind="api",
            target="list",
            marker=lambda o: f'"name": "{o.name}"',
        ),
    ]


def _cadre(world, org):
    return services.cadre_create(actor=SYSTEM, org=org, name=f"{org.name}干部", phone=None)


class TestCadreEndpoints(ScopedEndpointSuite):
    make_object = staticmethod(_cadre)

    def count_objects(self, world):
        return Cadre.objects.count() + Position.objects.count()

    endpoints = [
        Endpoint("page-detail", _url("orgs:cadre_detail")),
        Endpoint("page-edit-form", _url("orgs:cadre_edit")),
        Endpoint(
            "page-edit",
            _url("orgs:cadre_edit"),
            method="post",
            data=lambda w, c: {"org": f"#{c.org_id}", "name": c.name + "改", "is_active": "on"},
        ),
        Endpoint("page-delete-form", _url("orgs:cadre_delete")),
        Endpoint("page-delete", _url("orgs:cadre_delete"), method="post"),
        Endpoint("page-position-form", _url("orgs:position_add")),
        Endpoint(
            "page-create",
            lambda w, o: reverse("orgs:cadre_add"),
            method="post",
            target="create",
            data=lambda w, o: {"org": f"#{o.pk}", "name": "新干部"},
            outside=(422,),
        ),
        Endpoint(
            "page-list",
            lambda w, o: reverse("orgs:cadre_list"),
            target="list",
            marker=lambda c: f'href="/cadres/{c.pk}/"',
        ),
        Endpoint("api-get", lambda w, c: f"/api/v1/cadres/{c.pk}", kind="api"),
        Endpoint("api-positions", lambda w, c: f"/api/v1/cadres/{c.pk}/positions", kind="api"),
        Endpoint(
            "api-patch",
            lambda w, c: f"/api/v1/cadres/{c.pk}",
            kind="api",
            method="patch",
            data=lambda w, c: {"notes": "备注"},
        ),
        Endpoint("api-delete", lambda w, c: f"/api/v1/cadres/{c.pk}", kind="api", method="delete"),
        Endpoint(
            "api-create",
            lambda w, o: "/api/v1/cadres/",
            kind="api",
            method="post",
            target="create",
            data=lambda w, o: {"org_id": o.pk, "name": "新干部"},
        ),
        Endpoint(
            "api-position-create",
            lambda w, c: "/api/v1/positions/",
            kind="api",
            method="post",
            data=lambda w, c: {"cadre_id": c.pk, "org_id": c.org_id, "title": "member"},
        ),
        Endpoint(
            "api-list",
            lambda w, o: "/api/v1/cadres/?limit=500",
            kind="api",
            target="list",
            marker=lambda c: f'"name": "{c.name}"',
        ),
    ]


def _position(world, org):
    cadre = _cadre(world, org)
    return services.position_create(actor=SYSTEM, cadre=cadre, org=org, title=PositionTitle.MEMBER)


class TestPositionEndpoints(ScopedEndpointSuite):
    make_object = staticmethod(_position)

    endpoints = [
        Endpoint("page-edit-form", _url("orgs:position_edit")),
        Endpoint("page-end", _url("orgs:position_end"), method="post"),
        Endpoint("page-delete", _url("orgs:position_delete"), method="post"),
        Endpoint(
            "api-patch",
            lambda w, p: f"/api/v1/positions/{p.pk}",
            kind="api",
            method="patch",
            data=lambda w, p: {"is_full_time": True},
        ),
        Endpoint("api-delete", lambda w, p: f"/api/v1/positions/{p.pk}", kind="api", method="delete"),
    ]


def _account(world, org):
    return services.user_create(actor=SYSTEM, username=f"u{org.pk}", password="Some-pass-2014", home_org=org)


class TestUserEndpoints(ScopedEndpointSuite):
    make_object = staticmethod(_account)

    def count_objects(self, world):
        return User.objects.count() + sum(u.grants.count() for u in User.objects.all())

    endpoints = [
        Endpoint("page-detail", _url("orgs:user_detail")),
        Endpoint("page-edit-form", _url("orgs:user_edit")),
        Endpoint("page-password-form", _url("orgs:user_password")),
        Endpoint("page-disable", _url("orgs:user_disable"), method="post"),
        Endpoint(
            "page-grant",
            _url("orgs:grant_add"),
            method="post",
            data=lambda w, u: {"org": f"#{u.home_org_id}", "role": "viewer"},
        ),
        Endpoint(
            "page-create",
            lambda w, o: reverse("orgs:user_add"),
            method="post",
            target="create",
            data=lambda w, o: {
                "username": f"new{o.pk}",
                "home_org": f"#{o.pk}",
                "password": "Fresh-pass-2014",
            },
            outside=(422,),
        ),
        Endpoint(
            "page-list",
            lambda w, o: reverse("orgs:user_list"),
            target="list",
            marker=lambda u: f'href="/users/{u.pk}/"',
        ),
    ]


def test_list_views_keep_a_fixed_query_count(scope_world):
    w = scope_world
    client = w.client("admin_in")
    counter = iter(range(1000))

    def grow():
        for _ in range(15):
            n = next(counter)
            org = services.org_create(
                actor=SYSTEM,
                parent=w.town_in,
                name=f"村{n}",
                level=OrgLevel.GRASSROOTS,
                kind=GrassrootsKind.VILLAGE,
            )
            cadre = services.cadre_create(actor=SYSTEM, org=org, name=f"干部{n}", phone=f"1390000{n:04d}")
            services.position_create(actor=SYSTEM, cadre=cadre, org=org, title=PositionTitle.SECRETARY)

    grow()
    for url in (
        reverse("orgs:cadre_list"),
        reverse("orgs:org_list"),
        f"/orgs/{w.town_in.pk}/children/",
        f"/orgs/{w.town_in.pk}/",
        "/api/v1/cadres/",
        "/api/v1/orgs/",
    ):
        assert_constant_queries(lambda url=url: client.get(url), grow)


def test_entry_user_cannot_reach_user_management(scope_world):
    response = scope_world.client("entry_in").get(reverse("orgs:user_list"))
    assert response.status_code == 404
