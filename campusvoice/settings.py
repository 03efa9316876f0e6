"""campusvoice settings: one file, every knob from the environment (see .env.example)."""

import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent

env = environ.FileAwareEnv()  # FOO_FILE=/run/secrets/foo works for every variable
environ.Env.read_env(BASE_DIR / ".env")  # optional, never committed

VAR_DIR = Path(env.str("CAMPUSVOICE_VAR_DIR", default=str(BASE_DIR / "var")))
SHARED_DATA_DIR = Path(env.str("CAMPUSVOICE_SHARED_DATA", default=str(BASE_DIR.parent / "shared" / "data")))

DEBUG = env.bool("CAMPUSVOICE_DEBUG", default=False)
# pytest-django imports settings before any conftest runs, so the suite is detected here.
TESTING = env.bool("CAMPUSVOICE_TESTING", default="pytest" in sys.modules)

try:
    SECRET_KEY = env.str("CAMPUSVOICE_SECRET_KEY", default="")
except FileNotFoundError as exc:
    raise ImproperlyConfigured(
        f"CAMPUSVOICE_SECRET_KEY_FILE names a file that does not exist: {exc.filename}"
    ) from exc
if not SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 40:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "Set CAMPUSVOICE_SECRET_KEY (at least 40 random characters) or CAMPUSVOICE_SECRET_KEY_FILE. "
            "Production mode (CAMPUSVOICE_DEBUG off) refuses to start without a real key."
        )
    SECRET_KEY = SECRET_KEY or "dev-only-not-secret-" + "x" * 40

ALLOWED_HOSTS = env.list("CAMPUSVOICE_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CAMPUSVOICE_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("CAMPUSVOICE_SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Its widget templates, for FORM_RENDERER below.
    "django.forms",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "campusvoice.accounts",
    "campusvoice.campuses",
    "campusvoice.campaigns",
    "campusvoice.conversations",
    "campusvoice.supporters",
    "campusvoice.petitions",
    "campusvoice.outreach",
    "campusvoice.analytics",
    "campusvoice.integrations.meta",
    "campusvoice.demo",
    "campusvoice.ops",
    "campusvoice.privacy",
    "campusvoice.api",
]

MIDDLEWARE = [
    # First: every log line of the request, and its error page, carries the request id.
    "campusvoice.ops.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: every view must declare who may use it (campusvoice/accounts/access.py).
    "campusvoice.accounts.middleware.AccessPolicyMiddleware",
]

ROOT_URLCONF = "campusvoice.urls"
WSGI_APPLICATION = "campusvoice.wsgi.application"
ASGI_APPLICATION = "campusvoice.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "campusvoice.accounts.context_processors.access",
            ],
        },
    },
]

# Widgets render through TEMPLATES, so campusvoice/templates/django/forms/widgets/ can show the
# controls in names people typed as visible markers in every select's options (one place).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# SQLite under var/ by default; DATABASE_URL=postgres://... for PostgreSQL (psycopg 3).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'campusvoice.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets the web server and the task worker work side by side.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            "transaction_mode": "IMMEDIATE",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CAMPUSVOICE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The public signing path's two hot statements are prepared (campusvoice/ops/prepared.py; the
    # ORM's own statements are not). false: nothing is prepared, for a pooler that cannot keep them.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        5 if env.bool("CAMPUSVOICE_DB_PREPARED", default=True) else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits, one-time puzzles and cached counts must be shared by every web process (a counter
# per process multiplies each limit by the number of workers): a table in the database by default
# (made by a migration, campusvoice/ops/migrations), Redis when CAMPUSVOICE_CACHE_URL names one.
CACHE_TABLE = "campusvoice_cache"
_cache_url = env.str("CAMPUSVOICE_CACHE_URL", default="")
if _cache_url.startswith(("redis://", "rediss://", "unix://")):
    # Django's own RedisCache (atomic INCR, so concurrent requests never lose a count), keeping one
    # client per pool instead of building one per call (campusvoice/ops/redis_cache.py).
    CACHES = {"default": {"BACKEND": "campusvoice.ops.redis_cache.ReusingRedisCache", "LOCATION": _cache_url}}
elif _cache_url:
    CACHES = {"default": env.cache_url_config(_cache_url)}
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            # Django culls a third of the entries past MAX_ENTRIES (default 300), live rate-limit
            # counters included: keep room for a busy day's counters.
            "OPTIONS": {"MAX_ENTRIES": env.int("CAMPUSVOICE_CACHE_MAX_ENTRIES", default=100_000)},
        }
    }

# Background work: Django's tasks API. "db" (default) or "rq" (Redis, for several machines).
TASKS_BACKEND = env.str("CAMPUSVOICE_TASKS_BACKEND", default="db")
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
if TESTING and "CAMPUSVOICE_TASKS_BACKEND" not in env.ENVIRON:
    TASKS_BACKEND = "immediate"
if TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
elif TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "db":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
else:
    raise ImproperlyConfigured("CAMPUSVOICE_TASKS_BACKEND must be one of: db, rq, immediate.")

# A task RUNNING this long on another machine is taken as orphaned by a dead worker and requeued
# (on the same machine a dead worker is seen at once). Keep it above the longest task.
CAMPUSVOICE_TASK_STALE_MINUTES = env.int("CAMPUSVOICE_TASK_STALE_MINUTES", default=120)
# The inbox metrics page keeps its figures this long per date range (0: always recompute).
CAMPUSVOICE_METRICS_CACHE_SECONDS = env.int(
    "CAMPUSVOICE_METRICS_CACHE_SECONDS", default=0 if TESTING else 300
)

# The periodic scheduler (campusvoice/ops/schedule.py). With several machines, a Redis lock keeps
# a second scheduler from enqueueing everything twice; one machine needs no lock.
SCHEDULER_LOCK = env.str("CAMPUSVOICE_SCHEDULER_LOCK", default="none")
if SCHEDULER_LOCK == "redis":
    CRONTASK = {"REDIS_URL": REDIS_URL}
elif SCHEDULER_LOCK != "none":
    raise ImproperlyConfigured("CAMPUSVOICE_SCHEDULER_LOCK must be none or redis.")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Log-in throttling: lock an account+address pair out after repeated failures.
AXES_FAILURE_LIMIT = env.int("CAMPUSVOICE_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("CAMPUSVOICE_LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_LOCKOUT_CALLABLE = "campusvoice.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("CAMPUSVOICE_LOGIN_THROTTLING", default=True)
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_VERBOSE = False

OTP_TOTP_ISSUER = env.str("CAMPUSVOICE_ORGANISATION_NAME", default="campusvoice")

LANGUAGE_CODE = "en"
# Each language in its own name, so a reader finds theirs whatever the page is in.
LANGUAGES = [("en", "English"), ("it", "Italiano")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env.str("CAMPUSVOICE_TIME_ZONE", default="Europe/Rome")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Our own CSS and JS: `campusvoice` itself is not an app, so the app finder would miss them.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

# Imports: the largest file accepted through the web form (the CLI has no limit).
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
CAMPUSVOICE_IMPORT_MAX_UPLOAD_MB = env.int("CAMPUSVOICE_IMPORT_MAX_UPLOAD_MB", default=100)

# Content-Security-Policy: nothing from other hosts, no inline script, no eval.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("CAMPUSVOICE_SESSION_HOURS", default=12) * 3600
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Production (DEBUG off): HTTPS everywhere. CAMPUSVOICE_HTTPS=false only behind a trusted
# proxy on loopback for local load tests.
HTTPS = env.bool("CAMPUSVOICE_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env.bool("CAMPUSVOICE_SSL_REDIRECT", default=True)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env.int("CAMPUSVOICE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env.bool("CAMPUSVOICE_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Log-in throttling counts the client's address, not the proxy's: trust exactly the
    # configured number of proxies in X-Forwarded-For, counted from the right.
    AXES_IPWARE_PROXY_COUNT = env.int("CAMPUSVOICE_PROXY_COUNT", default=1)
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# smtp://user:password@host:587/?tls=True; consolemail:// prints instead of sending. Production
# defaults to Django's own default, an MTA on localhost:25: printing would put addresses and
# confirmation links in the logs.
_email = env.email("CAMPUSVOICE_EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
_SMTP_OPTIONS = {
    "EMAIL_HOST": "host",
    "EMAIL_PORT": "port",
    "EMAIL_HOST_USER": "username",
    "EMAIL_HOST_PASSWORD": "password",
    "EMAIL_USE_TLS": "use_tls",
    "EMAIL_USE_SSL": "use_ssl",
}
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"]}}
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        option: _email[key] for key, option in _SMTP_OPTIONS.items() if _email.get(key) not in ("", None)
    } | {"timeout": env.int("CAMPUSVOICE_EMAIL_TIMEOUT", default=20)}
DEFAULT_FROM_EMAIL = env.str("CAMPUSVOICE_FROM_EMAIL", default="campusvoice@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

ORGANISATION_NAME = env.str("CAMPUSVOICE_ORGANISATION_NAME", default="campusvoice")

# Server-side fetches (newspaper feeds): true lets them reach loopback addresses, for tests and the
# demo only. Private, link-local and reserved addresses are refused whatever it says.
CAMPUSVOICE_FETCH_ALLOW_PRIVATE = env.bool("CAMPUSVOICE_FETCH_ALLOW_PRIVATE", default=False)

# Retention (campusvoice privacy retention): unconfirmed signatures are erased after N days;
# people with no activity, confirmed signature or consent for M months are erased.
CAMPUSVOICE_RETENTION_UNCONFIRMED_DAYS = env.int("CAMPUSVOICE_RETENTION_UNCONFIRMED_DAYS", default=30)
CAMPUSVOICE_RETENTION_INACTIVE_MONTHS = env.int("CAMPUSVOICE_RETENTION_INACTIVE_MONTHS", default=24)

# Sites that may frame the embeddable petition form (/p/<slug>/embed/), e.g. https://example.org.
CAMPUSVOICE_EMBED_ALLOWED_HOSTS = env.list("CAMPUSVOICE_EMBED_ALLOWED_HOSTS", default=[])
# The puzzle public forms ask for under load (petitions/throttling.py): leading zero bits of a
# SHA-256, each bit doubling a browser's work (16: about 65,000 hashes, a fraction of a second).
CAMPUSVOICE_POW_BITS = env.int("CAMPUSVOICE_POW_BITS", default=16)
# Confirmation e-mails of a rush of signatures are sent by one task per process per this many
# seconds instead of one task each (petitions/services/mail.py, send_soon). 0: one task each.
CAMPUSVOICE_MAIL_BATCH_SECONDS = env.float("CAMPUSVOICE_MAIL_BATCH_SECONDS", default=0 if TESTING else 0.5)
# Erasure tombstones (conversations.ErasedAuthor) are keyed hashes of platform ids under this key.
# Set it once and keep it: a new key makes old tombstones unrecognisable. Empty: derived from
# SECRET_KEY (which then must not change).
CAMPUSVOICE_ERASURE_KEY = env.str("CAMPUSVOICE_ERASURE_KEY", default="")

# No personal data in logs: only our own structured events and Django's errors (without
# request bodies) are logged.
LOG_LEVEL = env.str("CAMPUSVOICE_LOG_LEVEL", default="INFO")
# JSON lines (one object per line: timestamp, level, logger, message, request_id) in production;
# plain text in debug mode. CAMPUSVOICE_LOG_FORMAT=json|plain overrides.
LOG_FORMAT = env.str("CAMPUSVOICE_LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured("CAMPUSVOICE_LOG_FORMAT must be json or plain.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "campusvoice.ops.logs.RequestIdFilter"},
        "scrub": {"()": "campusvoice.ops.logs.ScrubFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,  # ISO 8601 in UTC
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "scrub"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Through the root handler only: Django's own handlers would print twice, and its
        # mail_admins handler would e-mail request details.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # At DEBUG it logs every SQL statement with its parameters.
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # PDF rendering narrates every step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # At DEBUG urllib3 logs full URLs, and Graph API URLs carry the access token.
        "urllib3": {"level": "WARNING"},
        # The scheduler narrates each run (and its lock renewal every 5 s) at INFO; the tasks it
        # enqueues log their own start and end.
        "apscheduler": {"level": "WARNING"},
    },
}
# Error reports (the debug page, and e-mail if ever configured) hide every form and query value.
DEFAULT_EXCEPTION_REPORTER_FILTER = "campusvoice.ops.logs.SafeExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "campusvoice.ops.logs.SafeExceptionReporter"

# The OSDI API (campusvoice/api/): tokens in the OSDI-API-Token header, HAL+JSON.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["campusvoice.api.authentication.OsdiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["campusvoice.api.permissions.HasCapability"],
    "DEFAULT_THROTTLE_CLASSES": ["campusvoice.api.throttling.ApiRateThrottle"],
    "DEFAULT_PARSER_CLASSES": [
        "campusvoice.api.formats.OsdiJsonParser",
        "campusvoice.api.formats.HalJsonParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "campusvoice.api.formats.HalJsonRenderer",
        "rest_framework.renderers.JSONRenderer",
    ],
    "EXCEPTION_HANDLER": "campusvoice.api.exception_handlers.osdi_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "campusvoice OSDI API",
    "DESCRIPTION": "People, petitions, signatures, tags and taggings in Action Network's OSDI flavour.",
    "VERSION": "2",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "campusvoice.api.schema.error_responses",
    ],
}
# Requests per member: "120/min", "5000/hour"…
CAMPUSVOICE_API_RATE = env.str("CAMPUSVOICE_API_RATE", default="120/min")
CAMPUSVOICE_API_MAX_BODY_BYTES = env.int("CAMPUSVOICE_API_MAX_BODY_BYTES", default=256 * 1024)

# Meta (Facebook Pages, Instagram): see campusvoice/integrations/meta/ and .env.example.
CAMPUSVOICE_META_GRAPH_URL = env.str("CAMPUSVOICE_META_GRAPH_URL", default="https://graph.facebook.com")
CAMPUSVOICE_META_APP_ID = env.str("CAMPUSVOICE_META_APP_ID", default="")
CAMPUSVOICE_META_APP_SECRET = env.str("CAMPUSVOICE_META_APP_SECRET", default="")
CAMPUSVOICE_META_VERIFY_TOKEN = env.str("CAMPUSVOICE_META_VERIFY_TOKEN", default="")
# Webhook requests that fail the signature or verify-token check, per IP and window (count,
# seconds); past it 429. Meta's signed deliveries are never counted.
CAMPUSVOICE_META_WEBHOOK_REFUSED_PER_IP = tuple(
    env.list("CAMPUSVOICE_META_WEBHOOK_REFUSED_PER_IP", cast=int, default=[30, 600])
)
# Facebook Login for Business: where the consent dialog lives, and the app's configuration id.
CAMPUSVOICE_META_DIALOG_URL = env.str("CAMPUSVOICE_META_DIALOG_URL", default="https://www.facebook.com")
CAMPUSVOICE_META_LOGIN_CONFIG_ID = env.str("CAMPUSVOICE_META_LOGIN_CONFIG_ID", default="")
# Fernet key(s) for Page tokens at rest, comma-separated: the first encrypts, all decrypt (rotation).
CAMPUSVOICE_META_TOKEN_KEY = env.str("CAMPUSVOICE_META_TOKEN_KEY", default="")
if DEBUG or TESTING:
    # Development only: the fake Graph API (campusvoice fakegraph) uses the same defaults.
    CAMPUSVOICE_META_APP_ID = CAMPUSVOICE_META_APP_ID or "100000000000001"
    CAMPUSVOICE_META_APP_SECRET = CAMPUSVOICE_META_APP_SECRET or "dev-only-meta-app-secret"
    CAMPUSVOICE_META_VERIFY_TOKEN = CAMPUSVOICE_META_VERIFY_TOKEN or "dev-only-verify-token"
    CAMPUSVOICE_META_LOGIN_CONFIG_ID = CAMPUSVOICE_META_LOGIN_CONFIG_ID or "1094000000000042"
    if not CAMPUSVOICE_META_TOKEN_KEY:
        import base64
        import hashlib

        CAMPUSVOICE_META_TOKEN_KEY = base64.urlsafe_b64encode(
            hashlib.sha256(b"meta-token-key:" + SECRET_KEY.encode()).digest()
        ).decode()
# Retries (tenacity) and usage-header throttling; tests set the waits to zero.
CAMPUSVOICE_META_RETRY_ATTEMPTS = env.int("CAMPUSVOICE_META_RETRY_ATTEMPTS", default=4)
CAMPUSVOICE_META_RETRY_WAIT_SECONDS = env.float("CAMPUSVOICE_META_RETRY_WAIT_SECONDS", default=30.0)
CAMPUSVOICE_META_RETRY_MAX_WAIT_SECONDS = env.float("CAMPUSVOICE_META_RETRY_MAX_WAIT_SECONDS", default=300.0)
CAMPUSVOICE_META_USAGE_SLOW_PERCENT = env.int("CAMPUSVOICE_META_USAGE_SLOW_PERCENT", default=75)
CAMPUSVOICE_META_USAGE_STOP_PERCENT = env.int("CAMPUSVOICE_META_USAGE_STOP_PERCENT", default=95)
CAMPUSVOICE_META_SLOW_DOWN_SECONDS = env.float("CAMPUSVOICE_META_SLOW_DOWN_SECONDS", default=2.0)
# Periodic sync reads posts of the last N days; webhooks cover older posts, backfill reads all.
CAMPUSVOICE_META_SYNC_WINDOW_DAYS = env.int("CAMPUSVOICE_META_SYNC_WINDOW_DAYS", default=90)
# Comments per Graph page (Meta's maximum for comments is undocumented; 100 is widely accepted).
CAMPUSVOICE_META_PAGE_SIZE = env.int("CAMPUSVOICE_META_PAGE_SIZE", default=100)
# The ad account the "Create paused ad campaign" form suggests (act_…); the organiser can change it.
CAMPUSVOICE_META_AD_ACCOUNT_ID = env.str("CAMPUSVOICE_META_AD_ACCOUNT_ID", default="")
CAMPUSVOICE_OUTBOXES = {
    "facebook_page": "campusvoice.integrations.meta.outbox.MetaOutbox",
    "instagram": "campusvoice.integrations.meta.outbox.MetaOutbox",
}
# Who publishes each kind of content item (campaigns/publishing.py). Without an active Page
# connection the Page publisher leaves items scheduled for the export bundle.
CAMPUSVOICE_PUBLISHERS = {
    "page_post": "campusvoice.integrations.meta.publishing.PagePublisher",
    "question_post": "campusvoice.integrations.meta.publishing.PagePublisher",
    "ally_share": "campusvoice.integrations.meta.publishing.PagePublisher",
}
# Seconds to wait for Meta's answer to a post; a lost answer is looked up before any retry.
CAMPUSVOICE_META_PUBLISH_TIMEOUT_SECONDS = env.float("CAMPUSVOICE_META_PUBLISH_TIMEOUT_SECONDS", default=30.0)

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    HTTPS = SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = False
    SECURE_HSTS_SECONDS = 0
    CAMPUSVOICE_META_RETRY_WAIT_SECONDS = CAMPUSVOICE_META_SLOW_DOWN_SECONDS = 0.0
