"""The public live-code page (活码): no login, made for WeChat's built-in browser.

It shows the current valid group QR of the code, or — when no group can be joined now — the owner's
chosen contact. Nothing else about the groups' people is ever rendered: no owner, no member, no phone
number other than ``LiveCode.contact_phone``.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import selectors, services
from .models import LiveCode


@require_GET
@never_cache
def live_code_page(request: HttpRequest, code: str) -> HttpResponse:
    live_code = LiveCode.objects.select_related("org").filter(code=code.lower(), is_active=True).first()
    if live_code is None:
        raise Http404("活码不存在或已停用")
    services.livecode_record_visit(live_code=live_code)
    group = selectors.live_code_current_group(live_code)
    context = {
        "title": live_code.title,
        "org_name": live_code.org.league_name,
        # Only these few values reach the template: the group's name, its QR image and expiry.
        "group_name": group.name if group else "",
        "qr_url": group.qr_image.url if group else "",
        "qr_expires": group.qr_expires_at if group else None,
        "contact_name": live_code.contact_name,
        "contact_phone": live_code.contact_phone,
        "contact_note": live_code.contact_note,
    }
    return render(request, "wxgroups/live_code_public.html", context)
