"""Forms of the sheets pages: they check the shape of the input; the pipeline checks the rows."""

from __future__ import annotations

from django import forms

from qingnong.core.forms import OrgChoiceField, ScopedForm
from qingnong.core.permissions import Action


class ImportForm(ScopedForm):
    org_action = Action.ADD
    file = forms.FileField(
        label="表格文件",
        help_text="支持 .xlsx、.xls、.ods、.csv（UTF-8 或 GBK），最大 20 MB、20 万行",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.xls,.ods,.csv"}),
    )
    under = OrgChoiceField(
        label="导入到（可选）", required=False, help_text="只导入到该组织及其下级；表中的组织路径可相对它填写"
    )
    skip_existing = forms.BooleanField(label="已存在的记录跳过，不更新", required=False)


class ExportForm(ScopedForm):
    org_action = Action.EXPORT
    under = OrgChoiceField(label="导出范围（可选）", required=False, help_text="不填则导出您管辖范围内的全部")
    format = forms.ChoiceField(label="格式", choices=[("xlsx", "Excel（.xlsx）"), ("csv", "CSV（UTF-8）")])
