"""Settings for the Huaisi platform: one module, every value from the environment.

Malformed values raise ImproperlyConfigured at start-up rather than running with a guess.
Only DEBUG gets insecure conveniences (a development SECRET_KEY, local hosts).
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = env.str(name, default=None)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_required(name: str, hint: str) -> str:
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} is not set. {hint}")
    return value


DEBUG = env_bool("DEBUG", False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
else:
    SECRET_KEY = env_required("SECRET_KEY", "Production needs a long random secret key.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set: list the host names this site answers to."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "csp",
    "template_partials.apps.SimpleAppConfig",
    "pgtrigger",
    "pghistory",
    # Our apps, in dependency order: each may use only the ones above it.
    "huaisi",
    # The working-time calendar: above the core, below every domain app.
    "workcalendar",
    "grids",
    "households",
    "points",
    "tickets",
    "volunteers",
    # Patrols visit the register's households and report work orders (docs/architecture.md).
    "patrols",
    # Notices to group chats and SMS (issue 20).
    "notices",
    # 未诉先办: hotspots over work orders and patrol findings.
    "hotspots",
    # Last: the dashboard and the cross-app pages read every app above.
    "dashboard",
    "onboarding",
    "audit",
    "townexport",
]

MIDDLEWARE = [
    # Under /api/, a bad Host header is answered in JSON (Django's page is HTML).
    "huaisi.middleware.api_host_middleware",
    "django.middleware.security.SecurityMiddleware",
    "huaisi.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "huaisi.middleware.language_middleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A query-string value no page can use (NUL, overlong) is a 400 before any view reads it
    # (after authentication: its page is drawn with the menu of the signed-in user).
    "huaisi.middleware.query_guard_middleware",
    # A new account (or one given a one-time password) chooses its own before anything else.
    "huaisi.middleware.password_change_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The audit trail (django-pghistory): every tracked change records who and which page.
    "pghistory.middleware.HistoryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# Only requests that may write carry the audit context: pages served on GET never change
# tracked rows, and wrapping their every query in set_config() costs each read a round trip.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

ROOT_URLCONF = "huaisi.urls"
WSGI_APPLICATION = "huaisi.wsgi.application"

_template_loaders = [
    "django.template.loaders.filesystem.Loader",
    "django.template.loaders.app_directories.Loader",
]
if not DEBUG:
    _template_loaders = [("django.template.loaders.cached.Loader", _template_loaders)]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Fragments are named partials of their page: "app/page.html#name".
            "loaders": [("template_partials.loader.Loader", _template_loaders)],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "huaisi.context_processors.navigation",
                "workcalendar.context_processors.missing_calendar",
            ],
            "builtins": ["django.templatetags.i18n", "template_partials.templatetags.partials"],
        },
    },
    # The kiosk, Jinja2 throughout (huaisi/jinja2.py): points/jinja2/, asked for by name
    # with render(..., using="jinja2").
    {
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "huaisi.jinja2.environment"},
    },
]
# Selects name their empty choice (请选择…… / （不选）) instead of Django's "---------".
FORM_RENDERER = "huaisi.form_renderer.Renderer"

# --- Data stores -------------------------------------------------------------------------
DATABASE_URL = env_required(
    "DATABASE_URL",
    "Use `make run` / `make test` (they start an embedded PostgreSQL), "
    "or point it at a server: postgres://user:password@host:5432/huaisi",
)
try:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
except Exception as exc:  # django-environ raises several kinds for a bad URL
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from exc
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must be a PostgreSQL URL (postgres://…).")
# A Unix-socket directory arrives percent-encoded in the host part (postgres://u@%2Fpath/db).
DATABASES["default"]["HOST"] = unquote(str(DATABASES["default"]["HOST"]))
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL's JIT compiler pays off for long analytical queries, not for pages: the town's
# visit-coverage statement (20,000 households, 114 ms) spent 900 ms more compiling itself once
# its estimated cost passed jit_above_cost. Off for our connections through libpq's `options`
# (DB_JIT=true leaves the server's setting; a PgBouncer that refuses that startup parameter
# wants DB_JIT=true and `ALTER ROLE … SET jit = off` instead).
if not env_bool("DB_JIT", False):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
# Server-side parameter binding lets psycopg prepare the statements a connection runs again
# and again (the user, the roles, a page's list): PostgreSQL then plans each once per
# connection instead of on every request, which is most of the cost of a short query with
# joins (1.5 ms planning against 0.1 ms executing for the role lookup of every signed-in page).
# Behind PgBouncer in transaction pooling: 1.21 or newer with max_prepared_statements > 0, or
# DB_PREPARED_STATEMENTS=false.
# huaisi/dbcursor.py keeps django-pghistory's audit context working with it.
if env_bool("DB_PREPARED_STATEMENTS", True):
    from huaisi.dbcursor import Cursor as _ServerBindingCursor

    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        cursor_factory=_ServerBindingCursor,
        prepare_threshold=env_int("DB_PREPARE_THRESHOLD", 2),
    )

REDIS_URL = env_required(
    "REDIS_URL",
    "Use `make run` / `make test` (they start an embedded Redis), "
    "or point it at a server: redis://host:6379/0",
)
if urlsplit(REDIS_URL).scheme not in {"redis", "rediss"}:
    raise ImproperlyConfigured(
        f"REDIS_URL must start with redis:// or rediss://, not {REDIS_URL!r}"
    )

CACHES = {
    "default": {
        "BACKEND": "huaisi.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="huaisi"),
        "TIMEOUT": 300,
    }
}
# Sessions live in the database with a Redis cache in front, so web hosts stay stateless.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
# Messages may carry personal data (a revealed number); keep them server-side, not in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# HUAISI_LOCALE_DIR lets the catalogue test re-extract strings into a scratch copy.
LOCALE_PATHS = [Path(env.str("HUAISI_LOCALE_DIR", default=str(BASE_DIR / "locale")))]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static and media files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))

# The hashed manifest needs `collectstatic`; development and tests read the source folders.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="local")
if MEDIA_STORAGE == "local":
    _media_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
elif MEDIA_STORAGE == "s3":
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_required("S3_BUCKET", "MEDIA_STORAGE=s3 needs a bucket name."),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default=None),
            "region_name": env.str("S3_REGION", default=None),
            "access_key": env.str("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be 'local' or 's3', not {MEDIA_STORAGE!r}")

STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Security ----------------------------------------------------------------------------
# HTTPS: the site is reached over TLS (its own certificate or a proxy's). Production is; the
# one-server office install that `make run` serves on the LAN is plain HTTP (HTTPS=false),
# where secure-only cookies would never come back and nobody could log in.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# Preloading binds the whole domain to HTTPS in every browser for months; it is the domain
# owner's decision, so it is opt-in and Django's reminder about it (W021) is silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The health check answers the load balancer over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (django-csp): no inline script, style or event handler anywhere, so
# an injected <script> or onclick= does nothing. htmx's own indicator <style> is switched off
# in base.html (includeIndicatorStyles) and lives in huaisi.css. huaisi.middleware adds the
# MAP_TILE_URL host, when one is configured, to img-src.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        # The offline inspection form's service worker.
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# Log-in throttling (huaisi.auth): this many failed log-ins for one user name from one address
# lock that pair out for LOGIN_LOCKOUT_SECONDS, even with the right password.
LOGIN_FAILURE_LIMIT = 5
LOGIN_LOCKOUT_SECONDS = 15 * 60
# How many proxies (load balancer, nginx …) stand in front of gunicorn and append to
# X-Forwarded-For: the log-in throttle counts the address the outermost of them saw. 0 (the
# default, as in docker-compose.yml) counts the socket's peer; a wrong number either lumps the
# town together (too small) or lets a guesser pick the counted address (too large).
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES must be 0 or more, not {TRUSTED_PROXIES}")
AUTHENTICATION_BACKENDS = ["huaisi.auth.ThrottledModelBackend"]

# --- Celery ------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="huaisi")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 3600
CELERY_BEAT_SCHEDULE = {
    # Lets /healthz tell that beat schedules and a worker runs what it schedules.
    "heartbeat": {"task": "huaisi.tasks.heartbeat", "schedule": crontab(minute="*")},
    # Household points: close last month's ranking on the 1st at 01:00, and the half year's
    # honour list on 1 January and 1 July (CELERY_TIMEZONE is Asia/Shanghai).
    "points-ranking": {
        "task": "points.tasks.publish_ranking_task",
        "schedule": crontab(minute=0, hour=1, day_of_month=1),
    },
    "points-honours": {
        "task": "points.tasks.publish_honours_task",
        "schedule": crontab(minute=10, hour=1, day_of_month=1, month_of_year="1,7"),
    },
    # Register imports: the file of a dry run nobody confirmed within a day is deleted.
    "register-imports-expire": {
        "task": "households.tasks.imports_expire_task",
        "schedule": crontab(minute=17),
    },
    # Work orders: deadline flags, urging and supervision notices every five minutes; last
    # month's supervision report on the 1st.
    "tickets-deadline-sweep": {
        "task": "tickets.tasks.deadline_sweep_task",
        "schedule": crontab(minute="*/5"),
    },
    "tickets-supervision-report": {
        "task": "tickets.tasks.supervision_publish_task",
        "schedule": crontab(minute=30, hour=1, day_of_month=1),
    },
    # Notices: events the sweep wrote in SQL, and replies due within one working day.
    "notices-scan": {"task": "notices.tasks.scan_task", "schedule": crontab(minute="*")},
    # 未诉先办: hotspots, rising issues and repeat callers, recomputed every hour.
    "hotspots-analyse": {
        "task": "hotspots.tasks.analyse_task",
        "schedule": crontab(minute=41),
    },
    # The dashboards' figures in Redis (dashboard.services): towns, and the watched areas.
    "dashboard-refresh": {
        "task": "dashboard.tasks.dashboards_refresh_task",
        "schedule": crontab(minute="*"),
    },
    "dashboard-town-report": {
        "task": "dashboard.tasks.reports_publish_task",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
    },
}

# --- Logging: one JSON object per line on stdout ------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL must be a logging level name, not {LOG_LEVEL!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "huaisi.logging.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.server": {"level": "INFO"},
    },
}

# How long /healthz waits for a Celery worker to answer its ping, in seconds.
HEALTHZ_CELERY_TIMEOUT = float(env_int("HEALTHZ_CELERY_TIMEOUT_MS", 1500)) / 1000

# --- Product settings --------------------------------------------------------------------
# The site's address as handlers reach it, for the links in notices (issue 20); empty: the
# notices carry a path only.
SITE_URL = env.str("SITE_URL", default="")
# Map tiles: empty by default, since many installs have no outside network (issue 3).
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
# The font the monthly town report's PDF is set in, embedded as a subset: a TrueType or
# OpenType font or collection with Chinese glyphs (Debian's fonts-noto-cjk, installed by the
# Dockerfile and .ci/run). Without it the PDF download answers 503 and the printable page
# still works.
REPORT_FONT_PATH = env.str(
    "REPORT_FONT_PATH", default="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
)
