"""Forms of the youth registry: shape only; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from qingnong.core.forms import FilterForm, OrgChoiceField, OrgPickerWidget, ScopedForm
from qingnong.core.permissions import Action
from qingnong.orgs.choices import Gender

from .choices import Whereabouts, YouthCategory, YouthSource

BLANK = [("", "全部")]
# The filter form swaps the table with htmx and pushes its URL; the picker's own suggestion request must not
# inherit that push (it would put /orgs/suggest/ in the address bar and the next filter would go there).
FILTER_ORG_PICKER = OrgPickerWidget({"hx-push-url": "false"})


def _cadre_field(**kwargs: Any) -> Any:
    from qingnong.wxgroups.forms import CadreField

    return CadreField(**kwargs)


class YouthForm(ScopedForm):
    org_action = Action.ADD
    name = forms.CharField(label="姓名", max_length=50)
    home_org = OrgChoiceField(label="所属组织（村或直属团组织）")
    phone = forms.CharField(
        label="手机号", max_length=20, required=False, widget=forms.TextInput({"type": "tel"})
    )
    wechat_id = forms.CharField(label="微信号", max_length=40, required=False)
    gender = forms.ChoiceField(label="性别", choices=[("", "—"), *Gender.choices], required=False)
    birth_year = forms.IntegerField(label="出生年份", min_value=1960, max_value=2015, required=False)
    is_league_member = forms.BooleanField(label="团员", required=False)
    whereabouts = forms.ChoiceField(label="现在", choices=Whereabouts.choices, initial=Whereabouts.HOME)
    away_place = forms.CharField(label="在外地点（城市或省份）", max_length=60, required=False)
    occupation = forms.CharField(label="职业", max_length=60, required=False)
    industry = forms.CharField(label="行业（业缘）", max_length=60, required=False)
    interests = forms.CharField(label="兴趣（趣缘）", max_length=200, required=False)
    categories = forms.MultipleChoiceField(
        label="类别", choices=YouthCategory.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    tags = forms.CharField(label="标签", required=False, help_text="多个用逗号分隔")
    liaison = forms.CharField(label="联系人（团干部）", required=False)
    source = forms.ChoiceField(label="来源", choices=YouthSource.choices, initial=YouthSource.SURVEY)
    notes = forms.CharField(label="备注", required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args: Any, initial_org: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["liaison"] = _cadre_field(
            label="联系人（团干部）", required=False, help_text="姓名或手机号"
        )
        self.fields["liaison"].user = self.user
        youth = self.instance_obj
        if youth is not None and not self.is_bound:
            for name in self.fields:
                value = getattr(youth, name)
                self.initial[name] = "，".join(value) if name == "tags" else value
        elif initial_org is not None and not self.is_bound:
            self.initial["home_org"] = initial_org
            cadre = getattr(self.user, "cadre", None)
            if cadre is not None:
                self.initial["liaison"] = cadre


class YouthFilterForm(FilterForm):
    q = forms.CharField(label="姓名、手机号或微信号")
    under = OrgChoiceField(label="所属范围", widget=FILTER_ORG_PICKER)
    category = forms.ChoiceField(label="类别", choices=BLANK + YouthCategory.choices)
    league = forms.NullBooleanField(
        label="团员", widget=forms.Select(choices=[("", "全部"), ("true", "团员"), ("false", "非团员")])
    )
    whereabouts = forms.ChoiceField(label="在乡/在外", choices=BLANK + Whereabouts.choices)
    liaison = forms.CharField(label="联系人")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["liaison"] = _cadre_field(label="联系人", required=False)
        self.fields["liaison"].user = self.user


class YouthMergeForm(ScopedForm):
    duplicate = forms.CharField(
        label="要并入本记录的重复记录", help_text="填写重复记录的编号（#123）或手机号"
    )
