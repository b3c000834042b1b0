"""Writing checked rows set-based: COPY into a table of the transaction, then one INSERT …
SELECT … ON CONFLICT DO UPDATE per kind (two for residents), keyed by the natural keys."""

from collections.abc import Iterable
from functools import lru_cache

from django.db import connection
from django.utils import timezone

from ...models import House, Household, Resident
from ..register import pinyin_keys
from .checking import Checked, Progress
from .columns import Kind


def _copy_into_temp(
    name: str, model, columns: list[str], rows: Iterable[tuple], *, flag: str = ""
) -> str:
    """A table for this transaction with `model`'s COLUMNS (and a boolean FLAG), filled
    through COPY. Returns its qualified name."""
    quote = connection.ops.quote_name
    temp = f"pg_temp.{quote(name)}"
    selected = ", ".join(
        [*(quote(c) for c in columns), *([f"false AS {quote(flag)}"] if flag else [])]
    )
    filled = ", ".join(quote(c) for c in [*columns, *([flag] if flag else [])])
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(
            f"CREATE TEMP TABLE {quote(name)} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {selected} FROM {quote(model._meta.db_table)} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {temp} ({filled}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return temp


def _upsert(
    model,
    source: str,
    columns: list[str],
    key: list[str],
    update: list[str],
    constants: dict,
    where: str = "",
) -> tuple[int, int]:
    """INSERT … SELECT from the session table, updating rows whose key exists and whose values
    differ (an unchanged row is not touched, so it gets no history entry). Returns (created,
    updated)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    insert_columns = columns + list(constants)
    select = ", ".join([*(quote(c) for c in columns), *("%s" for _ in constants)])
    assignments = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in [*update, "updated_at"])
    changed = " OR ".join(f"t.{quote(c)} IS DISTINCT FROM EXCLUDED.{quote(c)}" for c in update)
    # Nothing to update: existing rows are left alone.
    action = f"DO UPDATE SET {assignments} WHERE {changed}" if update else "DO NOTHING"
    sql = f"""
        WITH written AS (
            INSERT INTO {table} AS t ({", ".join(quote(c) for c in insert_columns)})
            SELECT {select} FROM {source} {where}
            ON CONFLICT ({", ".join(quote(c) for c in key)}) {action}
            RETURNING (xmax = 0) AS created
        )
        SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM written
    """  # noqa: S608 - identifiers come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, list(constants.values()))
        created, updated = cursor.fetchone()
    return created, updated


def quiet_trigger_checks() -> None:
    with connection.cursor() as cursor:
        # The audit triggers ask pgtrigger whether to skip them: with its setting unset, that
        # check raises and catches an error per row (a subtransaction each), ten times the
        # cost of the row itself. An empty list means the same, "skip none", without the error.
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


def write_households(good: Iterable[dict], *, house: bool, pact: bool, now) -> tuple[int, int]:
    """Upsert households by number from dicts with number, microgrid_id, house_id and
    pact_signed_on; the house and the pact date are updated only when their column is there."""
    columns = ["number", "microgrid_id", "house_id", "pact_signed_on"]
    rows = ((r["number"], r["microgrid_id"], r["house_id"], r["pact_signed_on"]) for r in good)
    source = _copy_into_temp("import_household", Household, columns, rows)
    update = [
        "microgrid_id",
        *(["house_id"] if house else []),
        *(["pact_signed_on"] if pact else []),
    ]
    constants = {"status": Household.Status.ACTIVE, "updated_at": now}
    return _upsert(Household, source, columns, ["number"], update, constants)


def write_residents(
    good: list[dict], present: set[str], *, now, report: Progress
) -> tuple[int, int]:
    """Upsert residents by ID number; optional columns absent from the file are left as
    they are."""
    columns = [
        "household_id", "name", "name_initials", "name_pinyin", "gender", "id_number", "birth_date", "phone",
        "relation", "residence_type", "care_tags", "moved_out", "deceased",
    ]  # fmt: skip
    keys = lru_cache(maxsize=None)(pinyin_keys)
    rows = (
        (r["household_id"], r["name"], *keys(r["name"]), r["gender"], r["id_number"], r["birth_date"], r["phone"],
         r["relation"], r["residence_type"], r["care_tags"], r["moved_out"], r["deceased"], r["head"])
        for r in good
    )  # fmt: skip
    source = _copy_into_temp("import_resident", Resident, columns, rows, flag="head")
    report("written", 0.2)
    optional = {
        "phone": "phone",
        "residence_type": "residence_type",
        "care_tags": "care_tags",
        "moved_out": "moved_out",
        "deceased": "deceased",
    }
    update = [
        "household_id",
        "name",
        "name_initials",
        "name_pinyin",
        "gender",
        "birth_date",
        "relation",
    ]
    update += [column for name, column in optional.items() if name in present]
    constants = {"note": "", "updated_at": now}
    # Heads last: a household whose head changes must lose the old head before it gains
    # the new one, or the one-head unique index refuses the row in between.
    created, updated = _upsert(
        Resident, source, columns, ["id_number"], update, constants, "WHERE NOT head"
    )
    report("written", 0.7)
    more = _upsert(Resident, source, columns, ["id_number"], update, constants, "WHERE head")
    return created + more[0], updated + more[1]


def write(result: Checked, *, progress: Progress | None = None) -> dict:
    """Write the checked rows; the caller holds the transaction (and the audit context).
    Returns how many rows were created, updated and left as they were."""
    report = progress or (lambda stage, share: None)
    now = timezone.now()
    good = result.records
    quiet_trigger_checks()
    if result.kind == Kind.HOUSES:
        columns = [
            "village_id",
            "microgrid_id",
            "address",
            "structure",
            "floors",
            "floor_area",
            "use",
            "lat",
            "lng",
        ]
        rows = (
            (
                r["village_id"],
                r["microgrid_id"],
                r["address"],
                r["structure"],
                r["floors"],
                r["floor_area"],
                r["use"],
                r["lat"],
                r["lng"],
            )
            for r in good
        )
        source = _copy_into_temp("import_house", House, columns, rows)
        optional = {
            "structure": ["structure"],
            "floors": ["floors"],
            "floor_area": ["floor_area"],
            "use": ["use"],
            "lat": ["lat", "lng"],
            "lng": ["lat", "lng"],
        }
        update = [
            "microgrid_id",
            *dict.fromkeys(c for f in result.present for c in optional.get(f, [])),
        ]
        created, updated = _upsert(
            House,
            source,
            columns,
            ["village_id", "address"],
            update,
            {"photo": "", "updated_at": now},
        )
    elif result.kind == Kind.HOUSEHOLDS:
        created, updated = write_households(
            good, house="house" in result.present, pact="pact_signed_on" in result.present, now=now
        )
    else:
        created, updated = write_residents(good, result.present, now=now, report=report)
    report("written", 1.0)
    return {"created": created, "updated": updated, "unchanged": len(good) - created - updated}
