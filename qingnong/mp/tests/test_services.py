"""Services of the official-account app: every bad input gets its Chinese message and writes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qingnong.core.models import AuditEntry
from qingnong.core.system import SYSTEM
from qingnong.mp import services
from qingnong.mp.choices import PostStatus
from qingnong.mp.models import (
    AccountAdmin,
    CadreFollow,
    Follower,
    Menu,
    OfficialAccount,
    Post,
    QrCode,
    ReplyRule,
)
from qingnong.orgs.services import cadre_create, user_create

from .conftest import AES_KEY, APP_SECRET, TOKEN, Creds, make_account

pytestmark = pytest.mark.django_db


def messages_of(exc_info):
    return " ".join(exc_info.value.messages)


def audit_count(prefix):
    return AuditEntry.objects.filter(action__startswith=prefix).count()


# --- accounts -------------------------------------------------------------------------------


def test_account_below_county_is_refused(scope_world):
    with pytest.raises(ValidationError) as exc:
        services.account_create(actor=SYSTEM, org=scope_world.town_in, name="石牌青年", message_mode="plain")
    assert "县级及以上" in messages_of(exc) and "（二.4）" in messages_of(exc)
    assert not OfficialAccount.objects.exists()
    assert audit_count("mp.account") == 0


def test_r5_naming_is_a_stored_warning_not_a_refusal(scope_world):
    account = services.account_create(
        actor=SYSTEM, org=scope_world.city, name="安庆共青团", message_mode="plain"
    )
    assert account.naming_warning.startswith("（R5）")
    assert "青农安庆" in account.naming_warning
    fixed = services.account_update(actor=SYSTEM, account=account, data={"name": "青农安庆"})
    assert fixed.naming_warning == ""
    county = services.account_create(
        actor=SYSTEM, org=scope_world.county_in, name="怀宁共青团", message_mode="plain"
    )
    assert county.naming_warning == ""  # county level and below: free names


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("app_secret", "not-hex", "AppSecret 应为 32 位"),
        ("token", "短", "Token 应为"),
        ("encoding_aes_key", "tooShort", "EncodingAESKey 应为 43 位"),
        ("app_id", "wx123", "AppID 应为 wx"),
        ("original_id", "gh_zz", "原始ID应为"),
    ],
)
def test_malformed_credentials_are_refused_and_not_echoed(scope_world, field, value, fragment):
    kwargs = {
        "app_id": "wx0123456789abcdef",
        "app_secret": APP_SECRET,
        "token": TOKEN,
        "encoding_aes_key": AES_KEY,
        "original_id": "gh_0123456789ab",
    }
    kwargs[field] = value
    with pytest.raises(ValidationError) as exc:
        services.account_create(actor=SYSTEM, org=scope_world.county_in, name="怀宁青年", **kwargs)
    assert fragment in messages_of(exc)
    if field in ("app_secret", "token", "encoding_aes_key"):
        assert value not in messages_of(exc)
    assert not OfficialAccount.objects.exists()


def test_safe_mode_needs_aes_key_and_api_needs_secret(scope_world):
    with pytest.raises(ValidationError) as exc:
        services.account_create(actor=SYSTEM, org=scope_world.county_in, name="怀宁青年", message_mode="safe")
    assert "EncodingAESKey" in messages_of(exc)
    with pytest.raises(ValidationError) as exc:
        services.account_create(
            actor=SYSTEM, org=scope_world.county_in, name="怀宁青年", message_mode="plain", api_enabled=True
        )
    assert "AppSecret" in messages_of(exc)
    assert not OfficialAccount.objects.exists()


def test_duplicate_app_id_is_refused(scope_world, account):
    with pytest.raises(ValidationError) as exc:
        make_account(scope_world.county_out)
    assert "已登记在另一个公众号" in messages_of(exc)
    assert OfficialAccount.objects.count() == 1


def test_account_outside_scope_is_refused(scope_world):
    with pytest.raises(PermissionDenied):
        services.account_create(
            actor=scope_world.users["admin_in"],
            org=scope_world.county_out,
            name="太湖青年",
            message_mode="plain",
        )
    # An editor may publish but not configure accounts.
    editor = user_create(
        actor=SYSTEM, username="ed", password="Some-pass-2014", home_org=scope_world.county_in
    )
    from qingnong.orgs.services import grant_create

    grant_create(actor=SYSTEM, user=editor, org=scope_world.county_in, role="editor")
    with pytest.raises(PermissionDenied):
        services.account_create(
            actor=editor, org=scope_world.county_in, name="怀宁青年", message_mode="plain"
        )
    assert not OfficialAccount.objects.exists()


def test_set_secrets_changes_only_given_ones_and_audits_names(account):
    before = OfficialAccount.objects.get(pk=account.pk)
    services.account_set_secrets(actor=SYSTEM, account=account, token="AnotherToken1", app_secret="")
    after = OfficialAccount.objects.get(pk=account.pk)
    assert after.token_encrypted != before.token_encrypted
    assert after.app_secret_encrypted == before.app_secret_encrypted
    entry = AuditEntry.objects.get(action="mp.account.secrets")
    assert entry.after == {"secrets_changed": ["Token"]}
    with pytest.raises(ValidationError) as exc:
        services.account_set_secrets(actor=SYSTEM, account=account)
    assert "没有填写" in messages_of(exc)


# --- admin team -----------------------------------------------------------------------------


def test_admin_team(scope_world, account):
    cadre = cadre_create(actor=SYSTEM, org=scope_world.county_in, name="张三")
    services.admin_add(actor=SYSTEM, account=account, cadre=cadre, kind="full_time")
    with pytest.raises(ValidationError) as exc:
        services.admin_add(actor=SYSTEM, account=account, cadre=cadre)
    assert "已在" in messages_of(exc)
    gone = cadre_create(actor=SYSTEM, org=scope_world.county_in, name="李四", is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.admin_add(actor=SYSTEM, account=account, cadre=gone)
    assert "已离任" in messages_of(exc)
    assert AccountAdmin.objects.count() == 1


# --- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"keywords": "(a+)+$", "match_type": "regex"}, "可能导致回复超时"),
        ({"keywords": "(a|aa)*b", "match_type": "regex"}, "可能导致回复超时"),
        ({"keywords": r"(\w)\1", "match_type": "regex"}, "反向引用"),
        ({"keywords": "[unclosed", "match_type": "regex"}, "正则表达式有误"),
        ({"keywords": "", "match_type": "contains"}, "至少填写一个关键词"),
        ({"keywords": "政策", "reply_text": ""}, "请填写回复文字"),
        ({"keywords": "政策", "reply_text": "长" * 601}, "最多 600 字"),
        ({"keywords": "政策", "reply_type": "news", "articles": []}, "至少需要一篇图文"),
        (
            {"keywords": "政策", "reply_type": "news", "articles": [{"title": "a", "url": "javascript:x"}]},
            "不是 http",
        ),
        ({"kind": "click", "event_key": ""}, "须填写菜单 key"),
    ],
)
def test_bad_rules_are_refused(account, data, fragment):
    base = {
        "name": "规则",
        "kind": "keyword",
        "match_type": "contains",
        "reply_type": "text",
        "reply_text": "好",
    }
    with pytest.raises(ValidationError) as exc:
        services.rule_create(actor=SYSTEM, account=account, **{**base, **data})
    assert fragment in messages_of(exc)
    assert not ReplyRule.objects.exists()


def test_catastrophic_regex_cannot_be_saved_by_update_either(account):
    rule = services.rule_create(
        actor=SYSTEM, account=account, name="r", match_type="regex", keywords="^活动$", reply_text="好"
    )
    with pytest.raises(ValidationError):
        services.rule_update(actor=SYSTEM, rule=rule, data={"keywords": "(x+x+)+y"})
    rule.refresh_from_db()
    assert rule.keywords == "^活动$"


# --- menu -----------------------------------------------------------------------------------


def test_menu_limits(account):
    too_many = [{"type": "click", "name": f"菜单{i}", "key": f"K{i}"} for i in range(4)]
    with pytest.raises(ValidationError) as exc:
        services.menu_save(actor=SYSTEM, account=account, buttons=too_many)
    assert "最多 3 个" in messages_of(exc)
    subs = [{"type": "click", "name": f"子{i}", "key": f"K{i}"} for i in range(6)]
    with pytest.raises(ValidationError) as exc:
        services.menu_save(actor=SYSTEM, account=account, buttons=[{"name": "分组", "sub_button": subs}])
    assert "子菜单最多 5 个" in messages_of(exc)
    with pytest.raises(ValidationError) as exc:
        services.menu_save(
            actor=SYSTEM,
            account=account,
            buttons=[{"type": "view", "name": "很长的菜单名称", "url": "ftp://x"}],
        )
    text = messages_of(exc)
    assert "名称过长" in text and "http(s)" in text
    assert not Menu.objects.exists()
    menu = services.menu_save(
        actor=SYSTEM,
        account=account,
        buttons=[
            {"type": "click", "name": "入群", "key": "JOIN"},
            {
                "name": "服务",
                "sub_button": [{"type": "view", "name": "政策解读", "url": "https://example.org/"}],
            },
        ],
    )
    assert menu.buttons[1]["sub_button"][0]["url"] == "https://example.org/"


def test_menu_push(fake_wechat, account):
    with pytest.raises(ValidationError) as exc:
        services.menu_push(actor=SYSTEM, account=account)
    assert "请先保存菜单" in messages_of(exc)
    services.menu_save(
        actor=SYSTEM, account=account, buttons=[{"type": "click", "name": "入群", "key": "JOIN"}]
    )
    fake_wechat.fail_next("/cgi-bin/menu/create", 40016)
    with pytest.raises(ValidationError) as exc:
        services.menu_push(actor=SYSTEM, account=account)
    assert "菜单推送失败" in messages_of(exc)
    assert Menu.objects.get(account=account).push_error
    menu = services.menu_push(actor=SYSTEM, account=account)
    assert menu.pushed_at and not menu.push_error
    assert fake_wechat.menus[account.app_id] == [{"name": "入群", "type": "click", "key": "JOIN"}]


# --- posts ----------------------------------------------------------------------------------


def _post(account, **kw):
    return services.post_create(
        actor=SYSTEM,
        account=account,
        title=kw.pop("title", "标题"),
        category=kw.pop("category", "policy"),
        content=kw.pop("content", "正文"),
        **kw,
    )


def test_workflow_draft_to_published_external(scope_world, account):
    editor = scope_world.users["admin_in"]
    post = services.post_create(
        actor=editor, account=account, title="政策解读", category="policy", content="正文"
    )
    assert post.status == PostStatus.DRAFT and post.author == editor
    post = services.post_submit(actor=editor, post=post)
    post = services.post_approve(actor=editor, post=post, comment="好")
    assert post.status == PostStatus.APPROVED and post.reviewer == editor
    post = services.post_record_external(actor=editor, post=post, url="https://mp.weixin.qq.com/s/abc")
    assert post.status == PostStatus.PUBLISHED and post.channel == "external" and post.published_at
    actions = list(
        AuditEntry.objects.filter(object_id=str(post.pk), action__startswith="mp.post").values_list(
            "action", flat=True
        )
    )
    assert set(actions) == {"mp.post.create", "mp.post.submit", "mp.post.approve", "mp.post.record_external"}


@pytest.mark.parametrize(
    ("step", "fragment"),
    [
        ("approve", "不能审核通过"),
        ("record", "不能登记发布"),
        ("publish", "不能发布"),
    ],
)
def test_steps_out_of_order_are_refused(account, step, fragment):
    post = _post(account)
    with pytest.raises(ValidationError) as exc:
        if step == "approve":
            services.post_approve(actor=SYSTEM, post=post)
        elif step == "record":
            services.post_record_external(actor=SYSTEM, post=post, url="https://mp.weixin.qq.com/s/x")
        else:
            services.post_publish(actor=SYSTEM, post=post)
    assert fragment in messages_of(exc) and "草稿" in messages_of(exc)
    assert Post.objects.get(pk=post.pk).status == PostStatus.DRAFT


def test_post_bad_inputs(account, scope_world):
    with pytest.raises(ValidationError) as exc:
        services.post_create(actor=SYSTEM, account=account, title="x", category="gossip")
    assert "六类栏目" in messages_of(exc)
    with pytest.raises(ValidationError) as exc:
        services.post_create(actor=SYSTEM, account=account, title="  ", category="policy")
    assert "请填写标题" in messages_of(exc)
    empty = _post(account, content="")
    with pytest.raises(ValidationError) as exc:
        services.post_submit(actor=SYSTEM, post=empty)
    assert "正文为空" in messages_of(exc)
    review = services.post_submit(actor=SYSTEM, post=_post(account))
    with pytest.raises(ValidationError) as exc:
        services.post_return(actor=SYSTEM, post=review, comment=" ")
    assert "退回须填写意见" in messages_of(exc)
    with pytest.raises(ValidationError) as exc:
        services.post_update(actor=SYSTEM, post=review, data={"title": "改"})
    assert "请先退回草稿" in messages_of(exc)
    approved = services.post_approve(actor=SYSTEM, post=review)
    for bad in ("https://example.com/s/x", "mp.weixin.qq.com/s/x", "javascript:alert(1)"):
        with pytest.raises(ValidationError) as exc:
            services.post_record_external(actor=SYSTEM, post=approved, url=bad)
        assert "mp.weixin.qq.com" in messages_of(exc)
    with pytest.raises(ValidationError) as exc:
        services.post_record_external(
            actor=SYSTEM,
            post=approved,
            url="https://mp.weixin.qq.com/s/x",
            published_at=timezone.now() + datetime.timedelta(days=2),
        )
    assert "不能晚于现在" in messages_of(exc)
    assert Post.objects.get(pk=approved.pk).status == PostStatus.APPROVED
    published = services.post_record_external(actor=SYSTEM, post=approved, url="https://mp.weixin.qq.com/s/x")
    with pytest.raises(ValidationError) as exc:
        services.post_delete(actor=SYSTEM, post=published)
    assert "只能删除草稿" in messages_of(exc)


def test_editor_outside_scope_cannot_touch_posts(scope_world):
    outside = make_account(scope_world.county_out, creds=Creds(app_id="wxfedcba9876543210"))
    post = _post(outside)
    with pytest.raises(PermissionDenied):
        services.post_submit(actor=scope_world.users["admin_in"], post=post)
    with pytest.raises(PermissionDenied):
        services.post_create(
            actor=scope_world.users["inspector"], account=outside, title="x", category="policy"
        )
    assert Post.objects.get(pk=post.pk).status == PostStatus.DRAFT


def test_publish_through_api_then_poll_marks_published(
    fake_wechat, account, django_capture_on_commit_callbacks
):
    post = services.post_approve(actor=SYSTEM, post=services.post_submit(actor=SYSTEM, post=_post(account)))
    with pytest.raises(ValidationError) as exc:
        services.post_publish(actor=SYSTEM, post=post)
    assert "封面素材" in messages_of(exc)
    services.account_update(actor=SYSTEM, account=account, data={"default_thumb_media_id": "THUMB1"})
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_publish(actor=SYSTEM, post=Post.objects.get(pk=post.pk))
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert post.url.startswith("https://mp.weixin.qq.com/") and post.msg_data_id and post.article_id
    draft = fake_wechat.drafts[post.media_id][0]
    assert draft["title"] == post.title and draft["thumb_media_id"] == "THUMB1"


def test_publish_refused_by_wechat_goes_back_to_approved(fake_wechat, account):
    services.account_update(actor=SYSTEM, account=account, data={"default_thumb_media_id": "THUMB1"})
    post = services.post_approve(actor=SYSTEM, post=services.post_submit(actor=SYSTEM, post=_post(account)))
    fake_wechat.fail_next("/cgi-bin/freepublish/submit", 53503)
    with pytest.raises(ValidationError) as exc:
        services.post_publish(actor=SYSTEM, post=post)
    assert "发布失败" in messages_of(exc)
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED and "53503" in post.publish_error


def test_publish_verdict_failure_returns_post(fake_wechat, account, django_capture_on_commit_callbacks):
    services.account_update(actor=SYSTEM, account=account, data={"default_thumb_media_id": "THUMB1"})
    post = services.post_approve(actor=SYSTEM, post=services.post_submit(actor=SYSTEM, post=_post(account)))
    fake_wechat.publish_status = 4
    with django_capture_on_commit_callbacks(execute=True):
        services.post_publish(actor=SYSTEM, post=post)
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED and post.publish_error == "平台审核不通过"


def test_account_without_api_records_external_only(scope_world):
    account = make_account(scope_world.county_in, api=False)
    post = services.post_approve(actor=SYSTEM, post=services.post_submit(actor=SYSTEM, post=_post(account)))
    with pytest.raises(ValidationError) as exc:
        services.post_publish(actor=SYSTEM, post=post)
    assert "登记发布链接" in messages_of(exc)


def test_scheduled_posts_are_published_when_due(fake_wechat, account, django_capture_on_commit_callbacks):
    services.account_update(actor=SYSTEM, account=account, data={"default_thumb_media_id": "THUMB1"})
    later = timezone.now() + datetime.timedelta(hours=2)
    post = _post(account, scheduled_at=later)
    post = services.post_approve(actor=SYSTEM, post=services.post_submit(actor=SYSTEM, post=post))
    assert services.posts_publish_due() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.posts_publish_due(now=later + datetime.timedelta(minutes=1)) == 1
    assert Post.objects.get(pk=post.pk).status == PostStatus.PUBLISHED


# --- followers and R8 -----------------------------------------------------------------------


def test_follower_first_touch_attribution(scope_world, account):
    w = scope_world
    QrCode.objects.create(account=account, scene=f"o{w.village_in.pk}", kind="permanent", org=w.village_in)
    cadre = cadre_create(actor=SYSTEM, org=w.town_in, name="王五")
    QrCode.objects.create(account=account, scene=f"c{cadre.pk}", kind="permanent", cadre=cadre)
    f = services.follower_event(
        account_id=account.pk, event="subscribe", openid="o1", scene=f"o{w.village_in.pk}"
    )
    assert f.org == w.village_in and f.cadre is None
    services.follower_event(account_id=account.pk, event="unsubscribe", openid="o1")
    f = services.follower_event(account_id=account.pk, event="subscribe", openid="o1", scene=f"c{cadre.pk}")
    assert f.subscribed and f.org == w.village_in  # first touch stays
    assert f.last_scene == f"c{cadre.pk}"
    g = services.follower_event(account_id=account.pk, event="subscribe", openid="o2", scene=f"c{cadre.pk}")
    assert g.cadre == cadre and g.org == w.town_in
    unknown = services.follower_event(account_id=account.pk, event="subscribe", openid="o3", scene="o999999")
    assert unknown.org is None and unknown.scene == ""
    plain = services.follower_event(account_id=account.pk, event="subscribe", openid="o4")
    later = services.follower_event(
        account_id=account.pk, event="scan", openid="o4", scene=f"o{w.village_in.pk}"
    )
    assert plain.org is None and later.org is None  # a scan by a follower is not a recruitment
    assert Follower.objects.filter(account=account).count() == 4


def test_bind_code_and_scan_records_follow(fake_wechat, scope_world, django_capture_on_commit_callbacks):
    w = scope_world
    account = make_account(w.city, name="青农安庆", recommended=True)
    cadre = cadre_create(actor=SYSTEM, org=w.village_in, name="村干部")
    user = user_create(
        actor=SYSTEM, username="cg", password="Some-pass-2014", home_org=w.village_in, cadre=cadre
    )
    with pytest.raises(ValidationError) as exc:
        services.bind_code_create(actor=w.users["admin_in"], cadre=cadre, account=account)
    assert "本人" in messages_of(exc)
    code = services.bind_code_create(actor=user, cadre=cadre, account=account)
    assert code.kind == "bind" and code.scene.startswith("b") and code.expires_at > timezone.now()
    text = services.follow_bind_by_scan(account_id=account.pk, scene=code.scene, openid="oCadre")
    assert text.startswith("绑定成功")
    follow = CadreFollow.objects.get(cadre=cadre, account=account)
    assert follow.active and follow.method == "bind" and follow.openid == "oCadre"
    assert "已使用" in services.follow_bind_by_scan(account_id=account.pk, scene=code.scene, openid="oOther")
    assert CadreFollow.objects.get(cadre=cadre).openid == "oCadre"
    # Unsubscribing ends the follow; subscribing again restores it.
    services.follower_event(account_id=account.pk, event="subscribe", openid="oCadre")
    services.follower_event(account_id=account.pk, event="unsubscribe", openid="oCadre")
    assert not CadreFollow.objects.get(cadre=cadre).active
    services.follower_event(account_id=account.pk, event="subscribe", openid="oCadre")
    assert CadreFollow.objects.get(cadre=cadre).active


def test_confirm_follow_of_external_account(scope_world):
    w = scope_world
    external = services.account_create(
        actor=SYSTEM,
        org=w.city,
        name="安徽省青年创业者协会",
        is_external=True,
        recommended=True,
        message_mode="plain",
    )
    served = make_account(w.city, name="青农安庆", recommended=True)
    cadre = cadre_create(actor=SYSTEM, org=w.village_in, name="村干部")
    other = cadre_create(actor=SYSTEM, org=w.village_in, name="别人")
    user = user_create(
        actor=SYSTEM, username="cg", password="Some-pass-2014", home_org=w.village_in, cadre=cadre
    )
    follow = services.follow_confirm(actor=user, cadre=cadre, account=external)
    assert follow.active and follow.method == "confirmed" and follow.confirmed_at
    with pytest.raises(ValidationError) as exc:
        services.follow_confirm(actor=user, cadre=other, account=external)
    assert "本人" in messages_of(exc)
    with pytest.raises(ValidationError) as exc:
        services.follow_confirm(actor=user, cadre=cadre, account=served)
    assert "扫描本人的绑定二维码" in messages_of(exc)
    services.follow_withdraw(actor=user, cadre=cadre, account=external)
    assert not CadreFollow.objects.get(cadre=cadre, account=external).active
    assert CadreFollow.objects.count() == 1


# --- QR codes and statistics ----------------------------------------------------------------


def test_qrcode_job_generates_codes_and_posters(
    fake_wechat, scope_world, account, settings, django_capture_on_commit_callbacks
):
    from pathlib import Path

    w = scope_world
    cadre_create(actor=SYSTEM, org=w.village_in, name="村干部")
    with django_capture_on_commit_callbacks(execute=True):
        job = services.qrcodes_job_create(actor=w.users["admin_in"], account=account, root=w.town_in)
    job.refresh_from_db()
    assert job.status == "done" and job.total == job.done == 3  # 石牌镇, 新河村, one cadre
    codes = list(QrCode.objects.filter(account=account))
    assert {c.kind for c in codes} == {"permanent"}
    for code in codes:
        assert (Path(settings.MEDIA_ROOT) / code.poster).exists()
        assert code.poster.startswith("public/mp/")
    assert {q["action"] for q in fake_wechat.qrcodes.values()} == {"QR_LIMIT_STR_SCENE"}
    with pytest.raises(ValidationError) as exc:
        services.qrcodes_job_create(actor=SYSTEM, account=account, root=w.city)
    assert "不在" in messages_of(exc)
    with pytest.raises(PermissionDenied):
        services.qrcodes_job_create(actor=w.users["admin_in"], account=account, root=w.town_out)


def test_temporary_codes_beyond_the_limit_and_renewal(fake_wechat, scope_world, account, settings):
    from qingnong.mp.client import client_for

    settings.MP_PERMANENT_QR_LIMIT = 1
    client = client_for(account)
    first = services.qrcode_ensure(account=account, org=scope_world.town_in, client=client)
    second = services.qrcode_ensure(account=account, org=scope_world.village_in, client=client)
    assert first.kind == "permanent" and second.kind == "temporary"
    assert second.expires_at > timezone.now() + datetime.timedelta(days=29)
    old_url = second.url
    QrCode.objects.filter(pk=second.pk).update(expires_at=timezone.now() + datetime.timedelta(days=1))
    assert services.qrcodes_renew_due() == 1
    second.refresh_from_db()
    assert (
        second.url != old_url
        and second.renewed_at
        and second.expires_at > timezone.now() + datetime.timedelta(days=29)
    )


def test_renewal_makes_one_client_per_account(fake_wechat, scope_world, account, settings):
    """The renewal job builds each account's client once, however many of its codes are due."""
    from qingnong.mp.client import client_for

    other_creds = Creds(
        app_id="wx00000000000000aa", app_secret="f" * 32, original_id="gh_0000000000aa", token="otherToken"
    )
    fake_wechat.register(other_creds.app_id, other_creds.app_secret)
    other = make_account(scope_world.county_out, creds=other_creds, name="太湖青年")
    settings.MP_PERMANENT_QR_LIMIT = 0
    w = scope_world
    due = {account: [w.county_in, w.town_in, w.village_in], other: [w.town_out, w.village_out]}
    for acc, targets in due.items():
        client = client_for(acc)
        for org in targets:
            assert services.qrcode_ensure(account=acc, org=org, client=client).kind == "temporary"
    QrCode.objects.update(expires_at=timezone.now() + datetime.timedelta(days=1))
    built: list[int] = []

    def counting_factory(acc):
        built.append(acc.pk)
        return client_for(acc)

    assert services.qrcodes_renew_due(client_factory=counting_factory) == 5
    assert sorted(built) == sorted([account.pk, other.pk])
    assert not QrCode.objects.filter(expires_at__lt=timezone.now() + datetime.timedelta(days=29)).exists()


def test_stats_sync_matches_posts_and_sums(fake_wechat, account, django_capture_on_commit_callbacks):
    services.account_update(actor=SYSTEM, account=account, data={"default_thumb_media_id": "THUMB1"})
    via_api = services.post_approve(
        actor=SYSTEM, post=services.post_submit(actor=SYSTEM, post=_post(account, title="接口发布"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        via_api = services.post_publish(actor=SYSTEM, post=via_api)
    via_api.refresh_from_db()
    external = services.post_approve(
        actor=SYSTEM, post=services.post_submit(actor=SYSTEM, post=_post(account, title="后台发布"))
    )
    services.post_record_external(actor=SYSTEM, post=external, url="https://mp.weixin.qq.com/s/y")
    d1, d2 = datetime.date(2014, 10, 8), datetime.date(2014, 10, 9)
    fake_wechat.article_summary[(account.app_id, "2014-10-08")] = [
        {
            "msgid": f"{via_api.msg_data_id}_1",
            "title": "接口发布",
            "int_page_read_user": 80,
            "int_page_read_count": 100,
            "share_user": 4,
            "share_count": 5,
        },
        {"msgid": "999_1", "title": "后台发布", "int_page_read_count": 30, "share_count": 1},
        {"msgid": "998_1", "title": "别的文章", "int_page_read_count": 7},
    ]
    fake_wechat.article_summary[(account.app_id, "2014-10-09")] = [
        {
            "msgid": f"{via_api.msg_data_id}_1",
            "title": "改了标题也能对上",
            "int_page_read_count": 50,
            "share_count": 2,
        },
    ]
    fake_wechat.user_read[(account.app_id, "2014-10-08")] = [
        {
            "user_source": 0,
            "int_page_read_user": 90,
            "int_page_read_count": 120,
            "share_user": 5,
            "share_count": 6,
        },
        {
            "user_source": 1,
            "int_page_read_user": 10,
            "int_page_read_count": 10,
            "share_user": 0,
            "share_count": 0,
        },
    ]
    assert services.stats_sync(account=account, day=d1) == 2
    assert services.stats_sync(account=account, day=d2) == 1
    assert services.stats_sync(account=account, day=d2) == 1  # a re-run replaces, never doubles
    via_api.refresh_from_db()
    external.refresh_from_db()
    assert (via_api.read_count, via_api.share_count) == (150, 7)
    assert (external.read_count, external.share_count) == (30, 1)
    daily = account.daily_stats.get(ref_date=d1)
    assert (daily.read_user, daily.read_count) == (100, 130)
