from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "qingnong.activities"
    label = "activities"
