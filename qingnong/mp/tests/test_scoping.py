"""Every page and API endpoint of the official-account app honours scope (the generic suite)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qingnong.core.system import SYSTEM
from qingnong.core.testing import Endpoint, ScopedEndpointSuite
from qingnong.mp import services
from qingnong.mp.models import AccountAdmin, Menu, MpJob, OfficialAccount, Post, QrCode, ReplyRule

from .conftest import Creds, make_account

pytestmark = pytest.mark.django_db


def _url(name, attr="pk"):
    return lambda w, obj: reverse(name, args=[getattr(obj, attr)])


def _account(world, org):
    creds = Creds(app_id=f"wx{org.pk:016x}")
    return make_account(org, creds=creds, api=False)


def _all_counts():
    return (
        OfficialAccount.objects.count(),
        ReplyRule.objects.count(),
        Menu.objects.count(),
        Post.objects.count(),
        AccountAdmin.objects.count(),
        MpJob.objects.count(),
        tuple(Post.objects.values_list("status", flat=True).order_by("pk")),
        tuple(OfficialAccount.objects.values_list("name", "token_encrypted").order_by("pk")),
    )


class TestAccountEndpoints(ScopedEndpointSuite):
    inside_org = "county_in"
    outside_org = "county_out"
    make_object = staticmethod(_account)

    def count_objects(self, world):
        return _all_counts()

    endpoints = [
        Endpoint("page-detail", _url("mp:account_detail")),
        Endpoint("page-edit-form", _url("mp:account_edit")),
        Endpoint(
            "page-edit",
            _url("mp:account_edit"),
            method="post",
            data=lambda w, a: {
                "name": a.name + "改",
                "kind": "subscription",
                "message_mode": "safe",
                "posts_per_week": 3,
                "is_active": "on",
            },
        ),
        Endpoint("page-secrets-form", _url("mp:account_secrets")),
        Endpoint(
            "page-secrets",
            _url("mp:account_secrets"),
            method="post",
            data=lambda w, a: {"token": "NewToken9"},
        ),
        Endpoint("page-admin-add-form", _url("mp:admin_add")),
        Endpoint("page-followers", _url("mp:follower_list")),
        Endpoint("page-rules", _url("mp:rule_list")),
        Endpoint("page-rule-add-form", _url("mp:rule_add")),
        Endpoint(
            "page-rule-add",
            _url("mp:rule_add"),
            method="post",
            data=lambda w, a: {
                "kind": "keyword",
                "name": "测试",
                "match_type": "contains",
                "keywords": "测试",
                "priority": 0,
                "reply_type": "text",
                "reply_text": "收到",
                "is_active": "on",
            },
        ),
        Endpoint("page-menu", _url("mp:menu_edit")),
        Endpoint(
            "page-menu-save",
            _url("mp:menu_edit"),
            method="post",
            data=lambda w, a: {"b0_name": "入群", "b0_type": "click", "b0_value": "JOIN"},
        ),
        Endpoint("page-menu-push-form", _url("mp:menu_push")),
        Endpoint("page-qrcodes", _url("mp:qrcode_list")),
        Endpoint("page-qrcode-generate-form", _url("mp:qrcode_generate")),
        Endpoint("page-post-add-form", lambda w, a: reverse("mp:post_add") + f"?account={a.pk}"),
        Endpoint(
            "page-list",
            lambda w, a: reverse("mp:account_list"),
            target="list",
            marker=lambda a: f'href="/mp/accounts/{a.pk}/"',
        ),
        Endpoint(
            "page-create",
            lambda w, o: reverse("mp:account_add"),
            method="post",
            target="create",
            data=lambda w, o: {
                "org": f"#{o.pk}",
                "name": "新公众号",
                "kind": "subscription",
                "message_mode": "plain",
                "posts_per_week": 2,
            },
            outside=(422,),
        ),
        Endpoint("api-get", lambda w, a: f"/api/v1/mp/accounts/{a.pk}", kind="api"),
        Endpoint("api-followers", lambda w, a: f"/api/v1/mp/accounts/{a.pk}/followers", kind="api"),
        Endpoint("api-cadence", lambda w, a: f"/api/v1/mp/accounts/{a.pk}/cadence", kind="api"),
        Endpoint(
            "api-list",
            lambda w, a: "/api/v1/mp/accounts/?limit=500",
            kind="api",
            target="list",
            marker=lambda a: f'"name": "{a.name}"',
        ),
        Endpoint(
            "api-post-create",
            lambda w, a: "/api/v1/mp/posts/",
            kind="api",
            method="post",
            data=lambda w, a: {"account_id": a.pk, "title": "新推文", "category": "policy"},
        ),
    ]


def _rule(world, org):
    account = _account(world, org)
    return services.rule_create(
        actor=SYSTEM, account=account, name="政策", keywords="政策", reply_type="text", reply_text="回复"
    )


class TestRuleEndpoints(ScopedEndpointSuite):
    inside_org = "county_in"
    outside_org = "county_out"
    make_object = staticmethod(_rule)

    def count_objects(self, world):
        return tuple(ReplyRule.objects.values_list("pk", "reply_text").order_by("pk"))

    endpoints = [
        Endpoint("page-edit-form", _url("mp:rule_edit")),
        Endpoint(
            "page-edit",
            _url("mp:rule_edit"),
            method="post",
            data=lambda w, r: {
                "kind": "keyword",
                "name": "政策",
                "match_type": "contains",
                "keywords": "政策",
                "priority": 1,
                "reply_type": "text",
                "reply_text": "新回复",
                "is_active": "on",
            },
        ),
        Endpoint("page-delete-form", _url("mp:rule_delete")),
        Endpoint("page-delete", _url("mp:rule_delete"), method="post"),
    ]


def _admin(world, org):
    from qingnong.orgs.services import cadre_create

    account = _account(world, org)
    cadre = cadre_create(actor=SYSTEM, org=org, name=f"{org.name}管理员")
    return services.admin_add(actor=SYSTEM, account=account, cadre=cadre)


class TestAdminEndpoints(ScopedEndpointSuite):
    inside_org = "county_in"
    outside_org = "county_out"
    make_object = staticmethod(_admin)

    def count_objects(self, world):
        return AccountAdmin.objects.count()

    endpoints = [
        Endpoint("page-remove-form", _url("mp:admin_remove")),
        Endpoint("page-remove", _url("mp:admin_remove"), method="post"),
    ]


def _post(world, org, status="draft"):
    account = _account(world, org)
    post = services.post_create(
        actor=SYSTEM, account=account, title=f"{org.name}推文", category="policy", content="正文"
    )
    if status in ("review", "approved"):
        post = services.post_submit(actor=SYSTEM, post=post)
    if status == "approved":
        post = services.post_approve(actor=SYSTEM, post=post)
    return post


class TestDraftPostEndpoints(ScopedEndpointSuite):
    inside_org = "county_in"
    outside_org = "county_out"
    make_object = staticmethod(_post)

    def count_objects(self, world):
        return _all_counts()

    endpoints = [
        Endpoint("page-detail", _url("mp:post_detail")),
        Endpoint("page-edit-form", _url("mp:post_edit")),
        Endpoint(
            "page-edit",
            _url("mp:post_edit"),
            method="post",
            data=lambda w, p: {
                "account": p.account_id,
                "title": "改标题",
                "category": "policy",
                "content": "正文",
            },
        ),
        Endpoint("page-submit", _url("mp:post_submit"), method="post"),
        Endpoint("page-delete", _url("mp:post_delete"), method="post"),
        Endpoint(
            "page-list",
            lambda w, p: reverse("mp:post_list"),
            target="list",
            marker=lambda p: f"/mp/posts/{p.pk}/",
        ),
        Endpoint("api-get", lambda w, p: f"/api/v1/mp/posts/{p.pk}", kind="api"),
        Endpoint(
            "api-patch",
            lambda w, p: f"/api/v1/mp/posts/{p.pk}",
            kind="api",
            method="patch",
            data=lambda w, p: {"digest": "摘要"},
        ),
        Endpoint(
            "api-submit",
            lambda w, p: f"/api/v1/mp/posts/{p.pk}/transition",
            kind="api",
            method="post",
            data=lambda w, p: {"action": "submit"},
        ),
        Endpoint(
            "api-list",
            lambda w, p: "/api/v1/mp/posts/?limit=500",
            kind="api",
            target="list",
            marker=lambda p: f'"title": "{p.title}"',
        ),
    ]


class TestReviewPostEndpoints(ScopedEndpointSuite):
    inside_org = "county_in"
    outside_org = "county_out"
    make_object = staticmethod(lambda w, o: _post(w, o, "review"))

    def count_objects(self, world):
        return _all_counts()

    endpoints = [
        Endpoint("page-approve", _url("mp:post_approve"), method="post", data=lambda w, p: {"comment": "好"}),
        Endpoint(
            "page-return", _url("mp:post_return"), method="post", data=lambda w, p: {"comment": "再改改"}
        ),
        Endpoint(
            "api-approve",
            lambda w, p: f"/api/v1/mp/posts/{p.pk}/transition",
            kind="api",
            method="post",
            data=lambda w, p: {"action": "approve"},
        ),
    ]


class TestApprovedPostEndpoints(ScopedEndpointSuite):
    inside_org = "county_in"
    outside_org = "county_out"
    make_object = staticmethod(lambda w, o: _post(w, o, "approved"))

    def count_objects(self, world):
        return _all_counts()

    endpoints = [
        Endpoint(
            "page-record",
            _url("mp:post_record"),
            method="post",
            data=lambda w, p: {"url": "https://mp.weixin.qq.com/s/abc"},
        ),
        Endpoint(
            "api-record",
            lambda w, p: f"/api/v1/mp/posts/{p.pk}/transition",
            kind="api",
            method="post",
            data=lambda w, p: {"action": "record_external", "url": "https://mp.weixin.qq.com/s/abc"},
        ),
    ]


def _code(world, org):
    account = _account(world, org)
    return QrCode.objects.create(
        account=account, scene=f"o{org.pk}", kind="permanent", org=org, url="http://weixin.qq.com/q/x"
    )


class TestQrCodeEndpoints(ScopedEndpointSuite):
    inside_org = "county_in"
    outside_org = "county_out"
    make_object = staticmethod(_code)
    endpoints = [Endpoint("page-poster", _url("mp:qrcode_poster"))]


def _job(world, org):
    return MpJob.objects.create(account=_account(world, org), kind="qrcodes", status="done")


class TestJobEndpoints(ScopedEndpointSuite):
    inside_org = "county_in"
    outside_org = "county_out"
    make_object = staticmethod(_job)
    endpoints = [Endpoint("page-detail", _url("mp:job_detail"))]


class TestOrgEndpoints(ScopedEndpointSuite):
    """Recruitment and R8 pages of an org (the object is the org itself)."""

    endpoints = [
        Endpoint("page-recruitment", _url("mp:org_recruitment")),
        Endpoint("page-follows", _url("mp:org_follows")),
        Endpoint("api-recruitment", lambda w, o: f"/api/v1/mp/orgs/{o.pk}/recruitment", kind="api"),
        Endpoint("api-cadre-follows", lambda w, o: f"/api/v1/mp/orgs/{o.pk}/cadre-follows", kind="api"),
    ]
