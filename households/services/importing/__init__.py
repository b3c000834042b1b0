"""Importing the register from spreadsheets: reading XLSX and CSV (reading.py), checking every
row with the register's rules (checking.py), and writing all rows set-based in one transaction
(writing.py), in the format columns.py describes. This module holds the services.

The flow: `import_start` (the upload view) checks the file as a whole and queues a dry run;
`import_check` (a worker) lists every bad row and writes nothing to the register;
`import_confirm` (the clerk's button) queues the import; `import_apply` (a worker) checks again,
since the register may have changed meanwhile, and upserts by natural key in one durable
transaction: houses by (village, address), households by number, residents by ID number.

Rules decided here (the design left them open):
- An ID number already in the register is the same person when the name matches too: the
  row updates that resident. Under another name it is a problem to settle by hand, so that a
  mistyped ID number never overwrites somebody else.
- An ID number registered in another household the importer may see is a move: the
  resident's household changes. The job's summary lists each move, and the audit trail keeps
  the row change with the importing user and job as its context.
- A household number, house address or ID number registered outside the importer's scope is
  refused without saying whose it is.
- Residents need an ID number here: it is what a corrected file is matched by.
- Optional columns left out of a file leave those fields as they are on existing rows; a
  column that is present but empty clears the field (the export writes every column).
- The file's headers and choice labels are Chinese whatever the interface language: the
  template is a data format, shared with the town's spreadsheets.
"""

import datetime
import time

import pghistory
from celery import Task
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ...models import ImportJob
from .checking import CHECKERS, Checked, Progress, check_file
from .columns import COLUMNS, LABELS, NOTES_SHEET, SHEET_TITLES, Kind, label_of
from .reading import MAX_FILE_BYTES, FileProblem, read_table, too_big_message
from .roster import check_roster, write_roster
from .writing import write

CHECKERS[Kind.ROSTER] = check_roster
WRITERS = {Kind.ROSTER: write_roster}

__all__ = [
    "COLUMNS", "LABELS", "MAX_FILE_BYTES", "NOTES_SHEET", "SHEET_TITLES", "Checked", "FileProblem",
    "ImportConflict", "Kind", "check_file", "import_apply", "import_check", "import_confirm",
    "import_fail", "import_start", "imports_expire", "label_of", "read_progress", "too_big_message",
]  # fmt: skip

PROBLEMS_KEPT = 5000

# The Celery tasks that run a job's dry run ("check") and its import ("apply"), set by
# `households.apps` at start-up. `households.tasks` imports this package to call its services,
# so this package does not import the tasks back: it queues them through this registry.
QUEUE: dict[str, Task] = {}


def register_tasks(*, check: Task, apply: Task) -> None:
    QUEUE.update(check=check, apply=apply)


def _queue_after_commit(step: str, job_id: int) -> None:
    task = QUEUE[step]  # a KeyError here: households.apps did not register the tasks
    transaction.on_commit(lambda: task.delay(job_id))


def progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def read_progress(job_id: int) -> dict:
    return cache.get(progress_key(job_id)) or {}


def _progress_reporter(job_id: int, stages: dict[str, tuple[int, int]]) -> Progress:
    """Progress in the cache (the job row is invisible until the transaction commits), as one
    percentage over the stages, each STAGE -> (from %, to %); written at most 4 times a second."""
    last = [0.0]

    def report(stage: str, share: float) -> None:
        start, end = stages[stage]
        percent = int(start + (end - start) * min(share, 1.0))
        now = time.monotonic()
        if now - last[0] >= 0.25 or share >= 1:
            last[0] = now
            cache.set(progress_key(job_id), {"percent": percent, "stage": stage}, 3600)

    return report


@transaction.atomic(durable=True)
def import_start(*, user, kind: str, file_name: str, data: bytes) -> ImportJob:
    """Check the file as a whole (size, kind of file, encoding, columns) and queue its dry run.
    Raises FileProblem, with nothing stored, when the file cannot be read."""
    if kind not in Kind.values:
        raise ValidationError(_("Choose what the file holds."))
    read_table(data, kind=kind)  # the whole-file checks: raises FileProblem
    suffix = "xlsx" if data[:4] == b"PK\x03\x04" else "csv"
    job = ImportJob(
        user=user, kind=kind, file_name=file_name[-255:], file_size=len(data),
        language=translation.get_language() or "zh-hans",
    )  # fmt: skip
    job.file.save(f"{timezone.now():%Y%m%d%H%M%S}.{suffix}", ContentFile(data), save=False)
    job.save()
    _queue_after_commit("check", job.pk)
    return job


def _discard_file(job: ImportJob) -> None:
    """The upload holds personal data: drop it once it is no longer needed (after commit, so a
    rolled-back transaction still finds it)."""
    name = job.file.name
    if name:
        storage = job.file.storage
        # robust: a storage error on one file is logged and the other files are still deleted.
        transaction.on_commit(lambda: storage.delete(name), robust=True)


def _read_upload(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read()


@transaction.atomic(durable=True)
def import_check(*, job_id: int) -> ImportJob:
    """The dry run: every bad row with its row number, column and reason; nothing written to
    the register. A clean file leaves the job ready to import."""
    job = ImportJob.objects.select_for_update().get(pk=job_id)
    if job.status != ImportJob.Status.CHECKING:
        return job
    report = _progress_reporter(job.pk, {"read": (0, 80), "checked": (80, 100)})
    with translation.override(job.language):
        try:
            result = check_file(_read_upload(job), kind=job.kind, user=job.user, progress=report)
        except FileProblem as exc:
            result, error = None, exc.messages[0]
    job.checked_at = timezone.now()
    if result is None:
        job.status, job.error, job.problem_count = ImportJob.Status.INVALID, error, 1
    else:
        job.row_count = result.row_count
        job.problem_count = len(result.problems)
        job.problems = [list(p) for p in result.problems[:PROBLEMS_KEPT]]
        job.summary = result.summary()
        job.status = ImportJob.Status.INVALID if result.problems else ImportJob.Status.READY
        if not result.row_count:
            job.status, job.error = (
                ImportJob.Status.INVALID,
                _("The file has no data rows under its column titles."),
            )
    if job.status == ImportJob.Status.INVALID:
        _discard_file(job)
        job.file = ""
    job.save(
        update_fields=[
            "status",
            "error",
            "row_count",
            "problem_count",
            "problems",
            "summary",
            "checked_at",
            "file",
        ]
    )
    transaction.on_commit(lambda: cache.delete(progress_key(job.pk)))
    return job


@transaction.atomic(durable=True)
def import_confirm(*, job: ImportJob) -> ImportJob:
    """Queue the import of a file whose dry run passed (compare-and-set: a double click queues
    it once)."""
    queued_at = timezone.now()
    changed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.READY).update(
        status=ImportJob.Status.QUEUED, queued_at=queued_at
    )
    if not changed:
        raise ValidationError(_("This file is not waiting to be imported."))
    cache.set(progress_key(job.pk), {"percent": 0, "stage": "queued"}, 3600)
    _queue_after_commit("apply", job.pk)
    job.status, job.queued_at = ImportJob.Status.QUEUED, queued_at
    return job


@transaction.atomic(durable=True)
def import_apply(*, job_id: int) -> ImportJob:
    """Check the file again against the register as it is now, then write every row in this
    one transaction: all rows or, on any problem or error, none. Each row change is recorded
    with the importing user and the job."""
    job = ImportJob.objects.select_for_update().get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return job  # done already: a redelivered task changes nothing
    report = _progress_reporter(
        job.pk, {"read": (0, 45), "checked": (45, 60), "written": (60, 100)}
    )
    with translation.override(job.language), pghistory.context(user=job.user_id, import_job=job.pk):
        result = check_file(_read_upload(job), kind=job.kind, user=job.user, progress=report)
        if result.problems:
            # The register changed since the dry run: write nothing, list what is wrong now.
            job.status = ImportJob.Status.FAILED
            job.error = _(
                "The register changed since the dry run; nothing was imported. Check the file again."
            )
            job.problem_count = len(result.problems)
            job.problems = [list(p) for p in result.problems[:PROBLEMS_KEPT]]
        else:
            try:
                counts = WRITERS.get(job.kind, write)(result, progress=report)
            except IntegrityError as exc:
                raise ImportConflict(str(exc).splitlines()[0]) from exc
            job.status = ImportJob.Status.DONE
            job.summary = {**result.summary(), **counts}
    job.finished_at = timezone.now()
    _discard_file(job)
    job.file = ""
    job.save(
        update_fields=[
            "status",
            "error",
            "problem_count",
            "problems",
            "summary",
            "finished_at",
            "file",
        ]
    )
    done = {"percent": 100, "stage": "written"} if job.status == ImportJob.Status.DONE else None
    transaction.on_commit(
        lambda: (
            cache.set(progress_key(job.pk), done, 3600)
            if done
            else cache.delete(progress_key(job.pk))
        )
    )
    return job


class ImportConflict(Exception):
    """Another change to the register collided with the import while it ran."""


@transaction.atomic(durable=True)
def import_fail(*, job_id: int, error: str) -> ImportJob:
    """Record that the import stopped with an error (its transaction rolled back: nothing
    was written) and drop the file."""
    job = ImportJob.objects.select_for_update().get(pk=job_id)
    if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.CHECKING):
        return job
    _mark_failed(job, error=error, at=timezone.now())
    return job


def _mark_failed(job: ImportJob, *, error: str, at: datetime.datetime) -> None:
    """Fail a job whose row the caller has locked: the message kept, the file of personal
    data deleted once the transaction commits, the progress bar gone."""
    job.status = ImportJob.Status.FAILED
    job.error = error[:2000]
    job.finished_at = at
    _discard_file(job)
    job.file = ""
    job.save(update_fields=["status", "error", "finished_at", "file"])
    transaction.on_commit(lambda: cache.delete(progress_key(job.pk)))


# How long a checked file waits for its uploader to confirm the import. It holds personal data
# (names, ID numbers, phones), so it is not kept for an import that may never come.
READY_KEPT = datetime.timedelta(hours=24)


# How long a dry run or an import may stay unfinished before it is taken for lost. A worker
# that dies mid-way gets its task back from the broker within the hour (acks late, visibility
# timeout 3600 s), but a broker that lost its data (Redis restarted without its file) leaves
# the job "Checking" or "Importing" for ever, its file of personal data with it. A job a worker
# is running is never taken: its row is locked for the whole run, and the expiry skips locked
# rows; so is a redelivered task after the expiry, which finds the job failed and does nothing.
UNFINISHED_KEPT = datetime.timedelta(hours=3)


@transaction.atomic(durable=True)
def imports_expire(*, now: datetime.datetime | None = None) -> int:
    """The hourly beat job. Drops the files of dry runs that passed but were not confirmed
    within READY_KEPT: each such job fails with a message saying why and to upload again.
    Fails, the same way, dry runs and imports that no worker finished within UNFINISHED_KEPT
    (nothing was written: an import is one transaction). Returns how many jobs expired.

    The rows are locked, skipping any a confirmation or a running worker holds: a confirmation
    that comes after finds the job no longer ready and is told so; one that came first has
    queued it, and it is left alone."""
    now = now or timezone.now()
    Status = ImportJob.Status
    lost = now - UNFINISHED_KEPT
    jobs = list(
        ImportJob.objects.select_for_update(skip_locked=True)
        .filter(
            Q(status=Status.READY, checked_at__lt=now - READY_KEPT)
            | Q(status=Status.CHECKING, created_at__lt=lost)
            | Q(status=Status.QUEUED, queued_at__lt=lost)
            # Queued before queued_at was recorded: confirmed after its dry run, at the latest.
            | Q(
                status=Status.QUEUED,
                queued_at=None,
                checked_at__lt=now - READY_KEPT - UNFINISHED_KEPT,
            )
        )
        .order_by("pk")
    )
    for job in jobs:
        with translation.override(job.language):
            if job.status == Status.READY:
                error = _(
                    "Not imported: the checked file waited more than %(hours)s hours to be "
                    "confirmed and was deleted, as it holds personal data. Upload it again."
                ) % {"hours": int(READY_KEPT.total_seconds() // 3600)}
            else:
                error = _(
                    "Not finished: the server's background worker did not complete this file "
                    "within %(hours)s hours (it may have been stopped). Nothing was imported, "
                    "and the file was deleted, as it holds personal data. Upload it again."
                ) % {"hours": int(UNFINISHED_KEPT.total_seconds() // 3600)}
        _mark_failed(job, error=error, at=now)
    return len(jobs)
