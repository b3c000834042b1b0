"""The deployment files (Dockerfile, docker-compose.yml) agree with huaisi/settings.py.

Docker does not run here, so these tests read the files and check what a broken deployment
would get wrong: a missing service or variable, a root container, a build step left out.
They also run the settings module in a subprocess to show that it refuses bad production
configuration. No database is needed.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SETTINGS = REPO / "huaisi" / "settings.py"
DOCKERFILE = REPO / "Dockerfile"
COMPOSE = REPO / "docker-compose.yml"

APP_SERVICES = ("web", "worker", "beat", "migrate")
REQUIRED_IN_PRODUCTION = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}

# Variables settings.py reads that docker-compose.yml may leave unset, because their default
# is right in production. A new variable in settings.py must be passed in docker-compose.yml
# or listed here with its reason.
DEFAULT_IS_RIGHT = {
    "DB_CONN_MAX_AGE": "60 s persistent connections suit gunicorn's sync workers",
    "CACHE_KEY_PREFIX": "one site per Redis database; web and worker must share the prefix",
    "SESSION_COOKIE_AGE": "12 hours, a product decision",
    "STATIC_ROOT": "collectstatic filled the default path at build time; changing it breaks that",
    "STATIC_MANIFEST": "defaults to true without DEBUG, which the image's collectstatic built",
    "MEDIA_URL": "/media/ is the product default",
    "SECURE_HSTS_SECONDS": "one year without DEBUG",
    "CELERY_QUEUE": "web, worker and beat must agree on it, which the default guarantees",
    "HUAISI_LOCALE_DIR": "for the catalogue test only; the image compiled /app/locale",
    "HEALTHZ_CELERY_TIMEOUT_MS": "1.5 s is long enough for a worker on the same network",
    "SECURE_HSTS_PRELOAD": "opt-in: preloading is the domain owner's decision",
    "DB_PREPARED_STATEMENTS": "compose connects straight to postgres, where they are safe",
    "DB_PREPARE_THRESHOLD": "prepare a statement on its second run in a connection",
    "DB_JIT": "off: the JIT compiler costs pages more than it saves",
    "TRUSTED_PROXIES": "compose publishes gunicorn itself; behind a load balancer set 1",
    "HTTPS": "true without DEBUG: production is reached over TLS; false only for `make run`",
    "REPORT_FONT_PATH": "the image installs fonts-noto-cjk, whose font is the default path",
}

# Stand-ins for what the operator must supply, used to expand ${VAR:?...} references.
OPERATOR_VALUES = {
    "POSTGRES_PASSWORD": "example-password-0123456789abcdef",
    "SECRET_KEY": "example-secret-key-" + "k" * 40,
}

SETTINGS_READ = re.compile(r"""\benv(?:_[a-z]+|\.[a-z_]+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def settings_variables() -> set[str]:
    return set(SETTINGS_READ.findall(SETTINGS.read_text(encoding="utf-8")))


def load_compose() -> dict:
    assert COMPOSE.is_file(), f"{COMPOSE.name} is missing from the repository root"
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def service(name: str) -> dict:
    services = load_compose().get("services") or {}
    assert name in services, (
        f"docker-compose.yml has no `{name}` service; it has: {', '.join(sorted(services))}"
    )
    return services[name]


def environment(name: str) -> dict[str, str]:
    env = service(name).get("environment") or {}
    if isinstance(env, list):  # the `- KEY=value` form
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def command(name: str) -> str:
    cmd = service(name).get("command") or ""
    return " ".join(cmd) if isinstance(cmd, list) else str(cmd)


_REFERENCE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def expand(value: str, given: dict[str, str]) -> str:
    """Expand compose's ${VAR}, ${VAR:-default} and ${VAR:?error} as `docker compose` would."""

    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, word = match.groups()
        if name in given:
            return given[name]
        if operator in (":-", "-"):
            return word
        assert operator not in (":?", "?"), f"compose would refuse to start: ${name} is unset"
        return ""

    return _REFERENCE.sub(one, value)


def run_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    """Import the settings (django.setup()) in a fresh interpreter with only `env` set."""
    clean = {k: v for k, v in os.environ.items() if k not in settings_variables()}
    clean.update(env, DJANGO_SETTINGS_MODULE="huaisi.settings")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def refusal(result: subprocess.CompletedProcess) -> str:
    """The last stderr line, which names the exception when the settings refuse to load."""
    lines = result.stderr.strip().splitlines()
    return lines[-1] if lines else ""


PRODUCTION_LIKE = {
    "DEBUG": "false",
    "SECRET_KEY": "test-secret-" + "s" * 40,
    "ALLOWED_HOSTS": "grid.example.org",
    "DATABASE_URL": "postgres://huaisi:pw@db.invalid:5432/huaisi",
    "REDIS_URL": "redis://redis.invalid:6379/0",
}


# --- docker-compose.yml -------------------------------------------------------------------


def test_compose_has_every_service():
    services = load_compose().get("services") or {}
    missing = {"postgres", "redis", *APP_SERVICES} - set(services)
    assert not missing, f"docker-compose.yml lacks the service(s) {sorted(missing)}"
    assert str(service("postgres").get("image", "")).startswith("postgres:16"), (
        "the `postgres` service should use the postgres:16 image, the version the project targets"
    )
    assert str(service("redis").get("image", "")).startswith("redis:7"), (
        "the `redis` service should use the redis:7 image"
    )


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_build_from_the_project_dockerfile(name):
    build = service(name).get("build")
    assert build is not None, f"`{name}` must be built from this repository (`build: .`)"
    context, dockerfile = (
        (build, "Dockerfile")
        if isinstance(build, str)
        else (
            build.get("context", "."),
            build.get("dockerfile", "Dockerfile"),
        )
    )
    assert context in (".", "./"), f"`{name}` builds from {context!r}; the context must be '.'"
    assert (REPO / dockerfile).is_file(), f"`{name}` names {dockerfile!r}, which does not exist"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_get_the_production_environment(name):
    env = environment(name)
    for key in (*sorted(REQUIRED_IN_PRODUCTION), "MEDIA_ROOT"):
        assert env.get(key, "").strip(), (
            f"`{name}` gets no {key}; settings.py needs it in production (put it in x-app)"
        )
    assert env["DEBUG"].strip().lower() == "false", (
        f"`{name}` runs with DEBUG={env['DEBUG']!r}; production must say DEBUG=false"
    )
    media_mounts = [v for v in service(name).get("volumes") or [] if str(v).startswith("media:")]
    assert any(str(v).split(":")[1] == env["MEDIA_ROOT"] for v in media_mounts), (
        f"`{name}` writes uploads to MEDIA_ROOT={env['MEDIA_ROOT']}, which is not the shared "
        "`media` volume, so web and worker would not see each other's files"
    )


@pytest.mark.parametrize("name", APP_SERVICES)
def test_secrets_are_not_given_defaults(name):
    secret_key = environment(name)["SECRET_KEY"]
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]*\}", secret_key), (
        f"`{name}` sets SECRET_KEY to {secret_key!r}; use ${{SECRET_KEY:?...}} so compose "
        "refuses to start without a real key instead of running with a known one"
    )
    for service_name in (name, "postgres"):
        for key, value in environment(service_name).items():
            if "POSTGRES_PASSWORD" in value:
                assert "${POSTGRES_PASSWORD:?" in value, (
                    f"`{service_name}` {key} gives POSTGRES_PASSWORD a default or no check; "
                    "use ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
                )


def test_app_urls_point_at_the_compose_services():
    env = {k: expand(v, OPERATOR_VALUES) for k, v in environment("web").items()}
    postgres = {k: expand(v, OPERATOR_VALUES) for k, v in environment("postgres").items()}
    db = urlsplit(env["DATABASE_URL"])
    assert (db.hostname, db.port) == ("postgres", 5432), (
        f"DATABASE_URL points at {db.hostname}:{db.port}, not the `postgres` service (postgres:5432)"
    )
    assert db.username == postgres.get("POSTGRES_USER", "postgres"), (
        "DATABASE_URL's user differs from the postgres service's POSTGRES_USER"
    )
    assert db.password == postgres["POSTGRES_PASSWORD"], (
        "DATABASE_URL's password differs from the postgres service's POSTGRES_PASSWORD"
    )
    assert db.path.lstrip("/") == postgres.get("POSTGRES_DB"), (
        "DATABASE_URL's database name differs from the postgres service's POSTGRES_DB"
    )
    assert urlsplit(env["REDIS_URL"]).hostname == "redis", (
        f"REDIS_URL={env['REDIS_URL']} does not point at the `redis` service"
    )


def test_every_settings_variable_is_passed_or_safe_to_leave_at_its_default():
    found = settings_variables()
    assert found >= REQUIRED_IN_PRODUCTION, (
        "the scan of settings.py for env(...) calls missed "
        f"{sorted(REQUIRED_IN_PRODUCTION - found)}: the SETTINGS_READ pattern needs updating"
    )
    stale = set(DEFAULT_IS_RIGHT) - found
    assert not stale, f"DEFAULT_IS_RIGHT lists {sorted(stale)}, which settings.py no longer reads"
    for name in ("web", "worker", "beat", "migrate"):
        missing = found - set(environment(name)) - set(DEFAULT_IS_RIGHT)
        assert not missing, (
            f"settings.py reads {sorted(missing)}, which docker-compose.yml does not pass to "
            f"`{name}`. Add them to the x-app environment, or, if the default is right in "
            "production, to DEFAULT_IS_RIGHT in this test with the reason"
        )


def test_compose_environment_makes_settings_load():
    env = {k: expand(v, OPERATOR_VALUES) for k, v in environment("web").items()}
    result = run_settings(env)
    assert result.returncode == 0, (
        "settings.py refuses the environment docker-compose.yml gives `web` "
        f"(with POSTGRES_PASSWORD and SECRET_KEY filled in): {refusal(result)}"
    )


def test_worker_and_beat_run_celery():
    assert re.search(r"\bcelery\s+-A\s+huaisi\s+worker\b", command("worker")), (
        f"the worker should run `celery -A huaisi worker`, not {command('worker')!r}"
    )
    assert re.search(r"\bcelery\s+-A\s+huaisi\s+beat\b", command("beat")), (
        f"beat should run `celery -A huaisi beat`, not {command('beat')!r}"
    )
    assert "gunicorn huaisi.wsgi" in command("web"), (
        f"web should run gunicorn huaisi.wsgi:application, not {command('web')!r}"
    )
    assert "migrate" in command("migrate"), "the `migrate` service should run manage.py migrate"


def test_web_waits_for_healthy_services_and_migrations():
    depends_on = service("web").get("depends_on") or {}
    assert isinstance(depends_on, dict), (
        "web's depends_on must use the long form with `condition:`; the list form does not "
        "wait for health"
    )
    for name, condition in (
        ("postgres", "service_healthy"),
        ("redis", "service_healthy"),
        ("migrate", "service_completed_successfully"),
    ):
        got = (depends_on.get(name) or {}).get("condition")
        assert got == condition, f"web should wait for {name} with condition {condition}, not {got}"
    for name, probe in (("postgres", "pg_isready"), ("redis", "redis-cli")):
        test = (service(name).get("healthcheck") or {}).get("test") or []
        test = " ".join(test) if isinstance(test, list) else str(test)
        assert probe in test, f"`{name}` needs a healthcheck ({probe}) for service_healthy to work"


# --- Dockerfile ---------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, with continuation lines joined."""
    assert DOCKERFILE.is_file(), "Dockerfile is missing from the repository root"
    logical, pending = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    result = []
    for text in logical:
        instruction, _, arguments = text.partition(" ")
        result.append((instruction.upper(), arguments.strip()))
    return result


def instruction_text(arguments: str) -> str:
    """The command of a CMD/RUN/ENTRYPOINT in either exec (JSON) or shell form."""
    if arguments.startswith("["):
        return " ".join(json.loads(arguments))
    return arguments


def test_dockerfile_runs_gunicorn_as_a_non_root_user():
    instructions = dockerfile_instructions()
    base = [a for i, a in instructions if i == "FROM"]
    assert base and base[0].startswith("python:3.11-slim"), (
        f"the image should start FROM python:3.11-slim-bookworm, not {base[:1]}"
    )
    cmds = [instruction_text(a) for i, a in instructions if i == "CMD"]
    assert cmds, "the Dockerfile has no CMD, so `docker run` would not start the web server"
    assert re.search(r"\bgunicorn\s+huaisi\.wsgi", cmds[-1]), (
        f"the default CMD should run gunicorn huaisi.wsgi:application, not {cmds[-1]!r}"
    )
    assert "0.0.0.0:8000" in cmds[-1], "gunicorn must bind 0.0.0.0:8000 to be reachable"
    users = [a for i, a in instructions if i == "USER"]
    assert users, "the Dockerfile has no USER line, so the app would run as root"
    assert users[-1].split(":")[0] not in ("root", "0"), (
        f"the last USER is {users[-1]!r}; the app must not run as root"
    )
    assert any(i == "EXPOSE" and "8000" in a.split() for i, a in instructions), (
        "the Dockerfile should EXPOSE 8000"
    )
    assert any(i == "HEALTHCHECK" and "/healthz" in a for i, a in instructions), (
        "the Dockerfile should have a HEALTHCHECK against /healthz"
    )


def test_dockerfile_builds_static_files_without_baking_in_secrets():
    instructions = dockerfile_instructions()
    runs = [instruction_text(a) for i, a in instructions if i == "RUN"]
    assert any("pip install ." in r and "[dev]" not in r for r in runs), (
        "the image should install the project's dependencies with `pip install .` (no dev extras)"
    )
    assert any("collectstatic" in r and "--noinput" in r for r in runs), (
        "the Dockerfile must run `manage.py collectstatic --noinput`: production serves the "
        "hashed manifest, and without it every page fails to find its CSS"
    )
    assert any("compile_catalogs" in r for r in runs), (
        "the Dockerfile must compile the translation catalogues (huaisi.i18n.compile_catalogs)"
    )
    for instruction, arguments in instructions:
        if instruction in ("ENV", "ARG"):
            for secret in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "POSTGRES_PASSWORD"):
                assert secret not in arguments, (
                    f"the Dockerfile sets {secret} with {instruction}, which stays in the image; "
                    "give build-time dummies inline on the RUN line instead"
                )


def test_dockerignore_keeps_local_state_out_of_the_image():
    path = REPO / ".dockerignore"
    assert path.is_file(), (
        ".dockerignore is missing: the build context would include .venv and .git"
    )
    patterns = {line.strip().strip("/") for line in path.read_text(encoding="utf-8").splitlines()}
    for entry in (".venv", "var", ".git", ".env"):
        assert entry in patterns, f".dockerignore should exclude {entry}"


def test_collectstatic_succeeds_with_production_settings(tmp_path):
    """The Dockerfile's collectstatic step, run here: the hashed manifest fails on any file a
    CSS or JS file references but the repository lacks (a source map, say)."""
    clean = {k: v for k, v in os.environ.items() if k not in settings_variables()}
    clean.update(
        PRODUCTION_LIKE,
        DJANGO_SETTINGS_MODULE="huaisi.settings",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        "collectstatic fails under production settings, so `docker build` would fail too:\n"
        + "\n".join(result.stderr.strip().splitlines()[-6:])
    )
    assert (tmp_path / "static" / "staticfiles.json").is_file(), "no manifest was written"


# --- settings.py refuses bad production configuration --------------------------------------


def test_settings_load_with_a_complete_production_environment():
    result = run_settings(PRODUCTION_LIKE)
    assert result.returncode == 0, (
        "settings.py should load with DEBUG=false and every required value set; "
        f"it failed with: {refusal(result)}"
    )


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "   "}, "SECRET_KEY"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_URL": "mysql://huaisi:pw@db.invalid:3306/huaisi"}, "DATABASE_URL"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"REDIS_URL": "http://redis.invalid:6379/0"}, "REDIS_URL"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"TRUSTED_PROXIES": "one"}, "TRUSTED_PROXIES"),
        ({"TRUSTED_PROXIES": "-1"}, "TRUSTED_PROXIES"),
    ],
    ids=[
        "no-secret-key",
        "blank-secret-key",
        "debug-maybe",
        "mysql-database",
        "no-database",
        "http-redis",
        "no-allowed-hosts",
        "proxies-not-a-number",
        "proxies-negative",
    ],
)
def test_settings_refuse_bad_production_configuration(change, named):
    env = dict(PRODUCTION_LIKE)
    for key, value in change.items():
        if value is None:
            env.pop(key)
        else:
            env[key] = value
    result = run_settings(env)
    assert result.returncode != 0, (
        f"settings.py started with {change} and DEBUG=false; it must refuse to run instead"
    )
    last = refusal(result)
    assert last.startswith("django.core.exceptions.ImproperlyConfigured") and named in last, (
        f"settings.py should refuse {change} with an ImproperlyConfigured naming {named}; "
        f"it ended with: {last!r}"
    )
