from django.apps import AppConfig


class CampaignConfig(AppConfig):
    name = "qingnong.campaign"
    label = "campaign"
    verbose_name = "年度工作与考核"

    def ready(self) -> None:
        from qingnong.core.audit_actions import declare_actions

        from .audit_actions import ACTIONS

        declare_actions(self.label, ACTIONS)

        from qingnong.core.navigation import MenuItem, register_menu

        from . import rules  # noqa: F401  (registers R1–R12)

        register_menu(MenuItem("campaign:campaign_current", "年度工作", order=60))
        register_menu(MenuItem("campaign:submission_board", "材料报送", order=65))
