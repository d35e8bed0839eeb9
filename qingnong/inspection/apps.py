from django.apps import AppConfig


class InspectionConfig(AppConfig):
    name = "qingnong.inspection"
    label = "inspection"
