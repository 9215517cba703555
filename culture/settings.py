"""Settings for the culture product.

Everything comes from the environment; every variable is documented in README.md.
Unset, each falls back to an embedded default that runs the whole product on one
machine (see culture/devstack.py, which `make run` and `make test` use).
"""

import contextlib
import importlib.util
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# HTTPS=true turns on the transport protections production needs (redirect, HSTS,
# secure cookies). It defaults to "not DEBUG" so a production deploy is safe unless
# someone deliberately opts out.
HTTPS = env_bool("HTTPS", not DEBUG)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    # Embedded default: a random key generated once and kept under var/, so sessions
    # survive restarts of `make run` and no key is ever committed.
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(64)
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The benchmark's floor: a bare view through the same middleware and server (bench/).
BENCH_FLOOR = env_bool("BENCH_FLOOR", False)

INSTALLED_APPS = [
    "culture",
    "feedback",
    "keeper",
    "decisions",
    "pay",
    "context",
    # Outbound webhooks (issue 22): endpoints, events and their delivery ledger.
    "webhooks",
    # Slack, Microsoft Teams and each person's delivery preferences (issue 22).
    "chat",
    # Freedom and responsibility (issue 23): the time-away board and the context guides.
    "freedom",
    # The public REST API (issue 22) on django-ninja; "ninja" for its docs page's template and
    # Swagger UI's assets, served from here (static/) like everything else: no CDN.
    "api",
    "ninja",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",  # allauth's security-key list uses it
    "django_htmx",
    "axes",
    # Login, single sign-on and two-factor login (issue 21; sso/ is where they meet ours).
    "sso",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.mfa",
]

MIDDLEWARE = [
    "culture.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # allauth's request context (no query of its own) and its ImmediateHttpResponse.
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "culture.middleware.RequestContextMiddleware",
    "culture.middleware.ReaderMiddleware",
    # Answers a view's ratelimit.Limited with 429 (culture/ratelimit.py).
    "culture.ratelimit.RateLimitMiddleware",
    # Answers a service's errors.ActionRefused that a view let through with 422/409.
    "culture.errors.RefusedMiddleware",
    # Must be last: it inspects failed logins that the auth middleware saw.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "culture.urls"
WSGI_APPLICATION = "culture.wsgi.application"
ASGI_APPLICATION = "culture.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "culture.context_processors.chrome",
            ],
            "builtins": [
                "django_htmx.templatetags.django_htmx",
                # |when: the product's own date formats, per language (templatetags/dates.py)
                "culture.templatetags.dates",
            ],
        },
    },
    # The few hot fragments Django's engine was measured too slow for (culture/jinja2.py).
    {
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "culture.jinja2.environment",
            "context_processors": ["django.contrib.messages.context_processors.messages"],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL is required at run time; `make run`/`make test` set it to the embedded
# Postgres (culture/devstack.py) when the environment does not.
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/culture")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
# DB_POOL=true: a psycopg connection pool per process (recommended under uvicorn workers,
# where persistent per-thread connections would multiply). Persistent connections and the
# pool are exclusive, so CONN_MAX_AGE is ignored when the pool is on.
DB_POOL = env_bool("DB_POOL", False)
# Threads per web process for every request but the live streams (culture/asgi.py); each
# holds at most one database connection while it serves a request. Two measured best on
# 2 cores under the load test (load/README.md): 1 leaves the core idle while a thread
# waits on Postgres, 6 spends more on contention for the interpreter lock.
WEB_THREADS = int(os.environ.get("WEB_THREADS", "2"))
if DB_POOL:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 1,
        # The web threads, plus a few for the live streams' presence updates.
        "max_size": int(os.environ.get("DB_POOL_MAX") or WEB_THREADS + 4),
        "timeout": 10,
    }
# DB_PGBOUNCER=true: DATABASE_URL points at PgBouncer in transaction mode (README, "Scaling
# out"), where each transaction may run on a different server connection, so nothing may
# outlive a transaction. An explicit switch: a pooler answers like PostgreSQL, and nothing
# the app could ask it tells transaction mode from session mode.
# - No server-side cursors: QuerySet.iterator() would DECLARE a cursor WITH HOLD in one
#   transaction and FETCH from it in the next (Django's "Transaction pooling and server-side
#   cursors"). Rows are fetched client-side instead, so a streamed export holds its rows in
#   memory.
# - No prepared statements (PgBouncer 1.18, Debian 12's, does not track them) and parameters
#   bound client-side: Django's defaults with psycopg 3, set here too so that what the
#   pooler needs is written down in one place.
# - The rest is already transaction-scoped: the keeper sweep's pg_advisory_xact_lock, and no
#   session SET, LISTEN/NOTIFY, temporary table or session advisory lock in the app (the
#   live events go through Redis). The time zone Django SETs on a new connection is one of
#   the parameters PgBouncer tracks per client and replays on every server it hands over.
# - With DB_POOL, each pooled connection is checked (an empty query) when taken: a PgBouncer
#   restart closes every client connection, and the first request on each would fail.
DB_PGBOUNCER = env_bool("DB_PGBOUNCER", False)
if DB_PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = False
    if DB_POOL:
        from psycopg_pool import ConnectionPool

        DATABASES["default"]["OPTIONS"]["pool"]["check"] = ConnectionPool.check_connection
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_PREFIX", "culture"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    # Embedded stand-in for Redis: a folder queue under var/ that the web process,
    # the worker and beat all share on one machine.
    _queue = VAR_DIR / "broker"
    for _sub in ("queue", "processed"):
        (_queue / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "queue"),
        "data_folder_out": str(_queue / "queue"),
        "processed_folder": str(_queue / "processed"),
        # Exchange bindings; kombu's default is ./control, relative to the working directory.
        "control_folder": str(_queue / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # kombu retries a failed connect every 2 s until CELERY_BROKER_CONNECTION_TIMEOUT,
        # whatever the publish retry policy says; a single attempt keeps a web request that
        # enqueues work fast when the broker is down (the sweeper re-enqueues; tests/faults/).
        "max_retries": 0,
        # A hung broker (accepts, never answers) must not hold a request either.
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Most tasks send mail: each message waits on the mail server (or disk) and on the commit of
# its "sent" mark, so a worker runs two processes per core by default (bench/README.md).
CELERY_WORKER_CONCURRENCY = int(os.environ.get("WORKER_CONCURRENCY") or 2 * (os.cpu_count() or 1))
# A worker's processes run at this niceness (culture/celery.py): on a machine that also
# serves pages, a keeper cycle's tens of thousands of emails take the CPU a page request
# leaves, not the other way round. 0 keeps the process's own.
WORKER_NICE = int(os.environ.get("WORKER_NICE") or 10)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Publishing must never hang a web request when the broker is down: the database
# ledger is the truth and the sweeper re-enqueues anything that was not sent.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}

# Static crontab schedule. Each app may add entries in <app>/schedule.py (a plain dict
# named BEAT_SCHEDULE); every periodic task is an idempotent sweeper.
CELERY_BEAT_SCHEDULE = {
    "culture-heartbeat": {"task": "culture.tasks.heartbeat", "schedule": crontab()},
    "culture-sweep-deliveries": {
        "task": "culture.tasks.sweep_deliveries",
        "schedule": crontab(),
    },
    "culture-sweep-jobs": {"task": "culture.tasks.sweep_jobs", "schedule": crontab()},
    # Daily, at a quiet hour: uploads, sessions, login records, email bodies, failed jobs
    # and erased people's records past their retention (culture/retention.py; SECURITY.md).
    "culture-sweep-retention": {
        "task": "culture.tasks.sweep_retention",
        "schedule": crontab(minute=40, hour=3),
    },
}
for _app in ("feedback", "keeper", "decisions", "pay", "webhooks", "chat", "freedom"):
    _spec = importlib.util.find_spec(f"{_app}.schedule")
    if _spec is not None and _spec.loader is not None:
        _module = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(_module)
        CELERY_BEAT_SCHEDULE.update(getattr(_module, "BEAT_SCHEDULE", {}))

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "culture.Person"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, whose per-request person lookup also reads the unread count.
    "culture.backends.PersonBackend",
]
# Argon2id first, as Django's documentation recommends: memory-hard (100 MiB a hash), so
# far costlier to guess on GPUs than PBKDF2, and half PBKDF2's CPU per login here (0.24
# against 0.46 s). A PBKDF2 hash from before still verifies and is rehashed with Argon2
# at that person's next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # invitation and reset links: 3 days
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login through django-allauth (sso/: adapters, stages, the login form) --------------------
# The password form, the second factor and single sign-on are allauth's flows in our pages;
# sso.adapters says who may log in. Nobody signs themselves up.
ACCOUNT_ADAPTER = "sso.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "sso.adapters.SocialAccountAdapter"
ACCOUNT_FORMS = {"login": "sso.forms.LoginForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
# Sessions last SESSION_COOKIE_AGE, as before (no "remember me" box).
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# allauth's own limits: the login form's ("login", per address) is culture.ratelimit's
# login.ip, checked by our view; failed passwords are django-axes' (per account and address;
# sso.adapters.AccountAdapter.pre_authenticate explains). allauth keeps "login_failed" for
# the second-factor codes (10 a minute per address, 5 per 5 minutes per person) and its
# "reauthenticate" limit. The rest are for allauth pages not mounted here.
ACCOUNT_RATE_LIMITS: dict[str, str | None] = {"login": None}
SOCIALACCOUNT_LOGIN_ON_GET = False  # starting a login is a POST (sso.views.sso_start)
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # sso.adapters matches people by email itself
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
# Second factors: authenticator apps (TOTP), passkeys and security keys (WebAuthn) and recovery
# codes. Emails are the company's (import, invitation, SSO), so none waits for verification.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "Culture")
# The code of the 30 s step before or after is accepted too (RFC 6238 section 5.2): a phone's
# clock drifts, and a code typed as its step ends arrives in the next. Each code works once.
MFA_TOTP_TOLERANCE = 1
# WebAuthn needs a secure origin; plain http is allowed only when HTTPS is off (make run, tests).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not HTTPS
# Fernet keys for secrets at rest (sso/crypto.py); unset, one is derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEY", "")
# Single sign-on from the environment (sso/config.py): these win over the settings page.
SSO_ENV = {
    name: os.environ[name]
    for name in (
        "SSO_OIDC_ISSUER",
        "SSO_OIDC_CLIENT_ID",
        "SSO_OIDC_CLIENT_SECRET",
        "SSO_OIDC_TRUST_EMAILS",
        "SSO_SAML_METADATA_URL",
        "SSO_SAML_METADATA_FILE",
        "SSO_SAML_IDP_ENTITY_ID",
        "SSO_SAML_SP_ENTITY_ID",
        "SSO_EMAIL_DOMAINS",
        "SSO_CREATE_PEOPLE",
        "SSO_REQUIRED",
        "SSO_BREAK_GLASS",
        "MFA_REQUIRED",
    )
    if os.environ.get(name)
}

# The client's address (culture.middleware.client_ip), one answer for the audit log, the
# lock-out and the rate limits: REMOTE_ADDR, or behind PROXY_COUNT reverse proxies the
# address the outermost one appended to X-Forwarded-For.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

# Lock-out: 5 failures for the same account from the same client address lock that pair
# for 15 minutes; never permanently. The pair, not the account alone: counted per account,
# anyone could lock anyone out with five wrong passwords. Not the address alone either:
# everyone behind one office NAT would be locked out by one person's typos. Guessing many
# accounts from one address is what the login rate limit (RATE_LIMITS below) stops.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_MINUTES", "15")) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
# The account a failure counts against: the login form's "username" field, or the "email"
# allauth passes to authenticate() (sso.axes).
AXES_USERNAME_CALLABLE = "sso.axes.username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Without it axes reads REMOTE_ADDR (django-ipware is not installed), which behind a proxy
# is the proxy's address for every request.
AXES_CLIENT_IP_CALLABLE = "culture.middleware.client_ip"
AXES_VERBOSE = False

# --- Rate limits (culture/ratelimit.py) ---------------------------------------------------
# On everything that sends mail or answers without a login. "N/period": at most N in any
# `period` (s, m, h, d), sliding; "off": no limit. Per client address (".ip", the address
# above), per logged-in person (".user") and per person on the receiving end (".to": each
# one counts, whoever sends). A refused request gets 429 with Retry-After and sends nothing.
# Logged-in actions are limited mostly per person: a whole office may share one address.
# RATE_LIMITS in the environment changes some: "login.ip=60/10m,ask.user=off".
RATE_LIMITS = {
    # The public API, per person whatever the token (a second token does not double it):
    # a script paging through the directory at 100 a page reads 10,000 people in 84 s.
    # (Each place is a cache key read on every request: keep it in the low hundreds.)
    "api.user": "120/m",
    # Login form posts from one address: password spraying across many accounts. Guessing
    # one account is the lock-out's (5 failures per account and address). No per-account
    # limit: anyone could then lock anyone out, which the lock-out is kept per address for.
    "login.ip": "30/10m",
    # Reset emails: 3 an hour to one address whoever asks (a hash of the address is counted,
    # known or not, so the answers are the same), and 10 an hour from one address.
    "password_reset.ip": "10/h",
    "password_reset.to": "3/h",
    # Opening and using an emailed reset or invitation link (3 requests per use).
    "password_reset_link.ip": "30/10m",
    # A people admin inviting (or re-inviting) people one by one; bulk is the CSV import.
    "invite.ip": "200/h",
    "invite.user": "30/h",
    "invite.to": "3/h",
    # Asking colleagues for written feedback (one request may ask several).
    "ask.ip": "200/h",
    "ask.user": "20/h",
    "ask.to": "10/h",
    # A facilitator's nudge to someone who has not written yet (once per person in the
    # centre is the most a circle needs: about 3 an hour).
    "nudge.ip": "200/h",
    "nudge.user": "60/h",
    "nudge.to": "6/h",
    # A captain inviting colleagues to weigh in on a memo.
    "memo_invite.ip": "200/h",
    "memo_invite.user": "20/h",
    "memo_invite.to": "10/h",
    # Memo comments; ".to" counts the people each @mention notifies.
    "comment.ip": "200/h",
    "comment.user": "60/h",
    "comment.to": "10/h",
    # New feedback circles: each participant gets a calendar invitation.
    "circle.ip": "200/h",
    "circle.user": "10/h",
    "circle.to": "10/h",
    # Written 360 feedback (the recipient is notified); a campaign means many in a row.
    "written.ip": "200/h",
    "written.user": "30/h",
    "written.to": "20/h",
    # Moving a circle: everyone in it gets the updated calendar invitation.
    "reschedule.ip": "200/h",
    "reschedule.user": "10/h",
    "reschedule.to": "10/h",
    # Asking a memo's captain to revisit the decision (the captain is emailed).
    "revisit.ip": "200/h",
    "revisit.user": "10/h",
    "revisit.to": "10/h",
    # Proposing a raise emails every people admin; in review season they get many, rightly,
    # so it is counted per proposer only.
    "propose.ip": "200/h",
    "propose.user": "30/h",
}


def _rate_limits(limits: dict, overrides: list[str]) -> dict:
    actions = {name.rsplit(".", 1)[0] for name in limits}
    limits = dict(limits)
    for item in overrides:
        name, _, value = item.partition("=")
        action, _, dimension = name.strip().rpartition(".")
        if action not in actions or dimension not in ("ip", "user", "to") or not value:
            raise ValueError(f"RATE_LIMITS: {item!r} is not <action>.<ip|user|to>=N/period")
        limits[name.strip()] = value.strip()
    return limits


RATE_LIMITS = _rate_limits(RATE_LIMITS, env_list("RATE_LIMITS", ""))
RATE_LIMIT_PREFIX = "rl"

# --- Security -----------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Django's database sessions. Not cached_db: its load() writes the cache without catching
# the error, so a Redis outage would fail every page, where the database alone keeps serving.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Probes come over plain http from inside (culture/views/health.py).
SECURE_REDIRECT_EXEMPT = [r"^(healthz|livez|readyz)$"]
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_IMPORT_BYTES = int(os.environ.get("MAX_IMPORT_BYTES", str(50 * 1024 * 1024)))
MAX_IMPORT_ROWS = int(os.environ.get("MAX_IMPORT_ROWS", "200000"))

# SCIM provisioning (culture/scim/): requests per token, "N/period" (s, m or h) or "off". The
# default lets a first sync of a 10,000-person company (a POST and a PATCH a person) finish in
# about two minutes; a client stuck in a loop is held there. Lower it to keep more of the
# machine for people's pages during a big first sync (it then takes longer).
SCIM_RATE_LIMIT = os.environ.get("SCIM_RATE_LIMIT", "12000/m")

# Webhooks (webhooks/): endpoints on loopback, private or reserved addresses are refused
# (webhooks/addresses.py) unless this is on, for a receiver on the company's own network.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False)

# Slack (chat/slack.py). The defaults are Slack's; the tests point both at a local stand-in.
SLACK_API_URL = os.environ.get("SLACK_API_URL", "https://slack.com/api/")
SLACK_AUTHORIZE_URL = os.environ.get("SLACK_AUTHORIZE_URL", "https://slack.com/oauth/v2/authorize")

# --- Email (Django 6.1 MAILERS) -------------------------------------------------------


def _mailers(url: str) -> dict:
    """MAIL_URL: smtp://user:pass@host:587?tls=1, smtps://..., file:///path, console:, locmem:."""
    parsed = urlparse(url)
    if parsed.scheme in {"smtp", "smtps"}:
        query = parse_qs(parsed.query)
        options = {
            "host": parsed.hostname or "localhost",
            "port": parsed.port or (465 if parsed.scheme == "smtps" else 25),
            "username": unquote(parsed.username or ""),
            "password": unquote(parsed.password or ""),
            "use_tls": query.get("tls", ["0"])[0] in {"1", "true"},
            "use_ssl": parsed.scheme == "smtps",
            "timeout": 10,
        }
        backend = "django.core.mail.backends.smtp.EmailBackend"
    elif parsed.scheme == "file":
        options = {"file_path": parsed.path}
        backend = "django.core.mail.backends.filebased.EmailBackend"
    elif parsed.scheme == "console":
        options, backend = {}, "django.core.mail.backends.console.EmailBackend"
    elif parsed.scheme == "locmem":
        options, backend = {}, "django.core.mail.backends.locmem.EmailBackend"
    else:
        raise ValueError(f"MAIL_URL scheme {parsed.scheme!r} is not supported")
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


MAIL_URL = os.environ.get("MAIL_URL") or f"file://{VAR_DIR / 'mail'}"
MAILERS = _mailers(MAIL_URL)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Culture <culture@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- I18N, static -----------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# Each named in its own language: a person looks for the language they read. Adding one:
# README, "Adding a language".
LANGUAGES = [
    ("en-gb", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("ja", "日本語"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "culture_language"
FORMAT_MODULE_PATH = ["culture.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
WHITENOISE_AUTOREFRESH = DEBUG
# Whitenoise warns when STATIC_ROOT is missing; it is created by collectstatic in production.
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(exist_ok=True)

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Request bodies never reach the log: they may carry salaries or answers.
        "django.request": {"level": "ERROR"},
    },
}
