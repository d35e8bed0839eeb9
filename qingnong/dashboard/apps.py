from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "qingnong.dashboard"
    label = "dashboard"
