"""The user's own account pages: personal API tokens (create once-shown, list, revoke)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from qingnong.api.models import ApiToken
from qingnong.api.services import api_token_create, api_token_revoke
from qingnong.core.views import object_or_404


class TokenForm(forms.Form):
    name = forms.CharField(label="用途", max_length=60, required=False, help_text="如：县团委数据同步脚本")
    days = forms.IntegerField(
        label="有效天数", min_value=1, max_value=3650, required=False, help_text="留空为长期有效"
    )


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    raw = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, raw = api_token_create(
            actor=user, user=user, name=form.cleaned_data["name"] or "", days=form.cleaned_data["days"]
        )
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    return render(
        request, "orgs/tokens.html", {"title": "API 令牌", "tokens": tokens, "form": form, "raw_token": raw}
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    token = object_or_404(ApiToken.objects.filter(user=user, revoked_at__isnull=True), pk=pk)
    api_token_revoke(actor=user, token=token)
    messages.success(request, f"已撤销令牌 {token.prefix}…")
    return HttpResponseRedirect(reverse("orgs:token_list"))
