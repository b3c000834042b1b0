"""`manage.py export_town` / `import_town`: a town written out and loaded into a second, empty
database (its own migrate and import processes) comes back whole: the same rows in every
table, balances, timelines, log-ins and uploads."""

import datetime
import json
import os
import subprocess
import sys
import uuid
import zipfile
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from pghistory.models import Event

from grids.management.commands.seed_demo import DEMO_TOWN_CODE
from grids.models import Town
from households.models import Household
from huaisi.dburl import connect_kwargs, database_url
from points.models import PointsAccount
from tickets.models import TimelineEvent, WorkOrder
from townexport.services import NOT_EXPORTED, PROJECT_APPS, TOWN_TABLES, town_tables
from workcalendar.models import SpecialDay
from workcalendar.services import (
    calendar_year_mark_entered,
    special_day_create,
    special_day_delete,
    special_day_update,
)

BASE_DIR = Path(settings.BASE_DIR)


@contextmanager
def scratch_database(purpose: str):
    """A new, empty database next to the test database, dropped on the way out."""
    name = f"{connection.settings_dict['NAME']}_{purpose}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **connect_kwargs()) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **connect_kwargs()) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args: str, database: str, **env: str) -> subprocess.CompletedProcess:
    """`manage.py ARGS` in its own process against DATABASE."""
    environment = {**os.environ, "DATABASE_URL": database_url(database), **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_every_model_of_the_project_is_exported_or_deliberately_left_out():
    exported = {label for label, _ in TOWN_TABLES} | {"grids.StaffProfile"}
    models = {
        model._meta.label
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in PROJECT_APPS and not issubclass(model, Event)
    }
    assert models - exported - NOT_EXPORTED == set()


def test_every_app_of_ours_with_models_is_one_the_export_reads():
    base = Path(settings.BASE_DIR).resolve()
    ours = {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and ".venv" not in Path(config.path).parts
        and any(config.get_models())
    }
    assert ours - set(PROJECT_APPS) == set(), "add the app to townexport.services.PROJECT_APPS"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_town_exported_and_imported_into_an_empty_database_comes_back_whole(settings, tmp_path):
    default = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **default,
            "OPTIONS": {**default["OPTIONS"], "location": tmp_path / "media-source"},
        },
    }
    call_command("seed_demo", households=30, stdout=StringIO(), stderr=StringIO())
    town = Town.objects.get(code=DEMO_TOWN_CODE)
    # The calendar as the town kept it: next year entered by hand, a package day corrected and
    # one removed (none turns a working day, so no recompute is queued).
    clerk = get_user_model().objects.get(username="clerk01")
    special_day_create(day=datetime.date(2027, 1, 2), kind="holiday", name="元旦")
    calendar_year_mark_entered(year=2027, actor=clerk, notice="国办发明电〔2026〕X号")
    national_day = SpecialDay.objects.get(date="2026-10-01")
    special_day_update(special_day=national_day, day=national_day.date, kind="holiday",
                       name="国庆节", notice="本镇更正")  # fmt: skip
    special_day_delete(special_day=SpecialDay.objects.get(date="2026-10-03"))
    expected = {table.db_table: table.queryset.count() for table in town_tables(town)}
    assert all(expected[t] for t in ("households_household", "points_entry", "tickets_workorder",
                                      "volunteers_activity", "grids_inspection", "auth_user"))  # fmt: skip
    account = PointsAccount.objects.filter(balance__gt=0).order_by("pk").first()
    order = WorkOrder.objects.filter(town=town).order_by("pk").first()
    timeline = TimelineEvent.objects.filter(order=order).count()
    user = get_user_model().objects.get(username="clerk01")
    uploads = sorted(p for p in (tmp_path / "media-source").rglob("*") if p.is_file())
    assert uploads, "the demo seed writes photos: the export must carry them"

    archive = tmp_path / "town.zip"
    call_command("export_town", DEMO_TOWN_CODE, output=str(archive), stdout=StringIO())
    with zipfile.ZipFile(archive) as opened:
        manifest = json.loads(opened.read("manifest.json"))
    assert {t["table"]: t["rows"] for t in manifest["tables"]} == expected
    assert manifest["schema"]["points"].startswith("0")
    assert manifest["media"] == {
        "files": len(uploads),
        "bytes": sum(p.stat().st_size for p in uploads),
        "missing": [],
    }

    with scratch_database("townimport") as target:
        migrated = manage("migrate", "--no-input", "-v", "0", database=target)
        assert migrated.returncode == 0, migrated.stderr
        media = tmp_path / "media-restored"
        done = manage("import_town", str(archive), database=target, MEDIA_ROOT=str(media))
        assert done.returncode == 0, done.stderr
        assert f"Town {DEMO_TOWN_CODE}: {sum(expected.values())} rows imported." in done.stdout

        with psycopg.connect(dbname=target, **connect_kwargs()) as restored:
            counts = {
                table: restored.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
                for table in expected
            }
            assert counts == expected
            # The calendar is the source's, local entries and corrections included.
            assert restored.execute(
                "SELECT name FROM workcalendar_specialday WHERE date = '2027-01-02'"
            ).fetchone() == ("元旦",)
            assert restored.execute(
                "SELECT y.source, y.notice, u.username FROM workcalendar_calendaryear y "
                "JOIN auth_user u ON u.id = y.entered_by_id WHERE y.year = 2027"
            ).fetchone() == ("entered", "国办发明电〔2026〕X号", "clerk01")
            assert restored.execute(
                "SELECT notice FROM workcalendar_specialday WHERE date = '2026-10-01'"
            ).fetchone() == ("本镇更正",)
            assert restored.execute(
                "SELECT count(*) FROM workcalendar_specialday WHERE date = '2026-10-03'"
            ).fetchone() == (0,)
            assert restored.execute(
                "SELECT balance FROM points_pointsaccount WHERE household_id = %s",
                [account.household_id],
            ).fetchone() == (account.balance,)
            assert restored.execute(
                "SELECT count(*) FROM tickets_timelineevent WHERE order_id = %s", [order.pk]
            ).fetchone() == (timeline,)
            assert restored.execute(
                "SELECT password FROM auth_user WHERE username = 'clerk01'"
            ).fetchone() == (user.password,)
            # Restoring is nobody's edit: no audit events were written for the loaded rows.
            assert restored.execute(
                "SELECT count(*) FROM households_householdevent"
            ).fetchone() == (0,)
            # The next household gets a fresh id: the sequence was moved past the imported ones.
            assert (
                restored.execute(
                    "SELECT nextval(pg_get_serial_sequence('households_household', 'id'))"
                ).fetchone()[0]
                > Household.objects.order_by("-pk").first().pk
            )

        restored_uploads = sorted(p for p in media.rglob("*") if p.is_file())
        assert [p.relative_to(media) for p in restored_uploads] == [
            p.relative_to(tmp_path / "media-source") for p in uploads
        ]
        assert restored_uploads[0].read_bytes() == uploads[0].read_bytes()

        ledger = manage("check_ledger", database=target)
        assert ledger.returncode == 0, ledger.stdout + ledger.stderr

        again = manage("import_town", str(archive), database=target, MEDIA_ROOT=str(media))
        assert again.returncode == 1
        assert f"Town '{DEMO_TOWN_CODE}' exists in this database already" in again.stderr


@pytest.mark.django_db
def test_import_refuses_a_town_that_exists_and_changes_nothing(town, role_users, tmp_path):
    archive = tmp_path / "t1.zip"
    call_command("export_town", "T1", output=str(archive), stdout=StringIO())
    users = get_user_model().objects.count()

    with pytest.raises(CommandError, match="Town 'T1' exists in this database already"):
        call_command("import_town", str(archive))
    assert Town.objects.count() == 1
    assert get_user_model().objects.count() == users


@pytest.mark.django_db
def test_import_refuses_a_database_that_is_not_empty(town, role_users, tmp_path):
    archive = tmp_path / "t1.zip"
    call_command("export_town", "T1", output=str(archive), stdout=StringIO())
    Town.objects.filter(code="T1").update(code="T9")  # another town lives here

    with pytest.raises(
        CommandError, match="needs an empty, migrated database; these tables have rows: grids_town"
    ):
        call_command("import_town", str(archive))
    assert list(Town.objects.values_list("code", flat=True)) == ["T9"]


@pytest.mark.django_db
def test_export_of_an_unknown_town_says_so_and_writes_no_file(tmp_path):
    archive = tmp_path / "none.zip"
    with pytest.raises(CommandError, match="No town with code 'XX'"):
        call_command("export_town", "XX", output=str(archive))
    assert list(tmp_path.iterdir()) == []


def test_import_refuses_a_file_that_is_not_a_town_export(tmp_path):
    bogus = tmp_path / "bogus.zip"
    with zipfile.ZipFile(bogus, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(CommandError, match="not a town export"):
        call_command("import_town", str(bogus))
