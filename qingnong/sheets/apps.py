from django.apps import AppConfig


class SheetsConfig(AppConfig):
    name = "qingnong.sheets"
    label = "sheets"
