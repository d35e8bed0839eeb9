"""Form pieces shared by every app: the scoped org picker and a filter-form base."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.apps import apps
from django.db.models import QuerySet
from django.urls import reverse

from .permissions import Action

_PK_TAIL = re.compile(r"#(\d+)\s*$")


class OrgPickerWidget(forms.TextInput):
    """A text box with suggestions: type a name, a path such as 怀宁县/石牌镇 or a division code."""

    template_name = "core/widgets/org_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", "placeholder": "输入名称、路径或区划代码", **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["search_url"] = reverse("orgs:org_suggest")
        return context

    def format_value(self, value: Any) -> str | None:
        org_model = apps.get_model("orgs", "Org")
        if isinstance(value, org_model):
            return f"{value.display_path()} #{value.pk}"
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit() and len(value) < 9):
            org = org_model.objects.filter(pk=int(value)).first()
            if org is not None:
                return f"{org.display_path()} #{org.pk}"
        return super().format_value(value)


class OrgChoiceField(forms.ModelChoiceField):
    """An org the user may act on, chosen by ``#id`` suggestion, division code or name path."""

    widget = OrgPickerWidget

    def __init__(self, *, queryset: QuerySet[Any] | None = None, **kwargs: Any) -> None:
        if queryset is None:
            queryset = apps.get_model("orgs", "Org").objects.none()
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("invalid_choice", "找不到该组织，或它不在您的管辖范围内")
        super().__init__(queryset=queryset, **kwargs)

    def restrict_to(self, user: Any, action: str = Action.VIEW) -> None:
        self.queryset = apps.get_model("orgs", "Org").objects.restrict(user, action).filter(status="active")

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        qs = self.queryset
        assert qs is not None
        if isinstance(value, qs.model):
            value = value.pk
        text = str(value).strip()
        match = _PK_TAIL.search(text)
        if match:
            org = qs.filter(pk=int(match.group(1))).first()
        elif text.isdigit() and len(text) >= 6:
            org = qs.filter(division_code=text).first()
        elif text.isdigit():
            org = qs.filter(pk=int(text)).first()
        else:
            from qingnong.orgs.selectors import org_resolve_path

            org = org_resolve_path(text, queryset=qs)
        if org is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return org


class ScopedForm(forms.Form):
    """A form that knows its user, so that every org choice is restricted to the user's scope."""

    org_action: str = Action.VIEW

    def __init__(self, *args: Any, user: Any = None, instance_obj: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance_obj = instance_obj
        for field in self.fields.values():
            if isinstance(field, OrgChoiceField):
                field.restrict_to(user, self.org_action)


class FilterForm(ScopedForm):
    """Base of list filters: every field optional; the view reads ``cleaned_data``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
