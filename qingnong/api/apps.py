from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "qingnong.api"
    label = "api"
    verbose_name = "接口"

    def ready(self) -> None:
        from qingnong.core.audit_actions import declare_actions

        from .audit_actions import ACTIONS

        declare_actions(self.label, ACTIONS)
