"""Every page and API endpoint of activities honours scope (the generic suite); lists keep a fixed query
count; the bad inputs answer in Chinese through the phone form and the API; the export has its columns."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from qingnong.activities import services
from qingnong.activities.models import Activity, ActivityPhoto
from qingnong.content.tests.factories import (
    good_image,
    make_cadre_user,
    make_group,
    media_files,
    not_an_image,
)
from qingnong.content.tests.test_endpoints import MultipartEndpoint
from qingnong.core.system import SYSTEM
from qingnong.core.testing import Endpoint, ScopedEndpointSuite, assert_constant_queries
from qingnong.youth.models import Youth

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _activity(world, org, **kw):
    data = {
        "title": f"{org.name}青年志愿活动",
        "activity_type": "offline",
        "theme": "volunteer",
        "held_on": TODAY(),
        "duration_hours": 3,
        "place": f"{org.name}村部",
        "participants": 20,
        "photos": [good_image()],
    }
    data.update(kw)
    return services.activity_create(actor=SYSTEM, org=org, **data)


def _form(org, **kw):
    data = {
        "org": f"#{org.pk}",
        "title": "防溺水宣传",
        "activity_type": "offline",
        "theme": "policy",
        "status": "held",
        "held_on": TODAY().isoformat(),
        "duration_hours": "1.5",
        "place": "小学操场",
        "participants": "60",
    }
    data.update(kw)
    return data


def _api_body(org, **kw):
    data = {
        "org_id": org.pk,
        "title": "线上政策答题",
        "activity_type": "online",
        "theme": "policy",
        "held_on": TODAY().isoformat(),
        "duration_hours": 1,
        "participants": 120,
    }
    data.update(kw)
    return data


class TestActivityEndpoints(ScopedEndpointSuite):
    make_object = staticmethod(_activity)

    def count_objects(self, world):
        return Activity.objects.count() + ActivityPhoto.objects.count()

    endpoints = [
        Endpoint("page-detail", lambda w, a: reverse("activities:activity_detail", args=[a.pk])),
        Endpoint("page-edit-form", lambda w, a: reverse("activities:activity_edit", args=[a.pk])),
        Endpoint(
            "page-edit",
            lambda w, a: reverse("activities:activity_edit", args=[a.pk]),
            method="post",
            data=lambda w, a: _form(a.org, title="改过的活动"),
        ),
        Endpoint("page-delete-form", lambda w, a: reverse("activities:activity_delete", args=[a.pk])),
        Endpoint(
            "page-delete", lambda w, a: reverse("activities:activity_delete", args=[a.pk]), method="post"
        ),
        Endpoint("page-photos-form", lambda w, a: reverse("activities:photo_add", args=[a.pk])),
        Endpoint(
            "page-photos-add",
            lambda w, a: reverse("activities:photo_add", args=[a.pk]),
            method="post",
            data=lambda w, a: {"photos": good_image()},
        ),
        Endpoint(
            "page-create",
            lambda w, o: reverse("activities:activity_add"),
            method="post",
            target="create",
            data=lambda w, o: _form(o),
            outside=(422,),
        ),
        Endpoint(
            "page-list",
            lambda w, a: reverse("activities:activity_list"),
            target="list",
            marker=lambda a: f'href="/activities/{a.pk}/"',
        ),
        Endpoint(
            "page-calendar",
            lambda w, a: reverse("activities:activity_calendar"),
            target="list",
            marker=lambda a: f'href="/activities/{a.pk}/"',
        ),
        Endpoint("api-get", lambda w, a: f"/api/v1/activities/{a.pk}", kind="api"),
        Endpoint(
            "api-patch",
            lambda w, a: f"/api/v1/activities/{a.pk}",
            kind="api",
            method="patch",
            data=lambda w, a: {"participants": 33},
        ),
        Endpoint("api-delete", lambda w, a: f"/api/v1/activities/{a.pk}", kind="api", method="delete"),
        Endpoint(
            "api-create",
            lambda w, o: "/api/v1/activities/",
            kind="api",
            method="post",
            target="create",
            data=lambda w, o: _api_body(o),
        ),
        MultipartEndpoint(
            "api-photos",
            lambda w, a: f"/api/v1/activities/{a.pk}/photos",
            kind="api",
            method="post",
            files=lambda w, a: {"files": [good_image("a.jpg"), good_image("b.jpg")]},
        ),
        Endpoint("api-rollup", lambda w, a: f"/api/v1/activities/rollup?under={a.org_id}", kind="api"),
        Endpoint(
            "api-list",
            lambda w, a: "/api/v1/activities/?limit=500",
            kind="api",
            target="list",
            marker=lambda a: f'"title": "{a.title}"',
        ),
    ]


def _photo(world, org):
    return _activity(world, org).photos.get()


class TestPhotoEndpoints(ScopedEndpointSuite):
    make_object = staticmethod(_photo)

    def count_objects(self, world):
        return ActivityPhoto.objects.count()

    endpoints = [
        Endpoint("page-photo", lambda w, p: reverse("activities:photo", args=[p.pk])),
        Endpoint("page-photo-delete-form", lambda w, p: reverse("activities:photo_delete", args=[p.pk])),
        Endpoint(
            "page-photo-delete", lambda w, p: reverse("activities:photo_delete", args=[p.pk]), method="post"
        ),
        Endpoint(
            "api-photo-delete", lambda w, p: f"/api/v1/activities/photos/{p.pk}", kind="api", method="delete"
        ),
    ]


# --- bad inputs through the phone form and the API ---------------------------------------------


@pytest.fixture
def world(scope_world):
    w = scope_world
    w.cadre, w.users["cun"] = make_cadre_user(w.village_in, "cun")
    w.group = make_group(w.village_in, name="新河村青年群", owner=w.cadre)
    w.zhang = Youth.objects.create(name="张伟", home_org=w.village_in, phone="13900000001")
    Youth.objects.create(name="李娜", home_org=w.village_in)
    Youth.objects.create(name="李娜", home_org=w.village_in)
    return w


def test_phone_form_records_with_groups_youth_and_photos(world):
    client = world.client("cun")
    assert "新河村青年群" in client.get(reverse("activities:activity_add")).content.decode()
    response = client.post(
        reverse("activities:activity_add"),
        _form(
            world.village_in,
            groups=[world.group.pk],
            youth_names="张伟",
            photos=[good_image("1.jpg"), good_image("2.jpg")],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    activity = Activity.objects.get()
    assert list(activity.youth.all()) == [world.zhang] and activity.photos.count() == 2
    detail = client.get(response["Location"]).content.decode()
    assert "防溺水宣传" in detail and "张伟" in detail
    photo = activity.photos.first()
    image = client.get(reverse("activities:photo", args=[photo.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    "change, field_text",
    [
        ({"held_on": (TODAY() + datetime.timedelta(days=2)).isoformat()}, "已举办的活动日期不能晚于明天"),
        ({"participants": "-1"}, "参加人数须在 0 到 100000 之间，填写的是 -1"),
        ({"participants": "100001"}, "参加人数须在 0 到 100000 之间，填写的是 100001"),
        ({"photos": [not_an_image("会场.jpg")]}, "照片“会场.jpg”：上传的活动照片不是图片"),
        ({"youth_names": "李娜"}, "“李娜”有 2 人同名，请改填手机号"),
        ({"youth_names": "王五"}, "找不到青年“王五”"),
    ],
)
def test_phone_form_bad_inputs(world, settings, change, field_text):
    response = world.client("cun").post(reverse("activities:activity_add"), _form(world.village_in, **change))
    assert response.status_code == 422
    assert field_text in response.content.decode()
    assert Activity.objects.count() == 0
    assert media_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize(
    "change, field, text",
    [
        ({"held_on": (TODAY() + datetime.timedelta(days=3)).isoformat()}, "held_on", "不能晚于明天"),
        ({"participants": -3}, "participants", "参加人数须在 0 到 100000 之间"),
        ({"participants": 250000}, "participants", "参加人数须在 0 到 100000 之间"),
    ],
)
def test_api_bad_inputs(world, change, field, text):
    response = world.api("cun").post(
        "/api/v1/activities/", _api_body(world.village_in, **change), content_type="application/json"
    )
    assert response.status_code == 422
    assert text in response.json()["fields"][field][0]
    assert Activity.objects.count() == 0


def test_api_bad_photo(world, settings):
    activity = _activity(world, world.village_in, photos=[])
    response = world.api("cun").post(f"/api/v1/activities/{activity.pk}/photos", {"files": [not_an_image()]})
    assert response.status_code == 422
    assert "不是图片" in response.json()["fields"]["photos"][0]
    assert media_files(settings.MEDIA_ROOT) == []


def test_calendar_month_navigation(world):
    _activity(world, world.village_in, held_on=datetime.date(2026, 2, 14), title="情人节联谊", theme="social")
    page = (
        world.client("cun").get(reverse("activities:activity_calendar") + "?month=2026-02").content.decode()
    )
    assert "活动月历 · 2026年2月" in page and "情人节联谊" in page and "month=2026-03" in page


def test_list_and_calendar_keep_a_fixed_query_count(world):
    _activity(world, world.village_in)
    client = world.client("admin_in")
    urls = [
        reverse("activities:activity_list"),
        reverse("activities:activity_calendar"),
        reverse("activities:activity_list") + "?export=csv",
    ]

    def fetch():
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)

    def grow():
        for i in range(4):
            _activity(world, world.village_in, title=f"活动{i}", groups=[world.group], youth=[world.zhang])

    assert_constant_queries(fetch, grow)


def test_export_columns(world):
    _activity(world, world.village_in, groups=[world.group], youth=[world.zhang])
    response = world.client("admin_in").get(reverse("activities:activity_list") + "?export=csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "活动日期,活动名称,举办组织,形式,主题,状态,时长（小时）,地点,参加人数,相关微信群,参加青年,活动简介,链接,照片数"
    )
    assert "新河村青年群" in lines[1] and "张伟" in lines[1] and ",线下,志愿服务,已举办,3.0," in lines[1]
