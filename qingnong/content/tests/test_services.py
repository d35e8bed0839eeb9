"""Content items, forwarding tasks, confirmations and own records: the rules and their Chinese messages,
with nothing written when refused."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from qingnong.content import services
from qingnong.content.choices import PostKind, TaskStatus
from qingnong.content.models import ContentItem, ForwardTask, GroupPost, TaskGroup
from qingnong.content.uploads import SCREENSHOT
from qingnong.core.errors import RuleError, ScopeViolation
from qingnong.core.models import AuditEntry, Notification
from qingnong.core.system import SYSTEM
from qingnong.wxgroups.choices import GroupStatus, GroupType
from qingnong.wxgroups.models import ChatGroup

from .factories import (
    bomb,
    days_ago,
    good_image,
    make_cadre_user,
    make_group,
    media_files,
    not_an_image,
    too_large,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def world(scope_world):
    w = scope_world
    w.cadre, w.users["cun"] = make_cadre_user(w.village_in, "cun", name="新河村书记")
    w.g1 = make_group(w.village_in, name="新河村青年群", owner=w.cadre)
    w.g2 = make_group(w.village_in, name="新河村在外青年群", owner=w.cadre, group_type=GroupType.EXCLUSIVE)
    w.g_town = make_group(w.town_in, name="石牌镇青年群")
    w.g_qn = make_group(w.town_in, name="青农石牌", group_type=GroupType.QINGNONG)
    w.g_planned = make_group(w.village_in, name="筹建中的群", status=GroupStatus.PLANNED)
    w.g_out = make_group(w.village_out, name="桥东村青年群")
    return w


def _content(w, **kw):
    data = {"title": "创业贷款政策解读", "category": "policy", "body": "各位青年：县里的创业贴息贷款……"}
    data.update(kw)
    return services.content_create(actor=w.users["admin_in"], org=w.county_in, **data)


def _task(w, content=None, **kw):
    content = content or _content(w)
    data = {"due_on": TODAY() + datetime.timedelta(days=3)}
    data.update(kw)
    return services.task_create(actor=w.users["admin_in"], content=content, **data)


# --- content items ---------------------------------------------------------------------------


def test_content_create_with_poster_is_public_and_audited(world, settings):
    item = _content(world, poster=good_image(exif=True), link="https://mp.weixin.qq.com/s/abc")
    assert item.poster.name.startswith("public/content/posters/")
    assert item.copy_text().endswith("https://mp.weixin.qq.com/s/abc")
    assert AuditEntry.objects.filter(action="content.item.create", object_id=str(item.pk)).count() == 1


def test_village_cannot_publish(world):
    world_user = world.users["city_admin"]
    with pytest.raises(RuleError) as err:
        services.content_create(
            actor=world_user, org=world.village_in, title="t", category="notice", body="x"
        )
    assert "只有市、县、乡镇团组织可以发布供稿内容" in err.value.message_dict["org"][0]
    assert ContentItem.objects.count() == 0


def test_entry_role_cannot_publish(world):
    with pytest.raises(ScopeViolation):
        services.content_create(
            actor=world.users["entry_in"], org=world.town_in, title="t", category="notice", body="x"
        )


def test_content_needs_something_to_send_and_a_future_validity(world):
    with pytest.raises(RuleError) as err:
        _content(world, body="", valid_until=days_ago(1))
    assert "至少填写一项" in err.value.message_dict["body"][0]
    assert "已经过去" in err.value.message_dict["valid_until"][0]
    assert ContentItem.objects.count() == 0


@pytest.mark.parametrize("bad", ["not_image", "too_large", "bomb"])
def test_bad_poster_writes_nothing(world, settings, bad):
    upload = {"not_image": not_an_image(), "too_large": too_large(5 * 1024 * 1024), "bomb": bomb()}[bad]
    with pytest.raises(RuleError) as err:
        _content(world, poster=upload)
    assert "海报" in err.value.message_dict["poster"][0]
    assert ContentItem.objects.count() == 0
    assert media_files(settings.MEDIA_ROOT) == []
    assert not AuditEntry.objects.filter(action__startswith="content.").exists()


# --- tasks -----------------------------------------------------------------------------------


def test_task_to_whole_subtree_freezes_counted_groups_of_the_types(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        task = _task(world)
    groups = set(TaskGroup.objects.filter(task=task).values_list("group_id", flat=True))
    # 团青 + 专属 by default; not the 青农 group, not the planned one, not the other county's.
    assert groups == {world.g1.pk, world.g2.pk, world.g_town.pk}
    assert task.group_count == 3
    assert AuditEntry.objects.filter(action="content.task.create", object_id=str(task.pk)).count() == 1
    # The village cadre who owns two of the groups is told once.
    notes = Notification.objects.filter(user=world.users["cun"], kind="content.task")
    assert notes.count() == 1 and "创业贷款政策解读" in notes.get().title


def test_task_to_picked_orgs_and_types(world):
    task = _task(world, target_orgs=[world.village_in], group_types=["团青微信群"])
    assert set(TaskGroup.objects.filter(task=task).values_list("group_id", flat=True)) == {world.g1.pk}
    assert list(task.target_orgs.all()) == [world.village_in]


def test_task_refuses_targets_outside_the_publisher_and_past_dates(world):
    content = _content(world)
    with pytest.raises(RuleError) as err:
        services.task_create(
            actor=world.users["city_admin"], content=content, due_on=days_ago(1), target_orgs=[world.town_out]
        )
    assert "已经过去" in err.value.message_dict["due_on"][0]
    assert "不是“怀宁县”的下级组织" in err.value.message_dict["target_orgs"][0]
    assert ForwardTask.objects.count() == 0 and TaskGroup.objects.count() == 0


def test_task_without_groups_is_refused(world):
    content = _content(world)
    with pytest.raises(RuleError) as err:
        services.task_create(
            actor=world.users["admin_in"],
            content=content,
            due_on=TODAY(),
            target_orgs=[world.village_in],
            group_types=["qingnong"],
        )
    assert "没有已建、活跃或沉寂的此类微信群" in err.value.message_dict["target_orgs"][0]
    assert ForwardTask.objects.count() == 0


def test_task_due_after_validity_and_unknown_group_type(world):
    content = _content(world, valid_until=TODAY())
    with pytest.raises(RuleError) as err:
        _task(world, content=content, due_on=TODAY() + datetime.timedelta(days=1))
    assert "不能晚于内容有效期" in err.value.message_dict["due_on"][0]
    with pytest.raises(RuleError) as err:
        _task(world, content=content, due_on=TODAY(), group_types=["朋友圈"])
    assert "群类型“朋友圈”不存在" in err.value.message_dict["group_types"][0]


# --- confirmations ---------------------------------------------------------------------------


def test_confirm_records_content_and_wakes_the_group(world):
    task = _task(world)
    ChatGroup.objects.filter(pk=world.g1.pk).update(status=GroupStatus.DORMANT)
    world.g1.refresh_from_db()
    post = services.forward_confirm(
        actor=world.users["cun"], task=task, group=world.g1, screenshot=good_image("s.jpg", exif=True)
    )
    assert post.kind == PostKind.FORWARDED and post.task == task and post.sent_on == TODAY()
    assert post.screenshot.name.startswith("private/content/screenshots/")
    assert TaskGroup.objects.get(task=task, group=world.g1).post == post
    world.g1.refresh_from_db()
    assert world.g1.status == GroupStatus.ACTIVE
    assert AuditEntry.objects.filter(action="content.group.active", object_id=str(world.g1.pk)).count() == 1


def test_confirm_for_a_group_outside_scope_is_refused(world):
    """The bad input of the issue: a village cadre confirms for the other county's group."""
    task = services.task_create(
        actor=world.users["city_admin"],
        content=services.content_create(
            actor=world.users["city_admin"], org=world.city, title="全市通知", category="notice", body="通知"
        ),
        due_on=TODAY(),
    )
    with pytest.raises(ScopeViolation) as err:
        services.forward_confirm(actor=world.users["cun"], task=task, group=world.g_out)
    assert "超出您的管辖范围" in str(err.value) and "桥东村" in str(err.value)
    assert GroupPost.objects.count() == 0
    assert not TaskGroup.objects.filter(post__isnull=False).exists()


def test_confirm_after_withdrawal_is_refused(world):
    """The bad input of the issue: the task was withdrawn before the cadre confirmed."""
    task = _task(world)
    services.task_withdraw(actor=world.users["admin_in"], task=task, reason="内容有误")
    task.refresh_from_db()
    assert task.status == TaskStatus.WITHDRAWN
    with pytest.raises(RuleError) as err:
        services.forward_confirm(actor=world.users["cun"], task=task, group=world.g1, screenshot=good_image())
    assert err.value.rule_code == "task_withdrawn"
    assert "撤回，无需再确认转发" in err.value.messages[0]
    assert GroupPost.objects.count() == 0
    assert not ChatGroup.objects.filter(pk=world.g1.pk, status=GroupStatus.ACTIVE).exists()


def test_withdraw_twice_is_refused(world):
    task = _task(world)
    services.task_withdraw(actor=world.users["admin_in"], task=task)
    with pytest.raises(RuleError) as err:
        services.task_withdraw(actor=world.users["admin_in"], task=task)
    assert "已经撤回" in err.value.messages[0]


def test_only_publisher_scope_may_withdraw(world):
    task = _task(world)
    with pytest.raises(ScopeViolation):
        services.task_withdraw(actor=world.users["entry_in"], task=task)


def test_confirm_group_not_in_task_twice_future_or_with_bad_screenshot(world, settings):
    task = _task(world, target_orgs=[world.village_in], group_types=["tuanqing"])
    with pytest.raises(RuleError) as err:
        services.forward_confirm(actor=world.users["cun"], task=task, group=world.g2)
    assert "不在转发任务“创业贷款政策解读”的下发范围内" in err.value.message_dict["group"][0]
    with pytest.raises(RuleError) as err:
        services.forward_confirm(
            actor=world.users["cun"], task=task, group=world.g1, sent_on=TODAY() + datetime.timedelta(days=1)
        )
    assert "晚于今天" in err.value.message_dict["sent_on"][0]
    for bad in (not_an_image(), too_large(SCREENSHOT.max_bytes), bomb()):
        with pytest.raises(RuleError) as err:
            services.forward_confirm(actor=world.users["cun"], task=task, group=world.g1, screenshot=bad)
        assert "截图" in err.value.message_dict["screenshot"][0]
    assert GroupPost.objects.count() == 0
    assert media_files(settings.MEDIA_ROOT) == []
    services.forward_confirm(actor=world.users["cun"], task=task, group=world.g1)
    with pytest.raises(RuleError) as err:
        services.forward_confirm(actor=world.users["cun"], task=task, group=world.g1)
    assert "已确认转发" in err.value.message_dict["group"][0]
    assert GroupPost.objects.count() == 1


def test_confirm_for_dissolved_group_is_refused(world):
    task = _task(world)
    ChatGroup.objects.filter(pk=world.g1.pk).update(status=GroupStatus.DISSOLVED)
    world.g1.refresh_from_db()
    with pytest.raises(RuleError) as err:
        services.forward_confirm(actor=world.users["cun"], task=task, group=world.g1)
    assert "已解散" in err.value.message_dict["group"][0]


def test_delete_confirmation_reopens_the_task(world):
    task = _task(world)
    post = services.forward_confirm(actor=world.users["cun"], task=task, group=world.g1)
    services.post_delete(actor=world.users["cun"], post=post)
    assert TaskGroup.objects.get(task=task, group=world.g1).post is None
    assert GroupPost.objects.count() == 0
    assert AuditEntry.objects.filter(action="content.post.delete").count() == 1


# --- own records -----------------------------------------------------------------------------


def test_own_record(world):
    post = services.post_record(actor=world.users["cun"], group=world.g1, summary="  发了防汛安全提示  ")
    assert post.kind == PostKind.OWN and post.summary == "发了防汛安全提示" and post.task is None
    world.g1.refresh_from_db()
    assert world.g1.status == GroupStatus.ACTIVE


def test_own_record_rules(world):
    with pytest.raises(RuleError) as err:
        services.post_record(actor=world.users["cun"], group=world.g1, summary=" ")
    assert "请简要写明" in err.value.message_dict["summary"][0]
    with pytest.raises(RuleError) as err:
        services.post_record(actor=world.users["cun"], group=world.g_planned, summary="x")
    assert "尚在筹建" in err.value.message_dict["group"][0]
    with pytest.raises(ScopeViolation):
        services.post_record(actor=world.users["cun"], group=world.g_out, summary="x")
    with pytest.raises(RuleError):
        services.post_record(
            actor=world.users["cun"],
            group=world.g1,
            summary="x",
            sent_on=TODAY() + datetime.timedelta(days=1),
        )
    assert GroupPost.objects.count() == 0


def test_old_record_does_not_wake_a_dormant_group(world):
    ChatGroup.objects.filter(pk=world.g1.pk).update(status=GroupStatus.DORMANT)
    services.post_record(actor=SYSTEM, group=world.g1, summary="补记两个月前的发言", sent_on=days_ago(60))
    world.g1.refresh_from_db()
    assert world.g1.status == GroupStatus.DORMANT
