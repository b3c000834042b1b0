"""Fixtures shared by every test: a small town with one user per role.

The town: two villages (V1, V2), each with two grids, each grid with two micro-grids, and two
departments. Each `role_user` fixture holds one role in V1 / its first grid / that grid's first
micro-grid / the first department; `other_*` users hold the same roles on the V2 side.
"""

import datetime
import zlib

import pytest
from django.contrib.auth import get_user_model

from grids.models import Department, Grid, MicroGrid, Town, Village
from huaisi.roles import RoleKind
from huaisi.services import role_assign

PASSWORD = "correct-horse-battery"


def pytest_addoption(parser):
    parser.addoption(
        "--at",
        metavar="INSTANT[,INSTANT...]",
        help="run every test as if the clock read INSTANT (ISO 8601 with an offset, e.g. "
        "2026-12-31T23:59+08:00), ticking on from there; `make test-instants` uses it to show "
        "that no test depends on the hour, the weekday, a holiday or the month it runs in. "
        "Given several, comma-separated, each test runs at one of them, chosen from its id and "
        "--at-rotation, so one pass of the suite meets every instant (`make test-instants-ci`)",
    )
    parser.addoption(
        "--at-rotation",
        type=int,
        default=None,
        metavar="N",
        help="with several --at instants, shifts which test meets which instant; by default "
        "the day's ordinal, so four days of CI put every test at every instant",
    )


def _instants(config):
    given = config.getoption("--at") or ""
    instants = []
    for text in filter(None, (part.strip() for part in given.split(","))):
        moment = datetime.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise pytest.UsageError("--at needs an offset, e.g. 2026-12-31T23:59+08:00")
        instants.append(moment)
    return instants


def pytest_configure(config):
    config._huaisi_instants = _instants(config)
    rotation = config.getoption("--at-rotation")
    # Read once, before any test moves the clock, so a run's choice does not drift.
    config._huaisi_rotation = datetime.date.today().toordinal() if rotation is None else rotation


def pytest_report_header(config):
    instants = config._huaisi_instants
    if len(instants) > 1:
        return (
            f"each test at one of {len(instants)} instants, rotation {config._huaisi_rotation} "
            "(repeat a run with --at-rotation; a failure names its instant)"
        )
    if instants:
        return f"every test at {instants[0].isoformat()}"
    return None


def instant_for(nodeid, instants, rotation):
    """The instant a test meets when the suite runs once across several (stable for a run)."""
    return instants[(zlib.crc32(nodeid.encode()) + rotation) % len(instants)]


@pytest.fixture(autouse=True)
def _clock_at_instant(request):
    instants = request.config._huaisi_instants
    if not instants:
        yield
        return
    import time_machine

    moment = instant_for(request.node.nodeid, instants, request.config._huaisi_rotation)
    # Shown beside a failure, so it can be run again alone with --at.
    request.node.add_report_section("setup", "instant", f"--at {moment.isoformat()}")
    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture(autouse=True)
def _holiday_calendar_cached(request):
    """The holiday calendar (workcalendar.selectors) is cached in the process and in Redis.
    A database test gets it loaded from the committed tables before it starts, so no query
    count includes it; after a test that changed it (then rolled back) the caches start anew."""
    from workcalendar import selectors

    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "django_db_setup",
    } & set(request.fixturenames)
    if uses_db:
        request.getfixturevalue("django_db_setup")
        with request.getfixturevalue("django_db_blocker").unblock():
            selectors.calendar_current()
    yield
    if selectors.calendar_changed_in_process():
        selectors.calendar_reset_for_tests(test_ended=True)


# Apps whose tests assert service messages in their English source text; the others' assert
# the Chinese a clerk reads. Pages set their own language per request either way, and the
# Chinese catalogue is checked by tests/test_i18n.py.
ENGLISH_MESSAGE_APPS = ("points", "tickets", "volunteers")


@pytest.fixture(autouse=True)
def _english_messages(request):
    if request.node.path.relative_to(request.config.rootpath).parts[0] not in ENGLISH_MESSAGE_APPS:
        yield
        return
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Production's PBKDF2 takes ~0.5 s a user; tests make dozens of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _login_failures_per_test(settings):
    # Failed log-ins are counted in the shared Redis (huaisi.auth); a namespace per test keeps
    # one test's wrong passwords, or a previous run's, from locking another test's user out.
    import uuid

    settings.LOGIN_THROTTLE_NAMESPACE = f"test-login-failures:{uuid.uuid4().hex}"


@pytest.fixture
def town(db):
    town = Town.objects.create(code="T1", name="测试镇")
    for v in (1, 2):
        village = Village.objects.create(town=town, code=f"V{v}", name=f"第{v}村")
        for g in (1, 2):
            grid = Grid.objects.create(village=village, code=f"V{v}G{g}", name=f"第{v}村第{g}网格")
            for m in (1, 2):
                MicroGrid.objects.create(
                    grid=grid, code=f"V{v}G{g}M{m}", name=f"{grid.name}第{m}微网格"
                )
    for d in (1, 2):
        Department.objects.create(town=town, code=f"D{d}", name=f"第{d}局")
    return town


@pytest.fixture
def area(town):
    """Named handles on the test town's areas."""

    class Area:
        v1 = Village.objects.get(code="V1")
        v2 = Village.objects.get(code="V2")
        g11 = Grid.objects.get(code="V1G1")
        g12 = Grid.objects.get(code="V1G2")
        g21 = Grid.objects.get(code="V2G1")
        m111 = MicroGrid.objects.get(code="V1G1M1")
        m112 = MicroGrid.objects.get(code="V1G1M2")
        m211 = MicroGrid.objects.get(code="V2G1M1")
        d1 = Department.objects.get(code="D1")
        d2 = Department.objects.get(code="D2")

    Area.town = town
    return Area


def make_user(username: str, *, kind: str | None = None, scope=None, **extra):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    if kind is not None:
        role_assign(user=user, kind=kind, scope=scope, starts_on=datetime.date(2025, 1, 1))
    return user


def _scope_for(kind: str, area, side: int):
    v, g, m, d = (
        (area.v1, area.g11, area.m111, area.d1)
        if side == 1
        else (area.v2, area.g21, area.m211, area.d2)
    )
    return {
        RoleKind.TOWN_ADMIN: area.town,
        RoleKind.COMMAND_CENTRE: area.town,
        RoleKind.SUPERVISOR: area.town,
        RoleKind.DEPARTMENT_HANDLER: d,
        RoleKind.VILLAGE_CLERK: v,
        RoleKind.ASSESSOR: v,
        RoleKind.GRID_LEADER: g,
        RoleKind.MICROGRID_WORKER: m,
        RoleKind.VOLUNTEER_LEADER: v,
    }[kind]


@pytest.fixture
def role_users(area):
    """{kind: user} with each role on the V1 side of the test town."""
    return {
        kind: make_user(f"u_{kind}", kind=kind, scope=_scope_for(kind, area, 1))
        for kind in RoleKind.values
    }


@pytest.fixture
def other_role_users(area):
    """{kind: user} with each area-scoped role on the V2 side."""
    return {
        kind: make_user(f"o_{kind}", kind=kind, scope=_scope_for(kind, area, 2))
        for kind in RoleKind.values
    }


@pytest.fixture
def user_without_role(db):
    return make_user("no_role")


# --- A real Celery worker --------------------------------------------------------------------


def _database_url_for_worker() -> str:
    from django.db import connection

    from huaisi.dburl import database_url

    return database_url(connection.settings_dict["NAME"])


class WorkerProcess:
    """A `celery worker` subprocess on the test database, the test queue and the test Redis."""

    def __init__(self, log_path):
        import os
        import subprocess
        import sys
        import uuid

        from django.conf import settings

        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.log_path = log_path
        env = {**os.environ, "DATABASE_URL": _database_url_for_worker()}
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "huaisi",
                "worker",
                "-l",
                "INFO",
                "--concurrency",
                "1",
                "--pool",
                "prefork",
                "-n",
                self.name,
                "-Q",
                settings.CELERY_TASK_DEFAULT_QUEUE,
                "--without-gossip",
                "--without-mingle",
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        import time

        from huaisi.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited early:\n{self.log()}")
            if app.control.ping(destination=[self.name], timeout=0.5):
                return
        raise RuntimeError(f"celery worker did not answer within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()

    def kill(self) -> None:
        """Kill the worker hard, as a crash would."""
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except Exception:
                self.process.kill()
        self._log.close()


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """A real worker process. Tests using it run without a wrapping transaction, so the
    worker (another process) sees the rows the test wrote."""
    worker = WorkerProcess(tmp_path / "celery-worker.log")
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()
