"""``{% sheet_actions %}``: import and template links on a list page whose model has a sheet kind."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from qingnong.core.scoping import grant_paths

register = template.Library()


@register.simple_tag(takes_context=True)
def sheet_actions(context: dict[str, Any]) -> str:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    view_class = getattr(getattr(match, "func", None), "view_class", None)
    model = getattr(view_class, "model", None)
    if request is None or model is None:
        return ""
    from qingnong.sheets.registry import definition_for_model

    definition = definition_for_model(model)
    if definition is None or grant_paths(request.user, definition.import_action) == []:
        return ""
    links = [
        (reverse("sheets:import", args=[definition.kind]), "qn-btn", "导入"),
        (reverse("sheets:template", args=[definition.kind]), "qn-btn", "下载导入模板"),
    ]
    return format_html_join("\n", '<a class="{1}" href="{0}">{2}</a>', links) or format_html("")
