"""The callback endpoint ``/wx/<key>/`` that WeChat's servers call (no login; every request signed):
the checks themselves, in order, are ``mp/callback.py``'s."""

from __future__ import annotations

import logging

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    HttpResponseNotFound,
)
from django.views.decorators.csrf import csrf_exempt

from .. import callback, conf, runtime

logger = logging.getLogger(__name__)


@csrf_exempt
def wechat_callback(request: HttpRequest, key: str) -> HttpResponse:
    """``/wx/<key>/``: see ``callback.py`` for the checks, in order. Refusals carry no detail."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    rt = runtime.runtime_for(key)
    if rt is None:
        return HttpResponseNotFound("not found", content_type="text/plain")
    try:
        if request.method == "GET":
            callback.check_request_signature(rt, request.GET)
            return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > int(conf.get("MP_CALLBACK_MAX_BODY")):
            # Refused before the body is read; signature is still checked first so that an anonymous
            # caller learns nothing about the account.
            callback.check_request_signature(rt, request.GET)
            raise callback.Refused(400, "body too large")
        answer = callback.process(rt, request.GET, request.body)
    except callback.Refused as exc:
        logger.info("mp callback %s refused: %s", rt.account_id, exc.reason)
        if exc.status == 403:
            return HttpResponseForbidden("forbidden", content_type="text/plain")
        return HttpResponseBadRequest("bad request", content_type="text/plain")
    if answer == callback.SUCCESS:
        return HttpResponse(answer, content_type="text/plain")
    return HttpResponse(answer, content_type="application/xml; charset=utf-8")
