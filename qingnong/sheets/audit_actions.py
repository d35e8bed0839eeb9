"""Audit actions of the sheets app with their Chinese labels.

Declared from ``SheetsConfig.ready()``; every action named ``sheets.…`` is here,
whichever app writes it (see ``core.audit_actions``).
"""

ACTIONS = {
    "sheets.job.create": "创建后台任务",
    "sheets.import.commit": "确认导入",
    "sheets.export.personal": "命令行导出个人信息",
}
