from django.apps import AppConfig


def _may_import(user: object) -> bool:
    from .selectors import importable_kinds

    return bool(importable_kinds(user))


class SheetsConfig(AppConfig):
    name = "qingnong.sheets"
    label = "sheets"
    verbose_name = "导入导出与后台任务"

    def ready(self) -> None:
        from qingnong.core.audit_actions import declare_actions

        from .audit_actions import ACTIONS

        declare_actions(self.label, ACTIONS)

        from .handlers import HANDLERS
        from .jobs import register_job_handlers

        register_job_handlers(HANDLERS)

        from qingnong.core.navigation import MenuItem, register_menu

        register_menu(MenuItem("sheets:index", "批量导入", order=80, visible=_may_import))
        register_menu(MenuItem("sheets:job_list", "我的任务", order=85))
