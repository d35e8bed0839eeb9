from django.apps import AppConfig


class YouthConfig(AppConfig):
    name = "qingnong.youth"
    label = "youth"
