from django.apps import AppConfig


def _is_admin_somewhere(user: object) -> bool:
    from qingnong.core.permissions import Action
    from qingnong.core.scoping import grant_paths

    paths = grant_paths(user, Action.MANAGE_USERS)
    return paths is None or bool(paths)


class OrgsConfig(AppConfig):
    name = "qingnong.orgs"
    label = "orgs"
    verbose_name = "组织与团干部"

    def ready(self) -> None:
        from qingnong.core.audit_actions import declare_actions

        from .audit_actions import ACTIONS

        declare_actions(self.label, ACTIONS)

        from qingnong.sheets.registry import register_sheets

        from .sheets import SHEETS

        register_sheets(self.label, SHEETS)

        from qingnong.core.navigation import MenuItem, register_menu

        register_menu(MenuItem("orgs:org_tree", "组织架构", order=20))
        register_menu(MenuItem("orgs:cadre_list", "团干部", order=30))
        register_menu(MenuItem("orgs:user_list", "用户授权", order=90, visible=_is_admin_somewhere))
        register_menu(MenuItem("orgs:audit_list", "操作记录", order=95, visible=_is_admin_somewhere))
