# Production image for the Huaisi platform: one image runs web (gunicorn), the Celery worker,
# Celery beat and the one-shot `migrate` step; docker-compose.yml picks the command.
#
#   docker build -t huaisi .
#   docker run --env-file prod.env huaisi               # web on :8000
#   docker run --env-file prod.env huaisi celery -A huaisi worker -l INFO
#
# Nothing secret is baked in: DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS come
# from the environment at run time (see huaisi/settings.py, which refuses to start without).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    MEDIA_ROOT=/data/media \
    GUNICORN_WORKERS=3

# The unprivileged user everything runs as. It owns only /data/media (uploads); the code and
# the collected static files stay root-owned and read-only to it.
RUN groupadd --system --gid 10001 huaisi \
    && useradd --system --uid 10001 --gid huaisi --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin huaisi \
    && mkdir -p /data/media \
    && chown huaisi:huaisi /data/media

WORKDIR /app

# The CJK font the monthly town report's PDF is set in (REPORT_FONT_PATH, settings.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

# Dependencies from pyproject.toml (`pip install .`, no dev extras), in a layer of their own
# that is rebuilt only when pyproject.toml changes. Only pyproject.toml is present here, so
# the wheel built is empty; it is uninstalled again because the code runs from /app
# (PYTHONPATH): settings' BASE_DIR must be /app, where templates/, static/ and locale/ live,
# and the wheel would not carry the apps' templates.
COPY pyproject.toml README.md* ./
RUN pip install . \
    && pip uninstall --yes huaisi \
    && rm -rf build ./*.egg-info

COPY . .

# Translations, then static files into /app/var/staticfiles with the hashed manifest
# (STATIC_MANIFEST defaults to true when DEBUG is false). Settings need these values only to
# import; they are dummies set for this one command, not ENV, so they do not reach the image.
RUN python -c "from pathlib import Path; from huaisi.i18n import compile_catalogs; compile_catalogs(Path('.'))" \
    && DATABASE_URL=postgres://build@localhost/build \
       REDIS_URL=redis://localhost:6379/0 \
       SECRET_KEY=build-only \
       ALLOWED_HOSTS=build \
       DEBUG=false \
       python manage.py collectstatic --noinput

USER huaisi:huaisi

EXPOSE 8000

# /healthz answers 200 when the database, Redis and a Celery worker answer, 503 otherwise.
# No curl in slim, so Python's urllib; the Host header is the first ALLOWED_HOSTS entry so that
# Django accepts the request. Worker, beat and migrate override or disable this in compose.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; host = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); host = 'localhost' if host in ('', '*') else host; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': host}), timeout=8)"]

# sh -c so that GUNICORN_WORKERS is read at start-up; exec so gunicorn gets the signals.
CMD ["sh", "-c", "exec gunicorn huaisi.wsgi:application --bind 0.0.0.0:8000 --workers \"${GUNICORN_WORKERS:-3}\" --worker-tmp-dir /dev/shm --access-logfile -"]
