from django.urls import include, path

from . import views

# "home" stays un-namespaced: the header's brand link and LOGIN_REDIRECT_URL name it.
dashboard_patterns = (
    [
        path("dashboard/", views.DashboardView.as_view(), name="index"),
        path("dashboard/export/<str:table>/", views.DashboardExportView.as_view(), name="export"),
    ],
    "dashboard",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("", include(dashboard_patterns)),
]
