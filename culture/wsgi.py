import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "culture.settings")
application = get_wsgi_application()

# Every URL module imported now, not on the first request (as culture/asgi.py does).
from django.urls import get_resolver  # noqa: E402

_ = get_resolver().url_patterns
