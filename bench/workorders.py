"""Work-order rows (issue 5), run once after the scales in `bench/__main__.py`:

1. the dispatch board and a unit's inbox with the demo town's year of orders ("town");
2. the deadline sweep over 20,000 open orders against the single SQL UPDATE of the flags
   (`tickets.services.sweep.overdue_flags_reference`), in this process, each run rolled back so every
   sample does the whole work;
3. the demo town grown to 1,000,000 orders by a set-based copy of its closed orders into past
   years (history: closed, no timeline rows), then the board and the inbox again ("1M orders").

Copies are made with INSERT … SELECT over generate_series, every column taken from a demo
order (listed from the model, so a new column is copied too) except the number, the upstream
number and the times, shifted. Foreign-key triggers are off for the copy, as in bench/scale.py:
every id comes from a row that exists.
"""

import math
import time

from . import harness
from .harness import Row, say

DEMO_PASSWORD = "huaisi-demo"  # the documented demo log-in
SWEEP_OPEN = 20_000
HISTORY = 1_000_000
SWEEP_REPEATS = 5


def first_new_order_path() -> str:
    """The page of the oldest order waiting for dispatch (the command centre opens each)."""
    from tickets.models import State, WorkOrder

    pk = WorkOrder.objects.filter(state=State.NEW).order_by("pk").values_list("pk", flat=True)[0]
    return f"/orders/{pk}/"


PAGES = [
    # (label, path or a function returning it, demo user)
    ("/orders/board/", "/orders/board/", "command"),
    ("/orders/<new order>/", first_new_order_path, "command"),
    ("/orders/board/?view=overdue", "/orders/board/?view=overdue", "command"),
    ("/orders/board/?view=closed", "/orders/board/?view=closed", "command"),
    ("/orders/inbox/ (dept01)", "/orders/inbox/", "dept01"),
    ("/orders/inbox/?tab=closed (dept01)", "/orders/inbox/?tab=closed", "dept01"),
]
# Every page here is signed in: its floor reads the session and the user, as they do.
FLOOR = ("/bench/floor-logged-in", "/bench/floor-logged-in", "command")


def _columns() -> list[str]:
    from tickets.models import WorkOrder

    return [f.column for f in WorkOrder._meta.concrete_fields if not f.primary_key]


def _clone_sql(*, where: str, overrides: dict[str, str]) -> str:
    """INSERT %(count)s orders, the g-th a copy of template row g mod %(templates)s of the
    town's orders matching WHERE, with OVERRIDES (column -> SQL over `o` and `g`)."""
    columns = _columns()
    values = ", ".join(overrides.get(c, f"o.{c}") for c in columns)
    return f"""
        WITH src AS (
            SELECT o.*, row_number() OVER (ORDER BY o.id) - 1 AS k
              FROM tickets_workorder o
             WHERE o.town_id = %(town)s AND {where}
        )
        INSERT INTO tickets_workorder ({", ".join(columns)})
        SELECT {values}
          FROM generate_series(0, %(count)s - 1) AS g
          JOIN src o ON o.k = g %% %(templates)s
    """


def _town_id(cursor, town_code: str) -> int:
    cursor.execute("SELECT id FROM grids_town WHERE code = %s", [town_code])
    return cursor.fetchone()[0]


def _count(cursor, sql: str, params) -> int:
    cursor.execute(sql, params)
    return cursor.fetchone()[0]


# --- The sweep -----------------------------------------------------------------------------

# Open orders made for the sweep: one in ten waiting for acceptance, the rest being handled,
# dispatched 0-199 hours ago with a 2-hour acceptance and a 5-day reply deadline (calendar
# time, to keep the SQL plain): about 40% overdue, a quarter past the escalation point.
_OPEN_OVERRIDES = {
    "number": "'HS8' || lpad(g::text, 11, '0')",
    "upstream_number": "''",
    "upstream_deadline": "NULL",
    "state": (
        "CASE WHEN g %% 10 = 0 THEN 'dispatched' WHEN g %% 3 = 0 THEN 'accepted' "
        "WHEN g %% 3 = 1 THEN 'in_progress' ELSE 'rework' END"
    ),
    "dispatched_at": "%(now)s - (g %% 200) * interval '1 hour'",
    "accept_due": "%(now)s - (g %% 200) * interval '1 hour' + interval '2 hours'",
    "accept_warn_at": "%(now)s - (g %% 200) * interval '1 hour' + interval '96 minutes'",
    "accept_escalate_at": "%(now)s - (g %% 200) * interval '1 hour' + interval '4 hours'",
    "accepted_at": "CASE WHEN g %% 10 = 0 THEN NULL ELSE %(now)s - (g %% 200) * interval '1 hour' END",
    "reply_due": "%(now)s - (g %% 200) * interval '1 hour' + interval '5 days'",
    "reply_warn_at": "%(now)s - (g %% 200) * interval '1 hour' + interval '4 days'",
    "reply_escalate_at": "%(now)s - (g %% 200) * interval '1 hour' + interval '6 days'",
    "first_replied_at": "NULL",
    "replied_on_time": "NULL",
    "replied_at": "NULL",
    "reply_text": "''",
    "satisfaction": "''",
    "closed_at": "NULL",
    "handled_on_spot": "false",
    "due_soon": "false",
    "overdue": "false",
    "urge_count": "0",
    "supervise_count": "0",
    "duplicate_of_id": "NULL",
    "created_at": "%(now)s - (g %% 200) * interval '1 hour' - interval '30 minutes'",
    "updated_at": "%(now)s",
}


def sweep_rows(town_code: str) -> list[Row]:
    """The sweep and its reference over SWEEP_OPEN open orders, interleaved, each run in a
    savepoint rolled back; the orders themselves are rolled back at the end."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tickets.models import CLOCK_STATES
    from tickets.services.sweep import overdue_flags_reference, sweep_run

    now = timezone.now()
    samples: dict[str, list[float]] = {"sweep": [], "reference": []}
    queries = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            town = _town_id(cursor, town_code)
            have = _count(
                cursor,
                "SELECT count(*) FROM tickets_workorder WHERE town_id = %s AND state = ANY(%s)",
                [town, list(CLOCK_STATES)],
            )
            templates = _count(
                cursor,
                "SELECT count(*) FROM tickets_workorder WHERE town_id = %s "
                "AND lead_unit_id IS NOT NULL",
                [town],
            )
            add = max(SWEEP_OPEN - have, 0)
            say(f"sweep: {have} open orders in the demo town; adding {add}")
            if add and templates:
                cursor.execute(
                    _clone_sql(where="o.lead_unit_id IS NOT NULL", overrides=_OPEN_OVERRIDES),
                    {"town": town, "count": add, "templates": templates, "now": now},
                )
            cursor.execute("ANALYZE tickets_workorder")
            open_orders = _count(
                cursor,
                "SELECT count(*) FROM tickets_workorder WHERE town_id = %s AND state = ANY(%s)",
                [town, list(CLOCK_STATES)],
            )
        runs = {
            "sweep": lambda: sweep_run(now=now),
            "reference": lambda: overdue_flags_reference(now=now),
        }
        outcome = {}
        for _ in range(SWEEP_REPEATS):
            for name, run in runs.items():
                savepoint = transaction.savepoint()
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    outcome[name] = run()
                    samples[name].append((time.perf_counter() - started) * 1000)
                queries[name] = sum(
                    not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
                    for q in captured.captured_queries
                )
                transaction.savepoint_rollback(savepoint)
        transaction.set_rollback(True)
    result = outcome["sweep"]
    reference = harness.summarize(samples["reference"])
    note = (
        f"{open_orders} open; one run: {result.flags_changed} flags, {result.urged} 催办, "
        f"{result.supervised} 督办, {result.notifications} notifications (each run rolled back)"
    )
    return [
        Row(
            "deadline sweep (tickets.services.sweep)",
            f"{open_orders} open",
            samples["sweep"],
            reference=f"one UPDATE of the flags ({outcome['reference']} rows)",
            reference_ms=(reference["p50"], reference["p95"]),
            queries=queries["sweep"],
            note=note,
        )
    ]


# --- A million orders ------------------------------------------------------------------------


def _history_overrides(step_days: int, templates: int) -> dict[str, str]:
    from tickets.models import WorkOrder

    shift = f"((g / {templates}) + 1) * interval '{step_days} days'"
    overrides = {
        "number": "'HS9' || lpad(g::text, 11, '0')",
        "upstream_number": "''",
        "duplicate_of_id": "NULL",
        "updated_at": f"o.updated_at - {shift}",
    }
    for field in WorkOrder._meta.concrete_fields:
        if field.get_internal_type() == "DateTimeField" and field.column != "updated_at":
            overrides[field.column] = f"o.{field.column} - {shift}"
    return overrides


def add_history(db, town_code: str, total: int = HISTORY) -> tuple[float, int]:
    """Grow the demo town's orders to TOTAL with copies of its closed orders, each round of
    copies one step further into the past (20 years back at most). Returns ms and rows."""
    started = time.perf_counter()
    with db.connect(autocommit=True) as conn:
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            cursor = conn.cursor()
            town = _town_id(cursor, town_code)
            have = _count(
                cursor, "SELECT count(*) FROM tickets_workorder WHERE town_id = %s", [town]
            )
            where = "o.state = 'closed' AND o.duplicate_of_id IS NULL"
            templates = _count(
                cursor,
                f"SELECT count(*) FROM tickets_workorder o WHERE o.town_id = %s AND {where}",
                [town],
            )
            add = max(total - have, 0)
            if not add or not templates:
                return 0.0, 0
            rounds = math.ceil(add / templates)
            step = max(1, (20 * 365) // rounds)
            say(f"history: {add} copies of {templates} closed orders, {rounds} rounds")
            sql = _clone_sql(where=where, overrides=_history_overrides(step, templates))
            # psycopg takes %(name)s too; the doubled %% above stays a modulo.
            cursor.execute(sql, {"town": town, "count": add, "templates": templates})
            written = cursor.rowcount
        # VACUUM too: the sweep's runs before this were rolled back, and their dead row
        # versions would otherwise sit in the board's and inbox's indexes (a server's
        # autovacuum clears them within minutes; the pages are measured right after).
        conn.execute("VACUUM ANALYZE tickets_workorder")
    return (time.perf_counter() - started) * 1000, written


# --- The pages -----------------------------------------------------------------------------


def page_rows(scale_name: str, args) -> list[Row]:
    """The ticket pages against the signed-in floor, interleaved, as `measure_scale` does for
    PAGES."""
    with harness.gunicorn(workers=args.workers) as port:
        clients: dict[str | None, harness.HttpClient] = {}
        targets = []
        for label, path, login in [FLOOR, *PAGES]:
            if login not in clients:
                # Generous: a page slow at a million orders should show in the table, not
                # end the run.
                clients[login] = harness.HttpClient(port, timeout=120)
                if login:
                    clients[login].login(login, DEMO_PASSWORD)
            path = path() if callable(path) else path
            targets.append(harness.Target(label, path, clients[login]))
        say(f"{scale_name}: {len(targets)} work-order paths × {args.requests} requests")
        samples = harness.time_interleaved(
            targets,
            requests=args.requests,
            warmup=args.warmup,
            seconds_per_row=args.seconds_per_row,
        )
    floor = harness.summarize(samples[FLOOR[0]])
    rows = []
    for (label, _path, login), target in zip(PAGES, targets[1:], strict=True):
        path = target.path
        rows.append(
            Row(
                label,
                scale_name,
                samples[label],
                reference="signed-in floor",
                reference_ms=(floor["p50"], floor["p95"]),
                queries=harness.count_queries(path, username=login),
            )
        )
    return rows


def history_scale(total: int) -> str:
    """The scale's name in the table and the baseline: "1M orders", "20k orders"."""
    if total % 1_000_000 == 0:
        return f"{total // 1_000_000}M orders"
    return f"{total // 1000}k orders" if total % 1000 == 0 else f"{total} orders"


def measure(db, args, town_code: str) -> list[Row]:
    total = getattr(args, "history", HISTORY)
    grown = history_scale(total)
    rows = page_rows("town", args)
    rows += sweep_rows(town_code)
    say(f"growing the demo town to {total} orders")
    build_ms, written = add_history(db, town_code, total)
    rows.append(
        Row(
            f"orders history ({written} rows)",
            grown,
            [build_ms],
            note="bench/tickets.py, INSERT … SELECT of closed orders into past years; no reference",
        )
    )
    rows += page_rows(grown, args)
    return rows
