"""Audit actions of the activities app with their Chinese labels.

Declared from ``ActivitiesConfig.ready()``; every action named ``activities.…`` is here,
whichever app writes it (see ``core.audit_actions``).
"""

ACTIONS = {
    "activities.activity.create": "登记活动",
    "activities.activity.update": "修改活动",
    "activities.activity.delete": "删除活动",
    "activities.activity.import": "导入新增活动",
    "activities.activity.import_update": "导入更新活动",
    "activities.photo.create": "上传活动照片",
    "activities.photo.delete": "删除活动照片",
    "activities.bulk_create": "批量登记活动（演示或测试数据）",
}
