"""The load test: many visitors at once on the kiosk, the dispatch board and the dashboard.

    python -m huaisi.devstack exec .venv/bin/python -m bench.load [--households N]
        [--users 20] [--spawn-rate 5] [--run-time 60s] [--workers N]

Uses `<db>_bench` next to DATABASE_URL's database (the one `python -m bench` builds) when it
exists, else creates it; migrates it and seeds the demo town with `seed_demo --if-empty
--households N` (an existing town is left as it is). Serves the project with gunicorn on a
free loopback port (harness.gunicorn, bench.settings) and runs locust headless against it
(bench/locustfile.py), bounded by --run-time. Prints p50/p95/p99, requests and errors per
endpoint and writes them to bench/results/load-<timestamp>.json. Nothing leaves 127.0.0.1.

    python -m huaisi.devstack exec .venv/bin/python -m bench.load --url http://127.0.0.1:8000

loads the site `make run` is serving instead (its own gunicorn, database and Redis), as a town's
one server would be loaded: the figure the README quotes.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import harness
from .harness import say

DEMO_PASSWORD = "huaisi-demo"
KIOSK_ACCOUNTS = 50  # distinct passbooks the kiosk visitors sign in with
COLUMNS = ["endpoint", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s"]


def ensure_database(db: harness.BenchDatabase, households: int) -> bool:
    """Create `<db>_bench` if missing; migrate and seed it. Returns whether it existed."""
    with db.connect(own=False, autocommit=True) as conn:
        existed = bool(
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db.name]).fetchone()
        )
        if not existed:
            conn.execute(f'CREATE DATABASE "{db.name}"')
    os.environ.update(harness.bench_environment(db.url))
    harness.manage("migrate", "--no-input", "-v", "0")
    harness.manage("seed_demo", "--if-empty", "--households", str(households))
    return existed


def kiosk_accounts() -> list[tuple[int, str]]:
    """Passbooks of signed households of the demo town, for the kiosk visitors."""
    from grids.management.commands.seed_demo import DEMO_TOWN_CODE
    from points.models import PointsAccount

    accounts = (
        PointsAccount.objects.filter(
            village__town__code=DEMO_TOWN_CODE, household__pact_signed_on__isnull=False
        )
        .exclude(pin_hash="")
        .order_by("pk")
        .values_list("village_id", "passbook_number")[:KIOSK_ACCOUNTS]
    )
    return list(accounts)


def run_locust(host: str, args, accounts, csv_prefix: Path) -> None:
    from points.demo import DEMO_PIN

    env = {
        **os.environ,
        "LOAD_KIOSK_ACCOUNTS": json.dumps(accounts),
        "LOAD_PASSWORD": DEMO_PASSWORD,
        "LOAD_PIN": DEMO_PIN,
    }
    command = [
        harness.PY, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")),
        "--headless", "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.run_time,
        "--host", host, "--csv", str(csv_prefix), "--only-summary",
        "--loglevel", "WARNING", "--stop-timeout", "10",
    ]  # fmt: skip
    say(f"locust: {args.users} users, +{args.spawn_rate}/s, for {args.run_time}")
    done = subprocess.run(command, cwd=harness.BASE_DIR, env=env, capture_output=True, text=True)
    # Locust exits 1 when any request failed: the table reports those; anything else is fatal.
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise RuntimeError(f"locust exited with code {done.returncode}")


def read_stats(csv_prefix: Path) -> tuple[list[dict], list[dict]]:
    """Per-endpoint figures from locust's CSV, and the failures by endpoint and reason."""
    rows = []
    with open(f"{csv_prefix}_stats.csv", newline="") as stats:
        for line in csv.DictReader(stats):
            rows.append({
                "endpoint": line["Name"] if line["Type"] else "all",
                "method": line["Type"],
                "requests": int(line["Request Count"]),
                "errors": int(line["Failure Count"]),
                "p50_ms": float(line["50%"]),
                "p95_ms": float(line["95%"]),
                "p99_ms": float(line["99%"]),
                "max_ms": float(line["Max Response Time"]),
                "rps": float(line["Requests/s"]),
            })  # fmt: skip
    with open(f"{csv_prefix}_failures.csv", newline="") as failures:
        errors = [
            {"endpoint": line["Name"], "error": line["Error"], "count": int(line["Occurrences"])}
            for line in csv.DictReader(failures)
        ]
    return rows, errors


def format_table(rows: list[dict]) -> str:
    lines = [COLUMNS] + [
        [r["endpoint"], str(r["requests"]), str(r["errors"]), f"{r['p50_ms']:.0f}",
         f"{r['p95_ms']:.0f}", f"{r['p99_ms']:.0f}", f"{r['max_ms']:.0f}", f"{r['rps']:.1f}"]
        for r in rows
    ]  # fmt: skip
    widths = [max(harness._width(line[i]) for line in lines) for i in range(len(COLUMNS))]
    out = [
        " | ".join(
            harness._pad(c, w, i > 0) for i, (c, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    ]
    out.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(out)


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--households", type=int, default=20000, help="seed_demo size if seeding")
    parser.add_argument("--users", type=int, default=20, help="concurrent locust users")
    parser.add_argument("--spawn-rate", type=float, default=5, help="users started per second")
    parser.add_argument("--run-time", default="60s", help="how long the load lasts (locust -t)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument(
        "--url",
        help="load a site that is already running on this machine (`make run`: "
        "http://127.0.0.1:8000) instead of a gunicorn of the bench's own; its database is the "
        "one DATABASE_URL names, as `huaisi.devstack exec` sets it",
    )
    args = parser.parse_args(argv)
    if args.url and not args.url.startswith(("http://127.0.0.1:", "http://localhost:")):
        parser.error("--url must be a loopback address (http://127.0.0.1:PORT)")
    if args.users < 1 or args.spawn_rate <= 0 or args.workers < 1 or args.households < 0:
        parser.error("--users, --spawn-rate and --workers must be positive, --households 0 or more")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    source_url = os.environ.get("DATABASE_URL")
    if not source_url or not os.environ.get("REDIS_URL"):
        print(
            "DATABASE_URL and REDIS_URL are unset: run it under huaisi.devstack exec.",
            file=sys.stderr,
        )
        return 2
    if args.url:
        return load_running_site(args)
    db = harness.BenchDatabase(source_url)
    existed = ensure_database(db, args.households)
    say(
        f"database {db.name} ({'reused' if existed else 'created'}); {args.workers} gunicorn workers"
    )
    harness.setup_django()
    accounts = kiosk_accounts()
    if not accounts:
        raise RuntimeError("the bench database has no demo passbooks: seed it with households")
    from django.db import connections

    connections.close_all()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch:
        prefix = Path(scratch) / "load"
        with harness.gunicorn(workers=args.workers) as port:
            run_locust(f"http://127.0.0.1:{port}", args, accounts, prefix)
        rows, errors = read_stats(prefix)
    return report(args, db.name, rows, errors)


def load_running_site(args) -> int:
    """The load on a site served by someone else (`make run`), on its own database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huaisi.settings")
    django.setup()
    accounts = kiosk_accounts()
    if not accounts:
        raise RuntimeError("the site's database has no demo passbooks (seed_demo)")
    from django.db import connection, connections

    database = connection.settings_dict["NAME"]
    connections.close_all()
    say(f"loading the running site at {args.url} (database {database})")
    with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch:
        prefix = Path(scratch) / "load"
        run_locust(args.url.rstrip("/"), args, accounts, prefix)
        rows, errors = read_stats(prefix)
    return report(args, database, rows, errors)


def report(args, database: str, rows: list[dict], errors: list[dict]) -> int:
    print()
    print(format_table(rows))
    for failure in errors:
        print(f"  error: {failure['endpoint']}: {failure['error']} × {failure['count']}")
    harness.RESULTS_DIR.mkdir(exist_ok=True)
    path = harness.RESULTS_DIR / f"load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(
        json.dumps(
            {"args": vars(args), "database": database, "loadavg": os.getloadavg(),
             "endpoints": rows, "errors": errors},
            ensure_ascii=False, indent=2,
        )
    )  # fmt: skip
    say(f"results in {path.relative_to(harness.BASE_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
