"""Audit actions of the wxgroups app with their Chinese labels.

Declared from ``WxgroupsConfig.ready()``; every action named ``wxgroups.…`` is here,
whichever app writes it (see ``core.audit_actions``).
"""

ACTIONS = {
    "wxgroups.group.create": "登记微信群",
    "wxgroups.group.update": "修改微信群",
    "wxgroups.group.qr": "更新群二维码",
    "wxgroups.group.dissolve": "解散微信群",
    "wxgroups.group.import": "导入新增微信群",
    "wxgroups.group.import_update": "导入更新微信群",
    "wxgroups.group.bulk_create": "批量登记微信群",
    "wxgroups.livecode.create": "新建活码",
    "wxgroups.livecode.update": "修改活码",
    "wxgroups.member.add": "添加群成员",
    "wxgroups.member.remove": "移出群成员",
    "wxgroups.member.import": "导入群成员",
}
