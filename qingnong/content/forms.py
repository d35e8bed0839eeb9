"""Forms of content supply: they check the shape of input; the services check the rules."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from qingnong.core.forms import FilterForm, OrgChoiceField, ScopedForm
from qingnong.core.permissions import Action
from qingnong.orgs.choices import OrgStatus
from qingnong.orgs.models import Org
from qingnong.wxgroups.choices import GroupType
from qingnong.wxgroups.models import ChatGroup

from .choices import ContentCategory, PostKind, TaskStatus
from .selectors import COUNTED_STATUSES, DEFAULT_TASK_GROUP_TYPES

BLANK = [("", "全部")]
DATE = forms.DateInput({"type": "date"}, format="%Y-%m-%d")
IMAGE_INPUT = forms.ClearableFileInput({"accept": "image/*"})


class ContentForm(ScopedForm):
    org_action = Action.PUBLISH
    org = OrgChoiceField(label="发布组织", help_text="市、县或乡镇团组织；内容供其全部下级使用")
    title = forms.CharField(label="标题", max_length=80)
    category = forms.ChoiceField(label="类别", choices=ContentCategory.choices)
    body = forms.CharField(
        label="转发文字",
        required=False,
        widget=forms.Textarea({"rows": 6, "placeholder": "在群里发送的文字，基层干部可一键复制"}),
    )
    link = forms.URLField(label="链接", required=False, assume_scheme="https", help_text="如公众号文章链接")
    poster = forms.FileField(label="海报或图片", required=False, widget=IMAGE_INPUT, help_text="不超过 5 MB")
    remove_poster = forms.BooleanField(label="删除现有海报", required=False)
    valid_until = forms.DateField(label="有效期至", required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        item = self.instance_obj
        if item is not None:
            self.fields["org"].disabled = True
            self.initial["org"] = item.org
            if not self.is_bound:
                for name in ("org", "title", "category", "body", "link", "valid_until"):
                    self.initial[name] = getattr(item, name)
            if not item.poster:
                del self.fields["remove_poster"]
        else:
            del self.fields["remove_poster"]
            home = getattr(self.user, "home_org", None)
            if home is not None and not self.is_bound:
                self.initial["org"] = home


class TaskForm(ScopedForm):
    """Push a content item: to every org below the publisher, or to the picked children (with their
    subtrees), for the chosen group types, by a due date."""

    scope = forms.ChoiceField(
        label="下发范围",
        choices=[("all", "全部下级"), ("picked", "指定下级组织")],
        initial="all",
        widget=forms.RadioSelect,
    )
    target_orgs = forms.ModelMultipleChoiceField(
        label="指定下级组织",
        queryset=Org.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="含所选组织的全部下级",
    )
    group_types = forms.MultipleChoiceField(
        label="群类型",
        choices=GroupType.choices,
        initial=list(DEFAULT_TASK_GROUP_TYPES),
        widget=forms.CheckboxSelectMultiple,
    )
    due_on = forms.DateField(label="转发截止日期", widget=DATE)
    note = forms.CharField(label="转发要求", max_length=200, required=False)

    def __init__(self, *args: Any, content: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if content is not None:
            self.fields["target_orgs"].queryset = (
                Org.objects.restrict(self.user, Action.VIEW)
                .filter(
                    path__startswith=content.org.path, depth=content.org.depth + 1, status=OrgStatus.ACTIVE
                )
                .order_by("path")
            )
        if not self.is_bound:
            self.initial["due_on"] = timezone.localdate() + datetime.timedelta(days=7)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") == "picked" and not data.get("target_orgs"):
            self.add_error("target_orgs", "请至少选择一个下级组织，或选择“全部下级”")
        if data.get("scope") != "picked":
            data["target_orgs"] = []
        return data


class ConfirmForm(ScopedForm):
    sent_on = forms.DateField(label="转发日期", required=False, widget=DATE, help_text="不填为今天")
    screenshot = forms.FileField(label="截图（可选）", required=False, widget=IMAGE_INPUT)


def postable_groups(user: Any) -> QuerySet[ChatGroup]:
    """Groups the user may record content for: their cadre's groups when they have any, else every
    counted group in their scope for data entry."""
    qs = (
        ChatGroup.objects.restrict(user, Action.ADD)
        .filter(status__in=COUNTED_STATUSES)
        .select_related("org")
        .order_by("org__path", "name")
    )
    cadre_id = getattr(user, "cadre_id", None)
    if cadre_id:
        from django.db.models import Q

        mine = qs.filter(Q(owner_id=cadre_id) | Q(admins=cadre_id)).distinct()
        if mine.exists():
            return mine
    return qs


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ChatGroup) -> str:
        return f"{obj.name}（{obj.org.name}）"


class PostForm(ScopedForm):
    group = GroupChoiceField(label="微信群", queryset=ChatGroup.objects.none())
    summary = forms.CharField(
        label="发了什么",
        max_length=200,
        widget=forms.Textarea(
            {"rows": 3, "placeholder": "今天在群里发了…（如：转发了县团委的创业贷款政策解读）"}
        ),
    )
    sent_on = forms.DateField(label="发送日期", required=False, widget=DATE, help_text="不填为今天")
    link = forms.URLField(label="链接", required=False, assume_scheme="https")
    screenshot = forms.FileField(label="截图（可选）", required=False, widget=IMAGE_INPUT)

    def __init__(self, *args: Any, initial_group: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = postable_groups(self.user)
        if initial_group and not self.is_bound:
            self.initial["group"] = initial_group
        if not self.is_bound:
            self.initial["sent_on"] = timezone.localdate()


class ContentFilterForm(FilterForm):
    q = forms.CharField(label="标题或文字")
    category = forms.ChoiceField(label="类别", choices=BLANK + ContentCategory.choices)
    under = OrgChoiceField(label="发布范围")
    valid = forms.NullBooleanField(
        label="有效期", widget=forms.Select(choices=[("", "全部"), ("true", "仍有效")])
    )


class TaskFilterForm(FilterForm):
    q = forms.CharField(label="内容标题")
    status = forms.ChoiceField(label="状态", choices=BLANK + TaskStatus.choices)
    under = OrgChoiceField(label="发布范围")


class PostFilterForm(FilterForm):
    under = OrgChoiceField(label="所属范围")
    kind = forms.ChoiceField(label="来源", choices=BLANK + PostKind.choices)
    since = forms.DateField(label="起始日期", widget=DATE)
    until = forms.DateField(label="截止日期", widget=DATE)
    group = forms.IntegerField(label="群编号", min_value=1)


class UnderForm(FilterForm):
    under = OrgChoiceField(label="组织")


class PendingFilterForm(FilterForm):
    # In the query string (not the URL path) so that a background export can rebuild the list.
    task = forms.IntegerField(label="任务编号", min_value=1)
    under = OrgChoiceField(label="组织")
