"""Django's WSGI application behind a2wsgi's WSGIMiddleware, for bench/bridge.py only: the
library issue 19 asked us to weigh against culture/asgi.py's own bridge. Not served in
production (a2wsgi keeps header names with underscores, see bench/README.md)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "culture.settings")

from a2wsgi import WSGIMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402

from culture.wsgi import application as wsgi_application  # noqa: E402

application = WSGIMiddleware(wsgi_application, workers=settings.WEB_THREADS)
