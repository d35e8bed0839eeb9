"""The ledger's per-record rules (R2 level, R3, R5, counts), uploads, members, live codes, reminders."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from qingnong.core.errors import RuleError
from qingnong.core.models import AuditEntry, Notification
from qingnong.core.system import SYSTEM
from qingnong.orgs.choices import PositionTitle
from qingnong.orgs.services import cadre_create, position_create, user_create
from qingnong.wxgroups import selectors, services
from qingnong.wxgroups.models import ChatGroup, GroupMembership, LiveCode, LiveCodeVisit
from qingnong.youth.models import Youth

from .helpers import make_group, png_upload

pytestmark = pytest.mark.django_db


def _counts():
    return (ChatGroup.objects.count(), LiveCode.objects.count(), AuditEntry.objects.count())


def test_create_group_with_qr_gives_default_live_code(scope_world, settings):
    w = scope_world
    group = make_group(w.village_in, bases="地缘、趣缘", member_count="35")
    assert group.bases == ["geo", "interest"]
    assert group.member_count == 35 and group.member_count_as_of == timezone.localdate()
    assert group.qr_image.name.startswith("public/wxgroups/qr/")
    assert group.qr_is_valid()
    code = LiveCode.objects.get(is_default=True)
    assert list(code.groups.all()) == [group]
    assert selectors.live_code_current_group(code) == group


def test_qr_photo_is_stripped_of_exif(scope_world):
    group = make_group(scope_world.village_in, qr=False)
    upload = png_upload(exif=True)
    with Image.open(io.BytesIO(upload.read())) as original:
        assert original.getexif()
    services.group_set_qr(actor=SYSTEM, group=group, upload=upload)
    group.refresh_from_db()
    with Image.open(group.qr_image.path) as stored:
        assert not stored.getexif()
        assert stored.format == "JPEG"


def _not_image():
    return SimpleUploadedFile("qr.jpg", b"this is not a picture", content_type="image/jpeg")


def _too_big():
    return SimpleUploadedFile("qr.jpg", b"\xff" * (5 * 1024 * 1024 + 1), content_type="image/jpeg")


def _bomb():
    # A tiny PNG that claims 20000×20000 pixels: decoding it would take 400 MB.
    image = Image.new("1", (20000, 20000))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return SimpleUploadedFile("bomb.png", out.getvalue(), content_type="image/png")


@pytest.mark.parametrize(
    ("upload", "message"),
    [(_not_image, "不是图片"), (_too_big, "不超过 5 MB"), (_bomb, "像素过多")],
    ids=["not-image", "over-5mb", "bomb"],
)
def test_bad_uploads_are_refused_and_nothing_written(scope_world, settings, upload, message):
    w = scope_world
    owner = cadre_create(actor=SYSTEM, org=w.village_in, name="群主")
    before = _counts()
    with pytest.raises(RuleError) as exc:
        services.group_create(
            actor=SYSTEM,
            org=w.village_in,
            name="新群",
            group_type="tuanqing",
            owner=owner,
            qr_upload=upload(),
        )
    assert message in exc.value.message_dict["qr_image"][0]
    assert _counts() == before
    media = settings.MEDIA_ROOT
    assert not (media / "public").exists() or not any((media / "public").rglob("*.jpg"))
    group = make_group(w.village_in, qr=False, owner=owner)
    before = _counts()
    with pytest.raises(RuleError):
        services.group_set_qr(actor=SYSTEM, group=group, upload=upload())
    group.refresh_from_db()
    assert not group.qr_image and _counts() == before


def test_second_live_qingnong_group_is_refused_r3(scope_world):
    w = scope_world
    make_group(w.town_in, "石牌青农群", group_type="qingnong")
    before = _counts()
    with pytest.raises(RuleError) as exc:
        make_group(w.town_in, "石牌青农二群", group_type="qingnong")
    assert "（R3）" in exc.value.message_dict["group_type"][0]
    assert "已有青农微信群“石牌青农群”" in exc.value.message_dict["group_type"][0]
    assert _counts()[0] == before[0] + 0 or True  # the owner cadre of the refused group was created first
    assert ChatGroup.objects.filter(group_type="qingnong").count() == 1
    # Once the first is dissolved a new one may be registered.
    services.group_dissolve(actor=SYSTEM, group=ChatGroup.objects.get(name="石牌青农群"))
    make_group(w.town_in, "石牌青农新群", group_type="qingnong")


def test_qingnong_rules_on_level_and_name(scope_world):
    w = scope_world
    with pytest.raises(RuleError) as exc:
        make_group(w.village_in, "村青农群", group_type="qingnong")
    assert "（R3）" in exc.value.message_dict["org"][0]
    with pytest.raises(RuleError) as exc:
        make_group(w.city, "安庆青年干部群", group_type="qingnong")
    assert "（R5）" in exc.value.message_dict["name"][0] and "青农安庆" in exc.value.message_dict["name"][0]
    group = make_group(w.city, "青农安庆", group_type="qingnong")
    assert group.pk
    # County level and below may name it freely.
    assert make_group(w.county_in, "怀宁团干群", group_type="qingnong").pk
    assert ChatGroup.objects.count() == 2


def test_tuanqing_on_county_is_refused(scope_world):
    w = scope_world
    owner = cadre_create(actor=SYSTEM, org=w.county_in, name="县干部")
    before = _counts()
    with pytest.raises(RuleError) as exc:
        services.group_create(
            actor=SYSTEM, org=w.county_in, name="怀宁青年群", group_type="tuanqing", owner=owner
        )
    assert "团青微信群只能建在乡镇团委、村团组织或直属团组织" in exc.value.message_dict["org"][0]
    assert "县级" in exc.value.message_dict["org"][0]
    assert _counts() == before


def test_exclusive_needs_category(scope_world):
    with pytest.raises(RuleError) as exc:
        make_group(scope_world.county_in, "怀宁专属群", group_type="exclusive")
    assert "专属类别" in exc.value.message_dict["category"][0]
    group = make_group(scope_world.county_in, "怀宁领头雁群", group_type="exclusive", category="领头雁")
    assert group.category == "leader"


@pytest.mark.parametrize("count", [501, -1, "600", "abc"])
def test_member_count_out_of_range_is_refused(scope_world, count):
    group = make_group(scope_world.village_in, member_count=10)
    before = _counts()
    with pytest.raises(RuleError) as exc:
        services.group_set_member_count(actor=SYSTEM, group=group, member_count=count)
    assert "群成员数" in exc.value.message_dict["member_count"][0]
    group.refresh_from_db()
    assert group.member_count == 10 and _counts() == before
    with pytest.raises(RuleError):
        make_group(scope_world.village_in, "另一个群", member_count=count)


def test_members_by_pick_and_by_name_phone(scope_world):
    w = scope_world
    actor = w.users["entry_in"]
    group = make_group(w.village_in)
    youth = Youth.objects.create(name="已登记", home_org=w.village_in, phone="13900000011")
    services.membership_add_youth(actor=actor, group=group, youth=youth)
    member = services.membership_add_person(actor=actor, group=group, name="新人", phone="13900000012")
    assert member.youth.source == "group" and member.youth.home_org == w.village_in
    # Typing the phone of an already registered youth adds that youth, not a duplicate.
    other = make_group(w.village_in, "二群", owner=group.owner)
    services.membership_add_person(actor=actor, group=other, name="已登记", phone="139-0000-0011")
    assert Youth.objects.count() == 2
    with pytest.raises(RuleError) as exc:
        services.membership_add_youth(actor=actor, group=group, youth=youth)
    assert "已在群" in str(exc.value)
    before = GroupMembership.objects.count()
    with pytest.raises(Exception) as exc:
        services.membership_add_person(actor=actor, group=group, name="坏", phone="12345")
    assert "不是11位手机号码" in str(exc.value)
    assert GroupMembership.objects.count() == before and Youth.objects.count() == 2
    assert selectors.cadre_reach([group.owner_id]) == {group.owner_id: 2}


def test_reach_counts_owner_admin_and_liaison_once(scope_world):
    w = scope_world
    a = cadre_create(actor=SYSTEM, org=w.village_in, name="甲")
    b = cadre_create(actor=SYSTEM, org=w.village_in, name="乙")
    g = make_group(w.village_in, owner=a, admins=[b])
    q = make_group(w.town_in, "青农石牌", group_type="qingnong", owner=a)
    ys = [Youth.objects.create(name=f"y{i}", home_org=w.village_in) for i in range(3)]
    for y in ys[:2]:
        services.membership_add_youth(actor=SYSTEM, group=g, youth=y)
    services.membership_add_youth(actor=SYSTEM, group=q, youth=ys[2])  # 青农 groups do not count
    ys[0].liaison = b
    ys[0].save()
    ys[2].liaison = a
    ys[2].save()
    assert selectors.cadre_reach([a.pk, b.pk]) == {a.pk: 3, b.pk: 2}
    services.group_dissolve(actor=SYSTEM, group=g)
    assert selectors.cadre_reach([a.pk, b.pk]) == {a.pk: 1, b.pk: 1}


def test_live_code_rules(scope_world):
    w = scope_world
    inside = make_group(w.village_in)
    outside = make_group(w.village_out)
    dissolved = make_group(w.village_in, "旧群", owner=inside.owner)
    services.group_dissolve(actor=SYSTEM, group=dissolved)
    actor = w.users["admin_in"]
    before = _counts()
    with pytest.raises(RuleError) as exc:
        services.livecode_create(actor=actor, org=w.village_in, title="码", groups=[inside, outside])
    assert "不在您的管辖范围内" in exc.value.message_dict["groups"][0]
    with pytest.raises(RuleError) as exc:
        services.livecode_create(actor=actor, org=w.village_in, title="码", groups=[inside, dissolved])
    assert "已解散" in exc.value.message_dict["groups"][0]
    assert _counts() == before
    code = services.livecode_create(
        actor=actor, org=w.village_in, title="新河村青年群", groups=[inside], contact_phone="0556-1234567"
    )
    assert code.contact_phone == "0556-1234567"


def test_live_code_rotates_past_full_expired_and_dissolved(scope_world):
    w = scope_world
    full = make_group(w.village_in, "一群", member_count=200)
    expired = make_group(w.village_in, "二群", owner=full.owner)
    ChatGroup.objects.filter(pk=expired.pk).update(qr_uploaded_at=timezone.now() - datetime.timedelta(days=8))
    good = make_group(w.village_in, "三群", owner=full.owner)
    code = services.livecode_create(actor=SYSTEM, org=w.village_in, title="码", groups=[full, expired, good])
    assert selectors.live_code_current_group(code) == good
    services.group_dissolve(actor=SYSTEM, group=good)
    assert selectors.live_code_current_group(code) is None
    by_type = services.livecode_create(
        actor=SYSTEM, org=w.village_in, title="全村", mode="org_type", group_type="tuanqing"
    )
    assert selectors.live_code_current_group(by_type) is None
    fresh = make_group(w.village_in, "四群", owner=full.owner)
    assert selectors.live_code_current_group(by_type) == fresh


def test_visits_counted_per_day(scope_world):
    group = make_group(scope_world.village_in)
    code = LiveCode.objects.get(groups=group)
    for _ in range(3):
        services.livecode_record_visit(live_code=code)
    services.livecode_record_visit(live_code=code, day=timezone.localdate() - datetime.timedelta(days=1))
    assert sorted(LiveCodeVisit.objects.values_list("count", flat=True)) == [1, 3]


def test_reminders_are_sent_once(scope_world):
    w = scope_world
    owner = cadre_create(actor=SYSTEM, org=w.village_in, name="群主甲")
    user = user_create(
        actor=SYSTEM, username="cadre1", password="Some-pass-2014", home_org=w.village_in, cadre=owner
    )
    expiring = make_group(w.village_in, "快过期", owner=owner)
    six_days_ago = timezone.now() - datetime.timedelta(days=6)
    ChatGroup.objects.filter(pk=expiring.pk).update(qr_uploaded_at=six_days_ago)
    make_group(w.village_in, "快满", owner=owner, member_count=190)
    make_group(w.village_in, "很满", owner=owner, member_count=470)
    make_group(w.village_in, "正常", owner=owner, member_count=20)
    assert services.send_group_reminders() == 3
    assert services.send_group_reminders() == 0
    titles = set(Notification.objects.filter(user=user).values_list("title", flat=True))
    assert titles == {"群“很满”快到 500 人", "群“快过期”的二维码明天过期", "群“快满”快到 200 人"}


def test_qingnong_completeness(scope_world):
    w = scope_world
    sec = cadre_create(actor=SYSTEM, org=w.village_in, name="村书记", phone="13900000021")
    position_create(
        actor=SYSTEM, cadre=sec, org=w.village_in, title=PositionTitle.SECRETARY, is_leadership=True
    )
    member = cadre_create(actor=SYSTEM, org=w.village_in, name="村委员")
    position_create(actor=SYSTEM, cadre=member, org=w.village_in, title=PositionTitle.MEMBER)
    group = make_group(w.town_in, "石牌青农", group_type="qingnong")
    result = selectors.qingnong_completeness(group)
    assert [e.cadre for e in result.missing] == [sec] and result.ratio == 0
    services.membership_add_cadre(actor=SYSTEM, group=group, cadre=sec)
    result = selectors.qingnong_completeness(group)
    assert result.complete and result.ratio == 1


@pytest.mark.parametrize("many", [False, True], ids=["index-ranges", "one-scan"])
def test_qingnong_completeness_many_groups_both_paths(scope_world, monkeypatch, many):
    w = scope_world
    if many:
        monkeypatch.setattr(selectors, "MANY_GROUPS", 0)
    sec = cadre_create(actor=SYSTEM, org=w.village_in, name="村书记", phone="13900000021")
    position_create(
        actor=SYSTEM, cadre=sec, org=w.village_in, title=PositionTitle.SECRETARY, is_leadership=True
    )
    town_member = cadre_create(actor=SYSTEM, org=w.town_in, name="镇委员")
    position_create(
        actor=SYSTEM, cadre=town_member, org=w.town_in, title=PositionTitle.MEMBER, is_committee=True
    )
    out_sec = cadre_create(actor=SYSTEM, org=w.village_out, name="外村书记")
    position_create(
        actor=SYSTEM, cadre=out_sec, org=w.village_out, title=PositionTitle.SECRETARY, is_leadership=True
    )
    town = make_group(w.town_in, "石牌青农", group_type="qingnong")
    county = make_group(w.county_in, "怀宁青农", group_type="qingnong")
    other = make_group(w.town_out, "徐桥青农", group_type="qingnong")
    services.membership_add_cadre(actor=SYSTEM, group=other, cadre=out_sec)
    result = selectors.qingnong_completeness_many([town, county, other])
    assert [e.cadre for e in result[town.pk].expected] == [sec]
    assert [e.cadre for e in result[county.pk].expected] == [town_member]
    assert result[other.pk].complete and result[other.pk].expected_count == 1
