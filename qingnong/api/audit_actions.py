"""Audit actions of the api app with their Chinese labels.

Declared from ``ApiConfig.ready()``; every action named ``api.…`` is here,
whichever app writes it (see ``core.audit_actions``).
"""

ACTIONS = {
    "api.token.create": "创建 API 令牌",
    "api.token.revoke": "吊销 API 令牌",
}
