"""Lotix settings: embedded defaults for a fresh machine, every value overridable by environment.

Development, CI and production differ only by environment variables. A bad value stops the
process at start with a message naming the variable, instead of failing later in a request.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def database_from_url(url: str) -> dict:
    """Turn DATABASE_URL (postgres://user:pass@host:port/name, sqlite:///path) into settings."""
    parts = urlsplit(url)
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL names no database: {url!r}.")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"DATABASE_URL has a bad port: {url!r}.") from None
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": env_int("LOTIX_DB_CONN_MAX_AGE", 60, minimum=0),
            "OPTIONS": options,
            "TEST": {"NAME": f"test_{name}"},
        }
    if parts.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
        if not path:
            raise ImproperlyConfigured(f"DATABASE_URL for SQLite needs a path: {url!r}.")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / path)}
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with postgres:// or sqlite:///, not {parts.scheme or url!r}."
    )


def redis_url_checked(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ImproperlyConfigured(f"REDIS_URL must look like redis://host:6379/0, not {url!r}.")
    return url


def email_from_url(url: str) -> dict:
    """EMAIL_URL: console://, locmem://, smtp://user:pass@host:587 or smtps://… ."""
    parts = urlsplit(url)
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
    }
    if parts.scheme not in backends:
        raise ImproperlyConfigured(
            f"EMAIL_URL must start with console://, locmem://, smtp:// or smtps://, not {url!r}."
        )
    config = {"EMAIL_BACKEND": backends[parts.scheme]}
    if parts.scheme in {"smtp", "smtps"}:
        if not parts.hostname:
            raise ImproperlyConfigured(f"EMAIL_URL names no host: {url!r}.")
        config.update(
            EMAIL_HOST=parts.hostname,
            EMAIL_PORT=parts.port or (465 if parts.scheme == "smtps" else 587),
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_SSL=parts.scheme == "smtps",
            EMAIL_USE_TLS=parts.scheme == "smtp",
        )
    return config


DEBUG = env_bool("DEBUG", False)
VAR_DIR = Path(env_str("LOTIX_VAR_DIR") or BASE_DIR / "var")

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and env_bool("LOTIX_REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    # A per-checkout key so a development machine never shares one with another.
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        SECRET_KEY = key_file.read_text().strip()
    else:
        from django.core.management.utils import get_random_secret_key

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = get_random_secret_key()
        key_file.write_text(SECRET_KEY)
        key_file.chmod(0o600)
elif len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "projects",
    "assets",
    "shots",
    "takes",
    "dailies",
    "worker",
    "exports",
    "hooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lotix.errors.DomainErrorMiddleware",
    "lotix.security.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "lotix.urls"
WSGI_APPLICATION = "lotix.wsgi.application"

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
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "lotix.sqlite3"),
            # Web and worker write to one file; wait for the lock instead of failing at once.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOTIX_LOGIN_FAILURES_PER_ACCOUNT = env_int("LOTIX_LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
LOTIX_LOGIN_FAILURES_PER_ADDRESS = env_int("LOTIX_LOGIN_FAILURES_PER_ADDRESS", 30, minimum=1)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "projects:project-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve from the app folders too, so gunicorn works before collectstatic has run.
WHITENOISE_USE_FINDERS = True

MEDIA_ROOT = Path(env_str("LOTIX_MEDIA_ROOT") or VAR_DIR / "media")
LOTIX_S3_BUCKET = env_str("LOTIX_S3_BUCKET")
if LOTIX_S3_BUCKET:
    _s3_options = {
        "bucket_name": LOTIX_S3_BUCKET,
        "endpoint_url": env_str("LOTIX_S3_ENDPOINT_URL") or None,
        "region_name": env_str("AWS_DEFAULT_REGION") or env_str("AWS_REGION") or None,
        "default_acl": None,
        "file_overwrite": False,
        "signature_version": "s3v4",
        # Downloads are signed for five minutes: a leaked URL dies quickly.
        "querystring_expire": env_int("LOTIX_S3_URL_TTL", 300, minimum=1),
    }
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options}
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG and env_bool("LOTIX_COLLECTSTATIC", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

REDIS_URL = redis_url_checked(env_str("REDIS_URL")) if env_str("REDIS_URL") else ""
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

globals().update(email_from_url(env_str("EMAIL_URL") or "console://"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Lotix <lotix@localhost>")

LOTIX_MODELS_DIR = Path(env_str("LOTIX_MODELS_DIR") or VAR_DIR / "models")
LOTIX_MAX_IMAGE_BYTES = env_int("LOTIX_MAX_IMAGE_BYTES", 30 * 1024 * 1024, minimum=1024)
LOTIX_MAX_VIDEO_BYTES = env_int("LOTIX_MAX_VIDEO_BYTES", 100 * 1024 * 1024, minimum=1024)
# One upload request carries at most nine files, the most image references a shot can hold.
DATA_UPLOAD_MAX_NUMBER_FILES = 9
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Celery. Redis when REDIS_URL is set; otherwise kombu's filesystem transport under var/broker,
# so `make run` needs no server. The visibility timeout outlives the hard time limit so a long
# take is never redelivered to a second worker while the first still runs it.
CELERY_TASK_TIME_LIMIT = env_int("LOTIX_TASK_TIME_LIMIT", 3 * 3600, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_VISIBILITY_TIMEOUT = CELERY_TASK_TIME_LIMIT + 600
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }

CELERY_TASK_ACKS_LATE = True
# A worker killed mid-take (OOM, SIGKILL) puts the message back instead of acking it; the
# claim's attempt counter stops a take that kills its worker every time.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "sweep-takes": {"task": "worker.sweep_takes", "schedule": 60.0, "options": {"queue": "cpu"}},
}
# Exports and webhook deliveries are CPU work: never a GPU worker.
CELERY_TASK_ROUTES = {"exports.build": {"queue": "cpu"}, "hooks.*": {"queue": "cpu"}}
# Take leases, read by takes.services at call time. A running take whose heartbeat is older
# than the lease is presumed lost with its worker and requeued by the sweeper; a worker renews
# its lease every third of it. A queued take published longer ago than the republish delay is
# published again (its message was lost, e.g. with a Redis that restarted without persistence).
LOTIX_TAKE_LEASE_S = env_int("LOTIX_TAKE_LEASE_S", 180, minimum=3)
LOTIX_TAKE_REPUBLISH_S = env_int("LOTIX_TAKE_REPUBLISH_S", 120, minimum=1)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "lotix.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "lotix.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lotix API",
    "DESCRIPTION": "Projects, shots, references, takes and decisions of a Lotix workspace.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the installed package, never a CDN (and within the pages' CSP).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}
# API v1 (H4): one name per choice set in the OpenAPI schema.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "ProjectRoleEnum": "projects.models.Role",
    "ReferenceRoleEnum": "shots.models.ReferenceRole",
    "ReviewStateEnum": "takes.models.ReviewState",
    "ShotStatusEnum": "shots.models.ShotStatus",
    "TakeStatusEnum": "takes.models.TakeStatus",
    "AspectRatioEnum": "projects.models.AspectRatio",
    "ResolutionEnum": "projects.models.Resolution",
}
SPECTACULAR_SETTINGS["COMPONENT_SPLIT_REQUEST"] = True
# Path parameters as the URL converters accept them, so clients (and fuzzers) send real paths.
SPECTACULAR_SETTINGS["PATH_CONVERTER_OVERRIDES"] = {
    "slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
    "int": {"type": "integer", "minimum": 0},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("LOTIX_HTTPS", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("LOTIX_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
}

# Webhooks (hooks app). Receivers on private or loopback addresses are refused unless an
# operator allows them (a receiver inside the studio network, or the tests' local receiver);
# link-local and cloud metadata addresses are refused whatever this says.
LOTIX_WEBHOOKS_ALLOW_PRIVATE = env_bool("LOTIX_WEBHOOKS_ALLOW_PRIVATE", False)
CELERY_BEAT_SCHEDULE["sweep-webhook-deliveries"] = {
    "task": "hooks.sweep_deliveries", "schedule": 60.0, "options": {"queue": "cpu"},
}
