# One image for every process: web (uvicorn), the Celery worker, Celery beat and migrate.
# Build: docker build -t culture .   Run: see docker-compose.yml and README.md.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_NO_CACHE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=culture.settings \
    VAR_DIR=/app/var

# The runtime dependencies only (pyproject's [project] list, locked with hashes in
# requirements/runtime.txt): no embedded PostgreSQL, no test tools, no locust. Every file is
# checked against its hash, and --no-deps installs exactly the lock, nothing it did not name.
WORKDIR /app
COPY requirements/runtime.txt ./requirements/runtime.txt
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --require-hashes --no-deps -r requirements/runtime.txt

# A non-root user owns only what it must write: var/ (beat's schedule, fallbacks).
RUN groupadd --system --gid 10001 culture \
    && useradd --system --uid 10001 --gid culture --home-dir /app --shell /usr/sbin/nologin culture

COPY LICENSE manage.py ./
COPY culture ./culture
COPY feedback ./feedback
COPY keeper ./keeper
COPY decisions ./decisions
COPY pay ./pay
COPY context ./context
COPY freedom ./freedom
COPY chat ./chat
COPY webhooks ./webhooks
COPY api ./api
COPY sso ./sso
COPY templates ./templates
COPY static ./static
# The compiled translation catalogues (.mo, committed: no gettext in the image).
COPY locale ./locale

# Hashed, compressed static files served by WhiteNoise. The values here exist only for this
# build step (nothing connects to them); the real ones come from the environment at run time.
RUN DEBUG=false STATIC_MANIFEST=true SECRET_KEY=collectstatic-only \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    VAR_DIR=/tmp/build-var \
    python manage.py collectstatic --noinput --verbosity 0 \
    && rm -rf /tmp/build-var \
    && mkdir -p /app/var && chown culture:culture /app/var

USER culture
EXPOSE 8000

# Production settings: DEBUG is off unless set; SECRET_KEY, ALLOWED_HOSTS and the rest come
# from the environment (README.md lists every variable). Migrations run in their own one-shot
# container (`python manage.py migrate`), never here.
CMD ["sh", "-c", "exec uvicorn culture.asgi:application --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-3} --lifespan off --no-server-header --timeout-graceful-shutdown 5 --timeout-keep-alive 75"]
