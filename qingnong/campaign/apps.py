from django.apps import AppConfig


class CampaignConfig(AppConfig):
    name = "qingnong.campaign"
    label = "campaign"
