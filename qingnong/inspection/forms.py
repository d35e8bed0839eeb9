"""The inspector's adjustment form (shape only; the service checks the range and the reason)."""

from django import forms

from qingnong.core.forms import ScopedForm

from .choices import Dimension


class AdjustForm(ScopedForm):
    dimension = forms.ChoiceField(label="考核项", choices=Dimension.choices)
    score = forms.CharField(label="调整后得分（0–100，留空恢复自动得分）", required=False, max_length=8)
    reason = forms.CharField(label="调整理由", required=False, widget=forms.Textarea({"rows": 3}))
