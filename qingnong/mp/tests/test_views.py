"""Pages and API of the official-account app: forms show Chinese errors, secrets are never shown again."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.urls import reverse

from qingnong.core.system import SYSTEM
from qingnong.mp import services
from qingnong.mp.models import CadreFollow, Menu, OfficialAccount, Post, QrCode, ReplyRule
from qingnong.orgs.services import cadre_create, user_create

from .conftest import AES_KEY, APP_SECRET, TOKEN, make_account

pytestmark = pytest.mark.django_db

SECRETS = (APP_SECRET, TOKEN, AES_KEY)


def test_create_account_through_the_page_and_never_see_secrets_again(scope_world, caplog):
    caplog.set_level(logging.DEBUG)
    client = scope_world.client("admin_in")
    response = client.post(
        reverse("mp:account_add"),
        {
            "org": f"#{scope_world.county_in.pk}",
            "name": "怀宁青年",
            "kind": "subscription",
            "app_id": "wx0123456789abcdef",
            "original_id": "gh_0123456789ab",
            "message_mode": "safe",
            "posts_per_week": 2,
            "app_secret": APP_SECRET,
            "token": TOKEN,
            "encoding_aes_key": AES_KEY,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account = OfficialAccount.objects.get()
    pages = [
        client.get(account.get_absolute_url()),
        client.get(reverse("mp:account_edit", args=[account.pk])),
        client.get(reverse("mp:account_secrets", args=[account.pk])),
        client.get(reverse("mp:account_list")),
        client.get(reverse("mp:account_list") + "?export=csv"),
        client.get(f"/api/v1/mp/accounts/{account.pk}"),
        client.get("/api/v1/mp/accounts/"),
    ]
    detail = pages[0].content.decode()
    assert "已设置（加密保存）" in detail
    assert "/wx/" + account.callback_key in detail
    for page in pages:
        body = b"".join(page.streaming_content) if page.streaming else page.content
        for secret in SECRETS:
            assert secret.encode() not in body
    api = pages[5].json()
    assert api["has_app_secret"] and api["has_token"] and api["has_encoding_aes_key"]
    assert not any("encrypted" in key for key in api)
    for secret in SECRETS:
        assert secret not in caplog.text


def test_bad_account_form_shows_chinese_errors_and_does_not_echo_secret(scope_world):
    client = scope_world.client("admin_in")
    response = client.post(
        reverse("mp:account_add"),
        {
            "org": f"#{scope_world.town_in.pk}",
            "name": "石牌青年",
            "kind": "subscription",
            "message_mode": "plain",
            "posts_per_week": 2,
            "app_secret": "not-a-secret-value",
        },
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "县级及以上" in text or "AppSecret 应为 32 位" in text
    assert "not-a-secret-value" not in text
    assert not OfficialAccount.objects.exists()


def test_rule_form_with_catastrophic_regex(scope_world, account):
    client = scope_world.client("admin_in")
    response = client.post(
        reverse("mp:rule_add", args=[account.pk]),
        {
            "kind": "keyword",
            "name": "坏规则",
            "match_type": "regex",
            "keywords": "(a+)+$",
            "priority": 0,
            "reply_type": "text",
            "reply_text": "x",
            "is_active": "on",
        },
    )
    assert response.status_code == 422
    assert "可能导致回复超时" in response.content.decode()
    assert not ReplyRule.objects.exists()


def test_rule_form_news_articles(scope_world, account):
    client = scope_world.client("admin_in")
    response = client.post(
        reverse("mp:rule_add", args=[account.pk]),
        {
            "kind": "keyword",
            "name": "活动",
            "match_type": "contains",
            "keywords": "活动",
            "priority": 3,
            "reply_type": "news",
            "articles": "报名 | https://example.org/a | https://example.org/a.jpg | 点我",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule = ReplyRule.objects.get()
    assert rule.articles == [
        {
            "title": "报名",
            "url": "https://example.org/a",
            "image": "https://example.org/a.jpg",
            "description": "点我",
        }
    ]
    assert (
        "报名 | https://example.org/a" in client.get(reverse("mp:rule_edit", args=[rule.pk])).content.decode()
    )


def test_menu_editor(scope_world, account):
    client = scope_world.client("admin_in")
    url = reverse("mp:menu_edit", args=[account.pk])
    bad = client.post(url, {"b0_name": "这个名称实在太长", "b0_type": "view", "b0_value": "ftp://x"})
    assert bad.status_code == 422
    assert "名称过长" in bad.content.decode() or "最多" in bad.content.decode()
    assert not Menu.objects.exists()
    ok = client.post(
        url,
        {
            "b0_name": "入群",
            "b0_type": "click",
            "b0_value": "JOIN",
            "b1_name": "服务",
            "b1s0_name": "政策解读",
            "b1s0_type": "view",
            "b1s0_value": "https://example.org/p",
        },
    )
    assert ok.status_code == 302
    menu = Menu.objects.get()
    assert menu.buttons == [
        {"name": "入群", "type": "click", "key": "JOIN"},
        {
            "name": "服务",
            "sub_button": [{"name": "政策解读", "type": "view", "url": "https://example.org/p"}],
        },
    ]
    page = client.get(url).content.decode()
    assert 'value="政策解读"' in page


def test_post_workflow_through_pages(scope_world, account):
    client = scope_world.client("admin_in")
    response = client.post(
        reverse("mp:post_add"),
        {"account": account.pk, "title": "政策解读", "category": "policy", "content": "正文"},
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert client.post(reverse("mp:post_submit", args=[post.pk])).status_code == 302
    bad = client.post(reverse("mp:post_return", args=[post.pk]), {"comment": ""})
    assert bad.status_code == 422 and "退回须填写意见" in bad.content.decode()
    assert client.post(reverse("mp:post_approve", args=[post.pk]), {"comment": "可以"}).status_code == 302
    bad = client.post(reverse("mp:post_record", args=[post.pk]), {"url": "https://example.com/x"})
    assert bad.status_code == 422 and "mp.weixin.qq.com" in bad.content.decode()
    ok = client.post(reverse("mp:post_record", args=[post.pk]), {"url": "https://mp.weixin.qq.com/s/abc"})
    assert ok.status_code == 302
    post.refresh_from_db()
    assert post.status == "published"
    detail = client.get(post.get_absolute_url()).content.decode()
    assert "已发布" in detail and "https://mp.weixin.qq.com/s/abc" in detail


def test_viewer_sees_posts_but_cannot_move_them(scope_world, account):
    post = services.post_create(actor=SYSTEM, account=account, title="标题", category="policy", content="x")
    viewer = scope_world.client("viewer_in")
    page = viewer.get(post.get_absolute_url())
    assert page.status_code == 200 and "提交审核" not in page.content.decode()
    assert viewer.post(reverse("mp:post_submit", args=[post.pk])).status_code == 404
    assert Post.objects.get().status == "draft"


def test_poster_is_public_media(scope_world, account, settings):
    code = QrCode.objects.create(
        account=account,
        scene=f"o{scope_world.village_in.pk}",
        kind="permanent",
        org=scope_world.village_in,
        url="http://weixin.qq.com/q/abc",
    )
    response = scope_world.client("admin_in").get(reverse("mp:qrcode_poster", args=[code.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/media/public/mp/posters/")
    path = Path(settings.MEDIA_ROOT) / response["Location"].removeprefix("/media/")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_poster_font_is_found():
    from qingnong.mp.posters import font_path, render_poster

    assert font_path() is not None  # Debian's Noto CJK (the fallback is Pillow's default font)
    assert render_poster(account_name="青农安庆", target_name="石牌镇团委", qr_content="x")[:4] == b"\x89PNG"


def _cadre_user(world, org, username="cg"):
    cadre = cadre_create(actor=SYSTEM, org=org, name="村干部")
    user = user_create(actor=SYSTEM, username=username, password="Some-pass-2014", home_org=org, cadre=cadre)
    from django.test import Client

    client = Client()
    client.force_login(user)
    return cadre, user, client


def test_my_follows_page_confirm_and_bind(fake_wechat, scope_world):
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
    cadre, _user, client = _cadre_user(w, w.village_in)
    page = client.get(reverse("mp:my_follows")).content.decode()
    assert "安徽省青年创业者协会" in page and "我已关注" in page and "生成绑定码" in page
    assert client.post(reverse("mp:follow_confirm", args=[external.pk])).status_code == 302
    assert CadreFollow.objects.get(cadre=cadre, account=external).active
    refused = client.post(reverse("mp:follow_confirm", args=[served.pk]), follow=True).content.decode()
    assert "绑定二维码" in refused
    bound = client.post(reverse("mp:follow_bind", args=[served.pk]))
    assert bound.status_code == 302 and "?bind=" in bound["Location"]
    page = client.get(bound["Location"]).content.decode()
    assert "<svg" in page and "只能使用一次" in page
    # The cadre's page shows the R8 status to their admins.
    admin_page = w.client("admin_in").get(reverse("orgs:cadre_detail", args=[cadre.pk])).content.decode()
    assert "关注推荐公众号（R8）" in admin_page and "已关注" in admin_page


def test_my_follows_needs_a_cadre(scope_world):
    assert scope_world.client("admin_in").get(reverse("mp:my_follows")).status_code == 404
    assert scope_world.client(None).get(reverse("mp:my_follows")).status_code == 302


def test_bind_code_of_another_cadre_is_not_shown(fake_wechat, scope_world):
    w = scope_world
    served = make_account(w.city, name="青农安庆", recommended=True)
    cadre, user, _ = _cadre_user(w, w.village_in)
    code = services.bind_code_create(actor=user, cadre=cadre, account=served)
    _other, _u, other_client = _cadre_user(w, w.village_out, username="other")
    page = other_client.get(reverse("mp:my_follows") + f"?bind={code.pk}").content.decode()
    assert "<svg" not in page


def test_callback_method_not_allowed(account):
    from django.test import Client

    assert Client().put(account.callback_path()).status_code == 405


def test_follower_openids_are_masked_without_personal_access(scope_world, account):
    services.follower_event(account_id=account.pk, event="subscribe", openid="oSecretOpenid123")
    admin = (
        scope_world.client("admin_in").get(reverse("mp:follower_list", args=[account.pk])).content.decode()
    )
    viewer = (
        scope_world.client("viewer_in").get(reverse("mp:follower_list", args=[account.pk])).content.decode()
    )
    assert "oSecretOpenid123" in admin
    assert "oSecretOpenid123" not in viewer and "o******" in viewer
    api = scope_world.api("viewer_in").get(f"/api/v1/mp/accounts/{account.pk}/followers").json()
    assert api["items"][0]["openid"] == "o******"


def test_api_post_workflow_and_errors(scope_world, account):
    api = scope_world.api("admin_in")
    created = api.post(
        "/api/v1/mp/posts/",
        {"account_id": account.pk, "title": "标题", "category": "policy"},
        content_type="application/json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    refused = api.post(
        f"/api/v1/mp/posts/{pk}/transition", {"action": "submit"}, content_type="application/json"
    )
    assert refused.status_code == 422 and "正文为空" in refused.json()["message"]
    api.patch(f"/api/v1/mp/posts/{pk}", {"content": "正文"}, content_type="application/json")
    for action in ("submit", "approve"):
        assert (
            api.post(
                f"/api/v1/mp/posts/{pk}/transition", {"action": action}, content_type="application/json"
            ).status_code
            == 200
        )
    done = api.post(
        f"/api/v1/mp/posts/{pk}/transition",
        {"action": "record_external", "url": "https://mp.weixin.qq.com/s/ok"},
        content_type="application/json",
    )
    assert done.json()["status"] == "published"
    bad = api.post(
        "/api/v1/mp/posts/",
        {"account_id": account.pk, "title": "x", "category": "gossip"},
        content_type="application/json",
    )
    assert bad.status_code == 422


def test_account_list_counts_followers_and_admins(scope_world, account):
    for i in range(3):
        services.follower_event(account_id=account.pk, event="subscribe", openid=f"o{i}")
    services.follower_event(account_id=account.pk, event="unsubscribe", openid="o0")
    for name in ("甲", "乙"):
        services.admin_add(
            actor=SYSTEM,
            account=account,
            cadre=cadre_create(actor=SYSTEM, org=scope_world.county_in, name=name),
        )
    from qingnong.mp.selectors import account_list

    row = account_list(user=scope_world.users["admin_in"]).get(pk=account.pk)
    assert (row.follower_count, row.admin_count) == (2, 2)
    page = scope_world.client("admin_in").get(reverse("mp:account_list")).content.decode()
    assert "涨粉排行" in page and "团干部关注率（R8）" in page
