"""The callback WeChat's servers call: no login, every request signed (see callback.py)."""

from django.urls import path

from . import views

app_name = "mp_public"

urlpatterns = [
    path("wx/<slug:key>/", views.wechat_callback, name="callback"),
]
