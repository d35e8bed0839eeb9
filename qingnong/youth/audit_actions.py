"""Audit actions of the youth app with their Chinese labels.

Declared from ``YouthConfig.ready()``; every action named ``youth.…`` is here,
whichever app writes it (see ``core.audit_actions``).
"""

ACTIONS = {
    "youth.youth.create": "登记青年",
    "youth.youth.update": "修改青年信息",
    "youth.youth.delete": "删除青年",
    "youth.youth.merge": "合并重复青年",
    "youth.youth.import": "导入新增青年",
    "youth.youth.import_update": "导入更新青年",
    "youth.youth.bulk_create": "批量登记青年",
}
