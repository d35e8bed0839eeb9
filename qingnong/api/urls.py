"""The REST API under /api/v1/: one NinjaAPI, one router per app, one error body shape."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.renderers import JSONRenderer

from qingnong.core.errors import error_payload

from .auth import API_AUTH
from .common import NOT_FOUND


class ChineseJSONRenderer(JSONRenderer):
    """Chinese text as itself, not as \\u escapes: readable in curl and in logs."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ChineseJSONRenderer(),
    title="青农 API",
    version="1",
    description="农村共青团微信体系建设管理平台的接口。认证：`Authorization: Bearer <个人令牌>`"
    "（`manage.py create_api_token 用户名`）。所有数据按令牌所属用户的授权范围过滤。",
    auth=API_AUTH,
    urls_namespace="api",
    docs_url="/docs",
)


def _body(
    request: HttpRequest, status: int, code: str, message: str, fields: dict | None = None
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields or {}}, status=status
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _body(request, 401, "unauthorized", "未认证：令牌缺失、错误、已过期或已撤销")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _body(request, 404, "not_found", NOT_FOUND)


@api.exception_handler(PermissionDenied)
def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _body(request, 403, getattr(exc, "code", "forbidden"), str(exc) or "没有权限")


@api.exception_handler(ValidationError)
def on_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    payload = error_payload(exc)
    return _body(request, 422, str(payload["code"]), str(payload["message"]), payload["fields"])  # type: ignore[arg-type]


@api.exception_handler(SchemaValidationError)
def on_schema_invalid(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
        name = ".".join(loc) or "body"
        fields.setdefault(name, []).append(_schema_message(err))
    message = "；".join(f"{k}：{'，'.join(v)}" for k, v in fields.items())
    return _body(request, 422, "invalid_body", f"请求数据有误：{message}", fields)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _body(request, exc.status_code, "error", str(exc.message))


_SCHEMA_MESSAGES = {
    "missing": "必填",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "string_type": "须为文本",
    "bool_parsing": "须为是/否",
    "date_from_datetime_parsing": "须为日期（YYYY-MM-DD）",
    "date_parsing": "须为日期（YYYY-MM-DD）",
    "json_invalid": "不是合法的 JSON",
    "string_too_long": "太长",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "extra_forbidden": "不允许的字段",
}


def _schema_message(err: dict) -> str:
    return _SCHEMA_MESSAGES.get(err.get("type", ""), str(err.get("msg", "格式错误")))


ROUTED_APPS = ["orgs", "youth", "wxgroups", "mp", "content", "activities", "campaign", "inspection", "sheets"]
for _app in ROUTED_APPS:
    _module_name = f"qingnong.{_app}.api"
    if find_spec(_module_name):
        _module = import_module(_module_name)
        api.add_router(getattr(_module, "PREFIX", f"/{_app}"), _module.router)

urlpatterns = [path("", api.urls)]
