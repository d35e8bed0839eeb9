from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qingnong.core"
    label = "core"
