"""Audit actions of the campaign app with their Chinese labels.

Declared from ``CampaignConfig.ready()``; every action named ``campaign.…`` is here,
whichever app writes it (see ``core.audit_actions``).
"""

ACTIONS = {
    "campaign.campaign.create": "新建年度工作",
    "campaign.campaign.update": "修改年度工作",
    "campaign.submission.upload": "报送材料",
    "campaign.submission.accept": "报送材料审核通过",
    "campaign.submission.return": "退回报送材料",
}
