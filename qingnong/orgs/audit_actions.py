"""Audit actions of the orgs app with their Chinese labels.

Declared from ``OrgsConfig.ready()``; every action named ``orgs.…`` is here,
whichever app writes it (see ``core.audit_actions``).
"""

ACTIONS = {
    "orgs.org.create": "新建组织",
    "orgs.org.update": "修改组织",
    "orgs.org.move": "移动组织",
    "orgs.org.delete": "删除组织",
    "orgs.org.dissolve": "撤销组织",
    "orgs.org.merge": "合并组织",
    "orgs.org.restore": "恢复组织",
    "orgs.org.bulk_create": "批量新建组织",
    "orgs.cadre.create": "新增团干部",
    "orgs.cadre.update": "修改团干部",
    "orgs.cadre.delete": "删除团干部",
    "orgs.cadre.bulk_create": "批量新增团干部",
    "orgs.cadre.import": "导入新增团干部",
    "orgs.cadre.import_update": "导入更新团干部",
    "orgs.position.create": "新增职务",
    "orgs.position.update": "修改职务",
    "orgs.position.delete": "删除职务",
    "orgs.user.create": "新建用户",
    "orgs.user.update": "修改用户",
    "orgs.user.enable": "启用用户",
    "orgs.user.disable": "停用用户",
    "orgs.user.set_password": "修改密码",
    "orgs.grant.create": "授予权限",
    "orgs.grant.delete": "收回权限",
}
