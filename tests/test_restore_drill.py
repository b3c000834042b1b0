"""The restore drill of the README ("Backup and restore"), as CI runs it every time: dump the
database with `pg_dump --format=custom`, restore the dump into a scratch database with
`pg_restore`, and check the restored ledger with `manage.py check_ledger` in its own process."""

import os
import shutil
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from huaisi.dburl import connect_kwargs, database_url

TOOLS = ("pg_dump", "pg_restore")


def _libpq_env(database: str) -> dict[str, str]:
    """The connection for pg_dump / pg_restore, through libpq's variables (no password on a
    command line)."""
    params = connect_kwargs()
    env = {**os.environ, "PGDATABASE": database, "PGHOST": str(params.get("host", "127.0.0.1"))}
    env["PGPORT"] = str(params.get("port", 5432))
    if "user" in params:
        env["PGUSER"] = params["user"]
    if "password" in params:
        env["PGPASSWORD"] = params["password"]
    return env


def _row_counts(conn) -> dict[str, int]:
    tables = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    ).fetchall()
    return {
        table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
        for (table,) in tables
    }


def _major(tool: str) -> int:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=30).stdout
    return int(out.split()[-1].split(".")[0])


def _tool_dirs() -> list[str]:
    """Where to look for pg_dump / pg_restore: the embedded server's own (`make test` without
    DATABASE_URL runs pgserver's PostgreSQL), then the PATH."""
    dirs = []
    try:
        import pgserver

        dirs.append(str(Path(pgserver.__file__).parent / "pginstall" / "bin"))
    except ImportError:
        pass
    return [*dirs, *os.environ.get("PATH", "").split(os.pathsep)]


@pytest.fixture
def postgres_tools() -> dict[str, str]:
    """pg_dump and pg_restore at least as new as the server (an older pg_dump refuses)."""
    server = connection.pg_version // 10000
    found: dict[str, str] = {}
    for tool in TOOLS:
        for folder in _tool_dirs():
            path = shutil.which(tool, path=folder)
            if path and _major(path) >= server:
                found[tool] = path
                break
    missing = [tool for tool in TOOLS if tool not in found]
    if missing:
        reason = (
            f"{' and '.join(missing)} for PostgreSQL {server} not installed "
            "(Debian: apt-get install postgresql-client)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"the restore drill must run in CI: {reason}")
        pytest.skip(reason)
    return found


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_restore_drill_dump_restore_and_check_the_ledger(postgres_tools, tmp_path):
    # Committed rows in every app (transaction=True): a small demo town with a points ledger.
    call_command("seed_demo", households=10, stdout=StringIO(), stderr=StringIO())
    source = connection.settings_dict["NAME"]
    with psycopg.connect(dbname=source, **connect_kwargs()) as conn:
        before = _row_counts(conn)
    assert before["points_entry"] > 0 and before["points_pointsaccount"] > 0

    dump = tmp_path / "huaisi.dump"
    dumped = subprocess.run(
        [postgres_tools["pg_dump"], "--format=custom", f"--file={dump}"],
        env=_libpq_env(source),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert dumped.returncode == 0, dumped.stderr

    scratch = f"{source}_drill_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **connect_kwargs()) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        restored = subprocess.run(
            [
                postgres_tools["pg_restore"],
                "--no-owner",
                "--exit-on-error",
                f"--dbname={scratch}",
                str(dump),
            ],
            env=_libpq_env(scratch),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert restored.returncode == 0, restored.stderr
        with psycopg.connect(dbname=scratch, **connect_kwargs()) as conn:
            assert _row_counts(conn) == before

        ledger = subprocess.run(
            [sys.executable, "manage.py", "check_ledger"],
            cwd=Path(settings.BASE_DIR),
            env={**os.environ, "DATABASE_URL": database_url(scratch)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert ledger.returncode == 0, ledger.stdout + ledger.stderr
        assert "Every balance and stock level agrees with the ledger." in ledger.stdout
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **connect_kwargs()) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
