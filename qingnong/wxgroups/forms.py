"""Forms of the ledger: they check the shape of input; the services check the rules."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q

from qingnong.core.forms import FilterForm, OrgChoiceField, OrgPickerWidget, ScopedForm
from qingnong.core.normalise import clean_text
from qingnong.core.permissions import Action
from qingnong.orgs.models import Cadre
from qingnong.youth.choices import YouthCategory
from qingnong.youth.models import Youth

from .choices import Basis, GroupStatus, GroupType, LiveCodeMode
from .models import ChatGroup

BLANK = [("", "全部")]
# The filter form swaps the table with htmx and pushes its URL; the picker's own suggestion request must not
# inherit that push (it would put /orgs/suggest/ in the address bar and the next filter would go there).
FILTER_ORG_PICKER = OrgPickerWidget({"hx-push-url": "false"})
_PK_TAIL = re.compile(r"#(\d+)\s*$")
IMAGE_INPUT = forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"})


class CadreField(forms.CharField):
    """A cadre typed as "姓名 #id", a phone number or a name unique in the user's scope."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput({"placeholder": "姓名或手机号", "autocomplete": "off"}))
        super().__init__(*args, **kwargs)
        self.user: Any = None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Cadre):
            return f"{value.name} #{value.pk}"
        return value

    def clean(self, value: Any) -> Cadre | None:  # type: ignore[override]
        text = clean_text(super().clean(value))
        if not text:
            return None
        qs = Cadre.objects.restrict(self.user, Action.VIEW).filter(is_active=True)
        match = _PK_TAIL.search(text)
        if match:
            found = list(qs.filter(pk=int(match.group(1))))
        elif text.isdigit():
            found = list(qs.filter(phone=text))
        else:
            found = list(qs.filter(name=text)[:2])
        if len(found) != 1:
            more = "，同名的有多人，请填写手机号" if len(found) > 1 else ""
            raise forms.ValidationError(f"找不到团干部“{text}”，或不在您的管辖范围内{more}")
        return found[0]


class CadreListField(forms.CharField):
    """Several cadres, separated by commas."""

    def clean(self, value: Any) -> list[Cadre]:  # type: ignore[override]
        text = clean_text(super().clean(value))
        field = CadreField(required=False)
        field.user = self.user  # type: ignore[attr-defined]
        result: list[Cadre] = []
        for part in re.split(r"[,，、;；]", text):
            cadre = field.clean(part)
            if cadre is not None and cadre not in result:
                result.append(cadre)
        return result


class GroupForm(ScopedForm):
    org_action = Action.ADD
    name = forms.CharField(label="微信群名称", max_length=60)
    group_type = forms.ChoiceField(label="群类型", choices=GroupType.choices, initial=GroupType.TUANQING)
    org = OrgChoiceField(label="所属组织")
    bases = forms.MultipleChoiceField(
        label="组建基础（团青群）", choices=Basis.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    category = forms.ChoiceField(
        label="专属类别（青年专属群）", choices=[("", "—"), *YouthCategory.choices], required=False
    )
    owner = CadreField(label="群主", required=False, help_text="填写姓名或手机号；不填则为您本人")
    admins = CadreListField(label="管理员", required=False, help_text="多人用逗号分隔")
    member_count = forms.IntegerField(label="群成员数", min_value=0, required=False, initial=0)
    founded_on = forms.DateField(label="建群日期", required=False, widget=forms.DateInput({"type": "date"}))
    status = forms.ChoiceField(
        label="状态", choices=[c for c in GroupStatus.choices if c[0] != GroupStatus.DISSOLVED]
    )
    function = forms.CharField(label="功能", max_length=200, required=False)
    qr_image = forms.FileField(
        label="群二维码照片", required=False, widget=IMAGE_INPUT, help_text="拍照或从相册选择，7 天内有效"
    )
    wecom_chat_id = forms.CharField(label="企业微信群ID", max_length=64, required=False)
    notes = forms.CharField(label="备注", required=False, widget=forms.Textarea({"rows": 2}))

    # On a phone the photo comes right after the essentials.
    field_order = ["name", "group_type", "org", "qr_image", "member_count", "bases", "category", "owner"]

    def __init__(self, *args: Any, initial_org: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("owner", "admins"):
            self.fields[name].user = self.user  # type: ignore[attr-defined]
        self.fields["status"].initial = GroupStatus.BUILT
        group = self.instance_obj
        if group is not None:
            del self.fields["qr_image"]
            self.fields["owner"].help_text = "填写姓名或手机号"
            if not self.is_bound:
                for name in self.fields:
                    if name == "admins":
                        self.initial[name] = "，".join(f"{c.name} #{c.pk}" for c in group.admins.all())
                    else:
                        self.initial[name] = getattr(group, name)
        elif initial_org is not None and not self.is_bound:
            self.initial["org"] = initial_org


class GroupFilterForm(FilterForm):
    q = forms.CharField(label="群名或组织")
    under = OrgChoiceField(label="所属范围", widget=FILTER_ORG_PICKER)
    group_type = forms.ChoiceField(label="类型", choices=BLANK + GroupType.choices)
    status = forms.ChoiceField(label="状态", choices=BLANK + GroupStatus.choices)
    qr_expired = forms.NullBooleanField(
        label="二维码",
        widget=forms.Select(choices=[("", "全部"), ("true", "已过期"), ("false", "有效")]),
    )
    below_target = forms.BooleanField(label="未达标")


class GapFilterForm(FilterForm):
    under = OrgChoiceField(label="所属范围", widget=FILTER_ORG_PICKER)
    include_direct = forms.BooleanField(label="含直属团组织")


class MemberCountForm(ScopedForm):
    member_count = forms.IntegerField(label="现在的群成员数", min_value=0)


class QrForm(ScopedForm):
    qr_image = forms.FileField(
        label="群二维码照片", widget=IMAGE_INPUT, help_text="拍照或从相册选择，7 天内有效"
    )


class AddMembersForm(ScopedForm):
    """Pick registered youth, or type a new one's name and phone (the youth is created)."""

    youth = forms.ModelMultipleChoiceField(
        label="选择青年", queryset=Youth.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    name = forms.CharField(label="或新增：姓名", max_length=50, required=False)
    phone = forms.CharField(
        label="手机号", max_length=20, required=False, widget=forms.TextInput({"type": "tel"})
    )

    def __init__(self, *args: Any, group: ChatGroup | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if group is not None:
            cadre = getattr(self.user, "cadre", None)
            q = Q(home_org=group.org)
            if cadre is not None:
                q |= Q(liaison=cadre)
            self.fields["youth"].queryset = (
                Youth.objects.restrict(self.user, Action.VIEW)
                .filter(q)
                .exclude(memberships__group=group)
                .order_by("name")
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("youth") and not data.get("name") and not data.get("phone"):
            raise forms.ValidationError("请选择青年，或填写新青年的姓名和手机号")
        if bool(data.get("name")) != bool(data.get("phone")):
            raise forms.ValidationError("新增青年须同时填写姓名和手机号")
        return data


class LiveCodeForm(ScopedForm):
    org_action = Action.ADD
    title = forms.CharField(label="名称", max_length=60)
    org = OrgChoiceField(label="所属组织")
    mode = forms.ChoiceField(label="方式", choices=LiveCodeMode.choices)
    groups = forms.ModelMultipleChoiceField(
        label="微信群（按顺序轮换）",
        queryset=ChatGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    group_type = forms.ChoiceField(
        label="群类型（按组织）", choices=[("", "—"), *GroupType.choices], required=False
    )
    contact_name = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(
        label="联系电话",
        max_length=20,
        required=False,
        help_text="没有可用的群时公开显示，请填写愿意公开的号码",
    )
    contact_note = forms.CharField(label="联系说明", max_length=120, required=False)

    def __init__(self, *args: Any, initial_org: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        code = self.instance_obj
        org = code.org if code is not None else initial_org
        if self.is_bound:
            # Any group id is accepted here: the service refuses groups outside the user's scope or
            # dissolved, with a message that says which and why.
            self.fields["groups"].queryset = ChatGroup.objects.all()
        elif org is not None:
            self.fields["groups"].queryset = (
                ChatGroup.objects.restrict(self.user, Action.CHANGE)
                .live()
                .filter(org.subtree_q("org__path"))
                .select_related("org")
                .order_by("org__path", "name")
            )
            self.initial.setdefault("org", org)
        else:
            self.fields["groups"].help_text = "请从组织或群的页面进入，以列出可选的群"
        if code is not None:
            del self.fields["org"]
            if not self.is_bound:
                for name in self.fields:
                    self.initial[name] = list(code.groups.all()) if name == "groups" else getattr(code, name)
