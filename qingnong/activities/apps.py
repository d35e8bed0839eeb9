from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "qingnong.activities"
    label = "activities"
    verbose_name = "线上线下活动"

    def ready(self) -> None:
        from qingnong.core.audit_actions import declare_actions

        from .audit_actions import ACTIONS

        declare_actions(self.label, ACTIONS)

        from qingnong.sheets.registry import register_sheets

        from .sheets import SHEETS

        register_sheets(self.label, SHEETS)

        from qingnong.core.navigation import MenuItem, register_menu

        register_menu(MenuItem("activities:activity_list", "活动", order=50))

        # The inspection score's 线上线下活动 dimension (R11) is computed here, from the activities.
        from qingnong.inspection.selectors import register_scorer

        from .selectors import inspection_activity_scores

        register_scorer("activities", inspection_activity_scores)
