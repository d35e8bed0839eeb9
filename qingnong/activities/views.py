"""Pages of activities: list (filter, export), month calendar, phone-first form, detail with photos."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from qingnong.core.permissions import Action
from qingnong.core.scoping import path_in_scope
from qingnong.core.views import (
    Column,
    ObjectActionView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
)

from . import selectors, services
from .forms import ActivityFilterForm, ActivityForm, PhotosForm
from .models import Activity, ActivityPhoto


def _names(objs: Any) -> str:
    return "、".join(o.name for o in objs)


class ActivityListView(ObjectListView):
    model = Activity
    title = "线上线下活动"
    template_name = "activities/activity_list.html"
    filter_form_class = ActivityFilterForm
    export_name = "活动"
    add_url_name = "activities:activity_add"
    columns = [
        Column(lambda a: f"{a.held_on:%Y-%m-%d}", "日期"),
        Column("title", "活动名称"),
        Column("org.name", "举办组织"),
        Column(lambda a: a.get_activity_type_display(), "形式", css="qn-hide-phone"),
        Column(lambda a: a.get_theme_display(), "主题", css="qn-hide-phone"),
        Column(lambda a: a.get_status_display(), "状态", css="qn-hide-phone"),
        Column("participants", "参加人数"),
        Column("photo_count", "照片", css="qn-hide-phone"),
    ]
    # Declared for the generic export (CSV here, xlsx where the sheets app adds it).
    export_columns = [
        Column(lambda a: f"{a.held_on:%Y-%m-%d}", "活动日期"),
        Column("title", "活动名称"),
        Column("org.name", "举办组织"),
        Column(lambda a: a.get_activity_type_display(), "形式"),
        Column(lambda a: a.get_theme_display(), "主题"),
        Column(lambda a: a.get_status_display(), "状态"),
        Column(lambda a: float(a.duration_hours), "时长（小时）"),
        Column("place", "地点"),
        Column("participants", "参加人数"),
        Column(lambda a: _names(a.groups.all()), "相关微信群"),
        Column(lambda a: _names(a.youth.all()), "参加青年"),
        Column("description", "活动简介"),
        Column("link", "链接"),
        Column("photo_count", "照片数"),
    ]

    def selector(self, user: Any, filters: dict[str, Any]) -> QuerySet[Activity]:
        qs = selectors.activity_list(user=user, filters=filters)
        if self.request.GET.get("export"):
            qs = qs.prefetch_related("groups", "youth")
        return qs


def _month_param(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


def _shift_month(month: datetime.date, delta: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + delta
    return datetime.date(index // 12, index % 12 + 1, 1)


class ActivityCalendarView(ScopedViewMixin, View):
    """A month of activities in the user's scope (Monday first), with the list's filters."""

    model = Activity

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        month = _month_param(request.GET.get("month", ""))
        form = ActivityFilterForm(request.GET or None, user=request.user)
        filters = (
            {k: v for k, v in form.cleaned_data.items() if v not in (None, "", [])} if form.is_valid() else {}
        )
        filters.pop("since", None)
        filters.pop("until", None)
        weeks = selectors.activity_calendar(user=request.user, month=month, filters=filters)
        query = request.GET.copy()
        query.pop("month", None)
        context = {
            "title": f"活动月历 · {month:%Y年%-m月}",
            "weeks": weeks,
            "month": month,
            "prev": f"{_shift_month(month, -1):%Y-%m}",
            "next": f"{_shift_month(month, 1):%Y-%m}",
            "form": form,
            "querystring": query.urlencode(),
            "count": sum(len(d.activities) for w in weeks for d in w if d.in_month),
            "weekdays": "一二三四五六日",
        }
        return render(request, "activities/calendar.html", context)


class ActivityDetailView(ObjectDetailView):
    model = Activity
    template_name = "activities/activity_detail.html"

    def base_queryset(self) -> QuerySet[Activity]:
        return Activity.objects.select_related("org", "created_by")

    def get_context(self, obj: Activity) -> dict[str, Any]:
        user = self.request.user
        return {
            "title": obj.title,
            "photos": list(obj.photos.all()),
            "groups": list(obj.groups.select_related("org")),
            "youth": list(obj.youth.select_related("home_org").order_by("name")),
            "can_change": path_in_scope(user, Action.CHANGE, obj.org.path),
            "can_delete": path_in_scope(user, Action.DELETE, obj.org.path),
        }


class ActivityCreateView(ObjectEditView):
    model = Activity
    form_class = ActivityForm
    action = Action.ADD
    title_create = "登记活动"
    success_message = "活动已登记"
    template_name = "activities/activity_form.html"

    def cancel_url(self, obj: Any) -> str:
        return reverse("activities:activity_list")

    def perform(self, form: ActivityForm, obj: None) -> Activity:
        data = dict(form.cleaned_data)
        return services.activity_create(
            actor=self.request.user,
            **{name: data[name] for name in services.ACTIVITY_FIELDS},
            groups=list(data["groups"]),
            youth=data["youth_names"],
            photos=data["photos"],
        )


class ActivityEditView(ObjectEditView):
    model = Activity
    form_class = ActivityForm
    title_edit = "修改活动"
    template_name = "activities/activity_form.html"

    def perform(self, form: ActivityForm, obj: Activity) -> Activity:
        data = dict(form.cleaned_data)
        groups = list(data.pop("groups"))
        youth = data.pop("youth_names")
        photos = data.pop("photos")
        activity = services.activity_update(
            actor=self.request.user, activity=obj, data=data, groups=groups, youth=youth
        )
        if photos:
            services.activity_add_photos(actor=self.request.user, activity=activity, uploads=photos)
        return activity


class ActivityDeleteView(ObjectActionView):
    model = Activity
    action = Action.DELETE
    title = "删除活动"
    message = "删除活动“{object}”及其照片？"
    button = "删除"
    danger = True
    success_message = "已删除"

    def perform(self, obj: Activity) -> None:
        services.activity_delete(actor=self.request.user, activity=obj)

    def success_url(self, obj: Activity, result: Any) -> str:
        return reverse("activities:activity_list")


class PhotosAddView(ObjectEditView):
    model = Activity
    form_class = PhotosForm
    title_edit = "添加照片"
    success_message = "照片已上传"

    def perform(self, form: PhotosForm, obj: Activity) -> Activity:
        services.activity_add_photos(
            actor=self.request.user, activity=obj, uploads=form.cleaned_data["photos"]
        )
        return obj


class PhotoView(ObjectDetailView):
    """An activity photo: private, served only inside the viewer's scope."""

    model = ActivityPhoto

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        photo = self.get_object()
        response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response


class PhotoDeleteView(ObjectActionView):
    model = ActivityPhoto
    title = "删除照片"
    message = "删除这张照片？"
    button = "删除"
    danger = True
    success_message = "照片已删除"

    def perform(self, obj: ActivityPhoto) -> None:
        services.activity_photo_delete(actor=self.request.user, photo=obj)
