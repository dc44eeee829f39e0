"""Django settings, read only from environment variables (documented in README.md).

A bad value stops start-up with a clear message instead of a half-working server.
"""

from __future__ import annotations

import os
from pathlib import Path

from campanella.lib.config import (
    ConfigError,
    env_bool,
    env_database,
    env_email,
    env_int,
    env_list,
    env_networks,
    env_secret_key,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("CAMPANELLA_VAR_DIR", PROJECT_DIR / "var")).resolve()

# `campanella demo` sets CAMPANELLA_DEMO=1: a throw-away key and a local SQLite file. Not debug
# pages: the demo is shown to families and teachers, and Django's debug 404 lists every URL in
# English; its visitors get the Italian error pages (templates/4xx.html, 500.html) like a school.
DEMO = env_bool("CAMPANELLA_DEMO", default=False)
DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_secret_key(demo=DEMO, var_dir=VAR_DIR)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEMO or DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
# A refused form gets an Italian page in the site's look (templates/403_csrf.html).
CSRF_FAILURE_VIEW = "campanella.accounts.errors.csrf_failure"

TIME_ZONE = env_str("TIME_ZONE", default="Europe/Rome")
if TIME_ZONE != "Europe/Rome":
    # The school calendar and every legal timestamp are in Italian time.
    raise ConfigError("TIME_ZONE deve essere Europe/Rome: il registro segue l'ora italiana.")
USE_TZ = True
# Italian for everyone: the register speaks the school's language whatever the browser says.
LANGUAGE_CODE = "it"
LANGUAGES = [("it", "Italiano"), ("en", "English")]
USE_I18N = True
# Italian for the few messages of Django 5.2 its own Italian catalog misses (locale/it/*.po).
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

INSTALLED_APPS = [
    "campanella.people",  # before admin/auth: it owns the custom User
    "campanella.school",
    "campanella.audit",
    "campanella.register",
    "campanella.grades",
    "campanella.evaluation",
    "campanella.reportcards",
    "campanella.classdocs",
    "campanella.comms",
    "campanella.accounts",
    "campanella.interop",
    "campanella.api",
    "campanella.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",  # the demo's runserver serves static files as production does
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # its Swagger UI files served by us (/api/v1/docs): no CDN, as the CSP requires
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "campanella.api.throttle.RateLimitMiddleware",
    "campanella.api.not_allowed.MethodNotAllowedMiddleware",
    "campanella.api.conditional.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, given the user read with the session in one query (accounts/sessions.py).
    "campanella.accounts.sessions.AuthenticationMiddleware",
    "campanella.accounts.policy.AccessPolicyMiddleware",
    "campanella.accounts.offline.OfflineCopyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After CSP's: adds the gateway's logout origin to form-action for SPID/CIE sessions.
    "campanella.accounts.oidc.middleware.GatewayLogoutCspMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "campanella.urls"
WSGI_APPLICATION = "campanella.wsgi.application"
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "campanella.accounts.backends.UsernameOrEmailBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "campanella.accounts.context_processors.navigation",
                # The bell and the unread notices: one query (comms/context_processors.py).
                "campanella.comms.context_processors.unread_counts",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", default_sqlite=VAR_DIR / "campanella.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Seconds a login's header (institute name, children to switch between) is kept in the cache.
FAMILY_HEADER_SECONDS = 60
# Seconds what a grade page computed is kept: under the classroom's grades stamp, so a change is
# shown at once whatever this says; it only bounds how long unused entries take room (0: every
# page computed anew, as the benchmark measures too).
GRADE_PAGES_SECONDS = env_int("GRADE_PAGES_SECONDS", default=3600, minimum=0)
# Class documents (programmi, piani di lavoro, relazioni, documento del 15 maggio): PDF up to
# this many megabytes each.
CLASS_DOCUMENT_MAX_MB = env_int("CLASS_DOCUMENT_MAX_MB", default=10, minimum=1)
# A background import's run renews its lease after every day; a run silent for longer is taken
# as dead and its job resumed after the last day done (interop.sync_jobs).
SYNC_JOB_LEASE_SECONDS = env_int("SYNC_JOB_LEASE_SECONDS", default=90, minimum=1)
# Seconds the terms of a school year are kept (every grade page reads them; a saved term is
# dropped at once from this process's cache, and from the others' within this time).
TERMS_SECONDS = 60

# The API's rate limits (api.throttle): requests per token, and per client address for
# requests without a token (logging in), in each window; counted in Redis or the database.
API_RATE_LIMIT = env_int("API_RATE_LIMIT", default=600, minimum=1)
API_ANONYMOUS_RATE_LIMIT = env_int("API_ANONYMOUS_RATE_LIMIT", default=300, minimum=1)
API_RATE_WINDOW_SECONDS = env_int("API_RATE_WINDOW_SECONDS", default=60, minimum=1)

SESSION_ENGINE = "campanella.accounts.sessions"  # the database, read with the login in one query
REDIS_URL = env_str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    # One per process: a grade book or a child's grades take a few kilobytes each.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# Background jobs: a database queue served by `campanella worker` (the demo starts one of its
# own, so long work shows its progress there too). The tests run jobs at once in the request
# ("immediate", set in pyproject.toml), so most need no worker process.
TASKS_BACKEND = env_str("TASKS_BACKEND", default="database")
if TASKS_BACKEND not in {"database", "immediate"}:
    raise ConfigError("TASKS_BACKEND deve essere 'database' oppure 'immediate'.")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if TASKS_BACKEND == "database"
        else "django_tasks.backends.immediate.ImmediateBackend"
    }
}
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600  # recovery and verification links last 3 days

PASSWORD_HASHERS = [
    "campanella.accounts.hashers.SchoolArgon2PasswordHasher",  # docs/decisions.md
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

# Sessions and cookies: a shared family computer must not stay logged in for ever.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", default=8 * 3600, minimum=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_COOKIES = env_bool("SECURE_COOKIES", default=not (DEBUG or DEMO))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
if env_bool("BEHIND_HTTPS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS only, in production: plain-HTTP requests are redirected and browsers are told (HSTS) to
# never try plain HTTP again for a year. Both off for the demo and DEBUG, which run on http://.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not (DEBUG or DEMO))
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", default=0 if (DEBUG or DEMO) else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", default=False)
# The reverse proxies (addresses or networks) whose X-Forwarded-For names the real client: the
# lock-out counts client addresses, and behind a proxy REMOTE_ADDR is the proxy itself. Only the
# proxies named here are believed; the header of anybody else is ignored (docs/deploy.md).
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # No inline style at all: bootstrap-italia's script (which injected two) is not loaded.
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = PROJECT_DIR / "node_modules"
# Front-end libraries come from npm (package-lock.json) and are served by us: no CDN.
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",
    # bootstrap-italia's fonts only: its stylesheet is served trimmed to the rules our templates
    # use (campanella/bootstrap-italia.css, `npm run build:css`) and its script is not needed.
    ("vendor/bootstrap-italia/fonts", NODE_MODULES / "bootstrap-italia" / "dist" / "fonts"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
]
# Production and the demo serve hashed, gzip-compressed files collected by
# `campanella serve` / `campanella demo`, cached for a year; DEBUG and tests use the finders.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", default=DEMO or not DEBUG)
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Notices' attachments and consent files (comms): the largest file accepted, and its kinds,
# recognised by their content (comms/notices/files.py: pdf, png, jpeg, docx, xlsx, odt, ods).
COMMS_ATTACHMENT_MAX_BYTES = env_int(
    "COMMS_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024, minimum=1024
)
COMMS_ATTACHMENT_TYPES = env_list(
    "COMMS_ATTACHMENT_TYPES", default=["pdf", "png", "jpeg", "docx", "xlsx", "odt", "ods"]
)
# Teaching materials (comms/materials): the largest file a teacher shares, its kinds (by
# content, lib/file_kinds.py) and how deep folders nest (a folder in a folder in a folder: 3).
MATERIALS_MAX_MB = env_int("MATERIALS_MAX_MB", default=20, minimum=1)
MATERIALS_TYPES = env_list(
    "MATERIALS_TYPES",
    default=[
        "pdf", "png", "jpeg", "gif", "docx", "xlsx", "pptx", "odt", "ods", "odp", "txt", "zip",
    ],
)  # fmt: skip
MATERIALS_FOLDER_DEPTH = env_int("MATERIALS_FOLDER_DEPTH", default=3, minimum=1)
# Minutes before the families missing from a notice may be reminded again.
COMMS_REMINDER_INTERVAL_MINUTES = env_int("COMMS_REMINDER_INTERVAL_MINUTES", default=60)

# Notifications (comms/notifications): links in e-mails are absolute, under SITE_URL.
SITE_URL = env_str("SITE_URL", default="http://127.0.0.1:8000")
NOTIFICATIONS_DIGEST_TIME = env_str("NOTIFICATIONS_DIGEST_TIME", default="18:00")
# Web Push: the VAPID private key (raw P-256, base64url); the demo and DEBUG generate one in
# var/ when it is not set; elsewhere push is off without it (docs/decisions.md).
WEBPUSH_VAPID_PRIVATE_KEY = env_str("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_VAPID_SUBJECT = env_str("WEBPUSH_VAPID_SUBJECT", default="mailto:noreply@example.org")
WEBPUSH_VAPID_GENERATE = DEMO or DEBUG
# The push services a device may name (its endpoint is where the server POSTs): the browsers'
# own, so that nobody can make the server call an address of the school's network.
WEBPUSH_ENDPOINT_HOSTS = env_list(
    "WEBPUSH_ENDPOINT_HOSTS",
    default=[
        "fcm.googleapis.com",
        "push.services.mozilla.com",
        "notify.windows.com",
        "push.apple.com",
    ],
)
WEBPUSH_ALLOW_HTTP = env_bool("WEBPUSH_ALLOW_HTTP", default=False)  # tests: a loopback service

EMAIL = env_email()
EMAIL_BACKEND = EMAIL.backend
EMAIL_HOST = EMAIL.host
EMAIL_PORT = EMAIL.port
EMAIL_HOST_USER = EMAIL.user
EMAIL_HOST_PASSWORD = EMAIL.password
EMAIL_USE_TLS = EMAIL.use_tls
EMAIL_USE_SSL = EMAIL.use_ssl
DEFAULT_FROM_EMAIL = EMAIL.from_address
SERVER_EMAIL = EMAIL.from_address
# The Date header in Italian time with its offset (+0100/+0200), not "-0000" (zone unknown):
# Django formats it with the process's local time, which it sets to TIME_ZONE.
EMAIL_USE_LOCALTIME = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="WARNING")},
}
