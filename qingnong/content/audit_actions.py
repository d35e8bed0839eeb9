"""Audit actions of the content app with their Chinese labels.

Declared from ``ContentConfig.ready()``; every action named ``content.…`` is here,
whichever app writes it (see ``core.audit_actions``).
"""

ACTIONS = {
    "content.item.create": "新增供稿",
    "content.item.update": "修改供稿",
    "content.task.create": "下发转发任务",
    "content.task.withdraw": "撤回转发任务",
    "content.task.confirm": "确认转发",
    "content.post.create": "登记群内容",
    "content.post.screenshot": "上传群内容截图",
    "content.post.delete": "删除群内容记录",
    "content.group.active": "群恢复活跃",
    "content.group.dormant": "群转为沉寂",
    "content.bulk_create": "批量新增供稿（演示或测试数据）",
}
