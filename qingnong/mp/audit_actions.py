"""Audit actions of the mp app with their Chinese labels.

Declared from ``MpConfig.ready()``; every action named ``mp.…`` is here,
whichever app writes it (see ``core.audit_actions``).
"""

ACTIONS = {
    "mp.account.create": "登记公众号",
    "mp.account.update": "修改公众号",
    "mp.account.secrets": "更换公众号密钥",
    "mp.admin.add": "加入管理团队",
    "mp.admin.remove": "移出管理团队",
    "mp.follow.bind": "扫码绑定关注",
    "mp.follow.bind_code": "生成绑定二维码",
    "mp.follow.confirm": "确认已关注",
    "mp.follow.withdraw": "撤回关注确认",
    "mp.qrcode.generate": "生成参数二维码",
    "mp.rule.create": "新增自动回复",
    "mp.rule.update": "修改自动回复",
    "mp.rule.delete": "删除自动回复",
    "mp.menu.save": "保存菜单",
    "mp.menu.push": "推送菜单",
    "mp.post.create": "新建推文",
    "mp.post.update": "修改推文",
    "mp.post.submit": "推文提交审核",
    "mp.post.approve": "推文审核通过",
    "mp.post.return": "退回推文",
    "mp.post.delete": "删除推文",
    "mp.post.record_external": "登记推文发布链接",
    "mp.post.publish": "提交发布推文",
    "mp.post.published": "推文发布成功",
    "mp.post.publish_failed": "推文发布失败",
}
