from django.apps import AppConfig


class MpConfig(AppConfig):
    name = "qingnong.mp"
    label = "mp"
