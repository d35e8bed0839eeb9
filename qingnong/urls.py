"""Root URLs. Each app mounts its own ``urls`` (staff and cadre pages, namespaced) and may add
``public_urls`` (pages without login, such as live codes and the official-account callback)."""

from importlib.util import find_spec

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from qingnong.core.auth import LockoutAuthenticationForm
from qingnong.orgs.views import PasswordChange

APPS = [
    "core",
    "dashboard",
    "orgs",
    "sheets",
    "youth",
    "wxgroups",
    "mp",
    "content",
    "activities",
    "campaign",
    "inspection",
]

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LockoutAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", PasswordChange.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("api/v1/", include("qingnong.api.urls")),
]

# Public pages first: the official-account callback and live codes are the hottest paths and must not
# walk every staff pattern before matching.
public = [
    path("", include(f"qingnong.{app}.public_urls"))
    for app in APPS
    if find_spec(f"qingnong.{app}.public_urls")
]
urlpatterns = public + urlpatterns
for app in APPS:
    if find_spec(f"qingnong.{app}.urls"):
        urlpatterns.append(path("", include(f"qingnong.{app}.urls")))

if settings.DEBUG:
    # Only public uploads (group QR codes, posters) are served as files; private ones (submissions,
    # import files) go through scoped views. In production nginx serves /media/public/ the same way.
    from django.conf.urls.static import static

    urlpatterns += static(f"{settings.MEDIA_URL}public/", document_root=settings.MEDIA_ROOT / "public")
