"""Herdbook settings: one module, driven by environment variables with safe local defaults.

Every variable is listed in the README's configuration table.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from core.paper import report_paper

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_float(name, default):
    return float(os.environ.get(name, default))


def env_int(name, default):
    return int(os.environ.get(name, default))


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "herdbook-insecure-local-development-key"

ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_rq",
    "axes",
    "csp",
    "core",
    "detections",
    "reid",
    "exports",
    "reports",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.htmx.HtmxLoginRedirectMiddleware",  # an expired session in an htmx request: the whole login page
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.unavailable.ServiceUnavailableMiddleware",  # Redis or the database down: 503, never 500
    # last: turns a lockout flagged during authentication into the lockout answer
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # gunicorn serves the collected static files itself; runserver does it in development
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "core.context_processors.roles",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: SQLite locally, PostgreSQL when DATABASE_URL is set -------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    SQLITE_PATH = Path(env("SQLITE_PATH", str(BASE_DIR / "var" / "herdbook.sqlite3")))
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            # A web process and a worker write to the same file: take the write lock at BEGIN
            # and wait for it instead of failing with "database is locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                # readers do not block the writer (web + worker), commits do not wait for fsync
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file (one per test process), so that worker processes started by integration
            # tests can open the test database too.
            "TEST": {"NAME": env("SQLITE_TEST_PATH", str(SQLITE_PATH.parent / f"test-{os.getpid()}.sqlite3"))},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis and the job queues ------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {
    "default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600},
    "exports": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 900},
}
# Services enqueue inside transaction.on_commit themselves, so the queue enqueues at once.
RQ = {"COMMIT_MODE": "auto", "WORKER_CLASS": "core.worker.HerdbookWorker"}
# Worker tuning so that a dead or timed-out export job reads "failed" within 2 minutes (exports.worker).
EXPORT_MAINTENANCE_INTERVAL = env_int("EXPORT_MAINTENANCE_INTERVAL", 30)
EXPORT_JOB_MONITORING_INTERVAL = env_int("EXPORT_JOB_MONITORING_INTERVAL", 5)
EXPORT_HEARTBEAT_GRACE = env_int("EXPORT_HEARTBEAT_GRACE", 30)
EXPORT_AUTH_CACHE_SECONDS = env_int("EXPORT_AUTH_CACHE_SECONDS", 10)  # verified API tokens cached per process
RQ_SHOW_ADMIN_LINK = True

# --- Auth, i18n, time -------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
# Login throttling (django-axes): the login form, the admin login and API tokens (core.auth) count
# failures per username and client address; after AXES_FAILURE_LIMIT failures that pair is locked for
# AXES_COOLOFF_MINUTES. An administrator unlocks with `manage.py axes_reset` (README).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_COOLOFF_MESSAGE = (
    f"Too many failed login attempts: locked for {AXES_COOLOFF_MINUTES} minutes. "
    "Try again later, or ask an administrator to unlock it."
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.auth.lockout_response"
AXES_VERBOSE = False

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "America/Chicago")
# paper the PDF report prints on: Letter by default in a United States time zone, A4 elsewhere
try:
    REPORT_PAPER = report_paper(env("REPORT_PAPER", ""), TIME_ZONE)
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None
USE_I18N = True
USE_TZ = True

# --- Files --------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
IMAGE_ROOT = Path(env("IMAGE_ROOT", str(MEDIA_ROOT / "images")))
LABEL_MAP_FILE = env(
    "HERDBOOK_LABEL_MAP", ""
)  # your own classifier label map (detections.labels), over the shipped one
EXPORT_ROOT = Path(env("EXPORT_ROOT", str(MEDIA_ROOT / "exports")))
GROUND_TRUTH_PATH = Path(env("GROUND_TRUTH_PATH", str(MEDIA_ROOT / "ground_truth.csv")))
THUMBNAIL_ROOT = env("THUMBNAIL_ROOT")  # unset: IMAGE_ROOT/.thumbnails
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 50_000_000)  # larger uploads are refused (decompression bombs)
IMAGE_MAX_BYTES = env_int("IMAGE_MAX_BYTES", 50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Domain settings -----------------------------------------------------------------------------
SITE_NAME = env("SITE_NAME", "Herdbook Demo Ranch")
EXPORT_JOB_TTL = env_int("EXPORT_JOB_TTL", 3600)
INDEPENDENCE_MINUTES = env_int("INDEPENDENCE_MINUTES", 30)
# Report results cached per parameters and data version (reports.cache); 0 turns the cache off.
REPORT_CACHE_SECONDS = env_int("REPORT_CACHE_SECONDS", 3600)
# Score thresholds: only an explicit override (unset = decisions in probability, from each embedding
# model's calibration: reid.calibration).
REID_THRESHOLD = env_float("REID_THRESHOLD", None) if os.environ.get("REID_THRESHOLD") else None
REID_REVIEW_THRESHOLD = env_float("REID_REVIEW_THRESHOLD", None) if os.environ.get("REID_REVIEW_THRESHOLD") else None
REID_REVIEW_PROBABILITY = env_float("REID_REVIEW_PROBABILITY", 0.50)
REID_MAX_SPEED_KMH = env_float("REID_MAX_SPEED_KMH", 15)
REID_BURST_SECONDS = env_int("REID_BURST_SECONDS", 5)
REID_LOG_TOP_K = env_int("REID_LOG_TOP_K", 10)
REID_AUTO_CREATE = env_bool("REID_AUTO_CREATE", True)
# A live re-ID run waits this long after the first upload queued it, collecting the next ones (reid.live).
REID_LIVE_DEBOUNCE_SECONDS = env_float("REID_LIVE_DEBOUNCE_SECONDS", 2.0)
# Bring your own embedding model (reid.embedding, docs/reid.md): an ONNX file run on the CPU; never downloaded.
REID_EMBEDDING_MODEL = env("REID_EMBEDDING_MODEL", "")
REID_EMBEDDING_INPUT_SIZE = env("REID_EMBEDDING_INPUT_SIZE", "")  # "width,height"; default: the model's metadata
REID_EMBEDDING_MEAN = env("REID_EMBEDDING_MEAN", "")  # "r,g,b" on 0..1 pixels; default: metadata, else ImageNet
REID_EMBEDDING_STD = env("REID_EMBEDDING_STD", "")
REID_EMBEDDING_MARGIN = env_float("REID_EMBEDDING_MARGIN", 0.1)  # of the box's size, on every side
REID_EMBEDDING_BATCH = env_int("REID_EMBEDDING_BATCH", 16)
# Seasons as (start month, start day, end month, end day); an end before the start crosses the year.
SEASONS = {
    "rut": (9, 1, 1, 31),
    "spring": (3, 1, 5, 31),
    "summer": (6, 1, 8, 31),
    "fall": (9, 1, 11, 30),
    "winter": (12, 1, 2, 28),  # Feb 29 in leap years is handled by the season resolver
}

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "core.auth.LockoutTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["core.filters.SupportedRangeFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Herdbook API",
    "DESCRIPTION": "Trail-camera images, detections, individual deer, reports and exports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # the schema and its docs are under /api/ and, like the rest of it, need a logged-in user or a token
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ImageStatusEnum": "detections.models.Image.Status",
        "DeerStatusEnum": "reid.models.Deer.Status",
        "JobStatusEnum": "core.jobs.JobStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        # a 4xx is the client's mistake and its answer says so; log server errors only
        "django.request": {"level": "ERROR"},
    },
}

# --- Security headers ----------------------------------------------------------------------------
# Content-Security-Policy (django-csp) on every page: scripts, styles and fonts from this site only,
# no inline script or style attribute (templates and static/js are written for it; htmx's inline
# indicator style is turned off in base.html). Images also from data: URLs (report charts). The
# django-rq dashboard (staff only, third-party templates with inline scripts) is left out.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/django-rq/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Production (DEBUG=0) is served over HTTPS: secure cookies, HTTP redirected to HTTPS (/healthz
# excepted: health checks call it over plain HTTP inside the network), HSTS. Behind a reverse proxy
# that terminates TLS, set BEHIND_HTTPS_PROXY=1 so that its X-Forwarded-Proto: https counts as HTTPS
# (only behind a proxy that always sets or strips that header).
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# models.W040: the counted-status index covers its columns (INCLUDE) on PostgreSQL; SQLite keeps a plain index.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
if not SECURE_HSTS_PRELOAD:
    # submitting the domain to the browsers' preload list is the domain owner's decision (W021 asks for it)
    SILENCED_SYSTEM_CHECKS.append("security.W021")
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
