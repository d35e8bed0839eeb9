"""The project's URLs plus the public media files, for end-to-end tests (DEBUG is off under the live server,
so the root URLconf does not serve /media/public/ there; nginx does in production)."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from qingnong.urls import urlpatterns as project_urls

urlpatterns = [
    *project_urls,
    re_path(r"^media/(?P<path>public/.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
