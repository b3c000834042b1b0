"""The database cursor: server-side parameter binding, so PostgreSQL can keep prepared plans.

With `server_side_binding` psycopg sends each query and its parameters separately (the extended
protocol), and after `prepare_threshold` runs on a connection it prepares the statement: the
planning that dominated short queries with joins happens once per connection. One statement
per execute is the price. django-pghistory and django-pgtrigger break that rule: they prefix
the statement with `SELECT set_config('pghistory.context_id', …); ` (so the audit triggers know
who changed the row) or `SELECT set_config('pgtrigger.ignore', …); `. Such a query is bound here on the client (psycopg's own quoting, as Django's
default cursor does) and sent whole through the simple protocol, unprepared; every other query
is bound on the server as usual. `mogrify` (client-side quoting, which pghistory's event
queries call on the cursor) is lent from psycopg's client-binding cursor.
"""

from django.db.backends.postgresql.base import ServerBindingCursor
from psycopg import ClientCursor

# What both libraries put before the statement they wrap (pghistory/runtime.py,
# pgtrigger/runtime.py).
SET_CONFIG_PREFIX = "SELECT set_config('"


def _text(query) -> str | None:
    if isinstance(query, str):
        return query
    if isinstance(query, bytes):
        return query.decode()
    return None


class Cursor(ServerBindingCursor):
    def mogrify(self, query, params=None) -> str:
        with ClientCursor(self.connection) as client:
            return client.mogrify(query, params)

    def execute(self, query, params=None, *, prepare=None, binary=None):
        text = _text(query)
        if params is not None and text is not None and text.startswith(SET_CONFIG_PREFIX):
            return super().execute(self.mogrify(text, params), None, prepare=False, binary=binary)
        return super().execute(query, params, prepare=prepare, binary=binary)
