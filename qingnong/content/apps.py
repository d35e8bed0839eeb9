from django.apps import AppConfig


def _can(action: str):  # type: ignore[no-untyped-def]
    def check(user: object) -> bool:
        from qingnong.core.scoping import grant_paths

        paths = grant_paths(user, action)
        return paths is None or bool(paths)

    return check


class ContentConfig(AppConfig):
    name = "qingnong.content"
    label = "content"
    verbose_name = "内容供给"

    def ready(self) -> None:
        from qingnong.core.audit_actions import declare_actions

        from .audit_actions import ACTIONS

        declare_actions(self.label, ACTIONS)

        from qingnong.core.navigation import MenuItem, register_menu
        from qingnong.core.permissions import Action

        register_menu(MenuItem("content:todo", "待转发", order=35, visible=_can(Action.ADD)))
        register_menu(MenuItem("content:item_list", "内容供给", order=45))
        register_menu(MenuItem("content:task_list", "转发任务", order=46, visible=_can(Action.PUBLISH)))
        register_menu(MenuItem("content:stats", "活跃度", order=55))

        # The inspection score's 内容及频次 dimension (R11) is computed here, from the content records.
        from qingnong.inspection.selectors import register_scorer

        from .selectors import inspection_content_scores

        register_scorer("content", inspection_content_scores)
