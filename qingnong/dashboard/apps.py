from django.apps import AppConfig


def _sees_some_org(user: object) -> bool:
    from qingnong.core.permissions import Action
    from qingnong.core.scoping import grant_paths

    paths = grant_paths(user, Action.VIEW)
    return paths is None or bool(paths)


class DashboardConfig(AppConfig):
    name = "qingnong.dashboard"
    label = "dashboard"
    verbose_name = "数据看板"

    def ready(self) -> None:
        from qingnong.core.audit_actions import declare_actions

        from .audit_actions import ACTIONS

        declare_actions(self.label, ACTIONS)

        from qingnong.core.navigation import MenuItem, register_menu

        register_menu(MenuItem("dashboard:index", "数据看板", order=10, visible=_sees_some_org))
