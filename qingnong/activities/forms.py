"""Forms of activities (phone first): they check the shape of input; the services check the rules."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from qingnong.core.forms import FilterForm, OrgChoiceField, ScopedForm
from qingnong.core.permissions import Action
from qingnong.wxgroups.choices import GroupStatus
from qingnong.wxgroups.models import ChatGroup
from qingnong.youth.models import Youth

from .choices import ActivityStatus, ActivityTheme, ActivityType
from .services import ACTIVITY_FIELDS

BLANK = [("", "全部")]
DATE = forms.DateInput({"type": "date"}, format="%Y-%m-%d")
# A village's groups fit a list of checkboxes; beyond this many the list is narrowed to the user's own.
GROUP_CHOICES_MAX = 200
_SPLIT = re.compile(r"[\s,，、;；]+")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type=file multiple>`` (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput({"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [f for f in (single(d, initial) for d in data) if f]
        cleaned = single(data, initial)
        return [cleaned] if cleaned else []


class GroupChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: ChatGroup) -> str:
        return f"{obj.name}（{obj.org.name}）"


def activity_group_choices(user: Any, activity: Any = None) -> QuerySet[ChatGroup]:
    """Groups an activity may name: those in the user's scope that exist; when the scope holds many, the
    groups of the user's home org and cadre (and those already named)."""
    qs = (
        ChatGroup.objects.restrict(user, Action.VIEW)
        .exclude(status=GroupStatus.DISSOLVED)
        .select_related("org")
        .order_by("org__path", "name")
    )
    if qs.count() <= GROUP_CHOICES_MAX:
        return qs
    narrow = Q(pk__in=[])
    home = getattr(user, "home_org", None)
    if home is not None:
        narrow |= Q(org=home)
    cadre_id = getattr(user, "cadre_id", None)
    if cadre_id:
        narrow |= Q(owner_id=cadre_id) | Q(admins=cadre_id)
    if activity is not None and activity.pk:
        narrow |= Q(activities=activity)
    return qs.filter(narrow).distinct()


class ActivityForm(ScopedForm):
    org_action = Action.ADD
    org = OrgChoiceField(label="举办组织")
    title = forms.CharField(label="活动名称", max_length=100)
    activity_type = forms.ChoiceField(label="形式", choices=ActivityType.choices, widget=forms.RadioSelect)
    theme = forms.ChoiceField(label="主题", choices=ActivityTheme.choices)
    status = forms.ChoiceField(
        label="状态", choices=ActivityStatus.choices, widget=forms.RadioSelect, initial=ActivityStatus.HELD
    )
    held_on = forms.DateField(label="活动日期", widget=DATE)
    duration_hours = forms.DecimalField(
        label="时长（小时）", max_digits=5, decimal_places=1, widget=forms.NumberInput({"step": "0.5"})
    )
    place = forms.CharField(label="地点", max_length=100, required=False, help_text="线下活动必填")
    participants = forms.IntegerField(
        label="参加人数", widget=forms.NumberInput({"inputmode": "numeric"}), help_text="0 到 100000"
    )
    groups = GroupChoices(
        label="相关微信群",
        queryset=ChatGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="在哪些群组织或通知；计入这些群的活跃度（R12）",
    )
    youth_names = forms.CharField(
        label="参加青年（可选）",
        required=False,
        widget=forms.Textarea({"rows": 2, "placeholder": "姓名或手机号，用逗号、顿号或空格分隔"}),
        help_text="只能填写青年名录中、您管辖范围内的青年",
    )
    description = forms.CharField(label="活动简介", required=False, widget=forms.Textarea({"rows": 4}))
    link = forms.URLField(label="链接", required=False, assume_scheme="https", help_text="报道或直播链接")
    photos = MultipleFileField(label="照片", required=False, help_text="最多 9 张，每张不超过 8 MB")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        activity = self.instance_obj
        self.fields["groups"].queryset = activity_group_choices(self.user, activity)
        if activity is not None:
            self.fields["photos"].label = "添加照片"
            if not self.is_bound:
                for name in ACTIVITY_FIELDS:
                    self.initial[name] = getattr(activity, name)
                self.initial["groups"] = list(activity.groups.values_list("pk", flat=True))
                self.initial["youth_names"] = "、".join(y.name for y in activity.youth.order_by("name"))
        elif not self.is_bound:
            self.initial.update(
                {
                    "org": getattr(self.user, "home_org", None),
                    "held_on": timezone.localdate(),
                    "duration_hours": 2,
                    "activity_type": ActivityType.OFFLINE,
                    "participants": 0,
                }
            )

    def clean_youth_names(self) -> list[Youth]:
        """Each name or phone must match exactly one youth in the user's scope."""
        text = self.cleaned_data.get("youth_names") or ""
        tokens = [t for t in _SPLIT.split(text.strip()) if t]
        if not tokens:
            return []
        scope = Youth.objects.restrict(self.user, Action.VIEW).select_related("home_org")
        phones = [t for t in tokens if t.isdigit()]
        names = [t for t in tokens if not t.isdigit()]
        found: dict[str, list[Youth]] = {}
        for person in scope.filter(Q(phone__in=phones) | Q(name__in=names)):
            if person.phone in phones:
                found.setdefault(person.phone, []).append(person)
            if person.name in names:
                found.setdefault(person.name, []).append(person)
        errors: list[str] = []
        chosen: dict[int, Youth] = {}
        for token in tokens:
            matches = found.get(token, [])
            if not matches:
                errors.append(f"找不到青年“{token}”")
            elif len(matches) > 1:
                errors.append(f"“{token}”有 {len(matches)} 人同名，请改填手机号")
            else:
                chosen[matches[0].pk] = matches[0]
        if errors:
            raise forms.ValidationError("；".join(errors))
        return list(chosen.values())


class PhotosForm(ScopedForm):
    photos = MultipleFileField(label="照片", required=True, help_text="最多 9 张，每张不超过 8 MB")


class ActivityFilterForm(FilterForm):
    q = forms.CharField(label="名称、地点或组织")
    under = OrgChoiceField(label="所属范围")
    activity_type = forms.ChoiceField(label="形式", choices=BLANK + ActivityType.choices)
    theme = forms.ChoiceField(label="主题", choices=BLANK + ActivityTheme.choices)
    status = forms.ChoiceField(label="状态", choices=BLANK + ActivityStatus.choices)
    since = forms.DateField(label="起始日期", widget=DATE)
    until = forms.DateField(label="截止日期", widget=DATE)
