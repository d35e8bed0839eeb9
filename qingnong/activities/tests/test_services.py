"""Activities: recording with groups, youth and photos, and the bad inputs of the issue (a held activity
after tomorrow, participants out of range, photos that are not pictures or too large) — each refused in
Chinese with nothing written."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from qingnong.activities import services
from qingnong.activities.choices import ActivityStatus
from qingnong.activities.models import Activity, ActivityPhoto
from qingnong.content.tests.factories import (
    bomb,
    days_ago,
    good_image,
    make_cadre_user,
    make_group,
    media_files,
    not_an_image,
    too_large,
)
from qingnong.content.uploads import ACTIVITY_PHOTO
from qingnong.core.errors import RuleError, ScopeViolation
from qingnong.core.models import AuditEntry
from qingnong.core.system import SYSTEM
from qingnong.wxgroups.choices import GroupStatus
from qingnong.wxgroups.models import ChatGroup
from qingnong.youth.models import Youth

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def world(scope_world):
    w = scope_world
    w.cadre, w.users["cun"] = make_cadre_user(w.village_in, "cun")
    w.group = make_group(w.village_in, owner=w.cadre, status=GroupStatus.DORMANT)
    w.group_out = make_group(w.village_out)
    w.youth = [Youth.objects.create(name=f"青年{i}", home_org=w.village_in) for i in range(3)]
    w.youth_out = Youth.objects.create(name="外县青年", home_org=w.village_out)
    return w


def _create(w, actor="cun", **kw):
    data = {
        "org": w.village_in,
        "title": "返乡青年创业座谈会",
        "activity_type": "offline",
        "theme": "entrepreneurship",
        "held_on": TODAY(),
        "duration_hours": "2.5",
        "place": "村部会议室",
        "participants": 25,
    }
    data.update(kw)
    return services.activity_create(actor=w.users[actor], **data)


def _nothing_written(settings):
    assert Activity.objects.count() == 0
    assert ActivityPhoto.objects.count() == 0
    assert media_files(settings.MEDIA_ROOT) == []
    assert not AuditEntry.objects.filter(action__startswith="activities.").exists()


def test_create_with_groups_youth_and_photos(world, settings):
    activity = _create(
        world, groups=[world.group], youth=world.youth[:2], photos=[good_image(exif=True), good_image()]
    )
    assert activity.duration_hours == pytest.approx(2.5)
    assert list(activity.groups.all()) == [world.group]
    assert set(activity.youth.all()) == set(world.youth[:2])
    photos = list(activity.photos.all())
    assert len(photos) == 2
    for photo in photos:
        assert photo.image.name.startswith("private/activities/photos/")
        with photo.image.open("rb") as f:
            assert not Image.open(io.BytesIO(f.read())).getexif()
    assert AuditEntry.objects.filter(action="activities.activity.create").count() == 1
    assert AuditEntry.objects.filter(action="activities.photo.create").count() == 2
    # A held activity wakes its dormant group (R12).
    assert ChatGroup.objects.get(pk=world.group.pk).status == GroupStatus.ACTIVE


def test_labels_are_accepted(world):
    activity = _create(
        world, activity_type="线上", theme="政策宣讲", status="已举办", place="", participants="30"
    )
    assert (activity.activity_type, activity.theme, activity.participants) == ("online", "policy", 30)


def test_held_activity_after_tomorrow_is_refused(world, settings):
    """The bad input of the issue."""
    with pytest.raises(RuleError) as err:
        _create(world, held_on=TODAY() + datetime.timedelta(days=2))
    message = err.value.message_dict["held_on"][0]
    assert "已举办的活动日期不能晚于明天" in message and "计划" in message
    _nothing_written(settings)


def test_held_activity_tomorrow_and_planned_in_future_are_fine(world):
    _create(world, held_on=TODAY() + datetime.timedelta(days=1))
    planned = _create(world, held_on=TODAY() + datetime.timedelta(days=30), status=ActivityStatus.PLANNED)
    assert planned.status == "planned"


@pytest.mark.parametrize("count", [-1, 100_001, 2_000_000])
def test_participants_out_of_range_are_refused(world, settings, count):
    """The bad input of the issue: below 0 or above 100 000."""
    with pytest.raises(RuleError) as err:
        _create(world, participants=count)
    assert f"参加人数须在 0 到 100000 之间，填写的是 {count}" == err.value.message_dict["participants"][0]
    _nothing_written(settings)


def test_participant_bounds_are_allowed(world):
    assert _create(world, participants=0).participants == 0
    assert _create(world, participants=100_000).participants == 100_000


def test_participants_not_fewer_than_listed_youth(world, settings):
    with pytest.raises(RuleError) as err:
        _create(world, participants=2, youth=world.youth)
    assert "不能少于所列参加青年人数（3）" in err.value.message_dict["participants"][0]
    _nothing_written(settings)


@pytest.mark.parametrize("bad", ["not_image", "too_large", "bomb"])
def test_bad_photos_are_refused_and_nothing_written(world, settings, bad):
    """The bad input of the issue: photos that are not pictures or too large."""
    upload = {
        "not_image": not_an_image("会场.jpg"),
        "too_large": too_large(ACTIVITY_PHOTO.max_bytes, "会场.jpg"),
        "bomb": bomb("会场.png"),
    }[bad]
    with pytest.raises(RuleError) as err:
        _create(world, photos=[good_image(), upload])
    message = err.value.message_dict["photos"][0]
    assert message.startswith("照片“会场.")
    assert {"not_image": "不是图片", "too_large": "太大", "bomb": "像素过多"}[bad] in message
    _nothing_written(settings)


def test_too_many_photos(world, settings):
    activity = _create(world, photos=[good_image() for _ in range(8)])
    with pytest.raises(RuleError) as err:
        services.activity_add_photos(
            actor=world.users["cun"], activity=activity, uploads=[good_image(), good_image()]
        )
    assert "最多 9 张照片（已有 8 张，本次 2 张）" in err.value.message_dict["photos"][0]
    assert activity.photos.count() == 8
    services.activity_add_photos(actor=world.users["cun"], activity=activity, uploads=[good_image()])
    assert activity.photos.count() == 9


def test_add_bad_photo_later_writes_nothing(world, settings):
    activity = _create(world)
    before = media_files(settings.MEDIA_ROOT)
    with pytest.raises(RuleError):
        services.activity_add_photos(actor=world.users["cun"], activity=activity, uploads=[not_an_image()])
    assert activity.photos.count() == 0
    assert media_files(settings.MEDIA_ROOT) == before


def test_other_rules(world, settings):
    with pytest.raises(RuleError) as err:
        _create(world, title="", place="", duration_hours="0.2", theme="打牌")
    errors = err.value.message_dict
    assert "请填写活动名称" in errors["title"][0]
    assert "线下活动请填写地点" in errors["place"][0]
    assert "时长须在 0.5 到 720 小时之间" in errors["duration_hours"][0]
    assert "请选择活动主题" in errors["theme"][0]
    with pytest.raises(RuleError) as err:
        _create(world, participants="很多")
    assert "参加人数“很多”不是整数" in err.value.message_dict["participants"][0]
    _nothing_written(settings)


def test_scope_of_org_groups_and_youth(world, settings):
    with pytest.raises(ScopeViolation):
        _create(world, org=world.village_out)
    with pytest.raises(ScopeViolation) as err:
        _create(world, groups=[world.group_out])
    assert "微信群" in str(err.value)
    with pytest.raises(ScopeViolation):
        _create(world, youth=[world.youth_out])
    _nothing_written(settings)


def test_update_and_delete(world, settings):
    activity = _create(world, photos=[good_image()], youth=world.youth[:1])
    updated = services.activity_update(
        actor=world.users["cun"],
        activity=activity,
        data={"participants": 40, "title": "青年座谈会"},
        groups=[world.group],
        youth=world.youth,
    )
    assert (updated.participants, updated.title, updated.youth.count()) == (40, "青年座谈会", 3)
    entry = AuditEntry.objects.get(action="activities.activity.update")
    assert entry.before["participants"] == 25 and entry.after["groups"] == [world.group.pk]
    with pytest.raises(RuleError):
        services.activity_update(actor=world.users["cun"], activity=activity, data={"participants": -5})
    assert Activity.objects.get(pk=activity.pk).participants == 40
    services.activity_delete(actor=SYSTEM, activity=activity)
    assert Activity.objects.count() == 0 and ActivityPhoto.objects.count() == 0


def test_past_held_activity_does_not_wake(world):
    _create(world, held_on=days_ago(90), groups=[world.group])
    assert ChatGroup.objects.get(pk=world.group.pk).status == GroupStatus.DORMANT
