"""Every ledger page and API endpoint honours scope (the generic suite); lists keep a fixed query count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qingnong.core.system import SYSTEM
from qingnong.core.testing import Endpoint, ScopedEndpointSuite, assert_constant_queries
from qingnong.orgs.models import Cadre
from qingnong.orgs.services import cadre_create
from qingnong.wxgroups import selectors, services
from qingnong.wxgroups.models import ChatGroup, GroupMembership, LiveCode
from qingnong.youth.models import Youth

from .helpers import make_group, png_upload

pytestmark = pytest.mark.django_db


def _url(name, attr="pk", *extra):
    return lambda w, obj: reverse(name, args=[getattr(obj, attr), *extra])


def _group(world, org):
    return make_group(org, f"{org.name}青年群", member_count=12)


def _count_all(world):
    return (
        ChatGroup.objects.count()
        + GroupMembership.objects.count()
        + LiveCode.objects.count()
        + Youth.objects.count()
        + Cadre.objects.count()
    )


class TestGroupEndpoints(ScopedEndpointSuite):
    make_object = staticmethod(_group)
    count_objects = staticmethod(_count_all)

    endpoints = [
        Endpoint("page-detail", _url("wxgroups:group_detail")),
        Endpoint("page-edit-form", _url("wxgroups:group_edit")),
        Endpoint(
            "page-edit",
            _url("wxgroups:group_edit"),
            method="post",
            data=lambda w, g: {
                "name": g.name + "改",
                "group_type": "tuanqing",
                "org": f"#{g.org_id}",
                "owner": f"{g.owner.name} #{g.owner_id}",
                "member_count": "15",
                "status": "active",
            },
        ),
        Endpoint("page-qr-form", _url("wxgroups:group_qr")),
        Endpoint(
            "page-qr", _url("wxgroups:group_qr"), method="post", data=lambda w, g: {"qr_image": png_upload()}
        ),
        Endpoint("page-count-form", _url("wxgroups:group_count")),
        Endpoint(
            "page-count",
            _url("wxgroups:group_count"),
            method="post",
            data=lambda w, g: {"member_count": "30"},
        ),
        Endpoint("page-members-form", _url("wxgroups:group_members_add")),
        Endpoint(
            "page-members-add",
            _url("wxgroups:group_members_add"),
            method="post",
            data=lambda w, g: {"name": "新青年", "phone": "13911112222"},
        ),
        Endpoint(
            "page-add-cadre",
            lambda w, g: reverse("wxgroups:group_add_cadre", args=[g.pk, g.owner_id]),
            method="post",
        ),
        Endpoint("page-dissolve-form", _url("wxgroups:group_dissolve")),
        Endpoint("page-dissolve", _url("wxgroups:group_dissolve"), method="post"),
        Endpoint(
            "page-create",
            lambda w, o: reverse("wxgroups:group_add"),
            method="post",
            target="create",
            data=lambda w, o: {
                "org": f"#{o.pk}",
                "name": "新群",
                "group_type": "tuanqing",
                "status": "built",
            },
            outside=(422,),
        ),
        Endpoint(
            "page-list",
            lambda w, o: reverse("wxgroups:group_list"),
            target="list",
            marker=lambda g: f'href="/groups/{g.pk}/"',
        ),
        Endpoint("api-get", lambda w, g: f"/api/v1/groups/{g.pk}", kind="api"),
        Endpoint("api-members", lambda w, g: f"/api/v1/groups/{g.pk}/members", kind="api"),
        Endpoint(
            "api-patch",
            lambda w, g: f"/api/v1/groups/{g.pk}",
            kind="api",
            method="patch",
            data=lambda w, g: {"member_count": 40},
        ),
        Endpoint("api-dissolve", lambda w, g: f"/api/v1/groups/{g.pk}/dissolve", kind="api", method="post"),
        Endpoint(
            "api-member-add",
            lambda w, g: f"/api/v1/groups/{g.pk}/members",
            kind="api",
            method="post",
            data=lambda w, g: {"name": "新人", "phone": "13922223333"},
        ),
        Endpoint("api-reach", lambda w, g: f"/api/v1/cadres/{g.owner_id}/reach", kind="api"),
        Endpoint(
            "api-create",
            lambda w, o: "/api/v1/groups/",
            kind="api",
            method="post",
            target="create",
            data=lambda w, o: {"org_id": o.pk, "name": "新群", "group_type": "tuanqing"},
        ),
        Endpoint(
            "api-list",
            lambda w, o: "/api/v1/groups/?limit=500",
            kind="api",
            target="list",
            marker=lambda g: f'"name": "{g.name}"',
        ),
    ]


def _member(world, org):
    group = _group(world, org)
    return services.membership_add_cadre(actor=SYSTEM, group=group, cadre=group.owner)


class TestMemberEndpoints(ScopedEndpointSuite):
    make_object = staticmethod(_member)
    count_objects = staticmethod(_count_all)

    endpoints = [
        Endpoint("page-remove-form", _url("wxgroups:member_remove")),
        Endpoint("page-remove", _url("wxgroups:member_remove"), method="post"),
        Endpoint("api-remove", lambda w, m: f"/api/v1/members/{m.pk}", kind="api", method="delete"),
    ]


def _code(world, org):
    group = _group(world, org)
    return services.livecode_create(actor=SYSTEM, org=org, title=f"{org.name}活码", groups=[group])


class TestLiveCodeEndpoints(ScopedEndpointSuite):
    make_object = staticmethod(_code)
    count_objects = staticmethod(_count_all)

    endpoints = [
        Endpoint("page-detail", _url("wxgroups:livecode_detail")),
        Endpoint("page-edit-form", _url("wxgroups:livecode_edit")),
        Endpoint("page-qr-png", _url("wxgroups:livecode_image", "pk", "qr.png")),
        Endpoint("page-qr-svg", _url("wxgroups:livecode_image", "pk", "qr.svg")),
        Endpoint("page-poster", _url("wxgroups:livecode_image", "pk", "poster.png")),
        Endpoint(
            "page-list",
            lambda w, o: reverse("wxgroups:livecode_list"),
            target="list",
            marker=lambda c: f'href="/livecodes/{c.pk}/"',
        ),
        Endpoint("api-get", lambda w, c: f"/api/v1/livecodes/{c.pk}", kind="api"),
        Endpoint(
            "api-patch",
            lambda w, c: f"/api/v1/livecodes/{c.pk}",
            kind="api",
            method="patch",
            data=lambda w, c: {"contact_name": "王老师"},
        ),
        Endpoint(
            "api-list",
            lambda w, o: "/api/v1/livecodes/",
            kind="api",
            target="list",
            marker=lambda c: f'"code": "{c.code}"',
        ),
        Endpoint(
            "page-create",
            lambda w, o: reverse("wxgroups:livecode_add"),
            method="post",
            target="create",
            data=lambda w, o: {
                "title": "全村活码",
                "org": f"#{o.pk}",
                "mode": "org_type",
                "group_type": "tuanqing",
            },
            outside=(422,),
        ),
        Endpoint(
            "api-create",
            lambda w, o: "/api/v1/livecodes/",
            kind="api",
            method="post",
            target="create",
            data=lambda w, o: {"org_id": o.pk, "title": "码", "mode": "org_type", "group_type": "tuanqing"},
        ),
    ]


def _my_group(world, org):
    """A group at ``org`` owned by the cadre that ``admin_in`` is: only grants decide whether it shows."""
    from qingnong.orgs.models import User

    me = Cadre.objects.filter(name="我").first() or cadre_create(
        actor=SYSTEM, org=world.village_in, name="我"
    )
    User.objects.filter(username="admin_in").update(cadre=me)
    return make_group(org, f"{org.name}我的群", owner=me)


class TestMyGroupsPage(ScopedEndpointSuite):
    endpoints = [
        Endpoint(
            "page-my-groups",
            lambda w, g: reverse("wxgroups:my_groups"),
            target="list",
            marker=lambda g: g.name,
        ),
        Endpoint(
            "page-my-youth",
            lambda w, g: reverse("youth:my_youth"),
            target="list",
            marker=lambda g: f"{g.org.name}成员",
        ),
    ]

    def make_object(self, world, org):
        # A youth recorded in the group shows on 我的青年.
        group = _my_group(world, org)
        services.membership_add_person(
            actor=SYSTEM, group=group, name=f"{org.name}成员", phone=f"1390000{group.pk % 10000:04d}"
        )
        return group


class TestGapAndFormPages(ScopedEndpointSuite):
    """The R2 gap list (the outside village must not show up) and the registration form."""

    def make_object(self, world, org):
        return org

    endpoints = [
        Endpoint(
            "page-gaps",
            lambda w, o: reverse("wxgroups:gap_list"),
            target="list",
            marker=lambda o: f'href="/orgs/{o.pk}/"',
        ),
        Endpoint(
            "page-add-form",
            lambda w, o: reverse("wxgroups:group_add") + f"?org={o.pk}",
            target="list",
            marker=lambda o: f"#{o.pk}",
        ),
    ]


def test_group_list_and_gap_list_use_fixed_queries(scope_world, client):
    w = scope_world
    client.force_login(w.users["city_admin"])
    owner = cadre_create(actor=SYSTEM, org=w.village_in, name="群主")
    make_group(w.village_in, "第一个群", owner=owner)
    make_group(w.town_in, "青农石牌", owner=owner, group_type="qingnong")

    def grow():
        for i in range(4):
            make_group(w.village_in, f"群{i}", owner=owner, qr=False)
            make_group(w.town_in, f"镇群{i}", owner=owner, qr=False)

    assert_constant_queries(lambda: client.get(reverse("wxgroups:group_list")), grow)
    assert_constant_queries(
        lambda: client.get(reverse("wxgroups:group_list") + "?below_target=on"),
        lambda: make_group(w.village_in, "再一个", owner=owner, qr=False),
    )
    assert_constant_queries(
        lambda: client.get(reverse("wxgroups:gap_list")),
        lambda: __import__("qingnong.orgs.services", fromlist=["x"]).org_create(
            actor=SYSTEM, parent=w.town_in, name="新村", level="grassroots", kind="village"
        ),
    )


def test_cadre_list_reach_uses_fixed_queries(scope_world, client):
    w = scope_world
    client.force_login(w.users["city_admin"])
    group = make_group(w.village_in)

    def grow():
        for i in range(5):
            c = cadre_create(actor=SYSTEM, org=w.village_in, name=f"干部{i}")
            y = Youth.objects.create(name=f"y{i}", home_org=w.village_in, liaison=c)
            services.membership_add_youth(actor=SYSTEM, group=group, youth=y)

    assert_constant_queries(lambda: client.get(reverse("orgs:cadre_list")), grow)
    page = client.get(reverse("orgs:cadre_list")).content.decode()
    assert "5/20（差15）" in page  # the owner reaches the five group members
    below = client.get(reverse("orgs:cadre_list") + "?reach=below").content.decode()
    assert "干部0" in below
    assert_constant_queries(lambda: selectors.cadre_reach(Cadre.objects.all()), grow)


def _body(response):
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_exports_are_scoped_and_personal_data_audited(scope_world):
    from qingnong.core.models import AuditEntry

    w = scope_world
    make_group(w.village_in, "怀宁的群")
    make_group(w.village_out, "太湖的群")
    client = w.client("admin_in")
    body = _body(client.get(reverse("wxgroups:group_list") + "?export=csv"))
    assert "怀宁的群" in body and "太湖的群" not in body
    assert "群主手机号" in body
    assert AuditEntry.objects.filter(action="core.export.personal").count() == 1
    gaps = _body(client.get(reverse("wxgroups:gap_list") + "?export=csv"))
    assert "新河村" not in gaps and "桥东村" not in gaps  # 新河村 has a group; 桥东村 is outside
    from qingnong.orgs.services import org_create

    org_create(actor=SYSTEM, parent=w.town_in, name="无群村", level="grassroots", kind="village")
    gaps = _body(client.get(reverse("wxgroups:gap_list") + "?export=csv"))
    assert "无群村,石牌镇,怀宁县" in gaps


def test_api_qr_upload_is_scoped(scope_world):
    w = scope_world
    inside = make_group(w.village_in, "里面的群", qr=False)
    outside = make_group(w.village_out, "外面的群", qr=False)

    def post(client, group):
        return client.post(f"/api/v1/groups/{group.pk}/qr", {"image": png_upload()})

    assert post(w.client(None), inside).status_code == 401
    assert post(w.api("nogrant"), inside).status_code == 404
    response = post(w.api("admin_in"), outside)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    outside.refresh_from_db()
    assert not outside.qr_image
    response = post(w.api("admin_in"), inside)
    assert response.status_code == 200 and response.json()["qr_valid"] is True
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = w.api("admin_in").post(
        f"/api/v1/groups/{inside.pk}/qr",
        {"image": SimpleUploadedFile("x.jpg", b"nope", content_type="image/jpeg")},
    )
    assert bad.status_code == 422 and "不是图片" in bad.json()["message"]
