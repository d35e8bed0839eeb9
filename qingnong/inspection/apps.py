from django.apps import AppConfig


class InspectionConfig(AppConfig):
    name = "qingnong.inspection"
    label = "inspection"
    verbose_name = "督查考核"

    def ready(self) -> None:
        from qingnong.core.navigation import MenuItem, register_menu

        register_menu(MenuItem("inspection:assessment", "督查考核", order=70))
