from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qingnong.core"
    label = "core"
    verbose_name = "系统"

    def ready(self) -> None:
        from .audit_actions import ACTIONS, declare_actions

        declare_actions(self.label, ACTIONS)
