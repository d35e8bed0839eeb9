"""WSGI entry point (gunicorn qingnong.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingnong.settings")
application = get_wsgi_application()
