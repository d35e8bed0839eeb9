"""Notifications on the cadre's WeChat: template messages through the account nearest the cadre."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from qingnong.campaign.reminders import send_daily_reminders
from qingnong.core.models import AuditEntry, Notification
from qingnong.core.notifications import notification_send
from qingnong.core.system import SYSTEM
from qingnong.mp import services
from qingnong.mp.models import CadreFollow, OfficialAccount
from qingnong.mp.notify import parse_template_keys, template_data
from qingnong.mp.selectors import reminder_targets
from qingnong.orgs.services import cadre_create, grant_create, user_create

from .conftest import Creds, make_account

pytestmark = pytest.mark.django_db

TEMPLATE = "Xx9_tmpl-ID0123456789abcdefABCDEF0123456789a"
OTHER_APP = Creds(app_id="wx00000000000000bb", original_id="gh_0000000000bb")


def _bound_cadre(world, account, *, org=None, username="cg", openid="oCadre"):
    org = org or world.village_in
    cadre = cadre_create(actor=SYSTEM, org=org, name=f"{username}干部")
    user = user_create(actor=SYSTEM, username=username, password="Some-pass-2014", home_org=org, cadre=cadre)
    CadreFollow.objects.create(cadre=cadre, account=account, method="bind", openid=openid)
    return user


def _with_template(account, keys="thing1,thing2,time3"):
    return services.account_update(
        actor=SYSTEM, account=account, data={"reminder_template_id": TEMPLATE, "reminder_template_keys": keys}
    )


def test_template_keys_are_parsed_and_checked():
    assert parse_template_keys(" thing1，thing2  time3 ") == ["thing1", "thing2", "time3"]
    assert parse_template_keys("") == []
    with pytest.raises(ValueError, match=r"thing1\.DATA"):
        parse_template_keys("thing1.DATA")
    with pytest.raises(ValueError, match="重复"):
        parse_template_keys("thing1,thing1")


def test_template_data_fits_each_keyword():
    at = timezone.make_aware(datetime.datetime(2014, 10, 31, 7, 30))
    data = template_data(
        ["thing1", "thing2", "phrase3", "time4", "character_string5", "thing6"],
        title="（R2）团青微信群建群率：未达标，请各乡镇抓紧组建",
        body="已于10月31日到期。怀宁县：现 60%，目标 90%",
        org="石牌镇某村",
        kind="todo",
        at=at,
    )
    assert data["thing1"]["value"] == "（R2）团青微信群建群率：未达标，请各…"
    assert len(data["thing1"]["value"]) == 20
    assert data["thing2"]["value"].startswith("已于10月31日到期") and len(data["thing2"]["value"]) <= 20
    assert data["phrase3"]["value"] == "待办提醒"
    assert data["time4"]["value"] == "2014年10月31日 07:30"
    assert data["character_string5"]["value"] == "石牌镇某村"
    assert data["thing6"]["value"] == "青农"  # nothing left to say: never an empty keyword


def test_bad_template_settings_are_refused_and_nothing_written(fake_wechat, scope_world):
    account = make_account(scope_world.city, name="青农安庆")
    for data, field, message in (
        ({"reminder_template_id": "bad id!"}, "reminder_template_id", "模板ID应为"),
        ({"reminder_template_keys": "thing1.DATA"}, "reminder_template_keys", "thing1.DATA"),
        (
            {"reminder_template_id": TEMPLATE, "reminder_template_keys": ""},
            "reminder_template_keys",
            "字段名",
        ),
    ):
        with pytest.raises(ValidationError) as exc:
            services.account_update(actor=SYSTEM, account=account, data=data)
        assert message in " ".join(exc.value.message_dict[field])
    no_api = make_account(scope_world.county_in, api=False, creds=OTHER_APP)
    with pytest.raises(ValidationError) as exc:
        _with_template(no_api)
    assert "具备接口权限" in " ".join(exc.value.message_dict["reminder_template_id"])
    assert not OfficialAccount.objects.exclude(reminder_template_id="").exists()
    assert not AuditEntry.objects.filter(action="mp.account.update").exists()


def test_notification_goes_to_the_bound_cadres_wechat(
    fake_wechat, scope_world, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = "https://qn.example.cn"
    w = scope_world
    account = _with_template(make_account(w.city, name="青农安庆"))
    user = _bound_cadre(w, account)
    unbound = user_create(actor=SYSTEM, username="nobind", password="Some-pass-2014", home_org=w.village_in)
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            recipients=[user, unbound],
            kind="todo",
            title="（R2）团青微信群建群率：未达标",
            body="已于10月31日到期",
            url="/dashboard/?org=1",
        )
    assert Notification.objects.count() == 2
    [message] = fake_wechat.template_messages
    assert message["touser"] == "oCadre" and message["template_id"] == TEMPLATE
    assert message["url"] == "https://qn.example.cn/dashboard/?org=1"
    assert message["data"]["thing1"]["value"] == "（R2）团青微信群建群率：未达标"
    assert message["data"]["thing2"]["value"] == "已于10月31日到期"
    assert "年" in message["data"]["time3"]["value"]


def test_nearest_account_is_used_and_unfollowed_cadres_get_nothing(fake_wechat, scope_world):
    w = scope_world
    fake_wechat.register(OTHER_APP.app_id, OTHER_APP.app_secret)
    city = _with_template(make_account(w.city, name="青农安庆"))
    county = _with_template(make_account(w.county_in, creds=OTHER_APP), keys="thing1,time2")
    user = _bound_cadre(w, city)
    CadreFollow.objects.create(cadre=user.cadre, account=county, method="bind", openid="oCounty")
    outside = _bound_cadre(w, county, org=w.village_out, username="out", openid="oOut")
    gone = _bound_cadre(w, city, username="gone", openid="oGone")
    CadreFollow.objects.filter(openid="oGone").update(active=False)
    targets = reminder_targets([user.pk, outside.pk, gone.pk])
    assert targets[user.pk].account_id == county.pk and targets[user.pk].openid == "oCounty"
    assert targets[user.pk].keys == ("thing1", "time2")
    # 太湖's village is not under 怀宁: the county account is not "nearest", but it is the only one.
    assert targets[outside.pk].account_id == county.pk
    assert gone.pk not in targets
    services.account_update(actor=SYSTEM, account=county, data={"reminder_template_id": ""})
    assert reminder_targets([user.pk])[user.pk].account_id == city.pk


def test_wechat_refusal_keeps_the_notification(fake_wechat, scope_world, django_capture_on_commit_callbacks):
    w = scope_world
    account = _with_template(make_account(w.city, name="青农安庆"))
    user = _bound_cadre(w, account)
    fake_wechat.fail_next("/cgi-bin/message/template/send", 43004)
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipients=[user], kind="wxgroups", title="群二维码明天过期")
    assert Notification.objects.filter(user=user).count() == 1
    assert fake_wechat.template_messages == []
    assert fake_wechat.calls["/cgi-bin/message/template/send"] == 1


def test_daily_todo_reaches_the_cadres_wechat(fake_wechat, scope_world, django_capture_on_commit_callbacks):
    from qingnong.dashboard.tests.helpers import past_campaign

    w = scope_world
    account = _with_template(make_account(w.city, name="青农安庆"))
    user = _bound_cadre(w, account, org=w.town_in)
    grant_create(actor=SYSTEM, user=user, org=w.town_in, role="entry")
    past_campaign(w)
    with django_capture_on_commit_callbacks(execute=True):
        stats = send_daily_reminders()
    mine = Notification.objects.filter(user=user)
    assert stats.users >= 1 and mine.exists()
    sent = [m for m in fake_wechat.template_messages if m["touser"] == "oCadre"]
    assert len(sent) == mine.count()
    assert {m["data"]["thing1"]["value"] for m in sent} == {
        n.title if len(n.title) <= 20 else n.title[:19] + "…" for n in mine
    }


def test_cadre_binds_their_wechat_to_the_reminder_account(fake_wechat, scope_world):
    """An account that is not recommended (R8) but carries reminders is offered on 我的关注; its bind code
    links the cadre's openid, after which their notifications reach WeChat. An account with neither is
    refused, and nothing is written."""
    from django.test import Client
    from django.urls import reverse

    from qingnong.mp.models import QrCode

    w = scope_world
    fake_wechat.register(OTHER_APP.app_id, OTHER_APP.app_secret)
    county = _with_template(make_account(w.county_in, creds=OTHER_APP))
    plain = make_account(w.city, name="青农安庆")
    cadre = cadre_create(actor=SYSTEM, org=w.village_in, name="村干部")
    user = user_create(
        actor=SYSTEM, username="cg", password="Some-pass-2014", home_org=w.village_in, cadre=cadre
    )
    outsider = cadre_create(actor=SYSTEM, org=w.village_out, name="外县干部")
    client = Client()
    client.force_login(user)
    page = client.get(reverse("mp:my_follows")).content.decode()
    assert "微信提醒" in page and county.name in page and "未绑定" in page
    assert plain.name not in page
    from qingnong.mp.selectors import reminder_accounts

    assert reminder_accounts(outsider) == []  # 太湖's cadre is not under 怀宁's account
    assert client.post(reverse("mp:follow_bind", args=[plain.pk])).status_code == 404
    with pytest.raises(ValidationError) as exc:
        services.bind_code_create(actor=user, cadre=cadre, account=plain)
    assert "提醒模板" in " ".join(exc.value.messages)
    assert not QrCode.objects.filter(kind="bind").exists()
    bound = client.post(reverse("mp:follow_bind", args=[county.pk]))
    assert bound.status_code == 302 and "?bind=" in bound["Location"]
    code = QrCode.objects.get(kind="bind", account=county)
    assert services.follow_bind_by_scan(account_id=county.pk, scene=code.scene, openid="oMine").startswith(
        "绑定成功"
    )
    assert "已绑定" in client.get(reverse("mp:my_follows")).content.decode()
    assert reminder_targets([user.pk])[user.pk].openid == "oMine"
