from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "qingnong.content"
    label = "content"
