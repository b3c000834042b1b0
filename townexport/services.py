"""Export one town to a ZIP and load it into an empty database (`manage.py export_town`,
`manage.py import_town`).

The archive holds `manifest.json`, one JSON-lines file per table (`tables/<app.Model>.jsonl`,
one `row_to_json` object a line, parents first) and the uploads the rows refer to
(`media/<storage name>`). PostgreSQL writes and reads the rows itself (`row_to_json`,
`json_populate_recordset`), so every column type round-trips exactly and each table is one
statement per batch, never a query per row.

Decisions:
- The import keeps every primary key and therefore needs a database with no rows in any of the
  exported tables (migrated, nothing else); it refuses otherwise, and always when the town's
  code exists. Sequences are moved past the imported ids afterwards.
- Staff accounts referenced by the town's rows go with it, password hashes included, so a
  restored town can log in: the archive is an operator backup and must be kept like one.
- Not exported: the audit trail (pghistory events and contexts, shared by every town), auth
  groups and permissions (the product uses roles), register import jobs (a user's past
  uploads, tied to no town), sessions. A full backup is `pg_dump` (README, "Backup and restore"); this is one town, for moving it or
  restoring it alone.
- The working calendar (`workcalendar`: special days and entered years) goes whole: it is every
  town's, small, and holds what the town entered or corrected by hand (next year, a local
  fix), which the target's package fill would not have. The import replaces the target's
  calendar, which is only that fill, by the archive's, so the deadlines restored run on the
  calendar they were computed on; the next `migrate` or `manage.py fill_calendar` adds any
  year the target's package knows and the archive lacks. The accounts that marked years as
  entered go with it, like every account a row refers to.
- Patrol tables are labelled `patrols.*` (they were `grids.*` before patrols became an app).
  An archive written before that move names other migrations, so the schema check refuses it
  with the list of differences, like any archive from another schema version.
"""

import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import reduce
from operator import or_
from pathlib import Path

import pgtrigger
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Q
from django.utils import timezone

from grids.models import Town
from workcalendar.selectors import calendar_invalidate

FORMAT = "huaisi-town-export"
FORMAT_VERSION = 1
BATCH = 2000
SCHEMA_APPS = (
    "auth",
    "huaisi",
    "grids",
    "households",
    "points",
    "tickets",
    "volunteers",
    "patrols",
    "notices",
    "hotspots",
    "dashboard",
    "workcalendar",
)

# Apps whose every model must be either exported or listed in NOT_EXPORTED (tests check it, and
# that every app of ours with models is listed here, so a new model cannot be left out of the
# export silently).
PROJECT_APPS = (
    "huaisi", "workcalendar", "grids", "households", "points", "tickets", "volunteers", "patrols",
    "notices", "hotspots", "dashboard",
)  # fmt: skip
NOT_EXPORTED = {
    "households.ImportJob",
}
# Tables every town shares, exported whole (lookup ALL) and replacing the target's rows on
# import: the working calendar, which a migrated database has filled from the package.
ALL = None
SHARED_TABLES = ("workcalendar.SpecialDay", "workcalendar.CalendarYear")

# Each exported table: its model label and the lookup from its rows to the town (a string, or a
# list of strings for rows reachable several ways). Parents come before children.
VILLAGE = "village__town"
GRID = "grid__village__town"
HOUSEHOLD = "household__microgrid__grid__village__town"
TOWN_TABLES: list[tuple[str, str | list[str] | None]] = [
    ("grids.Town", "pk"),
    ("grids.Village", "town"),
    ("grids.Grid", VILLAGE),
    ("grids.MicroGrid", GRID),
    ("grids.Department", "town"),
    # auth.User and grids.StaffProfile: the staff the town's rows refer to (see _users).
    (
        "huaisi.Role",
        ["town", "village__town", "grid__village__town", "microgrid__" + GRID, "department__town"],
    ),
    ("households.House", VILLAGE),
    ("households.Household", "microgrid__" + GRID),
    ("households.Resident", HOUSEHOLD),
    ("households.RevealLog", "resident__" + HOUSEHOLD),
    ("points.Rule", "town"),
    ("points.PointsAccount", VILLAGE),
    ("points.Entry", HOUSEHOLD),
    ("points.EntryPhoto", "entry__" + HOUSEHOLD),
    ("points.Store", VILLAGE),
    ("points.Good", "store__" + VILLAGE),
    ("points.StockReceipt", "good__store__" + VILLAGE),
    ("points.Redemption", "store__" + VILLAGE),
    ("points.RedemptionLine", "redemption__store__" + VILLAGE),
    ("points.RankingPublication", VILLAGE),
    ("points.RankingRow", "publication__" + VILLAGE),
    ("points.HonourPublication", VILLAGE),
    ("points.HonourRow", "publication__" + VILLAGE),
    ("tickets.Unit", "town"),
    ("tickets.Category", "town"),
    ("tickets.DeadlineRule", "category__town"),
    ("tickets.OrderCounter", "town"),
    ("tickets.StandardItem", "town"),
    ("tickets.ApiClient", "town"),
    ("tickets.WorkOrder", "town"),
    ("tickets.CoHandling", "order__town"),
    ("tickets.TimelineEvent", "order__town"),
    ("tickets.Attachment", "order__town"),
    ("tickets.ExtensionRequest", "order__town"),
    ("tickets.Callback", "order__town"),
    ("tickets.JointMeeting", "order__town"),
    ("tickets.JointMeeting_attendee_units", "jointmeeting__order__town"),
    ("tickets.UrgingNotice", "order__town"),
    ("tickets.Notification", "order__town"),
    ("tickets.SupervisionScore", "order__town"),
    ("tickets.SupervisionReport", "town"),
    ("tickets.CallerPhoneReveal", "order__town"),
    # The dispatchers' saved board views go with the town and their owners (the ids in their
    # filters are the town's, kept by the import).
    ("tickets.BoardView", "town"),
    ("patrols.VisitTarget", GRID),
    ("patrols.Inspection", GRID),
    ("patrols.InspectionVisit", "inspection__" + GRID),
    ("patrols.InspectionFinding", "inspection__" + GRID),
    ("patrols.InspectionPhoto", "finding__inspection__" + GRID),
    ("volunteers.Team", "town"),
    ("volunteers.Volunteer", "town"),
    ("volunteers.Membership", "team__town"),
    ("volunteers.Activity", "team__town"),
    ("volunteers.Activity_staff", "activity__team__town"),
    ("volunteers.Participation", "activity__team__town"),
    ("volunteers.Certificate", "volunteer__town"),
    ("volunteers.Wish", VILLAGE),
    ("volunteers.Project", VILLAGE),
    ("volunteers.Decision", "project__" + VILLAGE),
    ("volunteers.ProgressUpdate", "project__" + VILLAGE),
    (
        "volunteers.Photo",
        ["activity__team__town", "wish__" + VILLAGE, "update__project__" + VILLAGE],
    ),
    # 未诉先办: recomputed hourly, but a hotspot keeps the proactive order made from it.
    ("hotspots.Hotspot", "town"),
    ("hotspots.HotspotMember", "hotspot__town"),
    ("hotspots.RisingIssue", "town"),
    ("hotspots.RepeatCaller", "town"),
    ("notices.Channel", "town"),
    ("notices.Delivery", "channel__town"),
    ("dashboard.TownReport", "town"),
    # After the accounts: an entered year names who entered it.
    ("workcalendar.SpecialDay", ALL),
    ("workcalendar.CalendarYear", ALL),
]


class TownImportError(Exception):
    """The archive cannot be loaded into this database; nothing was changed."""


@dataclass(frozen=True)
class Table:
    label: str
    model: type[models.Model]
    queryset: models.QuerySet

    @property
    def db_table(self) -> str:
        return self.model._meta.db_table

    @property
    def file(self) -> str:
        return f"tables/{self.label}.jsonl"


def _town_q(lookups: str | list[str] | None, town: Town) -> Q:
    if lookups is ALL:
        return Q()
    paths = [lookups] if isinstance(lookups, str) else lookups
    return reduce(or_, (Q(**{path: town.pk}) for path in paths))


def _users(town_tables: list[Table]) -> models.QuerySet:
    """Every account a row of the town refers to (roles, recorders, reviewers, handlers …)."""
    user_model = get_user_model()
    referenced = [
        Q(pk__in=table.queryset.values(field.attname))
        for table in town_tables
        for field in table.model._meta.concrete_fields
        if field.is_relation and field.related_model is user_model
    ]
    return user_model._base_manager.filter(reduce(or_, referenced))


def town_tables(town: Town) -> list[Table]:
    """The town's tables in dependency order, each with the queryset of the town's rows."""
    tables = []
    for label, lookups in TOWN_TABLES:
        model = apps.get_model(label)
        tables.append(Table(label, model, model._base_manager.filter(_town_q(lookups, town))))
    users = _users(tables)
    user_model = get_user_model()
    staff = [
        Table(user_model._meta.label, user_model, users),
        Table("grids.StaffProfile", apps.get_model("grids.StaffProfile"),
              apps.get_model("grids.StaffProfile")._base_manager.filter(user__in=users)),
    ]  # fmt: skip
    # Accounts and profiles right after the areas: roles and everything later refer to them.
    areas = next(i for i, (label, _) in enumerate(TOWN_TABLES) if label == "huaisi.Role")
    return tables[:areas] + staff + tables[areas:]


def schema_version() -> dict[str, str]:
    """The latest applied migration of each app the archive depends on."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if app in SCHEMA_APPS and name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def _file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _columns(model: type[models.Model]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def _stream_rows(table: Table) -> Iterator[str]:
    """The table's rows of the town as JSON text, by primary key, through a server-side cursor."""
    inner, params = table.queryset.values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    pk = quote(table.model._meta.pk.column)
    sql = (
        f"SELECT row_to_json(t)::text FROM {quote(table.db_table)} t "  # noqa: S608
        f"WHERE t.{pk} IN ({inner}) ORDER BY t.{pk}"
    )
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(BATCH):
            for (row,) in rows:
                yield row


def export_town(*, code: str, output: Path, progress: Callable[[str], None] = print) -> dict:
    """Write town CODE's rows and uploads to OUTPUT (a ZIP); return the manifest. The rows are
    one consistent snapshot (a read-only repeatable-read transaction)."""
    town = Town.objects.filter(code=code).first()
    if town is None:
        raise TownImportError(f"No town with code {code!r}.")
    with transaction.atomic(durable=True):
        if len(connection.atomic_blocks) == 1:  # not when a caller (a test) holds one
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        tables = town_tables(town)
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "town": {"code": town.code, "name": town.name},
            "exported_at": timezone.now().isoformat(),
            "schema": schema_version(),
            "tables": [],
            "media": {"files": 0, "bytes": 0, "missing": []},
        }
        with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table in tables:
                count = 0
                with archive.open(table.file, "w", force_zip64=True) as out:
                    for row in _stream_rows(table):
                        out.write(row.encode() + b"\n")
                        count += 1
                manifest["tables"].append(
                    {"model": table.label, "table": table.db_table, "file": table.file,
                     "columns": _columns(table.model), "rows": count}
                )  # fmt: skip
                progress(f"{table.label}: {count}")
            _export_media(archive, tables, manifest["media"])
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    progress(
        f"media: {manifest['media']['files']} files, {len(manifest['media']['missing'])} missing"
    )
    return manifest


def _export_media(archive: zipfile.ZipFile, tables: list[Table], summary: dict) -> None:
    for table in tables:
        for field in _file_fields(table.model):
            names = table.queryset.exclude(**{field.attname: ""}).values_list(
                field.attname, flat=True
            )
            for name in names.order_by(field.attname).distinct().iterator(chunk_size=BATCH):
                if not default_storage.exists(name):
                    summary["missing"].append(name)
                    continue
                with (
                    default_storage.open(name, "rb") as source,
                    archive.open(f"media/{name}", "w", force_zip64=True) as target,
                ):
                    while chunk := source.read(1 << 20):
                        target.write(chunk)
                        summary["bytes"] += len(chunk)
                summary["files"] += 1


def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError) as error:
        raise TownImportError(
            "This is not a town export: manifest.json is missing or unreadable."
        ) from error
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise TownImportError(
            f"Unknown archive format {manifest.get('format')!r} version {manifest.get('version')!r}."
        )
    return manifest


def _check_target(manifest: dict, archive_models: list[type[models.Model]]) -> None:
    code = manifest["town"]["code"]
    if Town.objects.filter(code=code).exists():
        raise TownImportError(
            f"Town {code!r} exists in this database already; nothing was imported."
        )
    here = schema_version()
    if here != manifest["schema"]:
        differ = sorted(
            f"{app}: archive {manifest['schema'].get(app, '—')}, database {here.get(app, '—')}"
            for app in set(here) | set(manifest["schema"])
            if here.get(app) != manifest["schema"].get(app)
        )
        raise TownImportError(
            "The archive was written by another schema version; migrate this database to the "
            "same migrations first. " + "; ".join(differ)
        )
    quote = connection.ops.quote_name
    tables = [
        model._meta.db_table for model in archive_models if model._meta.label not in SHARED_TABLES
    ]
    probes = ", ".join(f"EXISTS (SELECT 1 FROM {quote(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {probes}")
        filled = [t for t, has_rows in zip(tables, cursor.fetchone(), strict=True) if has_rows]
    if filled:
        raise TownImportError(
            "The import keeps the archive's ids and needs an empty, migrated database; these "
            "tables have rows: " + ", ".join(filled)
        )


def _audit_insert_triggers(labels: set[str]) -> list[str]:
    """pghistory's insert triggers of the tables loaded, and every trigger of the shared tables
    (their rows are deleted first): a restore is nobody's edit."""
    return [
        f"{model._meta.label}:{trigger.name}"
        for model, trigger in pgtrigger.registered()
        if model._meta.label in labels
        and (trigger.name == "insert_insert" or model._meta.label in SHARED_TABLES)
    ]


def _archive_models(manifest: dict) -> dict[str, type[models.Model]]:
    """The archive's tables as this code's models. Names and columns come from the models,
    never from the archive: the manifest is only checked against them."""
    known = {label for label, _ in TOWN_TABLES} | {
        get_user_model()._meta.label,
        "grids.StaffProfile",
    }
    found = {}
    for entry in manifest["tables"]:
        if entry["model"] not in known:
            raise TownImportError(f"The archive has an unknown table {entry['model']!r}.")
        model = apps.get_model(entry["model"])
        if entry["columns"] != _columns(model) or entry["table"] != model._meta.db_table:
            raise TownImportError(f"The columns of {entry['model']} differ from this database's.")
        found[entry["model"]] = model
    return found


def import_town(*, path: Path, progress: Callable[[str], None] = print) -> dict:
    """Load the archive at PATH into this (empty, migrated) database in one transaction: every
    row with its id, sequences moved past them, then the uploads. Returns the manifest."""
    with zipfile.ZipFile(path) as archive:
        manifest = read_manifest(archive)
        models_by_label = _archive_models(manifest)
        with transaction.atomic(durable=True):
            _check_target(manifest, list(models_by_label.values()))
            quote = connection.ops.quote_name
            with pgtrigger.ignore(*_audit_insert_triggers(set(models_by_label))):
                for entry in manifest["tables"]:
                    model = models_by_label[entry["model"]]
                    table = quote(model._meta.db_table)
                    columns = ", ".join(quote(c) for c in _columns(model))
                    # Identifiers from our own models; the rows travel as one bound parameter.
                    sql = (
                        f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608
                        f"FROM json_populate_recordset(NULL::{table}, %s::json)"
                    )
                    loaded = 0
                    with archive.open(entry["file"]) as lines, connection.cursor() as cursor:
                        if entry["model"] in SHARED_TABLES:
                            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
                        for batch in _batches(lines):
                            cursor.execute(sql, ["[" + ",".join(batch) + "]"])
                            loaded += len(batch)
                    if loaded != entry["rows"]:
                        raise TownImportError(
                            f"{entry['file']}: {loaded} rows, the manifest says {entry['rows']}."
                        )
                    progress(f"{entry['model']}: {loaded}")
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(
                    no_style(), list(models_by_label.values())
                ):
                    cursor.execute(statement)
            # Web and worker processes drop their cached calendar once this commits.
            transaction.on_commit(calendar_invalidate)
            written = _import_media(archive)
            progress(f"media: {written} files")
    return manifest


def _batches(lines) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in lines:
        text = line.decode().strip()
        if text:
            batch.append(text)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _import_media(archive: zipfile.ZipFile) -> int:
    written = 0
    for info in archive.infolist():
        if not info.filename.startswith("media/") or info.is_dir():
            continue
        name = info.filename.removeprefix("media/")
        if default_storage.exists(name):
            continue  # the same upload restored before (a retried import): kept as it is
        with archive.open(info) as source:
            saved = default_storage.save(name, File(source, name=name))
        if saved != name:
            raise TownImportError(f"The storage renamed upload {name!r} to {saved!r}.")
        written += 1
    return written
