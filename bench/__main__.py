"""`make bench`: build the demo data in its own database and time the hot paths against a
reference measured in the same run (see "Performance method" in the design).

    python -m huaisi.devstack exec .venv/bin/python -m bench [--households N] [--requests N]
        [--scale town|100x|both] [--workers N] [--drop]

Steps: (re)create `<db>_bench` next to DATABASE_URL's database, migrate it, time
`seed_demo` (fresh, then again to show it is idempotent) against PostgreSQL COPY of the same
rows; serve the project with gunicorn (bench.settings: production-like, plus /bench/floor)
and time each page in PAGES against the floor, interleaved; count each page's SQL queries
in-process; for 100x, copy the town 99 times (bench/scale.py) and measure again. The table
is printed and written to bench/results/<timestamp>.json. `--drop` drops the bench database
at the end (it is kept otherwise, to look into).

Adding a row:
- a page: append a `Page(label, path, login)` to PAGES. PATH is a string, or a function
  called once Django is set up (to look up an id); LOGIN is a demo user name or None for an
  anonymous visitor. It is timed, compared with the floor and query-counted at every scale.
- a table the seed fills: append it to SEED_TABLES (the COPY reference copies those rows)
  and its 100x copy to `scale.COPY_STATEMENTS`.
- another kind of measurement (raw SQL for the same aggregate, an export): write a function
  that returns `harness.Row`s with its reference and call it from `measure_scale` or `main`
  (bench/imports.py does so for the register import: three XLSX files through a Celery worker
  against COPY of the same rows, after the town's seed).
"""

import argparse
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from urllib.parse import urlencode

from . import baseline, harness, imports, inspections, scale, workorders
from .harness import Row, say

DEMO_PASSWORD = "huaisi-demo"  # the documented demo log-in
REPEATS = 3  # runs of each repeatable manage.py row (a fresh seed runs once)

# Tables seed_demo writes, for the COPY reference (parents first).
SEED_TABLES = [
    "grids_town", "grids_village", "grids_grid", "grids_microgrid", "grids_department",
    "auth_user", "huaisi_role", "grids_staffprofile",
    "households_house", "households_household", "households_resident",
    "points_rule", "points_pointsaccount", "points_entry", "points_store", "points_good",
    "points_stockreceipt", "points_redemption", "points_redemptionline",
    "points_rankingpublication", "points_rankingrow",
    "points_honourpublication", "points_honourrow",
]  # fmt: skip


@dataclass(frozen=True)
class Page:
    label: str
    path: str | Callable[[], str]
    login: str | None = None
    # Instead of a staff log-in, a kiosk session: a function returning (village id, passbook
    # number); the client signs in through the kiosk's form with the demo PIN.
    kiosk: Callable[[], tuple[int, str]] | None = None


def first_grid_path() -> str:
    from django.urls import reverse

    from grids.management.commands.seed_demo import DEMO_TOWN_CODE
    from grids.models import Grid

    grid = Grid.objects.get(village__town__code=DEMO_TOWN_CODE, code="G01")
    return reverse("grid-detail", args=[grid.pk])


def first_household_path() -> str:
    """A household in grid G01 of the demo town (leader01's grid)."""
    from django.urls import reverse

    from grids.management.commands.seed_demo import DEMO_TOWN_CODE
    from households.models import Household

    household = (
        Household.objects.filter(
            microgrid__grid__village__town__code=DEMO_TOWN_CODE, microgrid__grid__code="G01"
        )
        .order_by("pk")
        .first()
    )
    return reverse("household-detail", args=[household.pk])


def demo_village_id() -> int:
    from grids.management.commands.seed_demo import DEMO_TOWN_CODE
    from grids.models import Village

    return Village.objects.get(town__code=DEMO_TOWN_CODE, code="HS01").pk


def demo_kiosk_household() -> tuple[int, str]:
    """The kiosk screen of village HS01 and the passbook of its signed household with the most
    ledger entries (the fullest household page)."""
    from django.db.models import Count

    from points.models import PointsAccount

    account = (
        PointsAccount.objects.filter(
            village_id=demo_village_id(), household__pact_signed_on__isnull=False
        )
        .annotate(entries=Count("household__point_entries"))
        .order_by("-entries", "pk")
        .first()
    )
    return account.village_id, account.passbook_number


def kiosk_login(client: harness.HttpClient, village_id: int, passbook: str) -> None:
    """Sign in at the kiosk as a resident does: the idle screen's form, passbook and PIN."""
    from points.demo import DEMO_PIN

    form = client.get(f"/kiosk/{village_id}/")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
    if form.status != 200 or not match:
        raise RuntimeError(f"no kiosk log-in form at /kiosk/{village_id}/ (status {form.status})")
    body = urlencode(
        {"csrfmiddlewaretoken": match[1].decode(), "passbook_number": passbook, "pin": DEMO_PIN}
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = client.request("POST", f"/kiosk/{village_id}/login/", body=body, headers=headers)
    if answer.status != 302 or "huaisi_kiosk" not in client.cookies:
        raise RuntimeError(f"kiosk log-in with passbook {passbook} failed ({answer.status})")


def count_kiosk_queries(path: str, village_id: int, passbook: str) -> int:
    """SQL queries of the second GET of PATH in a kiosk session, in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from points.demo import DEMO_PIN

    client = Client(SERVER_NAME="127.0.0.1")
    login = {"passbook_number": passbook, "pin": DEMO_PIN}
    if client.post(f"/kiosk/{village_id}/login/", login).status_code != 302:
        raise RuntimeError(f"kiosk log-in with passbook {passbook} failed in the test client")
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: status {response.status_code} in the test client")
    return len(captured.captured_queries)


FLOOR = Page("/bench/floor", "/bench/floor")
SIGNED_IN_FLOOR = Page("/bench/floor-logged-in", "/bench/floor-logged-in", login="command")
KIOSK_FLOOR = Page("/bench/floor-kiosk", "/bench/floor-kiosk", kiosk=demo_kiosk_household)
# Each page is compared with the floor of its kind: what the stack costs before the page does
# anything (an anonymous page cannot be cheaper than the floor, a signed-in one than reading the
# session and the user, a kiosk one than reading the kiosk session).
FLOORS = {"anonymous": FLOOR, "signed-in": SIGNED_IN_FLOOR, "kiosk": KIOSK_FLOOR}


def floor_kind(page: Page) -> str:
    if page.kiosk is not None:
        return "kiosk"
    return "signed-in" if page.login else "anonymous"


PAGES = [
    FLOOR,
    SIGNED_IN_FLOOR,
    KIOSK_FLOOR,
    Page("/accounts/login/", "/accounts/login/"),
    Page("/", "/", login="command"),
    Page("/areas/grids/", "/areas/grids/", login="command"),
    Page("/areas/grids/?q=槐泗", "/areas/grids/?" + urlencode({"q": "槐泗"}), login="command"),
    Page("/areas/grids/<G01>/", first_grid_path, login="command"),
    Page("/areas/villages/", "/areas/villages/", login="command"),
    # The register (issue 3): search by pinyin initials and ID tail, town-wide and in one grid.
    Page("/register/residents/?q=wxm (town)", "/register/residents/?q=wxm", login="command"),
    Page("/register/residents/?q=1234 (town)", "/register/residents/?q=1234", login="command"),
    # The commonest surname: thousands of matches at town scale, ordered and cut at 50.
    Page(
        "/register/residents/?q=王 (town)",
        "/register/residents/?" + urlencode({"q": "王"}),
        login="command",
    ),
    Page("/register/residents/?q=wxm (grid)", "/register/residents/?q=wxm", login="leader01"),
    Page("/register/<household>/", first_household_path, login="leader01"),
    # Patrol inspections (issue 6): coverage at full town size (one grouped statement for the
    # town, one for a grid), the grid leader's own list.
    Page("/areas/inspections/coverage/ (town)", "/areas/inspections/coverage/", login="command"),
    Page("/areas/grids/<G01>/coverage/", lambda: first_grid_path() + "coverage/", login="leader01"),
    Page("/areas/inspections/ (leader)", "/areas/inspections/", login="leader01"),
    # Household points (issue 4): the kiosk's household page in a kiosk session (constant
    # queries), its idle screen and the village notice board, both anonymous.
    Page("/kiosk/household/ (kiosk session)", "/kiosk/household/", kiosk=demo_kiosk_household),
    Page("/kiosk/<HS01>/ (idle screen)", lambda: f"/kiosk/{demo_village_id()}/"),
    Page("/kiosk/<HS01>/board/", lambda: f"/kiosk/{demo_village_id()}/board/"),
]


def seed_rows(args, scale_name: str, copy_ref, fresh_ms: float | None = None) -> list[Row]:
    """The seed as a user runs it (a manage.py process), against COPY of the same rows; the
    fresh run is timed by the caller (COPY_REF needs its rows), the idempotent one here."""
    from django.core.management import call_command

    copy_samples, copied = copy_ref
    copy = harness.summarize(copy_samples)
    reference = {"reference": f"COPY {copied} rows", "reference_ms": (copy["p50"], copy["p95"])}
    rows = []
    if fresh_ms is not None:
        note = "a manage.py process: start-up included (see the --if-empty row), COPY has none"
        label = f"seed_demo --households {args.households}"
        rows.append(Row(label, scale_name, [fresh_ms], note=note, **reference))
    say(f"{scale_name}: seed_demo again (idempotent), {REPEATS} times")
    again = [
        harness.manage("seed_demo", "--households", str(args.households)) for _ in range(REPEATS)
    ]
    queries = harness.count_command_queries(
        lambda: call_command("seed_demo", households=args.households, stdout=StringIO())
    )
    note = "SQL: queries of one more run in this process"
    label = "seed_demo again (idempotent)"
    rows.append(Row(label, scale_name, again, queries=queries, note=note, **reference))
    return rows


def measure_scale(scale_name: str, args) -> list[Row]:
    """Serve the project and time every page of PAGES, interleaved, against the floor."""
    with harness.gunicorn(workers=args.workers) as port:
        browsers: dict[str, harness.HttpClient] = {}
        targets = []
        for page in PAGES:
            if page.kiosk is not None:
                client = harness.HttpClient(port)
                kiosk_login(client, *page.kiosk())
            elif page.login is None:
                client = harness.HttpClient(port)  # each anonymous row: a fresh visitor
            elif page.login not in browsers:
                client = browsers[page.login] = harness.HttpClient(port)
                client.login(page.login, DEMO_PASSWORD)
            else:
                client = browsers[page.login]
            path = page.path() if callable(page.path) else page.path
            targets.append(harness.Target(page.label, path, client))
        say(f"{scale_name}: {len(targets)} paths × {args.requests} requests, interleaved")
        samples = harness.time_interleaved(
            targets,
            requests=args.requests,
            warmup=args.warmup,
            seconds_per_row=args.seconds_per_row,
        )
    floors = {kind: harness.summarize(samples[p.label]) for kind, p in FLOORS.items()}
    rows = []
    for page, target in zip(PAGES, targets, strict=True):
        queries = (
            count_kiosk_queries(target.path, *page.kiosk())
            if page.kiosk is not None
            else harness.count_queries(target.path, username=page.login)
        )
        row = Row(page.label, scale_name, samples[page.label], queries=queries)
        # The signed-in and kiosk floors themselves are shown against the anonymous one.
        kind = "anonymous" if page in FLOORS.values() else floor_kind(page)
        if page is not FLOOR:
            floor = floors[kind]
            row.reference, row.reference_ms = f"{kind} floor", (floor["p50"], floor["p95"])
        rows.append(row)
    return rows


def unpublish_month(month) -> None:
    """Remove MONTH's ranking publications (the bench database only), so the next publication
    does the whole work again. The ledger's append-only triggers are set aside for this one
    transaction, as bench/scale.py does for its copies; VACUUM then clears the dead rows."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "DELETE FROM points_rankingrow r USING points_rankingpublication p "
            "WHERE p.id = r.publication_id AND p.month = %s",
            [month],
        )
        cursor.execute("DELETE FROM points_rankingpublication WHERE month = %s", [month])
    # Each timed publication starts from tables without the dead rows of the last one.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE points_rankingrow, points_rankingpublication")


def measure_ranking(scale_name: str) -> list[Row]:
    """Closing last month: `ranking_publish` (every village of every town, one transaction,
    commit included) against `ranking_reference`, the same ranking as a plain SELECT."""
    from huaisi.periods import previous_month
    from points.services import ranking_publish, ranking_reference

    month = previous_month()
    say(f"{scale_name}: ranking publish for {month:%Y-%m} against its raw SQL, {REPEATS} times")
    published, reference, villages, ranked = [], [], 0, 0
    for _ in range(REPEATS):
        started = time.perf_counter()
        ranked = len(ranking_reference(month=month))
        reference.append((time.perf_counter() - started) * 1000)
        unpublish_month(month)
        started = time.perf_counter()
        villages = ranking_publish(month=month)
        published.append((time.perf_counter() - started) * 1000)
    unpublish_month(month)
    queries = harness.count_command_queries(lambda: ranking_publish(month=month))
    ref = harness.summarize(reference)
    return [
        Row(
            "ranking publish (every village)",
            scale_name,
            published,
            queries=queries,
            reference=f"raw SQL ({ranked} rows)",
            reference_ms=(ref["p50"], ref["p95"]),
            note=f"{villages} villages, {ranked} households ranked; the reference only "
            "SELECTs the ranking, publishing also writes it",
        )
    ]


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=20000, help="passed to seed_demo")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per path")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per path first")
    parser.add_argument("--seconds-per-row", type=float, default=60, help="time limit per row")
    parser.add_argument("--scale", choices=["town", "100x", "both"], default="both")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn sync workers")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    parser.add_argument(
        "--history",
        type=int,
        default=workorders.HISTORY,
        help="work orders the demo town is grown to for the last rows (1,000,000: the target)",
    )
    parser.add_argument(
        "--write-baseline",
        action="store_true",
        help="replace bench/baseline.json with this run's ratios",
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 0 or args.households < 0 or args.workers < 1:
        parser.error("--requests and --workers must be 1 or more, the others 0 or more")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    source_url = os.environ.get("DATABASE_URL")
    if not source_url or not os.environ.get("REDIS_URL"):
        print("DATABASE_URL and REDIS_URL are unset: run `make bench`.", file=sys.stderr)
        return 2
    started, load_before = time.monotonic(), os.getloadavg()
    db = harness.BenchDatabase(source_url)
    scales = ["town", "100x"] if args.scale == "both" else [args.scale]

    rows: list[Row] = []
    try:
        db.recreate()
        postgres = db.server_version()
        say(f"database {db.name} (re)created on PostgreSQL {postgres}; migrating")
        os.environ.update(harness.bench_environment(db.url))
        harness.manage("migrate", "--no-input", "-v", "0")
        harness.setup_django()
        from grids.management.commands.seed_demo import DEMO_TOWN_CODE

        say(f"town: seed_demo --households {args.households} (fresh)")
        fresh = harness.manage("seed_demo", "--households", str(args.households))
        copy_ref = harness.copy_reference(db, SEED_TABLES)
        rows += seed_rows(args, "town", copy_ref, fresh_ms=fresh)
        rows += imports.measure(db, DEMO_TOWN_CODE)
        startup = [harness.manage("seed_demo", "--if-empty") for _ in range(REPEATS)]
        rows.append(
            Row("seed_demo --if-empty", "town", startup,
                note="exits after one query: the process and Django start-up inside each seed row")
        )  # fmt: skip
        if "town" in scales:
            rows += measure_ranking("town")
            rows += measure_scale("town", args)
            rows += inspections.measure("town")
        if "100x" in scales:
            say(f"building 100x: {scale.TOWNS - 1} copies of the demo town")
            build_ms, written = scale.build(db, source=DEMO_TOWN_CODE)
            rows.append(
                Row(f"build 100x ({written} rows)", "100x", [build_ms],
                    note="bench/scale.py, set-based INSERT … SELECT and ANALYZE; no reference")
            )  # fmt: skip
            rows += seed_rows(args, "100x", copy_ref)
            rows += measure_ranking("100x")
            rows += measure_scale("100x", args)
        # Last: it grows the demo town to a million work orders (bench/workorders.py).
        rows += workorders.measure(db, args, DEMO_TOWN_CODE)
    except BaseException:
        # A run takes many minutes: keep what was measured before the step that failed.
        if rows:
            print(harness.format_table(rows))
            say("the run stopped early; the rows above were measured before it did")
        raise
    finally:
        from django.conf import settings
        from django.db import connections

        if settings.configured:
            connections.close_all()
        if args.drop:
            say(f"dropping {db.name}")
            db.drop()

    duration = time.monotonic() - started
    print()
    print(harness.format_table(rows))
    path = harness.write_json(
        rows,
        {
            "args": vars(args),
            "database": db.name,
            "postgres": postgres,
            "duration_s": duration,
            "loadavg_before": load_before,
        },
    )
    ratios = {baseline.row_key(row.scale, row.path): row.ratio for row in rows}
    print()
    print(baseline.format_changes(baseline.compare(ratios, baseline.load())))
    if args.write_baseline:
        meta = {"measured": time.strftime("%Y-%m-%d"), "args": vars(args), "postgres": postgres}
        baseline.save(ratios, meta)
        say(f"baseline written: {baseline.BASELINE.relative_to(harness.BASE_DIR)}")
    say(f"load average {load_before} before, {os.getloadavg()} after")
    say(f"whole run {duration:.0f} s; results in {path.relative_to(harness.BASE_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
