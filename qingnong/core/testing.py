"""Test helpers every app reuses: a small org world with users per role, and the scoped endpoint suite.

``ScopedEndpointSuite`` is the NetBox-style proof that scoping holds everywhere: for each page and API
endpoint an app declares, anonymous access is refused (login redirect or 401), a user without any
grant gets 404, an object outside the user's subtree gets 404 exactly like a missing one, and the same
request inside the subtree is allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qingnong.core.permissions import Role
from qingnong.core.system import SYSTEM

PASSWORD = "Test-pass-2014"
NOT_FOUND_BODY = {"code": "not_found", "message": "对象不存在或不在您的管辖范围内", "fields": {}}


@dataclass
class World:
    """安庆 city → 怀宁 (inside) and 太湖 (outside) counties → a township each → a village each.

    ``admin_in`` administers 怀宁; ``entry_in`` enters data for 石牌镇; ``inspector`` inspects the city;
    ``nogrant`` has an account and nothing else.
    """

    city: Any
    county_in: Any
    county_out: Any
    town_in: Any
    town_out: Any
    village_in: Any
    village_out: Any
    users: dict[str, Any] = field(default_factory=dict)

    def client(self, who: str | None) -> Client:
        client = Client()
        if who is not None:
            client.force_login(self.users[who])
        return client

    def api(self, who: str | None) -> Client:
        """A client that authenticates with a real personal API token (not the session)."""
        from qingnong.api.services import api_token_create

        client = Client()
        if who is not None:
            user = self.users[who]
            _token, raw = api_token_create(actor=user, user=user, name="test")
            client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client


def build_world() -> World:
    from qingnong.orgs.choices import GrassrootsKind, OrgLevel
    from qingnong.orgs.models import User
    from qingnong.orgs.services import grant_create, org_create, user_create

    def make(parent: Any, name: str, level: str, code: str, **kw: Any) -> Any:
        return org_create(actor=SYSTEM, parent=parent, name=name, level=level, division_code=code, **kw)

    city = make(None, "安庆市", OrgLevel.CITY, "340800", short_name="安庆")
    county_in = make(city, "怀宁县", OrgLevel.COUNTY, "340822", short_name="怀宁")
    county_out = make(city, "太湖县", OrgLevel.COUNTY, "340825", short_name="太湖")
    town_in = make(county_in, "石牌镇", OrgLevel.TOWNSHIP, "340822101", short_name="石牌")
    town_out = make(county_out, "徐桥镇", OrgLevel.TOWNSHIP, "340825101", short_name="徐桥")
    village_in = make(town_in, "新河村", OrgLevel.GRASSROOTS, "340822101201", kind=GrassrootsKind.VILLAGE)
    village_out = make(town_out, "桥东村", OrgLevel.GRASSROOTS, "340825101201", kind=GrassrootsKind.VILLAGE)
    world = World(city, county_in, county_out, town_in, town_out, village_in, village_out)

    def account(username: str, home: Any, role: str | None, grant_on: Any = None) -> Any:
        user = user_create(actor=SYSTEM, username=username, password=PASSWORD, home_org=home)
        if role:
            grant_create(actor=SYSTEM, user=user, org=grant_on or home, role=role)
        return user

    world.users = {
        "city_admin": account("city_admin", city, Role.ADMIN),
        "admin_in": account("admin_in", county_in, Role.ADMIN),
        "entry_in": account("entry_in", town_in, Role.ENTRY),
        "inspector": account("inspector", city, Role.INSPECTOR),
        "viewer_in": account("viewer_in", county_in, Role.VIEWER),
        "nogrant": account("nogrant", county_in, None),
        "root": User.objects.create_superuser("root", "root@example.com", PASSWORD),
    }
    return world


@dataclass
class Endpoint:
    """One page or API endpoint under the scoping proof.

    ``target``: ``"object"`` (the URL names an object), ``"list"`` (the response lists objects) or
    ``"create"`` (the request body names an org to create under).
    ``url(world, obj_or_org)`` builds the URL; ``data(world, obj_or_org)`` the body for writes.
    """

    name: str
    url: Callable[[World, Any], str]
    kind: str = "page"  # or "api"
    target: str = "object"
    method: str = "get"
    data: Callable[[World, Any], dict[str, Any]] | None = None
    user: str = "admin_in"
    ok: tuple[int, ...] = (200, 201, 204, 302)
    outside: tuple[int, ...] = (404,)
    # For lists: the text by which the outside object would show up in the response.
    marker: Callable[[Any], str] = str

    def __str__(self) -> str:
        return self.name

    def call(self, client: Client, world: World, subject: Any) -> Any:
        url = self.url(world, subject)
        data = self.data(world, subject) if self.data else None
        if self.kind == "api" and self.method != "get":
            import json

            return getattr(client, self.method)(url, json.dumps(data or {}), content_type="application/json")
        if self.method == "get":
            return client.get(url, data or {})
        return getattr(client, self.method)(url, data or {})


class ScopedEndpointSuite:
    """Subclass in an app's tests: set ``endpoints`` and implement ``make_object(world, org)``.

    The object made at ``world.village_in`` (or ``inside_org``) must be reachable by ``admin_in``;
    the one made at ``world.village_out`` must not.
    """

    endpoints: ClassVar[list[Endpoint]] = []
    inside_org: ClassVar[str] = "village_in"
    outside_org: ClassVar[str] = "village_out"

    def make_object(self, world: World, org: Any) -> Any:
        return org

    def count_objects(self, world: World) -> int | None:
        """For create endpoints: how many rows exist (to prove nothing was written outside scope)."""
        return None

    def _subject(self, world: World, endpoint: Endpoint, inside: bool) -> Any:
        org = getattr(world, self.inside_org if inside else self.outside_org)
        return org if endpoint.target == "create" else self.make_object(world, org)

    def test_anonymous_is_refused(self, scope_world: World, endpoint: Endpoint) -> None:
        subject = self._subject(scope_world, endpoint, inside=True)
        response = endpoint.call(scope_world.client(None), scope_world, subject)
        if endpoint.kind == "api":
            assert response.status_code == 401, response.content
            assert response.json()["code"] == "unauthorized"
        else:
            assert response.status_code == 302, response.status_code
            assert "/login/" in response["Location"]

    def test_no_grant_is_404(self, scope_world: World, endpoint: Endpoint) -> None:
        subject = self._subject(scope_world, endpoint, inside=True)
        client = scope_world.api("nogrant") if endpoint.kind == "api" else scope_world.client("nogrant")
        before = self.count_objects(scope_world)
        response = endpoint.call(client, scope_world, subject)
        assert response.status_code == 404, (response.status_code, response.content[:300])
        assert self.count_objects(scope_world) == before

    def test_outside_scope_is_404(self, scope_world: World, endpoint: Endpoint) -> None:
        subject = self._subject(scope_world, endpoint, inside=False)
        client = (
            scope_world.api(endpoint.user) if endpoint.kind == "api" else scope_world.client(endpoint.user)
        )
        before = self.count_objects(scope_world)
        response = endpoint.call(client, scope_world, subject)
        if endpoint.target == "list":
            assert response.status_code == 200
            assert endpoint.marker(subject) not in response.content.decode()
        else:
            assert response.status_code in endpoint.outside, (response.status_code, response.content[:300])
            if response.status_code == 404 and endpoint.kind == "api":
                # Exactly the body of an object that does not exist: nothing leaks.
                assert response.json() == NOT_FOUND_BODY, response.json()
        assert self.count_objects(scope_world) == before

    def test_inside_scope_is_allowed(self, scope_world: World, endpoint: Endpoint) -> None:
        subject = self._subject(scope_world, endpoint, inside=True)
        client = (
            scope_world.api(endpoint.user) if endpoint.kind == "api" else scope_world.client(endpoint.user)
        )
        response = endpoint.call(client, scope_world, subject)
        assert response.status_code in endpoint.ok, (response.status_code, response.content[:500])
        if endpoint.target == "list":
            assert endpoint.marker(subject) in response.content.decode()


def count_queries(func: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


def assert_constant_queries(fetch: Callable[[], Any], grow: Callable[[], Any]) -> None:
    """The number of queries ``fetch`` makes does not change after ``grow`` adds rows."""
    fetch()  # warm caches (content types, sessions)
    before = count_queries(fetch)
    grow()
    after = count_queries(fetch)
    assert before == after, f"query count grew with the rows: {before} → {after}"


__all__ = [
    "PASSWORD",
    "Endpoint",
    "ScopedEndpointSuite",
    "World",
    "assert_constant_queries",
    "build_world",
    "count_queries",
]
