"""Generic views every app declares its pages with (NetBox style).

A view names its model, its selector or queryset, its columns, its form and the service it calls;
these classes do the rest: login, scoping through ``.restrict(user, action)`` (outside scope is a
404 exactly like a missing row), filtering, pagination, export, error display and the history panel.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views import View

from .audit import audit_record
from .permissions import Action
from .personal import can_view_personal, masked
from .scoping import grant_paths


@dataclass
class Column:
    """A list column: an attribute path (``org.name``) or a callable, its header, and whether it holds
    personal data (masked for roles without access)."""

    accessor: str | Callable[[Any], Any]
    header: str
    link: bool = False
    personal: str | None = None  # "phone" or "text"
    export_only: bool = False
    css: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def raw(self, obj: Any) -> Any:
        if callable(self.accessor):
            return self.accessor(obj)
        value: Any = obj
        for part in self.accessor.split("."):
            if value is None:
                return ""
            value = getattr(value, part)
            if callable(value) and not isinstance(value, models.Manager):
                value = value()
        return value

    def value(self, obj: Any, user: Any) -> Any:
        value = self.raw(obj)
        if self.personal and value and not can_view_personal(user, obj):
            return masked(value, self.personal)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "是" if value else "否"
        return value


def object_or_404(queryset: models.QuerySet[Any], **lookup: Any) -> Any:
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, ValidationError):
        raise Http404("对象不存在或不在您的管辖范围内") from None


def apply_service_error(form: forms.Form, exc: ValidationError | PermissionDenied) -> None:
    """Put a service's error on the form: field errors on their fields, the rest on top."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc))
        return
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            for err in errors:
                form.add_error(target, err.messages)
    else:
        form.add_error(None, exc.messages)


class ScopedViewMixin(LoginRequiredMixin):
    """Loads objects through ``.restrict(user, action)``.

    A logged-in user with no grant for the view's action anywhere gets a 404: the page does not
    exist for them, exactly like an object outside their scope.
    """

    model: type[models.Model]
    action: str = Action.VIEW
    raise_exception = False
    request: HttpRequest
    kwargs: dict[str, Any]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and grant_paths(request.user, self.action) == []:
            raise Http404("没有可访问的组织")
        return super().dispatch(request, *args, **kwargs)

    def base_queryset(self) -> models.QuerySet[Any]:
        return self.model._default_manager.all()

    def get_queryset(self) -> models.QuerySet[Any]:
        return self.base_queryset().restrict(self.request.user, self.action)  # type: ignore[attr-defined]

    def get_object(self) -> Any:
        return object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


class ObjectListView(ScopedViewMixin, View):
    """A filterable, paginated, exportable list."""

    template_name = "core/object_list.html"
    title = ""
    columns: list[Column] = []
    filter_form_class: type[forms.Form] | None = None
    paginate_by = 50
    export_name = "export"
    add_url_name: str | None = None
    detail_url_name: str | None = None
    row_actions_template: str | None = None

    def selector(self, user: Any, filters: dict[str, Any]) -> models.QuerySet[Any]:
        return self.get_queryset()

    def filters(self) -> tuple[forms.Form | None, dict[str, Any]]:
        if self.filter_form_class is None:
            return None, {}
        form = self.filter_form_class(self.request.GET or None, user=self.request.user)  # type: ignore[call-arg]
        if form.is_bound and form.is_valid():
            return form, {k: v for k, v in form.cleaned_data.items() if v not in (None, "", [])}
        return form, {}

    def visible_columns(self) -> list[Column]:
        return [c for c in self.columns if not c.export_only]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        form, filters = self.filters()
        queryset = self.selector(request.user, filters)
        export = request.GET.get("export")
        if export:
            return self.export(queryset, export)
        paginator = Paginator(queryset, self.paginate_by)
        page = paginator.get_page(request.GET.get("page"))
        columns = self.visible_columns()
        rows = [(obj, [(c.value(obj, request.user), c.css) for c in columns]) for obj in page.object_list]
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "title": self.title,
            "columns": columns,
            "rows": rows,
            "page": page,
            "filter_form": form,
            "querystring": query.urlencode(),
            "add_url": reverse(self.add_url_name) if self.add_url_name else None,
            "detail_url_name": self.detail_url_name,
            "row_actions_template": self.row_actions_template,
            **self.extra_context(),
        }
        response = render(request, self.template_name, context)
        # htmx asks for the same URL and keeps only #qn-list: caches must tell the two answers apart.
        patch_vary_headers(response, ("HX-Request",))
        return response

    def extra_context(self) -> dict[str, Any]:
        return {}

    # --- export -----------------------------------------------------------------------------

    export_columns: list[Column] | None = None

    def export_column_list(self) -> list[Column]:
        return self.export_columns or self.columns

    allowed_exports = ("csv", "xlsx")

    def export(self, queryset: models.QuerySet[Any], kind: str) -> HttpResponseBase:
        """The filtered rows as CSV or .xlsx, in constant memory; lists longer than the sheets app's
        background threshold (10 000 rows) become a background job with a progress page."""
        if kind not in self.allowed_exports:
            raise Http404("不支持的导出格式")
        columns = self.export_column_list()
        user = self.request.user
        if any(c.personal for c in columns):
            with transaction.atomic():
                audit_record(
                    actor=user,
                    action="core.export.personal",
                    obj=None,
                    after={"list": self.export_name, "query": self.request.GET.urlencode()},
                    org_path=getattr(getattr(user, "home_org", None), "path", "") or "",
                    object_repr=str(self.export_name),
                )
        from qingnong.sheets.exports import list_export_response

        return list_export_response(self, queryset, columns, kind)

    def export_csv(self, queryset: models.QuerySet[Any], columns: list[Column]) -> StreamingHttpResponse:
        user = self.request.user
        return csv_response(
            filename=f"{self.export_name}-{timezone.localdate():%Y%m%d}.csv",
            header=[c.header for c in columns],
            rows=([c.value(obj, user) for c in columns] for obj in queryset.iterator(chunk_size=2000)),
        )


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(*, filename: str, header: list[str], rows: Iterator[list[Any]]) -> StreamingHttpResponse:
    """A streamed UTF-8 CSV with BOM so that Excel and WPS open the Chinese text correctly."""
    writer = csv.writer(_Echo())

    def generate() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class ObjectDetailView(ScopedViewMixin, View):
    template_name = ""

    def get_context(self, obj: Any) -> dict[str, Any]:
        return {}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        context = {"object": obj, **self.get_context(obj)}
        return render(request, self.template_name, context)


class ObjectEditView(ScopedViewMixin, View):
    """Create (no ``pk``) or edit (``pk``) through a form and a service.

    Subclasses implement ``perform(form, obj)`` calling exactly one service and returning the object.
    """

    template_name = "core/object_form.html"
    form_class: type[forms.Form]
    action = Action.CHANGE
    title_create = "新增"
    title_edit = "修改"
    success_message = "已保存"

    def get_object_or_none(self) -> Any:
        return self.get_object() if "pk" in self.kwargs else None

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {"user": self.request.user, "instance_obj": obj}

    def make_form(self, obj: Any, data: Any = None, files: Any = None) -> forms.Form:
        return self.form_class(data, files, **self.form_kwargs(obj))

    def perform(self, form: forms.Form, obj: Any) -> Any:
        raise ImproperlyConfigured(f"{type(self).__name__} must define perform(form, obj)")

    def success_url(self, obj: Any) -> str:
        return obj.get_absolute_url()  # type: ignore[no-any-return]

    def cancel_url(self, obj: Any) -> str:
        return obj.get_absolute_url() if obj is not None else self.request.META.get("HTTP_REFERER", "/")

    def context(self, form: forms.Form, obj: Any) -> dict[str, Any]:
        return {
            "form": form,
            "object": obj,
            "title": self.title_edit if obj is not None else self.title_create,
            "cancel_url": self.cancel_url(obj),
        }

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object_or_none()
        return render(request, self.template_name, self.context(self.make_form(obj), obj))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object_or_none()
        form = self.make_form(obj, request.POST, request.FILES)
        if form.is_valid():
            try:
                result = self.perform(form, obj)
            except (ValidationError, PermissionDenied) as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, self.success_message)
                return HttpResponseRedirect(self.success_url(result))
        return render(request, self.template_name, self.context(form, obj), status=422)


class ObjectActionView(ScopedViewMixin, View):
    """A POST-only action on one object (delete, dissolve, disable …) with a confirmation page."""

    template_name = "core/object_confirm.html"
    action = Action.CHANGE
    title = ""
    message = ""
    button = "确定"
    danger = False
    success_message = "操作成功"

    def perform(self, obj: Any) -> Any:
        raise ImproperlyConfigured(f"{type(self).__name__} must define perform(obj)")

    def success_url(self, obj: Any, result: Any) -> str:
        return obj.get_absolute_url()  # type: ignore[no-any-return]

    def context(self, obj: Any, error: str = "") -> dict[str, Any]:
        return {
            "object": obj,
            "title": self.title,
            "message": self.message.format(object=obj),
            "button": self.button,
            "danger": self.danger,
            "error": error,
            "cancel_url": obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "/",
        }

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        return render(request, self.template_name, self.context(obj))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        try:
            result = self.perform(obj)
        except (ValidationError, PermissionDenied) as exc:
            text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            return render(request, self.template_name, self.context(obj, error=text), status=422)
        messages.success(request, self.success_message)
        return HttpResponseRedirect(self.success_url(obj, result))
