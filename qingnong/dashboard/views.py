"""The home page: what each user sees first after logging in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qingnong.orgs.selectors import org_children_with_counts, org_roots_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roots = list(org_roots_for(request.user))
    overview = [(root, org_children_with_counts(user=request.user, parent=root)) for root in roots[:5]]
    return render(request, "dashboard/home.html", {"title": "首页", "overview": overview})
