from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "qingnong.api"
    label = "api"
