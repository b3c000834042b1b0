"""Register imports in the background: each task takes a job id and calls one service."""

import logging

from celery import shared_task
from django.utils import translation
from django.utils.translation import gettext as _

from .models import ImportJob
from .services import importing

logger = logging.getLogger(__name__)


def _failed(job_id: int, exc: Exception) -> None:
    """Whatever stopped the job rolled its transaction back; say so on the job."""
    logger.exception("register import %s failed", job_id)
    language = ImportJob.objects.filter(pk=job_id).values_list("language", flat=True).first()
    with translation.override(language or "zh-hans"):
        if isinstance(exc, importing.ImportConflict):
            reason = _(
                "Someone changed the register while the file was being imported (%(detail)s)."
            ) % {"detail": exc}
        elif isinstance(exc, importing.FileProblem):
            reason = exc.messages[0]
        else:
            reason = _("The import stopped with an error (%(detail)s).") % {
                "detail": type(exc).__name__
            }
        message = _("%(reason)s Nothing was imported.") % {"reason": reason}
    importing.import_fail(job_id=job_id, error=message)


@shared_task
def import_check_task(job_id: int) -> str:
    """The dry run of an uploaded file."""
    try:
        return importing.import_check(job_id=job_id).status
    except Exception as exc:
        _failed(job_id, exc)
        return ImportJob.Status.FAILED


@shared_task
def import_apply_task(job_id: int) -> str:
    """The import itself, in one transaction. Acknowledged late: a worker that dies mid-way
    leaves the job queued and the task is run again (the transaction rolled back)."""
    try:
        return importing.import_apply(job_id=job_id).status
    except Exception as exc:
        _failed(job_id, exc)
        return ImportJob.Status.FAILED


@shared_task
def imports_expire_task() -> int:
    """Hourly: delete the files of checked imports nobody confirmed within a day."""
    return importing.imports_expire()
