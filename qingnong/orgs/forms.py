"""Forms of the orgs app: they check the shape of input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm

from qingnong.core.audit_actions import action_choices
from qingnong.core.forms import FilterForm, OrgChoiceField, ScopedForm
from qingnong.core.permissions import Action, Role

from .choices import Gender, GrassrootsKind, OrgLevel, OrgStatus, PositionTitle

BLANK = [("", "全部")]


class OrgForm(ScopedForm):
    name = forms.CharField(label="组织名称", max_length=100)
    short_name = forms.CharField(
        label="简称", max_length=30, required=False, help_text="用于“青农XX”命名，如“安庆”"
    )
    level = forms.ChoiceField(label="层级", choices=OrgLevel.choices)
    kind = forms.ChoiceField(
        label="基层组织类别", choices=[("", "—"), *GrassrootsKind.choices], required=False
    )
    division_code = forms.CharField(label="行政区划代码", max_length=20, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=30, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.instance_obj
        if org is not None and not self.is_bound:
            for name in self.fields:
                self.initial[name] = getattr(org, name) or ""


class OrgMoveForm(ScopedForm):
    org_action = Action.ADD
    new_parent = OrgChoiceField(label="移动到（新的上级组织）")


class OrgMergeForm(ScopedForm):
    org_action = Action.ADD
    into = OrgChoiceField(label="并入（同层级组织）")


class OrgFilterForm(FilterForm):
    q = forms.CharField(label="名称或代码")
    under = OrgChoiceField(label="所属范围")
    level = forms.ChoiceField(label="层级", choices=BLANK + OrgLevel.choices)
    kind = forms.ChoiceField(label="类别", choices=BLANK + GrassrootsKind.choices)
    status = forms.ChoiceField(label="状态", choices=BLANK + OrgStatus.choices)


class CadreForm(ScopedForm):
    org_action = Action.ADD
    org = OrgChoiceField(label="所属组织")
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=[("", "—"), *Gender.choices], required=False)
    birth_year = forms.IntegerField(label="出生年份", min_value=1940, max_value=2015, required=False)
    phone = forms.CharField(
        label="手机号", max_length=20, required=False, widget=forms.TextInput({"type": "tel"})
    )
    wechat_id = forms.CharField(label="微信号", max_length=40, required=False)
    notes = forms.CharField(label="备注", required=False, widget=forms.Textarea({"rows": 3}))
    is_active = forms.BooleanField(label="在任", required=False, initial=True)

    def __init__(self, *args: Any, initial_org: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cadre = self.instance_obj
        if cadre is not None and not self.is_bound:
            for name in self.fields:
                self.initial[name] = getattr(cadre, name)
        elif initial_org is not None and not self.is_bound:
            self.initial["org"] = initial_org


class CadreFilterForm(FilterForm):
    q = forms.CharField(label="姓名、手机号或微信号")
    under = OrgChoiceField(label="所属范围")
    level = forms.ChoiceField(label="组织层级", choices=BLANK + OrgLevel.choices)
    title = forms.ChoiceField(label="职务", choices=BLANK + PositionTitle.choices)
    active = forms.NullBooleanField(
        label="在任", widget=forms.Select(choices=[("", "全部"), ("true", "在任"), ("false", "离任")])
    )


class PositionForm(ScopedForm):
    org_action = Action.ADD
    org = OrgChoiceField(label="任职组织")
    title = forms.ChoiceField(label="职务", choices=PositionTitle.choices)
    title_text = forms.CharField(label="职务全称", max_length=50, required=False)
    is_leadership = forms.BooleanField(label="班子成员", required=False)
    is_committee = forms.BooleanField(label="团委成员", required=False)
    is_full_time = forms.BooleanField(label="专职", required=False)
    start_date = forms.DateField(label="任职日期", required=False, widget=forms.DateInput({"type": "date"}))
    end_date = forms.DateField(label="离任日期", required=False, widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        position = self.instance_obj
        if position is not None and not self.is_bound:
            for name in self.fields:
                self.initial[name] = getattr(position, name)
        if position is not None:
            self.fields["org"].disabled = True


class UserForm(ScopedForm):
    org_action = Action.MANAGE_USERS
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="显示名称", max_length=50, required=False)
    home_org = OrgChoiceField(label="所属组织")
    email = forms.EmailField(label="电子邮箱", required=False)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, required=False, min_length=8)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.instance_obj
        if user is not None:
            self.fields["username"].disabled = True
            del self.fields["password"]
            if not self.is_bound:
                for name in ("username", "display_name", "home_org", "email"):
                    self.initial[name] = getattr(user, name)
        else:
            self.fields["password"].required = True


class UserFilterForm(FilterForm):
    q = forms.CharField(label="用户名或名称")
    active = forms.NullBooleanField(
        label="状态", widget=forms.Select(choices=[("", "全部"), ("true", "启用"), ("false", "停用")])
    )


class GrantForm(ScopedForm):
    org_action = Action.MANAGE_USERS
    org = OrgChoiceField(label="组织（及其全部下级）")
    role = forms.ChoiceField(label="角色", choices=Role.choices)


class PasswordResetByAdminForm(ScopedForm):
    password = forms.CharField(label="新密码", widget=forms.PasswordInput, min_length=8)


class AuditFilterForm(FilterForm):
    # A declared action (exact) or a prefix such as "orgs." or "orgs.cadre" (links made before the labels).
    action = forms.CharField(label="操作", widget=forms.Select)
    actor = forms.CharField(label="操作人")
    since = forms.DateField(label="起始日期", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(label="截止日期", widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].widget.choices = action_choices()  # type: ignore[attr-defined]


class QingnongPasswordChangeForm(PasswordChangeForm):
    """Django's form for the checks; the service writes."""
