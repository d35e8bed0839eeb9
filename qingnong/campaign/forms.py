"""Forms of the campaign app (shape only; the services check the rules)."""

from __future__ import annotations

from typing import Any

from django import forms

from qingnong.core.forms import OrgChoiceField, ScopedForm
from qingnong.core.permissions import Action

from .choices import SubmissionKind
from .models import Campaign
from .services import EDITABLE_FIELDS


class CampaignForm(forms.ModelForm):
    """All the campaign's dates and thresholds. Ranges and order are checked by campaign_update."""

    class Meta:
        model = Campaign
        fields = list(EDITABLE_FIELDS)
        widgets = {
            f.name: forms.DateInput({"type": "date"}, format="%Y-%m-%d")
            for f in Campaign._meta.concrete_fields
            if f.get_internal_type() == "DateField"
        }

    def __init__(
        self, data: Any = None, files: Any = None, *, user: Any = None, instance_obj: Any = None
    ) -> None:
        super().__init__(data, files, instance=instance_obj)
        self.user = user
        self.instance_obj = instance_obj
        for field in self.fields.values():
            # Let the service report ranges with the rule's wording (and with nothing written).
            field.validators = []
            if isinstance(field, forms.IntegerField):
                field.min_value = field.max_value = None
                field.widget.attrs.pop("min", None)
                field.widget.attrs.pop("max", None)

    def _post_clean(self) -> None:
        # The service validates the model; the form only parses the input.
        pass


class CampaignCreateForm(ScopedForm):
    org_action = Action.CONFIGURE
    org = OrgChoiceField(label="发起组织（市级及以上）")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    copy_last = forms.BooleanField(label="复制上一年度的设置", required=False, initial=True)


class SubmissionForm(ScopedForm):
    kind = forms.ChoiceField(label="材料类别", choices=SubmissionKind.choices, widget=forms.HiddenInput)
    file = forms.FileField(label="文件（docx、pdf 或 xlsx）")


class ReviewForm(ScopedForm):
    decision = forms.ChoiceField(label="审核结果", choices=[("accept", "通过"), ("return", "退回")])
    comment = forms.CharField(label="审核意见", required=False, widget=forms.Textarea({"rows": 3}))
