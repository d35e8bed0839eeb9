"""Pages without login: the live-code page youth open from a poster or the official account."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("j/<slug:code>", public_views.live_code_page, name="live_code_page"),
    path("j/<slug:code>/", public_views.live_code_page),
]
