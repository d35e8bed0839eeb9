from django.apps import AppConfig


class WxgroupsConfig(AppConfig):
    name = "qingnong.wxgroups"
    label = "wxgroups"
