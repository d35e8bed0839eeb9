from django.apps import AppConfig


def _has_cadre(user: object) -> bool:
    return bool(getattr(user, "cadre_id", None))


class YouthConfig(AppConfig):
    name = "qingnong.youth"
    label = "youth"
    verbose_name = "青年名册"

    def ready(self) -> None:
        from qingnong.core.audit_actions import declare_actions

        from .audit_actions import ACTIONS

        declare_actions(self.label, ACTIONS)

        from qingnong.sheets.registry import register_sheets

        from .sheets import SHEETS

        register_sheets(self.label, SHEETS)

        from qingnong.core.navigation import MenuItem, register_menu

        register_menu(MenuItem("youth:youth_list", "青年名册", order=45))
        register_menu(MenuItem("youth:my_youth", "我的青年", order=12, visible=_has_cadre))
