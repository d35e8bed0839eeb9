"""The nightly R12 job: dormant after N days without content or activity, active again when either
appears, owners told once, only the status column written, planned and dissolved groups left alone."""

from __future__ import annotations

import pytest
from django.utils import timezone

from qingnong.content import services
from qingnong.content.tasks import refresh_group_dormancy
from qingnong.core.errors import ScopeViolation
from qingnong.core.models import AuditEntry, Notification
from qingnong.core.system import SYSTEM
from qingnong.wxgroups.choices import GroupStatus
from qingnong.wxgroups.models import ChatGroup

from .factories import days_ago, hold_activity, make_cadre_user, make_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(scope_world):
    w = scope_world
    w.cadre, w.users["cun"] = make_cadre_user(w.village_in, "cun")
    old = days_ago(120)
    w.fed = make_group(
        w.village_in, name="有内容的群", owner=w.cadre, founded_on=old, status=GroupStatus.BUILT
    )
    w.silent = make_group(
        w.village_in, name="没人说话的群", owner=w.cadre, founded_on=old, status=GroupStatus.ACTIVE
    )
    w.stale = make_group(w.village_in, name="很久前发过的群", owner=w.cadre, founded_on=old)
    w.woken = make_group(w.village_out, name="办过活动的群", founded_on=old, status=GroupStatus.DORMANT)
    w.new = make_group(w.town_in, name="新建的群", founded_on=days_ago(3))
    w.planned = make_group(w.village_in, name="筹建的群", founded_on=old, status=GroupStatus.PLANNED)
    w.dissolved = make_group(w.village_in, name="解散的群", founded_on=old, status=GroupStatus.DISSOLVED)
    services.post_record(actor=SYSTEM, group=w.fed, summary="发了通知", sent_on=days_ago(2))
    services.post_record(actor=SYSTEM, group=w.stale, summary="很久前", sent_on=days_ago(31))
    online = {"title": "线上答题", "activity_type": "online", "theme": "policy", "place": ""}
    hold_activity(w.village_out, 40, groups=[w.woken], **online)
    # The services above already woke groups when the content was recent; start from known statuses.
    for group, status in ((w.fed, GroupStatus.BUILT), (w.woken, GroupStatus.DORMANT)):
        ChatGroup.objects.filter(pk=group.pk).update(status=status)
    return w


def _status(group):
    return ChatGroup.objects.values_list("status", flat=True).get(pk=group.pk)


def test_refresh_marks_dormant_and_active(world, django_capture_on_commit_callbacks):
    # The activity 40 days ago is too old to wake its group; a new one yesterday does.
    game = {"title": "篮球赛", "theme": "culture_sports", "duration_hours": 3, "place": "村球场"}
    hold_activity(world.village_out, 1, **game)
    from qingnong.activities.models import Activity

    Activity.objects.get(title="篮球赛").groups.add(world.woken)
    updated = {g.pk: g.updated_at for g in ChatGroup.objects.all()}
    with django_capture_on_commit_callbacks(execute=True):
        result = services.group_dormancy_refresh(actor=SYSTEM, today=timezone.localdate())
    assert _status(world.fed) == GroupStatus.ACTIVE
    assert _status(world.silent) == GroupStatus.DORMANT
    assert _status(world.stale) == GroupStatus.DORMANT  # last content 31 days ago
    assert _status(world.woken) == GroupStatus.ACTIVE
    assert _status(world.new) == GroupStatus.BUILT  # young, nothing yet: left alone
    assert _status(world.planned) == GroupStatus.PLANNED
    assert _status(world.dissolved) == GroupStatus.DISSOLVED
    assert (result.checked, result.activated, result.dormant) == (5, 2, 2)
    # Only the status column was written: updated_at (auto_now) is untouched.
    assert {g.pk: g.updated_at for g in ChatGroup.objects.all()} == updated
    audits = AuditEntry.objects.filter(action="content.group.dormant").order_by("object_id")
    assert [(a.object_id, a.before, a.after["status"]) for a in audits] == sorted(
        [
            (str(world.silent.pk), {"status": "active"}, "dormant"),
            (str(world.stale.pk), {"status": "built"}, "dormant"),
        ]
    )
    assert audits[0].actor_name == "系统"
    # The owner of both dormant groups gets one notification naming them.
    note = Notification.objects.get(user=world.users["cun"], kind="content.dormant")
    assert "2 个微信群已沉寂" in note.title and "没人说话的群" in note.body and "很久前发过的群" in note.body


def test_refresh_is_idempotent_and_notifies_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.group_dormancy_refresh(actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.group_dormancy_refresh(actor=SYSTEM)
    assert (second.activated, second.dormant) == (0, 0)
    assert Notification.objects.filter(kind="content.dormant").count() == 1


def test_new_content_brings_a_dormant_group_back(world):
    services.group_dormancy_refresh(actor=SYSTEM)
    assert _status(world.silent) == GroupStatus.DORMANT
    services.post_record(actor=world.users["cun"], group=world.silent, summary="重新发言")
    assert _status(world.silent) == GroupStatus.ACTIVE


def test_warning_before_dormancy(world, django_capture_on_commit_callbacks):
    services.post_record(actor=SYSTEM, group=world.stale, summary="25 天前", sent_on=days_ago(25))
    with django_capture_on_commit_callbacks(execute=True):
        result = services.group_dormancy_refresh(actor=SYSTEM)
    assert result.warned == 1
    note = Notification.objects.get(user=world.users["cun"], kind="content.dormancy_warning")
    assert "很久前发过的群" in note.body


def test_refresh_of_a_subtree_needs_scope(world):
    with pytest.raises(ScopeViolation):
        services.group_dormancy_refresh(actor=world.users["admin_in"], root=world.county_out)
    result = services.group_dormancy_refresh(actor=world.users["admin_in"], root=world.county_in)
    assert _status(world.woken) == GroupStatus.DORMANT  # the other county: not touched
    assert result.checked == 4


def test_celery_task_runs_the_refresh(world):
    result = refresh_group_dormancy.delay().get()
    assert result["dormant"] == 2 and result["checked"] == 5


def test_beat_schedule_has_the_job(settings):
    jobs = [v["task"] for v in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "qingnong.content.tasks.refresh_group_dormancy" in jobs
