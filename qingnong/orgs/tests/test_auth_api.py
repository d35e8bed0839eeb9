"""Login, lock-out, password change, API tokens, API error bodies, exports and masking."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from qingnong.api.models import ApiToken
from qingnong.api.services import api_token_create, api_token_revoke
from qingnong.core.models import AuditEntry
from qingnong.core.system import SYSTEM
from qingnong.core.testing import PASSWORD
from qingnong.orgs import services
from qingnong.orgs.models import Cadre, Org

pytestmark = pytest.mark.django_db


def test_login_and_logout(client, scope_world):
    response = client.post(reverse("login"), {"username": "admin_in", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("orgs:org_tree")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("orgs:org_tree")).status_code == 302


def test_lockout_after_repeated_failures(client, scope_world, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "admin_in", "password": "wrong-password"})
        assert "用户名或密码不正确" in response.content.decode()
    # Now even the right password is refused until the window passes.
    response = client.post(reverse("login"), {"username": "admin_in", "password": PASSWORD})
    assert response.status_code == 200
    assert "临时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_disabled_user_cannot_login(client, scope_world):
    services.user_set_active(actor=SYSTEM, user=scope_world.users["viewer_in"], active=False)
    response = client.post(reverse("login"), {"username": "viewer_in", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_password_change_is_audited(scope_world):
    client = scope_world.client("admin_in")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-pass-2015",
            "new_password2": "Another-pass-2015",
        },
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="orgs.user.set_password").count() == 1
    user = scope_world.users["admin_in"]
    user.refresh_from_db()
    assert user.check_password("Another-pass-2015")
    assert user.password.startswith(("argon2", "md5"))


def test_argon2_is_the_production_hasher(settings):
    from django.conf import settings as live

    assert any(h.endswith("Argon2PasswordHasher") for h in live.PASSWORD_HASHERS)


def _api_get(token: str | None, path: str = "/api/v1/orgs/roots"):
    from django.test import Client

    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().get(path, **headers)


def test_api_token_lifecycle(scope_world):
    user = scope_world.users["admin_in"]
    token, raw = api_token_create(actor=user, user=user, name="脚本")
    assert ApiToken.objects.get(pk=token.pk).key_hash != raw  # only the hash is stored
    assert raw not in json.dumps(list(AuditEntry.objects.values("after")), ensure_ascii=False)
    ok = _api_get(raw)
    assert ok.status_code == 200
    assert ok.json()[0]["name"] == "怀宁县"
    wrong = _api_get(raw[:-2] + "xx")
    assert wrong.status_code == 401
    assert wrong.json() == {
        "code": "unauthorized",
        "message": "未认证：令牌缺失、错误、已过期或已撤销",
        "fields": {},
    }
    missing = _api_get(None)
    assert missing.status_code == 401 and missing.json()["code"] == "unauthorized"
    api_token_revoke(actor=user, token=token)
    revoked = _api_get(raw)
    assert revoked.status_code == 401 and revoked.json()["code"] == "unauthorized"


def test_expired_token_and_disabled_user(scope_world):
    user = scope_world.users["admin_in"]
    token, raw = api_token_create(actor=user, user=user, days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert _api_get(raw).status_code == 401
    _token2, raw2 = api_token_create(actor=user, user=user)
    services.user_set_active(actor=SYSTEM, user=user, active=False)
    assert _api_get(raw2).status_code == 401


def test_create_api_token_command(scope_world, capsys):
    call_command("create_api_token", "admin_in", "--name", "cli")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("qn_")
    assert _api_get(raw).status_code == 200
    call_command("revoke_api_token", "--user", "admin_in")
    assert _api_get(raw).status_code == 401


def test_malformed_api_body_names_the_field(scope_world):
    client = scope_world.api("admin_in")
    count = Org.objects.count()
    response = client.post(
        "/api/v1/orgs/",
        json.dumps({"parent_id": "abc", "name": "x", "level": "village"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_body"
    assert "parent_id" in body["fields"] and "level" in body["fields"]
    assert "parent_id" in body["message"]
    not_json = client.post("/api/v1/orgs/", "{oops", content_type="application/json")
    assert not_json.status_code in (400, 422)
    assert Org.objects.count() == count


def test_api_service_error_uses_the_same_body(scope_world):
    w = scope_world
    client = w.api("admin_in")
    response = client.post(
        f"/api/v1/orgs/{w.county_in.pk}/move",
        json.dumps({"new_parent_id": w.village_in.pk}),
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "cycle"
    assert "自己或它的下级" in body["message"]
    assert set(body) == {"code", "message", "fields"}


def test_openapi_schema_and_docs(scope_world):
    schema = scope_world.client("admin_in").get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/orgs/{org_id}/move" in paths
    assert "/api/v1/cadres/" in paths
    assert scope_world.client("admin_in").get("/api/v1/docs").status_code == 200


def test_phone_masked_for_inspector_and_export_audited(scope_world):
    w = scope_world
    cadre = services.cadre_create(actor=SYSTEM, org=w.town_in, name="赵六", phone="13911112222")
    admin_page = w.client("admin_in").get(reverse("orgs:cadre_detail", args=[cadre.pk])).content.decode()
    assert "13911112222" in admin_page
    inspector_page = w.client("inspector").get(reverse("orgs:cadre_detail", args=[cadre.pk])).content.decode()
    assert "13911112222" not in inspector_page and "139****2222" in inspector_page
    api = w.api("inspector").get(f"/api/v1/cadres/{cadre.pk}").json()
    assert api["phone"] == "139****2222"
    export = w.client("inspector").get(reverse("orgs:cadre_list") + "?export=csv")
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "赵六" in text and "13911112222" not in text
    export = w.client("admin_in").get(reverse("orgs:cadre_list") + "?export=csv")
    assert "13911112222" in b"".join(export.streaming_content).decode("utf-8-sig")
    assert AuditEntry.objects.filter(action="core.export.personal").count() == 2


def test_cadre_filters(scope_world):
    w = scope_world
    services.cadre_create(actor=SYSTEM, org=w.town_in, name="钱七", phone="13933334444")
    services.cadre_create(actor=SYSTEM, org=w.village_in, name="孙八")
    client = w.client("admin_in")
    page = client.get(reverse("orgs:cadre_list"), {"q": "1393333"}).content.decode()
    assert "钱七" in page and "孙八" not in page
    page = client.get(reverse("orgs:cadre_list"), {"under": f"#{w.village_in.pk}"}).content.decode()
    assert "孙八" in page and "钱七" not in page


def test_org_tree_search_and_picker(scope_world):
    client = scope_world.client("admin_in")
    page = client.get(reverse("orgs:org_tree"), {"q": "3408221012"}).content.decode()
    assert "怀宁县/石牌镇/新河村" in page
    suggest = client.get(reverse("orgs:org_suggest"), {"q": "桥东"}).content.decode()
    assert "桥东村" not in suggest  # outside scope
    suggest = client.get(reverse("orgs:org_suggest"), {"q": "新河"}).content.decode()
    assert f"#{scope_world.village_in.pk}" in suggest


def test_audit_list_is_scoped_and_filterable(scope_world):
    w = scope_world
    services.cadre_create(actor=w.users["city_admin"], org=w.town_out, name="外县干部")
    services.cadre_create(actor=w.users["admin_in"], org=w.town_in, name="本县干部")
    page = w.client("admin_in").get(reverse("orgs:audit_list"), {"action": "orgs.cadre"}).content.decode()
    assert "本县干部" in page and "外县干部" not in page
    assert w.client("entry_in").get(reverse("orgs:audit_list")).status_code == 404


def test_history_panel_on_cadre_page(scope_world):
    w = scope_world
    cadre = services.cadre_create(actor=w.users["admin_in"], org=w.town_in, name="周九")
    services.cadre_update(actor=w.users["admin_in"], cadre=cadre, data={"notes": "调任"})
    page = w.client("admin_in").get(reverse("orgs:cadre_detail", args=[cadre.pk])).content.decode()
    assert "orgs.cadre.update" in page and "调任" in page


def test_create_cadre_page_error_is_chinese_and_writes_nothing(scope_world):
    w = scope_world
    count = Cadre.objects.count()
    response = w.client("admin_in").post(
        reverse("orgs:cadre_add"), {"org": f"#{w.town_in.pk}", "name": "某", "phone": "1234"}
    )
    assert response.status_code == 422
    assert "不是11位手机号码" in response.content.decode()
    assert Cadre.objects.count() == count


def test_grant_outside_subtree_page_error(scope_world):
    w = scope_world
    target = w.users["viewer_in"]
    response = w.client("admin_in").post(
        reverse("orgs:grant_add", args=[target.pk]), {"org": f"#{w.town_out.pk}", "role": "admin"}
    )
    assert response.status_code == 422
    assert "不在您的管辖范围内" in response.content.decode()
    assert target.grants.count() == 1


def test_token_page_shows_token_once_and_revokes(scope_world):
    client = scope_world.client("admin_in")
    page = client.post(reverse("orgs:token_list"), {"name": "同步脚本", "days": "30"}).content.decode()
    token = ApiToken.objects.get(user=scope_world.users["admin_in"])
    import re

    raw = re.search(r'id="raw-token">(qn_[^<]+)<', page).group(1)
    assert _api_get(raw).status_code == 200
    again = client.get(reverse("orgs:token_list")).content.decode()
    assert raw not in again and f"qn_{token.prefix}" in again
    other = scope_world.client("entry_in").post(reverse("orgs:token_revoke", args=[token.pk]))
    assert other.status_code == 404  # someone else's token
    client.post(reverse("orgs:token_revoke", args=[token.pk]))
    assert _api_get(raw).status_code == 401


def test_org_page_links_to_ledger_and_accounts(scope_world):
    page = scope_world.client("admin_in").get(reverse("orgs:org_detail", args=[scope_world.county_in.pk]))
    text = page.content.decode()
    assert f"/groups/gaps/?under=%23{scope_world.county_in.pk}" in text
    assert f"/orgs/{scope_world.county_in.pk}/recruitment/" in text
