"""Every page and API endpoint of content supply honours scope (the generic suite), list pages keep a
fixed query count, and the bad inputs of the issue answer in Chinese through the pages and the API."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from qingnong.content import services
from qingnong.content.models import ContentItem, ForwardTask, GroupPost, TaskGroup
from qingnong.core.system import SYSTEM
from qingnong.core.testing import Endpoint, ScopedEndpointSuite, assert_constant_queries
from qingnong.wxgroups.choices import GroupStatus

from .factories import good_image, make_cadre_user, make_group, media_files, not_an_image

pytestmark = pytest.mark.django_db

DUE = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()


@dataclass
class MultipartEndpoint(Endpoint):
    """An API endpoint that takes files (multipart) rather than JSON."""

    files: Any = None

    def call(self, client: Any, world: Any, subject: Any) -> Any:
        return client.post(self.url(world, subject), self.files(world, subject))


def _item(world, org):
    return services.content_create(
        actor=SYSTEM, org=org, title=f"{org.name}供稿", category="notice", body=f"{org.name}的通知"
    )


def _item_with_group(world, org):
    make_group(org, name=f"{org.name}团青群")
    return _item(world, org)


def _task(world, org):
    item = _item_with_group(world, org)
    return services.task_create(actor=SYSTEM, content=item, due_on=timezone.localdate())


class TestContentItemEndpoints(ScopedEndpointSuite):
    inside_org = "town_in"
    outside_org = "town_out"
    make_object = staticmethod(_item_with_group)

    def count_objects(self, world):
        return ContentItem.objects.count() + ForwardTask.objects.count()

    endpoints = [
        Endpoint("page-detail", lambda w, o: reverse("content:item_detail", args=[o.pk])),
        Endpoint("page-edit-form", lambda w, o: reverse("content:item_edit", args=[o.pk])),
        Endpoint(
            "page-edit",
            lambda w, o: reverse("content:item_edit", args=[o.pk]),
            method="post",
            data=lambda w, o: {"title": o.title + "改", "category": "policy", "body": "新的文字"},
        ),
        Endpoint("page-task-form", lambda w, o: reverse("content:task_add", args=[o.pk])),
        Endpoint(
            "page-task-create",
            lambda w, o: reverse("content:task_add", args=[o.pk]),
            method="post",
            data=lambda w, o: {"scope": "all", "group_types": ["tuanqing"], "due_on": DUE},
        ),
        Endpoint(
            "page-create",
            lambda w, o: reverse("content:item_add"),
            method="post",
            target="create",
            data=lambda w, o: {"org": f"#{o.pk}", "title": "新供稿", "category": "notice", "body": "正文"},
            outside=(422,),
        ),
        Endpoint(
            "page-list",
            lambda w, o: reverse("content:item_list"),
            target="list",
            marker=lambda o: f'href="/content/{o.pk}/"',
        ),
        Endpoint("api-get", lambda w, o: f"/api/v1/content/items/{o.pk}", kind="api"),
        Endpoint(
            "api-patch",
            lambda w, o: f"/api/v1/content/items/{o.pk}",
            kind="api",
            method="patch",
            data=lambda w, o: {"body": "改过的文字"},
        ),
        Endpoint(
            "api-create",
            lambda w, o: "/api/v1/content/items/",
            kind="api",
            method="post",
            target="create",
            data=lambda w, o: {"org_id": o.pk, "title": "新供稿", "category": "notice", "body": "正文"},
        ),
        Endpoint(
            "api-task-create",
            lambda w, o: "/api/v1/content/tasks/",
            kind="api",
            method="post",
            data=lambda w, o: {"content_id": o.pk, "due_on": DUE},
        ),
        MultipartEndpoint(
            "api-poster",
            lambda w, o: f"/api/v1/content/items/{o.pk}/poster",
            kind="api",
            method="post",
            files=lambda w, o: {"file": good_image("poster.jpg")},
        ),
        Endpoint(
            "api-list",
            lambda w, o: "/api/v1/content/items/?limit=500",
            kind="api",
            target="list",
            marker=lambda o: f'"title": "{o.title}"',
        ),
    ]


class TestTaskEndpoints(ScopedEndpointSuite):
    inside_org = "town_in"
    outside_org = "town_out"
    make_object = staticmethod(_task)

    def count_objects(self, world):
        return GroupPost.objects.count() + ForwardTask.objects.filter(status="withdrawn").count()

    endpoints = [
        Endpoint("page-detail", lambda w, t: reverse("content:task_detail", args=[t.pk])),
        Endpoint("page-pending", lambda w, t: reverse("content:task_pending") + f"?task={t.pk}"),
        Endpoint("page-withdraw-form", lambda w, t: reverse("content:task_withdraw", args=[t.pk])),
        Endpoint("page-withdraw", lambda w, t: reverse("content:task_withdraw", args=[t.pk]), method="post"),
        Endpoint(
            "page-list",
            lambda w, t: reverse("content:task_list"),
            target="list",
            marker=lambda t: f'href="/content/tasks/{t.pk}/"',
        ),
        Endpoint("api-get", lambda w, t: f"/api/v1/content/tasks/{t.pk}", kind="api"),
        Endpoint("api-completion", lambda w, t: f"/api/v1/content/tasks/{t.pk}/completion", kind="api"),
        Endpoint("api-pending", lambda w, t: f"/api/v1/content/tasks/{t.pk}/pending", kind="api"),
        Endpoint(
            "api-withdraw",
            lambda w, t: f"/api/v1/content/tasks/{t.pk}/withdraw",
            kind="api",
            method="post",
            data=lambda w, t: {"reason": "重发"},
        ),
        Endpoint(
            "api-confirm",
            lambda w, t: f"/api/v1/content/tasks/{t.pk}/confirm",
            kind="api",
            method="post",
            data=lambda w, t: {"group_id": t.task_groups.get().group_id},
        ),
        Endpoint(
            "api-list",
            lambda w, t: "/api/v1/content/tasks/?limit=500",
            kind="api",
            target="list",
            marker=lambda t: f'"id": {t.pk}, "content_id"',
        ),
    ]


def _task_group(world, org):
    """The village's group of a task its township pushed."""
    make_group(org, name=f"{org.name}团青群")
    item = _item(world, org.parent_org())
    task = services.task_create(actor=SYSTEM, content=item, due_on=timezone.localdate(), target_orgs=[org])
    return TaskGroup.objects.get(task=task)


class TestConfirmEndpoints(ScopedEndpointSuite):
    make_object = staticmethod(_task_group)

    def count_objects(self, world):
        return GroupPost.objects.count()

    endpoints = [
        Endpoint("page-confirm-form", lambda w, r: reverse("content:confirm", args=[r.pk])),
        Endpoint(
            "page-confirm",
            lambda w, r: reverse("content:confirm", args=[r.pk]),
            method="post",
            data=lambda w, r: {"sent_on": ""},
        ),
        Endpoint(
            "page-todo",
            lambda w, r: reverse("content:todo") + "?all=1",
            target="list",
            marker=lambda r: f"{r.group.org.name}团青群",
        ),
        Endpoint(
            "api-todo",
            lambda w, r: "/api/v1/content/todo?all=true",
            kind="api",
            target="list",
            marker=lambda r: f"{r.group.org.name}团青群",
        ),
    ]


def _post(world, org):
    group = make_group(org, name=f"{org.name}记录群")
    return services.post_record(
        actor=SYSTEM, group=group, summary=f"{org.name}发了防汛提示", screenshot=good_image("s.jpg")
    )


def _group_data(world, org):
    group = make_group(org, name=f"{org.name}另一个群")
    return group


class TestPostEndpoints(ScopedEndpointSuite):
    make_object = staticmethod(_post)

    def count_objects(self, world):
        return GroupPost.objects.count()

    endpoints = [
        Endpoint("page-delete-form", lambda w, p: reverse("content:post_delete", args=[p.pk])),
        Endpoint("page-delete", lambda w, p: reverse("content:post_delete", args=[p.pk]), method="post"),
        Endpoint("page-screenshot", lambda w, p: reverse("content:post_screenshot", args=[p.pk])),
        Endpoint(
            "page-create",
            lambda w, o: reverse("content:post_add"),
            method="post",
            target="create",
            data=lambda w, o: {"group": _group_data(w, o).pk, "summary": "今天发了通知"},
            outside=(422,),
        ),
        Endpoint(
            "page-list",
            lambda w, p: reverse("content:post_list"),
            target="list",
            marker=lambda p: p.summary,
        ),
        Endpoint("api-get", lambda w, p: f"/api/v1/content/posts/{p.pk}", kind="api"),
        Endpoint("api-delete", lambda w, p: f"/api/v1/content/posts/{p.pk}", kind="api", method="delete"),
        Endpoint(
            "api-create",
            lambda w, o: "/api/v1/content/posts/",
            kind="api",
            method="post",
            target="create",
            data=lambda w, o: {"group_id": _group_data(w, o).pk, "summary": "今天发了通知"},
        ),
        MultipartEndpoint(
            "api-screenshot",
            lambda w, p: f"/api/v1/content/posts/{p.pk}/screenshot",
            kind="api",
            method="post",
            files=lambda w, p: {"file": good_image("s2.jpg")},
        ),
        Endpoint(
            "api-list",
            lambda w, p: "/api/v1/content/posts/?limit=500",
            kind="api",
            target="list",
            marker=lambda p: p.summary,
        ),
    ]


def _dormant_group(world, org):
    return make_group(org, name=f"{org.name}沉寂群", status=GroupStatus.DORMANT)


class TestR12Endpoints(ScopedEndpointSuite):
    make_object = staticmethod(_dormant_group)

    endpoints = [
        Endpoint(
            "page-dormant",
            lambda w, g: reverse("content:dormant_list"),
            target="list",
            marker=lambda g: g.name,
        ),
        Endpoint(
            "api-dormant",
            lambda w, g: "/api/v1/content/groups/dormant?limit=500",
            kind="api",
            target="list",
            marker=lambda g: g.name,
        ),
        Endpoint(
            "page-stats",
            lambda w, g: reverse("content:stats") + f"?under=%23{g.org.parent_org().pk}",
            target="list",
            marker=lambda g: f">{g.org.name}</a>",
        ),
        Endpoint("api-stats", lambda w, g: f"/api/v1/content/stats?under={g.org_id}", kind="api"),
        Endpoint(
            "api-group-activity", lambda w, g: f"/api/v1/content/groups/activity?under={g.org_id}", kind="api"
        ),
    ]


# --- bad inputs through the pages and the API ------------------------------------------------


@pytest.fixture
def world(scope_world):
    w = scope_world
    w.cadre, w.users["cun"] = make_cadre_user(w.village_in, "cun")
    w.g1 = make_group(w.village_in, name="新河村青年群", owner=w.cadre)
    w.g2 = make_group(w.village_in, name="新河村在外青年群", owner=w.cadre)
    w.g_out = make_group(w.village_out, name="桥东村青年群")
    w.item = services.content_create(
        actor=w.users["city_admin"], org=w.city, title="全市青年创业大赛", category="notice", body="报名啦"
    )
    w.task = services.task_create(actor=w.users["city_admin"], content=w.item, due_on=timezone.localdate())
    return w


def test_api_confirm_for_group_outside_scope_is_404_and_writes_nothing(world):
    client = world.api("cun")
    response = client.post(
        f"/api/v1/content/tasks/{world.task.pk}/confirm",
        {"group_id": world.g_out.pk},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert response.json()["message"] == "对象不存在或不在您的管辖范围内"
    assert GroupPost.objects.count() == 0


def test_api_confirm_after_withdrawal_is_422_in_chinese(world):
    services.task_withdraw(actor=world.users["city_admin"], task=world.task)
    response = world.api("cun").post(
        f"/api/v1/content/tasks/{world.task.pk}/confirm",
        {"group_id": world.g1.pk},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "task_withdrawn"
    assert "撤回，无需再确认转发" in response.json()["message"]
    assert GroupPost.objects.count() == 0


def test_page_confirm_after_withdrawal_shows_the_message(world):
    row = TaskGroup.objects.get(task=world.task, group=world.g1)
    services.task_withdraw(actor=world.users["city_admin"], task=world.task)
    response = world.client("cun").post(reverse("content:confirm", args=[row.pk]), {})
    assert response.status_code == 422
    assert "撤回，无需再确认转发" in response.content.decode()
    assert GroupPost.objects.count() == 0


def test_page_confirm_with_a_bad_screenshot(world, settings):
    row = TaskGroup.objects.get(task=world.task, group=world.g1)
    response = world.client("cun").post(
        reverse("content:confirm", args=[row.pk]), {"screenshot": not_an_image("shot.jpg")}
    )
    assert response.status_code == 422
    assert "上传的截图不是图片" in response.content.decode()
    assert GroupPost.objects.count() == 0
    assert media_files(settings.MEDIA_ROOT) == []


def test_page_confirm_two_groups_then_completion(world):
    client = world.client("cun")
    page = client.get(reverse("content:todo")).content.decode()
    assert "全市青年创业大赛" in page and "新河村青年群" in page and "新河村在外青年群" in page
    for group in (world.g1, world.g2):
        row = TaskGroup.objects.get(task=world.task, group=group)
        response = client.post(reverse("content:confirm", args=[row.pk]), {"screenshot": good_image()})
        assert response.status_code == 302
    assert "没有待转发的内容" in client.get(reverse("content:todo")).content.decode()
    detail = (
        world.client("city_admin").get(reverse("content:task_detail", args=[world.task.pk])).content.decode()
    )
    assert 'id="completion-pct">67%<' in detail  # 2 of the 3 groups of the city


def test_api_bad_screenshot_is_422(world, settings):
    post = services.forward_confirm(actor=world.users["cun"], task=world.task, group=world.g1)
    response = world.api("cun").post(f"/api/v1/content/posts/{post.pk}/screenshot", {"file": not_an_image()})
    assert response.status_code == 422
    assert "不是图片" in response.json()["fields"]["screenshot"][0]
    post.refresh_from_db()
    assert not post.screenshot
    assert media_files(settings.MEDIA_ROOT) == []


def test_list_pages_keep_a_fixed_query_count(world):
    client = world.client("city_admin")
    urls = [
        reverse("content:item_list"),
        reverse("content:task_list"),
        reverse("content:post_list"),
        reverse("content:dormant_list"),
        reverse("content:task_detail", args=[world.task.pk]),
        reverse("content:stats"),
    ]
    cun = world.client("cun")

    def fetch():
        for url in urls:
            assert client.get(url).status_code == 200
        assert cun.get(reverse("content:todo")).status_code == 200

    def grow():
        for i in range(3):
            group = make_group(
                world.village_in, name=f"更多的群{i}", owner=world.cadre, status=GroupStatus.DORMANT
            )
            services.post_record(actor=SYSTEM, group=group, summary=f"记录{i}")
            item = services.content_create(
                actor=SYSTEM, org=world.county_in, title=f"更多供稿{i}", category="policy", body="b"
            )
            services.task_create(actor=SYSTEM, content=item, due_on=timezone.localdate())

    # Every list starts non-empty (an empty page skips the row query).
    services.post_record(actor=SYSTEM, group=world.g1, summary="第一条记录")
    make_group(world.village_in, name="已沉寂的群", status=GroupStatus.DORMANT)
    assert_constant_queries(fetch, grow)


def test_exports_are_csv(world):
    client = world.client("city_admin")
    response = client.get(reverse("content:task_pending") + f"?task={world.task.pk}&export=csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == "微信群,类型,所属组织,群主,群主手机"
    assert "桥东村青年群" in body
