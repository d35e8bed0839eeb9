"""Audit actions of the inspection app with their Chinese labels.

Declared from ``InspectionConfig.ready()``; every action named ``inspection.…`` is here,
whichever app writes it (see ``core.audit_actions``).
"""

ACTIONS = {
    "inspection.score.adjust": "调整考核得分",
}
