"""Huiyin settings: one file, read from the environment (see README, "Configuration")."""

from __future__ import annotations

import base64
import os
from datetime import date as _date
from pathlib import Path

import dj_database_url

from huiyin.directory import config as _directory
from huiyin.env import ConfigError, envbool, envint, envlist, envstr, keyfile_secret
from huiyin.privacy import client as _client

BASE_DIR = Path(__file__).resolve().parent

DEBUG = envbool("HUIYIN_DEBUG", False)
DEMO = envbool("HUIYIN_DEMO", False)
DATA_DIR = Path(envstr("HUIYIN_DATA_DIR", "var")).resolve()
ATTACHMENT_DIR = DATA_DIR / "attachments"

_local_keys = DEBUG or DEMO
# Set by `huiyin` for commands that only read code (makemigrations, makemessages, ...).
_BUILD_ONLY = envbool("HUIYIN_BUILD_ONLY", False)
SECRET_KEY = keyfile_secret(
    "HUIYIN_SECRET_KEY", DATA_DIR / "secret_key", create=_local_keys, throwaway=_BUILD_ONLY
)


def _new_data_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _decode_key(name: str, text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode())
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != 32:
        raise ConfigError(f"{name} must be 32 bytes in URL-safe base64 (huiyin genkey makes one)")
    return raw


# The key that encrypts personal data at rest; older keys stay readable during rotation.
DATA_KEY = _decode_key(
    "HUIYIN_DATA_KEY",
    keyfile_secret(
        "HUIYIN_DATA_KEY",
        DATA_DIR / "data_key",
        create=_local_keys,
        factory=_new_data_key,
        throwaway=_BUILD_ONLY,
    ),
)
OLD_DATA_KEYS = [
    _decode_key("HUIYIN_OLD_DATA_KEYS", item) for item in envlist("HUIYIN_OLD_DATA_KEYS", [])
]

# The public progress tracker: lookups allowed per client address and window ("10/10m").
HUIYIN_TRACK_RATE = envstr("HUIYIN_TRACK_RATE", "10/10m")

# 15-digit resident IDs (issued before 1999) are refused unless an office still needs them.
ALLOW_LEGACY_ID = envbool("HUIYIN_ALLOW_LEGACY_ID", False)

# Plausible input (huiyin/cases/bounds.py): no date before this day, none after the end of the
# year this many years ahead; no headcount above this.
HUIYIN_EARLIEST_DATE = envstr("HUIYIN_EARLIEST_DATE", "1990-01-01")
try:
    _date.fromisoformat(HUIYIN_EARLIEST_DATE)
except ValueError:
    raise ConfigError("HUIYIN_EARLIEST_DATE must be a date, YYYY-MM-DD") from None
HUIYIN_FUTURE_YEARS = envint("HUIYIN_FUTURE_YEARS", 1, minimum=0)
HUIYIN_MAX_HEADCOUNT = envint("HUIYIN_MAX_HEADCOUNT", 10000, minimum=1)

# Extensions of the handling period (信访工作条例 art. 34: at most 30 days, approved before the
# period ends). "Only once" is many offices' own rule, not the 条例's; a late approval is
# refused unless the office's rules want it recorded (then the outcome stays late).
# Which over-level figure the report's sentence prints: "statutory" (越级, 条例 art. 20: above
# the handling level and the next one up) or "upward" (any higher level); and which channels
# the 三零 goals count (visits only by default, as the report's 进京/赴省/到市上访).
HUIYIN_OVER_LEVEL_FIGURE = envstr("HUIYIN_OVER_LEVEL_FIGURE", "statutory")
if HUIYIN_OVER_LEVEL_FIGURE not in ("statutory", "upward"):
    raise ConfigError("HUIYIN_OVER_LEVEL_FIGURE must be statutory or upward")
HUIYIN_GOAL_CHANNELS = tuple(envlist("HUIYIN_GOAL_CHANNELS", ["visit"]))
_CHANNELS = {"letter", "visit", "phone", "online", "assigned"}
if not HUIYIN_GOAL_CHANNELS or set(HUIYIN_GOAL_CHANNELS) - _CHANNELS:
    raise ConfigError(
        "HUIYIN_GOAL_CHANNELS must name channels among " + ", ".join(sorted(_CHANNELS))
    )

HUIYIN_PETITION_EXTEND_ONCE = envbool("HUIYIN_PETITION_EXTEND_ONCE", True)
HUIYIN_PETITION_LATE_EXTENSION_RECORDED = envbool("HUIYIN_PETITION_LATE_EXTENSION_RECORDED", False)

# Backups (`huiyin backup`, `huiyin doctor`; docs/deploy.md): where backups go when no --out is
# given, how old the newest may be before the doctor complains, and the free disk space wanted.
HUIYIN_BACKUP_DIR = envstr("HUIYIN_BACKUP_DIR", "")
HUIYIN_BACKUP_MAX_AGE_HOURS = envint("HUIYIN_BACKUP_MAX_AGE_HOURS", 26, minimum=1)
HUIYIN_DISK_MIN_FREE_MB = envint("HUIYIN_DISK_MIN_FREE_MB", 1024, minimum=0)

# Long work (reports, imports, exports, tick) is queued in the database and run by
# `huiyin worker` (huiyin.ops.tasks, docs/deploy.md). HUIYIN_JOBS_SYNC=1 runs it at once in the
# web process instead (the tests; a machine that cannot run a second process).
HUIYIN_JOBS_SYNC = envbool("HUIYIN_JOBS_SYNC", False)
_IMMEDIATE_TASKS = {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
TASKS = {
    "default": _IMMEDIATE_TASKS
    if HUIYIN_JOBS_SYNC
    else {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "immediate": _IMMEDIATE_TASKS,
}

# E-mail reminders (huiyin.mail): the daily digest goes through the office's intranet relay.
# Without a host, mail is printed to the console in debug/demo and kept in memory otherwise
# (and `huiyin tick` sends none). HUIYIN_BASE_URL is the address the mails' links start with.
HUIYIN_EMAIL_HOST = envstr("HUIYIN_EMAIL_HOST", "") or ""
if HUIYIN_EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = HUIYIN_EMAIL_HOST
    EMAIL_PORT = envint("HUIYIN_EMAIL_PORT", 25, minimum=1)
    if EMAIL_PORT > 65535:
        raise ConfigError("HUIYIN_EMAIL_PORT must be a port number, 1-65535")
    EMAIL_HOST_USER = envstr("HUIYIN_EMAIL_USER", "") or ""
    EMAIL_HOST_PASSWORD = envstr("HUIYIN_EMAIL_PASSWORD", "") or ""
    EMAIL_USE_TLS = envbool("HUIYIN_EMAIL_USE_TLS", False)
    EMAIL_TIMEOUT = envint("HUIYIN_EMAIL_TIMEOUT", 30, minimum=1)
elif _local_keys:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = envstr("HUIYIN_EMAIL_FROM", "huiyin@localhost") or "huiyin@localhost"
HUIYIN_EMAIL_DOMAINS = tuple(envlist("HUIYIN_EMAIL_DOMAINS", []))
HUIYIN_BASE_URL = (envstr("HUIYIN_BASE_URL", "http://127.0.0.1:8000") or "").rstrip("/")
HUIYIN_MAIL_DIGEST_HOUR = envint("HUIYIN_MAIL_DIGEST_HOUR", 7, minimum=0)
if HUIYIN_MAIL_DIGEST_HOUR > 23:
    raise ConfigError("HUIYIN_MAIL_DIGEST_HOUR must be an hour, 0-23")

ALLOWED_HOSTS = envlist("HUIYIN_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if _local_keys else [])
CSRF_TRUSTED_ORIGINS = envlist("HUIYIN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "huiyin.org",
    "huiyin.directory",
    "huiyin.privacy",
    "huiyin.cases",
    "huiyin.petitions",
    "huiyin.disputes",
    "huiyin.incidents",
    "huiyin.screening",
    "huiyin.patrols",
    "huiyin.assessment",
    "huiyin.meetings",
    "huiyin.safety",
    "huiyin.riskassessments",
    "huiyin.reports",
    "huiyin.api",
    "huiyin.mail",
    "huiyin.ops",
    "huiyin.front",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "huiyin.front.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "huiyin.org.street_choice.StreetChoiceMiddleware",  # a district officer's chosen street
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "huiyin.urls"
WSGI_APPLICATION = "huiyin.wsgi.application"

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
                "huiyin.front.context.shell",
                "huiyin.cases.context.notifications",
            ],
        },
    },
]

# Database: SQLite in the data dir unless HUIYIN_DATABASE_URL says otherwise.
_database_url = envstr("HUIYIN_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'huiyin.sqlite3'}"
try:
    _database = dj_database_url.parse(_database_url, conn_max_age=60)
except (ValueError, KeyError) as exc:
    raise ConfigError(f"HUIYIN_DATABASE_URL is not a database URL we understand: {exc}") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["CONN_MAX_AGE"] = envint("HUIYIN_SQLITE_CONN_MAX_AGE", 60, minimum=0)
    _database["OPTIONS"] = {
        "timeout": 20,
        # WAL lets readers work while one writer writes; IMMEDIATE avoids upgrade deadlocks;
        # FULL syncs the WAL at every commit, so an acknowledged save survives an OS crash.
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=20000;"
        ),
    }
elif _database["ENGINE"] == "django.db.backends.postgresql":
    # JIT compiling costs more than it saves on the short statistics queries (bench/README.md).
    _database.setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    raise ConfigError("HUIYIN_DATABASE_URL must be sqlite:///... or postgres://...")
DATABASES = {"default": _database}
# A read replica (PostgreSQL streaming replication, docs/city.md): dashboards, statistics,
# reports and exports read from it while it is within the lag bound; everything else, and
# every write, goes to the primary (huiyin.ops.routers). Unset: one database, as before.
HUIYIN_REPLICA_MAX_LAG_SECONDS = envint("HUIYIN_REPLICA_MAX_LAG_SECONDS", 5, minimum=0)
_replica_url = envstr("HUIYIN_REPLICA_DATABASE_URL")
if _replica_url:
    try:
        _replica = dj_database_url.parse(_replica_url, conn_max_age=60)
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"HUIYIN_REPLICA_DATABASE_URL is not a database URL: {exc}") from None
    if not _database["ENGINE"] == _replica["ENGINE"] == "django.db.backends.postgresql":
        raise ConfigError(
            "HUIYIN_REPLICA_DATABASE_URL: the replica and the primary must be postgres://"
        )
    _replica["OPTIONS"] = dict(_database.get("OPTIONS", {}))
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["huiyin.ops.routers.ReplicaRouter"]
    # After the sessions: a person's next replica read waits for their own last save.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
        "huiyin.ops.routers.ReadYourWritesMiddleware",
    )
# Behind pgbouncer in transaction pooling (docs/city.md) a server connection is ours for one
# transaction only: no server-side cursor (the exports' iterator()) may outlive it, and no
# startup option reaches the server (jit is then set off on the database itself). Queries are
# bound on the client (Django's default with psycopg 3): no prepared statement is left behind.
HUIYIN_PGBOUNCER = envbool("HUIYIN_PGBOUNCER", False)
if HUIYIN_PGBOUNCER:
    if _database["ENGINE"] != "django.db.backends.postgresql":
        raise ConfigError("HUIYIN_PGBOUNCER needs a postgres:// HUIYIN_DATABASE_URL")
    for _pooled in DATABASES.values():
        _pooled["DISABLE_SERVER_SIDE_CURSORS"] = True
        _pooled["OPTIONS"] = {k: v for k, v in _pooled["OPTIONS"].items() if k != "options"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "auth.User"
# Sign-in through the office's directory (huiyin/directory/config.py; README, "Sign-in through
# the directory"): LDAP and OpenID Connect, each on only when its variables are set, their
# groups mapped to roles by HUIYIN_DIRECTORY_GROUPS. Local accounts stay: axes first (a
# locked-out client is refused before any directory is asked), then the local passwords.
HUIYIN_DIRECTORY = _directory.load()
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    *HUIYIN_DIRECTORY.backends,
]
# The AUTH_LDAP_* and OIDC_* settings that django-auth-ldap and mozilla-django-oidc read.
globals().update(HUIYIN_DIRECTORY.library_settings)
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: the session lives SESSION_IDLE_MINUTES past the last request.
SESSION_IDLE_MINUTES = envint("HUIYIN_SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
# Django's database sessions, but an unchanged row is not written again within a minute of its
# last write (huiyin/front/sessions.py): no commit for every page a signed-in person opens.
SESSION_ENGINE = "huiyin.front.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Throttling of failed sign-ins (django-axes): per account from one address, and per address.
# Not per account alone: five wrong passwords from anywhere would then lock the real user out
# everywhere (a denial of service for anyone who knows a username). The client's address is
# huiyin.privacy.client.client_address: behind nginx, the one nginx saw.
AXES_FAILURE_LIMIT = envint("HUIYIN_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = envint("HUIYIN_LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_CLIENT_IP_CALLABLE = "huiyin.privacy.client.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Security headers; HTTPS ones are on unless HUIYIN_HTTPS=0 (an intranet without TLS).
HTTPS = envbool("HUIYIN_HTTPS", not _local_keys)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Set by huiyin.front.middleware. Scripts and styles come only from our own static files: no
# inline <script>, no on*= handler, no style="" in a template (front/tests/test_headers.py).
# ECharts and Bootstrap style elements through the CSSOM, which style-src does not govern.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)
# No page uses a device: attachments are files picked in the browser's own dialog.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
)
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and envbool("HUIYIN_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = envint("HUIYIN_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = envbool("HUIYIN_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The proxies whose client-address header is believed (huiyin/privacy/client.py): none without
# a proxy; behind one, nginx on this machine unless HUIYIN_TRUSTED_PROXIES lists others.
TRUSTED_PROXIES = _client.trusted_proxies(
    "HUIYIN_TRUSTED_PROXIES",
    envlist("HUIYIN_TRUSTED_PROXIES", _client.DEFAULT_TRUSTED_PROXIES if BEHIND_PROXY else []),
)
if TRUSTED_PROXIES and not BEHIND_PROXY:
    raise ConfigError("HUIYIN_TRUSTED_PROXIES is set but HUIYIN_BEHIND_PROXY is not")
PROXY_CLIENT_HEADER = _client.proxy_header(
    "HUIYIN_PROXY_HEADER", envstr("HUIYIN_PROXY_HEADER", "X-Forwarded-For")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Query strings (a searched phone or ID number) are cut from logged addresses; gunicorn's
    # access log gets the same from huiyin.privacy.logredact.AccessLogger (`huiyin serve`).
    "filters": {"redact_queries": {"()": "huiyin.privacy.logredact.RedactQueryStrings"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {
            "level": "INFO",
            "class": "logging.StreamHandler",
            "formatter": "django.server",
        },
    },
    "loggers": {
        # runserver's request lines (development only; production serves with gunicorn).
        "django.server": {
            "handlers": ["django.server"],
            "filters": ["redact_queries"],
            "level": "INFO",
            "propagate": False,
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}
