"""Commitment Tracker settings: one module, driven by the environment.

With nothing set the project runs on embedded defaults (SQLite in the project folder,
Celery tasks executed in-process, e-mail printed to the console, DEBUG on). Every
variable is listed with its meaning in `.env.example`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from csp.constants import UNSAFE_INLINE as CSP_UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    normalised = value.strip().lower()
    if normalised in {"1", "true", "yes", "on"}:
        return True
    if normalised in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

# Production mode refuses to start on development defaults: a leaked or guessable key
# signs sessions and password-reset links, and an empty host list answers every Host header.
_missing = [
    name for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS") if not os.environ.get(name, "").strip()
]
if not DEBUG and _missing:
    raise ImproperlyConfigured(
        f"DJANGO_DEBUG=0 (production mode) needs {' and '.join(_missing)}. "
        "Set DJANGO_SECRET_KEY to a random string of 50+ characters "
        "(python -c 'import secrets; print(secrets.token_urlsafe(64))') and DJANGO_ALLOWED_HOSTS to a "
        "comma-separated list of host names, or set DJANGO_DEBUG=1 for local development."
    )

SECRET_KEY = (
    os.environ.get("DJANGO_SECRET_KEY") or "django-insecure-local-development-only-never-in-production"
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS") or ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "commitments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "commitments.middleware.RequestHygieneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if not DEBUG:
    # Serves collected static files under gunicorn; runserver serves them itself in DEBUG.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tracker" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL (postgres://user:pass@host:5432/name) selects PostgreSQL; without it, SQLite.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Fail fast when the database hangs (docs/reliability.md): a connection that is not up within
# TRACKER_DB_CONNECT_TIMEOUT seconds, or a statement still running after TRACKER_DB_STATEMENT_TIMEOUT_MS,
# is an error the request answers with 503 and Retry-After instead of holding a worker. Management
# commands other than runserver (migrations, imports, the benchmark loader) run without a statement
# timeout unless one is set explicitly: they are meant to take as long as their data needs.
TRACKER_DB_CONNECT_TIMEOUT = env_int("TRACKER_DB_CONNECT_TIMEOUT", 5)
_MANAGEMENT_COMMAND = (
    Path(sys.argv[0]).name == "manage.py" and len(sys.argv) > 1 and sys.argv[1] != "runserver"
)
TRACKER_DB_STATEMENT_TIMEOUT_MS = env_int(
    "TRACKER_DB_STATEMENT_TIMEOUT_MS", 0 if _MANAGEMENT_COMMAND else 30_000
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles the report queries afresh on every run (0.4-1.3 s each, measured at
    # 100k commitments) and never pays that back on queries of this size (docs/benchmarks.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "options": f"-c jit=off -c statement_timeout={TRACKER_DB_STATEMENT_TIMEOUT_MS}",
            "connect_timeout": TRACKER_DB_CONNECT_TIMEOUT,
            # A connection whose packets go unacknowledged (the host vanished) is dropped after 10 s
            # rather than waiting for the kernel's retransmissions (~15 minutes).
            "tcp_user_timeout": 10_000,
            "keepalives": 1,
            "keepalives_idle": 30,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Caches ---------------------------------------------------------------------------
# The API throttle has its own alias: with Redis it is shared by every web process; the
# throttle fails open if Redis is unreachable (fair use, not security), never with a 500.
CACHES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"},
    # Computed reports, keyed by the fingerprint of their data (commitments/reports.py): per process, as
    # a report is cheap to compute again and a stale one can never be served.
    "reports": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "reports",
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}
# How long a computed report is remembered (seconds; 0: computed on every request).
TRACKER_REPORT_CACHE_SECONDS = env_int("TRACKER_REPORT_CACHE_SECONDS", 600)
if os.environ.get("REDIS_URL"):
    CACHES["throttle"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": "tracker-throttle",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }

# --- E-mail ---------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Commitment Tracker <tracker@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------
# REDIS_URL selects a real broker; without it tasks run eagerly in the calling process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
# At-least-once delivery: a task whose worker dies is redelivered; tasks are idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TIMEZONE = TIME_ZONE

# --- Reminders ------------------------------------------------------------------------
# The daily digest of stale commitments (commitments/reminders.py, docs/operations.md): beat
# starts it at REMINDER_HOUR:REMINDER_MINUTE in TIME_ZONE; `manage.py send_reminders` does the
# same from cron. Two beats, a retried or redelivered run cannot send a second digest the same
# day: each (recipient, day) is claimed in the database first.
REMINDER_HOUR = env_int("REMINDER_HOUR", 7)
REMINDER_MINUTE = env_int("REMINDER_MINUTE", 0)
if not (0 <= REMINDER_HOUR <= 23 and 0 <= REMINDER_MINUTE <= 59):
    raise ImproperlyConfigured(
        f"REMINDER_HOUR={REMINDER_HOUR} / REMINDER_MINUTE={REMINDER_MINUTE} is not a time of day."
    )
# A claim still unsent after this long belongs to a dead worker and is taken over (the digest
# is sent again: see docs/operations.md for the crash window). Keep it well above the time one
# send can take (EMAIL_TIMEOUT per SMTP step). Decimals allowed, e.g. 0.05 (3 s) in tests.
try:
    REMINDER_CLAIM_TIMEOUT_MINUTES = float(os.environ.get("REMINDER_CLAIM_TIMEOUT_MINUTES", "").strip() or 15)
except ValueError:
    raise ImproperlyConfigured("REMINDER_CLAIM_TIMEOUT_MINUTES must be a number of minutes.") from None
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {
        "task": "commitments.tasks.send_reminders",
        "schedule": crontab(hour=REMINDER_HOUR, minute=REMINDER_MINUTE),
    },
}

# --- Domain ---------------------------------------------------------------------------
# Days after which a commitment in a status is stale; None means never (final statuses).
COMMITMENT_REVIEW_INTERVAL_DAYS: dict[str, int | None] = {
    "unassessed": 30,
    "not_started": 90,
    "in_progress": 90,
    "stalled": 90,
    "partially_achieved": 180,
    "achieved": None,
    "not_achieved": None,
}
# The assessment method: the status scale and the review intervals above. Change the version whenever
# either changes (docs/method.md); every review records the version it was written under.
TRACKER_METHOD_VERSION = os.environ.get("TRACKER_METHOD_VERSION", "2026.1")
# Absolute base for links in e-mails (no request is at hand when a worker sends them).
TRACKER_BASE_URL = os.environ.get("TRACKER_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Evidence links: health checks and archived copies (docs/operations.md, "Evidence that lasts") ---
# The fetcher (commitments/fetching.py) reaches public addresses only. TRACKER_FETCH_ALLOW_HOSTS is FOR
# TESTS ONLY: host names or IPs, as written in URLs, that it may reach on a loopback or private address.
TRACKER_FETCH_ALLOW_HOSTS = env_list("TRACKER_FETCH_ALLOW_HOSTS")
TRACKER_FETCH_MAX_BYTES = env_int("TRACKER_FETCH_MAX_BYTES", 2 * 1024 * 1024)  # of a body; the rest unread
try:  # seconds for one URL, redirects included (decimals allowed, e.g. 0.5 in tests)
    TRACKER_FETCH_TIMEOUT = float(os.environ.get("TRACKER_FETCH_TIMEOUT", "").strip() or 10)
except ValueError:
    raise ImproperlyConfigured("TRACKER_FETCH_TIMEOUT must be a number of seconds.") from None
TRACKER_FETCH_MAX_REDIRECTS = env_int("TRACKER_FETCH_MAX_REDIRECTS", 5)
TRACKER_FETCH_RESPECT_ROBOTS = env_bool("TRACKER_FETCH_RESPECT_ROBOTS", True)
TRACKER_FETCH_USER_AGENT = (
    os.environ.get("TRACKER_FETCH_USER_AGENT", "").strip() or f"CommitmentTracker/1.0 (+{TRACKER_BASE_URL})"
)
# A link is checked again this many days after a success; failures retry sooner (1 h, 6 h, 1 day, 3 days,
# then this), and only TRACKER_LINK_BROKEN_AFTER failures in a row make it "broken".
TRACKER_LINK_CHECK_DAYS = env_int("TRACKER_LINK_CHECK_DAYS", 7)
TRACKER_LINK_BROKEN_AFTER = env_int("TRACKER_LINK_BROKEN_AFTER", 3)
# Beat checks up to TRACKER_LINK_CHECK_BATCH due links every TRACKER_LINK_CHECK_MINUTES; a batch's links
# stay claimed for TRACKER_LINK_CLAIM_MINUTES (longer than a batch can take), so no two workers check one.
TRACKER_LINK_CHECK_MINUTES = env_int("TRACKER_LINK_CHECK_MINUTES", 5)
TRACKER_LINK_CHECK_BATCH = env_int("TRACKER_LINK_CHECK_BATCH", 25)
TRACKER_LINK_CLAIM_MINUTES = env_int("TRACKER_LINK_CLAIM_MINUTES", 30)
if TRACKER_LINK_CHECK_MINUTES > 0:
    CELERY_BEAT_SCHEDULE["check-evidence-links"] = {
        "task": "commitments.tasks.check_evidence_links",
        "schedule": TRACKER_LINK_CHECK_MINUTES * 60.0,
    }

# --- REST framework -------------------------------------------------------------------
# Reading is public unless TRACKER_API_REQUIRE_LOGIN=1; every write needs a model permission.
TRACKER_API_REQUIRE_LOGIN = env_bool("TRACKER_API_REQUIRE_LOGIN", False)
# Fair-use limits (not a security control: DRF's throttle is not atomic across processes).
# Sign-in failures (admin passwords, API tokens) per client address and per username, counted in the
# throttle cache; past the limit, refused for the rest of the window (commitments/lockout.py).
TRACKER_LOGIN_FAILURE_LIMIT = env_int("TRACKER_LOGIN_FAILURE_LIMIT", 10)
TRACKER_TOKEN_FAILURE_LIMIT = env_int("TRACKER_TOKEN_FAILURE_LIMIT", 20)
TRACKER_LOGIN_FAILURE_WINDOW = env_int("TRACKER_LOGIN_FAILURE_WINDOW", 900)  # seconds
# Evidence suggestions from the public pages: at most this many posts per client address per window
# (seconds), counted in the throttle cache; past it, a 429 page (commitments/lockout.py).
TRACKER_SUGGESTION_LIMIT = env_int("TRACKER_SUGGESTION_LIMIT", 5)
TRACKER_SUGGESTION_WINDOW = env_int("TRACKER_SUGGESTION_WINDOW", 3600)
AUTHENTICATION_BACKENDS = ["commitments.auth.LimitedModelBackend"]

TRACKER_API_THROTTLE_RATES = {
    "anon": os.environ.get("TRACKER_API_THROTTLE_ANON", "120/minute"),
    "user": os.environ.get("TRACKER_API_THROTTLE_USER", "1200/minute"),
}
# Keys API tokens' HMAC digests; the database never holds a token in clear.
TRACKER_API_TOKEN_PEPPER = os.environ.get("TRACKER_API_TOKEN_PEPPER", "") or f"pepper:{SECRET_KEY}"
TRACKER_API_MAX_PAGE_SIZE = 500
TRACKER_DETAIL_EMBED_LIMIT = env_int("TRACKER_DETAIL_EMBED_LIMIT", 20)  # reviews/evidence a detail embeds

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "commitments.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["commitments.api.permissions.ReadPublicWriteWithPermission"],
    "DEFAULT_THROTTLE_CLASSES": [
        "commitments.api.throttling.AnonThrottle",
        "commitments.api.throttling.UserThrottle",
    ],
    "DEFAULT_FILTER_BACKENDS": ["commitments.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "commitments.api.pagination.PageOrCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "commitments.api.schema.TrackerAutoSchema",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "commitments.api.negotiation.StrictFormatNegotiation",
    "EXCEPTION_HANDLER": "commitments.api.exceptions.exception_handler",
    # How many proxies in front of the app append to X-Forwarded-For (TRACKER_NUM_PROXIES; default 0:
    # the header is the client's to write, so throttles and sign-in limits key on REMOTE_ADDR).
    "NUM_PROXIES": env_int("TRACKER_NUM_PROXIES", 0),
    "DEFAULT_PARSER_CLASSES": [
        "commitments.api.parsers.BoundedJSONParser",
        "commitments.api.parsers.BoundedFormParser",
        "commitments.api.parsers.BoundedMultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "commitments.api.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Commitment Tracker API",
    "DESCRIPTION": (
        "Every promise of a policy document as a tracked commitment: filters, evidence, the full review "
        "history and progress reports. Reading is public; writes need a token or session of an analyst "
        "or lead and, for commitments and reviews, an If-Match header with the commitment's ETag.\n\n"
        "Start at `/api/v1/`, which links every endpoint. A refused request says why: 400 names each "
        "parameter or field and what it accepts, 406 lists the formats an endpoint offers. The commitment "
        "list and the progress report are also CSV (`format=csv`, `bom=1` for Excel).\n\n"
        "Every review records the assessment method (status scale and review intervals) it was written "
        "under, as `method_version`; the method in force now is the `method` of `/api/v1/`. A commitment "
        "is `overdue` when it is past its target date and not in a final status, whatever its status."
    ),
    "VERSION": "1.0.0",
    # Operations grouped by what they are about (commitments, evidence, reports…), not under one "v1".
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "TAGS": [
        {
            "name": "commitments",
            "description": "The promises, their filters, history and the writes on them.",
        },
        {"name": "evidence", "description": "Sources about a commitment; frozen once a review cites them."},
        {"name": "reviews", "description": "The append-only record of every assessment: what changed."},
        {"name": "documents", "description": "The policy documents and their section trees."},
        {"name": "sectors", "description": "The sector taxonomy the sector filters use."},
        {"name": "reports", "description": "Progress and timeline, computed from the record."},
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # validatorUrl None: Swagger UI would otherwise send the schema's address to validator.swagger.io
    # and show its badge, an image from there.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # The reader's own fonts: the docs load no web fonts from other hosts (templates/drf_spectacular).
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, sans-serif",
                "headings": {"fontFamily": "system-ui, sans-serif"},
            }
        }
    },
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"StatusEnum": "commitments.choices.Status"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "commitments.api.schema.require_non_empty_query_strings",
    ],
}

# --- Security (production mode) -------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): every page, the admin included, runs only scripts served from
# this site, never inline ones, and loads nothing from another host. Inline style *attributes* are
# allowed (the admin's and DRF's browsable API's templates use them; they cannot run code). The two
# API documentation pages relax it for their bundled viewers (tracker/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "style-src-attr": [CSP_UNSAFE_INLINE],
        "img-src": [CSP_SELF, "data:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    }
}
# Powerful browser features no page here uses are switched off for it and anything it embeds.
TRACKER_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), browsing-topics=()"
)
if not DEBUG:
    # Behind a TLS-terminating proxy, set DJANGO_SECURE_PROXY_SSL_HEADER=1 so that the
    # forwarded scheme is trusted (only if the proxy always sets X-Forwarded-Proto).
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
