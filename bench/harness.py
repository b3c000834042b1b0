"""Reusable pieces of the benchmark: the bench database, timed commands, the gunicorn server,
a keep-alive HTTP client, interleaved timing, in-process query counts, and the result table.

Nothing here knows which pages or tables the project has; `bench/__main__.py` lists those.
Everything talks only to 127.0.0.1 (the server) and to the PostgreSQL of DATABASE_URL.
"""

import http.client
import http.cookies
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlencode, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
PY = sys.executable


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- The bench database -------------------------------------------------------------------


class BenchDatabase:
    """`<name>_bench` on the server of DATABASE_URL; the only database the bench creates or drops."""

    def __init__(self, source_url: str):
        import environ

        self.source_url = source_url
        config = environ.Env.db_url_config(source_url)
        self.source_name = str(config["NAME"])
        self.name = f"{self.source_name}_bench"
        self.url = urlsplit(source_url)._replace(path="/" + self.name).geturl()
        self._params = {
            "host": unquote(str(config.get("HOST") or "")) or None,
            "port": config.get("PORT") or None,
            "user": config.get("USER") or None,
            "password": config.get("PASSWORD") or None,
            **{k: v for k, v in config.get("OPTIONS", {}).items() if isinstance(v, str | int)},
        }

    def connect(self, *, own: bool = True, autocommit: bool = False):
        import psycopg

        # Administration goes through the maintenance database, which every server has (the
        # configured one need not exist: tests only create test_<name>).
        dbname = self.name if own else "postgres"
        params = {k: v for k, v in self._params.items() if v is not None}
        return psycopg.connect(dbname=dbname, autocommit=autocommit, **params)

    def _admin(self, sql: str) -> None:
        # CREATE/DROP DATABASE run from the maintenance database, never inside the bench one.
        assert self.name.endswith("_bench") and self.name != self.source_name
        with self.connect(own=False, autocommit=True) as conn:
            conn.execute(sql)

    def recreate(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def server_version(self) -> str:
        with self.connect() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]


def bench_environment(database_url: str) -> dict[str, str]:
    """Production-like settings for the measured server (and for this process's Django)."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-" + "b" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_MANIFEST": "false",
        "SECURE_SSL_REDIRECT": "false",
        "CACHE_KEY_PREFIX": "huaisi-bench",
        "CELERY_QUEUE": "huaisi-bench",
        "LOG_LEVEL": "WARNING",
    }


def setup_django() -> None:
    """Configure Django in this process (after `bench_environment` is in os.environ)."""
    import django

    # No collectstatic for the bench: WhiteNoise reads the source folders (STATIC_MANIFEST=false).
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


def manage(*args: str, timeout: float = 1800) -> float:
    """Run `manage.py ARGS` in a subprocess with this environment; return its wall time in ms."""
    started = time.perf_counter()
    done = subprocess.run(
        [PY, "manage.py", *args], cwd=BASE_DIR, capture_output=True, text=True, timeout=timeout
    )
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise RuntimeError(f"manage.py {' '.join(args)} failed with code {done.returncode}")
    return elapsed


def copy_reference(
    db: BenchDatabase, tables: list[str], *, repeats: int = 3
) -> tuple[list[float], int]:
    """Time PostgreSQL COPY of the rows now in TABLES into empty copies of those tables (same
    columns, constraints and indexes, no foreign keys), one transaction, commit included.
    Returns the samples in ms and the number of rows copied."""
    with db.connect() as conn:
        data = {}
        for table in tables:
            buffer = bytearray()
            with conn.cursor().copy(f'COPY "{table}" TO STDOUT') as copy:
                for chunk in copy:
                    buffer += chunk
            data[table] = bytes(buffer)
        rows = sum(blob.count(b"\n") for blob in data.values())
        conn.execute("DROP SCHEMA IF EXISTS bench_ref CASCADE")
        conn.execute("CREATE SCHEMA bench_ref")
        for table in tables:
            conn.execute(f'CREATE TABLE bench_ref."{table}" (LIKE public."{table}" INCLUDING ALL)')
        conn.commit()
        samples = []
        for _ in range(repeats):
            conn.execute(", ".join(f'bench_ref."{t}"' for t in tables).join(["TRUNCATE ", ""]))
            conn.commit()
            started = time.perf_counter()
            for table in tables:
                with conn.cursor().copy(f'COPY bench_ref."{table}" FROM STDIN') as copy:
                    copy.write(data[table])
            conn.commit()
            samples.append((time.perf_counter() - started) * 1000)
        conn.execute("DROP SCHEMA bench_ref CASCADE")
        conn.commit()
    return samples, rows


# --- The server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(*, workers: int = 1, ready_path: str = "/bench/floor") -> Iterator[int]:
    """Serve huaisi.wsgi (with bench.settings from the environment) on a free loopback port
    with WORKERS sync workers; yield the port; stop the server on the way out."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    command = [
        PY, "-m", "gunicorn", "huaisi.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync",
        "--timeout", "60", "--log-level", "warning", "--chdir", str(BASE_DIR),
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with code {server.returncode}")
            try:
                if HttpClient(port).get(ready_path).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 60 s")
            time.sleep(0.2)
        say(f"gunicorn pid {server.pid} on 127.0.0.1:{port}, {workers} sync worker(s)")
        yield port
    except BaseException:
        log.flush()
        sys.stderr.write(Path(log.name).read_text(errors="replace")[-4000:])
        raise
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()
        os.unlink(log.name)


# --- The HTTP client -----------------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: bytes
    location: str


class HttpClient:
    """One browser: a keep-alive connection to 127.0.0.1 and a cookie jar.

    gunicorn's sync worker closes every connection after its response, so there each request
    opens a new loopback connection; http.client reconnects by itself. Cookies marked Secure
    are sent anyway (the server runs without TLS, as behind a TLS-terminating proxy).
    """

    def __init__(self, port: int, timeout: float = 10):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers=None) -> Response:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=headers)
            raw = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.conn.close()  # the server closed an idle connection: retry once on a new one
            self.conn.request(method, path, body=body, headers=headers)
            raw = self.conn.getresponse()
        data = raw.read()
        for header in raw.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return Response(raw.status, data, raw.headers.get("Location", ""))

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def login(self, username: str, password: str, login_path: str = "/accounts/login/") -> None:
        """Log in as a person would: fetch the form, post it back with its CSRF token."""
        form = self.get(login_path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
        if form.status != 200 or not match:
            raise RuntimeError(f"no login form at {login_path} (status {form.status})")
        body = urlencode(
            {"csrfmiddlewaretoken": match[1].decode(), "username": username, "password": password}
        ).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = self.request("POST", login_path, body=body, headers=headers)
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"log-in as {username} failed (status {answer.status})")


# --- Timing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One row to time: LABEL shown in the table, PATH fetched with CLIENT, expecting STATUS."""

    label: str
    path: str
    client: HttpClient
    status: int = 200


def time_interleaved(
    targets: list[Target], *, requests: int, warmup: int, seconds_per_row: float
) -> dict[str, list[float]]:
    """Time each target REQUESTS times (after WARMUP untimed requests), one request to each in
    turn, so a burst of noise on a shared machine hits every row alike. Stops early when the
    loop has run SECONDS_PER_ROW × len(targets) seconds. Returns latencies in ms by label."""
    samples: dict[str, list[float]] = {t.label: [] for t in targets}
    deadline = time.monotonic() + seconds_per_row * len(targets)
    for round_number in range(warmup + requests):
        if time.monotonic() > deadline:
            say(f"time limit reached after {round_number - warmup} timed rounds")
            break
        for target in targets:
            started = time.perf_counter()
            response = target.client.get(target.path)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != target.status:
                raise RuntimeError(
                    f"{target.label}: status {response.status} (expected {target.status}) "
                    f"{response.location} {response.body[:200]!r}"
                )
            if round_number >= warmup:
                samples[target.label].append(elapsed)
    return samples


def count_queries(path: str, *, username: str | None = None) -> int:
    """SQL queries of one GET of PATH, in this process with Django's test client, against the
    bench database (the second request is counted, so one-off start-up work is not)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: status {response.status_code} in the test client")
    return len(captured.captured_queries)


def count_command_queries(command: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        command()
    return len(captured.captured_queries)


# --- Results -------------------------------------------------------------------------------


@dataclass
class Row:
    path: str
    scale: str
    samples_ms: list[float]
    reference: str = ""  # what the reference is ("floor", "COPY 1234 rows")
    reference_ms: tuple[float, float] | None = None  # its p50 and p95
    queries: int | None = None
    note: str = ""
    stats: dict = field(init=False)

    def __post_init__(self):
        self.stats = summarize(self.samples_ms)

    @property
    def ratio(self) -> float | None:
        if not self.reference_ms or not self.reference_ms[1]:
            return None
        return self.stats["p95"] / self.reference_ms[1]


def summarize(samples: list[float]) -> dict:
    if not samples:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "mean": float("nan")}
    p95 = (
        samples[0]
        if len(samples) == 1
        else statistics.quantiles(samples, n=20, method="inclusive")[18]
    )
    return {
        "n": len(samples),
        "p50": statistics.median(samples),
        "p95": p95,
        "mean": statistics.fmean(samples),
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, right: bool) -> str:
    space = " " * (width - _width(text))
    return space + text if right else text + space


def format_table(rows: list[Row]) -> str:
    head = [
        "path",
        "scale",
        "n",
        "p50 ms",
        "p95 ms",
        "mean ms",
        "reference p50/p95 ms",
        "ratio",
        "SQL",
    ]
    lines = [head]
    for row in rows:
        s, ref = row.stats, row.reference_ms
        lines.append([
            row.path, row.scale, str(s["n"]),
            f"{s['p50']:.2f}", f"{s['p95']:.2f}", f"{s['mean']:.2f}",
            f"{row.reference} {ref[0]:.2f}/{ref[1]:.2f}" if ref else row.reference or "—",
            f"{row.ratio:.1f}×" if row.ratio is not None else "—",
            "—" if row.queries is None else str(row.queries),
        ])  # fmt: skip
    widths = [max(_width(line[i]) for line in lines) for i in range(len(head))]
    right = [False, False, True, True, True, True, False, True, True]
    out = [
        " | ".join(_pad(c, w, r) for c, w, r in zip(line, widths, right, strict=True))
        for line in lines
    ]
    out.insert(1, "-+-".join("-" * w for w in widths))
    notes = [f"  [{i}] {row.path}: {row.note}" for i, row in enumerate(rows, 1) if row.note]
    return "\n".join(out + (["notes:", *notes] if notes else []))


def write_json(rows: list[Row], meta: dict) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    payload = {
        **meta,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg": os.getloadavg(),
        },
        "rows": [{**asdict(row), "ratio": row.ratio} for row in rows],
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    return path
