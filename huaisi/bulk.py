"""Bulk writes with PostgreSQL COPY, for seeding and imports of tens of thousands of rows.

COPY has no ON CONFLICT: callers leave out rows whose natural key exists already.
"""

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model


def copy_insert(model: type[Model], objs: Iterable[Model], fields: Sequence[str]) -> int:
    """Insert `objs` (unsaved instances) through COPY, writing only `fields`. Returns the count."""
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in concrete)
    table = connection.ops.quote_name(meta.db_table)
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objs:
            copy.write_row(
                [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in concrete]
            )
            count += 1
    # Fresh statistics for what was just loaded (our own uncommitted rows count), once the COPY
    # is over: a table PostgreSQL last saw empty keeps reltuples = 0, and the next join over it
    # was planned as if it were empty (the demo's count of 1,200 residents ran for minutes in a
    # test database that an earlier test had emptied).
    if count:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return count
