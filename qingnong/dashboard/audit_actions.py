"""Audit actions of the dashboard app with their Chinese labels.

Declared from ``DashboardConfig.ready()``; every action named ``dashboard.…`` is here,
whichever app writes it (see ``core.audit_actions``).
"""

ACTIONS = {
    "dashboard.snapshot.take": "生成指标快照",
    "dashboard.snapshot.backfill": "补算历史指标快照",
}
