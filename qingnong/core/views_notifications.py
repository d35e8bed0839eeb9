"""The user's own notification centre (not org-scoped: a user sees exactly their own messages)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .models import Notification
from .notifications import notification_mark_read


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user  # login_required guarantees a real user
    qs = Notification.objects.filter(user=user)
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"title": "通知", "page": page, "querystring": ""})


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    notification_mark_read(user=request.user, ids=ids or None)
    target = request.POST.get("next") or reverse("core:notification_list")
    if not target.startswith("/") or target.startswith("//"):
        target = reverse("core:notification_list")
    return HttpResponseRedirect(target)
