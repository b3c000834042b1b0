"""Reaching another database on the server the platform uses (scratch databases of the town
export and restore tests, a Celery worker on the test database).

The URL is built by the URL library from DATABASE_URL itself, never pieced together from the
connection's parts: the embedded server's socket folder arrives percent-encoded in the host
(postgres://postgres@%2Fpath%2Fvar%2Fpg/huaisi), and string surgery once turned that folder
into part of the database's name.
"""

from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.db import connection


def database_url(name: str, *, url: str | None = None) -> str:
    """URL (by default DATABASE_URL) naming the database NAME instead: user, password, host or
    socket folder, port and query options are kept as they are."""
    parts = urlsplit(url if url is not None else settings.DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))


def connect_kwargs() -> dict[str, str | int]:
    """psycopg keyword arguments for the server of the default connection (any database)."""
    config = connection.settings_dict
    params = {
        "host": config["HOST"],
        "port": config["PORT"],
        "user": config["USER"],
        "password": config["PASSWORD"],
    }
    return {key: value for key, value in params.items() if value}
