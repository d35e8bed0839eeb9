from django.apps import AppConfig


class InspectionConfig(AppConfig):
    name = "qingnong.inspection"
    label = "inspection"
    verbose_name = "督查考核"

    def ready(self) -> None:
        from qingnong.core.audit_actions import declare_actions

        from .audit_actions import ACTIONS

        declare_actions(self.label, ACTIONS)

        from qingnong.core.navigation import MenuItem, register_menu

        register_menu(MenuItem("inspection:assessment", "督查考核", order=70))
