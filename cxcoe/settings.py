"""Settings for cxcoe, read from environment variables.

Two modes (see the README): *embedded* (the default for `make run`: SQLite and Celery's filesystem
broker under var/) and *services* (PostgreSQL and Redis, set through DATABASE_URL, CELERY_BROKER_URL
and CACHE_URL). Production mode is DJANGO_ENV=production, or DEBUG turned off.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CXCOE_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DJANGO_ENV = env("DJANGO_ENV", "development")
DEBUG = env_bool("DEBUG", DJANGO_ENV != "production")
PRODUCTION = DJANGO_ENV == "production" or not DEBUG

SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_ENV=production cannot run with DEBUG on.")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured("Production mode needs SECRET_KEY: at least 50 random characters.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Production mode needs ALLOWED_HOSTS, a comma-separated list of host names.")
else:
    SECRET_KEY = SECRET_KEY or "dev-only-key-never-used-in-production-0123456789abcdefghijklmnop"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "cxcoe",
    "standards",
    "library",
    "training",
    "ambassadors",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cxcoe.middleware.audit_origin",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "cxcoe.middleware.user_locale",
    "cxcoe.middleware.require_staff_mfa",
    "cxcoe.middleware.queue_outage_notice",
]

ROOT_URLCONF = "cxcoe.urls"
# Widgets render with the project's templates (the Markdown editor's is templates/partials/_markdown_editor.html);
# Django's own widget templates come from "django.forms" above.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "cxcoe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cxcoe.context_processors.navigation",
                "cxcoe.context_processors.provider_sign_out",
            ],
        },
    },
]

DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cxcoe.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server and the Celery worker read while the other writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = env("CACHE_URL")
if PRODUCTION and not CACHE_URL.startswith("redis"):
    # Rate limits and import progress must be shared by every web process and worker.
    raise ImproperlyConfigured("Production mode needs CACHE_URL=redis://...")
if CACHE_URL.startswith("redis"):
    # While Redis is down the cache falls back to each process's memory instead of failing the request.
    CACHES = {"default": {"BACKEND": "cxcoe.lib.cache.FallbackRedisCache", "LOCATION": CACHE_URL,
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2}}}
elif CACHE_URL == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # A file cache is shared by the web server and the worker in embedded mode (rate limits, progress).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(VAR_DIR / "cache")}}

AUTH_USER_MODEL = "cxcoe.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(14 * 24 * 3600)))

ACCOUNT_ADAPTER = "cxcoe.people.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "cxcoe.people.adapters.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("LOGIN_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
}
CXCOE_SIGNUP_OPEN = env_bool("CXCOE_SIGNUP_OPEN", False)
CXCOE_REQUIRE_STAFF_MFA = env_bool("CXCOE_REQUIRE_STAFF_MFA", False)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Addresses come from the organization's directory (import or SSO), so they count as verified for MFA.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", "cxcoe")

SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# A person re-authenticates (before setting up two-factor, say) with their password, their authenticator,
# or a fresh sign-in at the identity provider (cxcoe.people.sso). Not by a code mailed to them: the provider
# is the stronger proof for people who have no password.
ACCOUNT_REAUTHENTICATION_METHODS = ["password", "mfa"]
# With CXCOE_REQUIRE_STAFF_MFA on, a CoE staff member who signed in by single sign-on need not also set
# up an authenticator in cxcoe: the organization's provider asks for its own second factor.
CXCOE_TRUST_PROVIDER_MFA = env_bool("CXCOE_TRUST_PROVIDER_MFA", False)


def single_sign_on_providers(*, client_id: str, secret: str, server_url: str, name: str = "Single sign-on",
                             provider_id: str = "sso") -> dict:
    """SOCIALACCOUNT_PROVIDERS for one OpenID Connect provider (a function, so tests can point it elsewhere)."""
    return {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": provider_id,
                    "name": name,
                    "client_id": client_id,
                    "secret": secret,
                    "settings": {"server_url": server_url},
                }
            ],
            "OAUTH_PKCE_ENABLED": True,
            "SCOPE": ["openid", "email", "profile"],
        }
    }


def origin_of(url: str) -> str:
    """The scheme://host[:port] of a URL: what a Content-Security-Policy source names."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def form_action_sources(*, server_url: str = "", extra: list[str] | None = None) -> list[str]:
    """Where forms may go: cxcoe itself, the provider (signing in redirects a form post there) and extras."""
    provider = origin_of(server_url)
    return ["'self'", *([provider] if provider else []), *(extra or [])]


OIDC_SERVER_URL = env("OIDC_SERVER_URL")
SOCIALACCOUNT_PROVIDERS = {}
if env("OIDC_CLIENT_ID"):
    SOCIALACCOUNT_PROVIDERS = single_sign_on_providers(
        client_id=env("OIDC_CLIENT_ID"),
        secret=env("OIDC_CLIENT_SECRET"),
        server_url=OIDC_SERVER_URL,
        name=env("OIDC_NAME", "Single sign-on"),
        provider_id=env("OIDC_PROVIDER_ID", "sso"),
    )

# English, with dates day first by default; each person may choose another style (cxcoe.lib.locale).
LANGUAGE_CODE = "en-gb"
# The one language LocaleMiddleware offers, whatever a browser asks: someone not signed in reads the default style.
LANGUAGES = [("en-gb", "English")]
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["cxcoe.formats"]
# cxcoe's own wording of the packages' words: sentence case for allauth's Title Case (locale/en/LC_MESSAGES).
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
# Uploaded files: the file system under MEDIA_ROOT in the embedded mode; S3-compatible object storage, shared by
# every web server, when a bucket is named. Files are private: no ACL, signed addresses only, never overwritten
# (their names are generated anyway), and served through the library's download views, not the bucket's address.
AWS_STORAGE_BUCKET_NAME = env("CXCOE_S3_BUCKET") or env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env("CXCOE_S3_ENDPOINT_URL") or env("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = env("CXCOE_S3_REGION") or env("AWS_S3_REGION_NAME") or None
    # Unset, django-storages and boto3 find the keys their own way: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in
    # the environment, or the machine's role.
    if env("CXCOE_S3_ACCESS_KEY_ID"):
        AWS_S3_ACCESS_KEY_ID = env("CXCOE_S3_ACCESS_KEY_ID")
        AWS_S3_SECRET_ACCESS_KEY = env("CXCOE_S3_SECRET_ACCESS_KEY")
    AWS_S3_ADDRESSING_STYLE = env("CXCOE_S3_ADDRESSING_STYLE") or None
    AWS_LOCATION = env("CXCOE_S3_LOCATION")
    AWS_S3_CUSTOM_DOMAIN = None
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = 300
    AWS_S3_FILE_OVERWRITE = False
    MEDIA_STORAGE = "storages.backends.s3.S3Storage"
else:
    MEDIA_STORAGE = "django.core.files.storage.FileSystemStorage"
STORAGES = {
    "default": {"BACKEND": MEDIA_STORAGE},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# The embedded mode (no EMAIL_BACKEND, not production) writes each email to CXCOE_MAIL_DIR as an .eml file
# and logs one line for it; CoE staff read them on the Sent mail page, which exists only in this mode.
CXCOE_EMBEDDED_MAIL = not PRODUCTION and not env("EMAIL_BACKEND")
CXCOE_MAIL_DIR = Path(env("CXCOE_MAIL_DIR", str(VAR_DIR / "mail")))
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "cxcoe.notifications.mailbox.EmlFileBackend" if CXCOE_EMBEDDED_MAIL
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "cxcoe <cxcoe@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://localhost//")
# Redis hands an unacknowledged task to another worker after this long: four times the hard time limit
# below, so a slow task is never run twice. Nothing is queued with an ETA: future reminders are dates.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": 2 * 3600, "socket_connect_timeout": 2, "socket_timeout": 5,
}
# A web request that queues work must not wait long for a broker that is down (cxcoe/lib/queueing.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
if CELERY_BROKER_URL.startswith("filesystem"):
    _queue = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "queue"),
        "data_folder_out": str(_queue / "queue"),
        "processed_folder": str(_queue / "processed"),
        "control_folder": str(_queue / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (_queue / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Reminders (DESIGN.md §5). Sweeps run once a day at CXCOE_SWEEP_HOUR, local time; the sender runs every
# minute. Run exactly one beat: a second one doubles nothing (unique ledger rows, claimed sends) but wastes work.
CXCOE_SWEEP_HOUR = int(env("CXCOE_SWEEP_HOUR", "6")) % 24
CXCOE_REMINDER_OFFSETS = [int(days) for days in env_list("CXCOE_REMINDER_OFFSETS", "30,7,1,0")]
CXCOE_REMINDER_OVERDUE_EVERY_DAYS = int(env("CXCOE_REMINDER_OVERDUE_EVERY_DAYS", "7"))
CXCOE_ESCALATE_AFTER_DAYS = int(env("CXCOE_ESCALATE_AFTER_DAYS", "14"))
# Whether the person who wrote or submitted a version of a standard may approve it themselves.
CXCOE_ALLOW_SELF_APPROVAL = env_bool("CXCOE_ALLOW_SELF_APPROVAL", False)
CXCOE_SENDER_BATCH = int(env("CXCOE_SENDER_BATCH", "200"))
CXCOE_SENDING_TIMEOUT_SECONDS = int(env("CXCOE_SENDING_TIMEOUT_SECONDS", "600"))
CXCOE_SENDER_BUDGET_SECONDS = int(env("CXCOE_SENDER_BUDGET_SECONDS", "240"))
CXCOE_DELIVERY_MAX_ATTEMPTS = int(env("CXCOE_DELIVERY_MAX_ATTEMPTS", "5"))
CXCOE_BASE_URL = env("CXCOE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Queued work (cxcoe/lib/queueing.py) still waiting this long after its last nudge is nudged again, at beat's tick.
CXCOE_RENUDGE_AFTER_SECONDS = int(env("CXCOE_RENUDGE_AFTER_SECONDS", "180"))
CXCOE_RENUDGE_EVERY_SECONDS = float(env("CXCOE_RENUDGE_EVERY_SECONDS", "60"))
# Counts that grow with the organization (cxcoe/lib/rollups.py) are recounted this often; pages say how old they are.
CXCOE_ROLLUP_EVERY_MINUTES = int(env("CXCOE_ROLLUP_EVERY_MINUTES", "10"))
CELERY_BEAT_SCHEDULE = {
    # Every sweep an app registers (cxcoe.notifications.reminders.register_sweep) runs in this one daily entry.
    "sweeps": {"task": "cxcoe.tasks.run_all_sweeps", "schedule": crontab(hour=CXCOE_SWEEP_HOUR, minute=0)},
    "send-reminders": {"task": "cxcoe.tasks.send_reminders", "schedule": 60.0},
    "renudge-waiting": {"task": "cxcoe.tasks.renudge_waiting", "schedule": CXCOE_RENUDGE_EVERY_SECONDS},
    "worker-heartbeat": {"task": "cxcoe.tasks.record_heartbeat", "schedule": 60.0},
    "recount-rollups": {"task": "cxcoe.tasks.recount_rollups", "schedule": 60.0 * CXCOE_ROLLUP_EVERY_MINUTES},
    "send-daily-digests": {"task": "cxcoe.tasks.send_digests", "args": ["daily"],
                           "schedule": crontab(hour=(CXCOE_SWEEP_HOUR + 1) % 24, minute=0)},
    "send-weekly-digests": {"task": "cxcoe.tasks.send_digests", "args": ["weekly"],
                            "schedule": crontab(day_of_week="mon", hour=(CXCOE_SWEEP_HOUR + 1) % 24, minute=0)},
}

# Security headers. Production defaults are strict; each can be relaxed through its variable.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": form_action_sources(server_url=OIDC_SERVER_URL if env("OIDC_CLIENT_ID") else "",
                                           extra=env_list("CSP_FORM_ACTION")),
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

CXCOE_IMPORT_MAX_BYTES = int(env("CXCOE_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
# The largest file a library resource takes, in MiB.
CXCOE_LIBRARY_MAX_UPLOAD_MB = int(env("CXCOE_LIBRARY_MAX_UPLOAD_MB", "25"))
DATA_UPLOAD_MAX_MEMORY_SIZE = CXCOE_IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
