"""Livelihood projects (民生实事): planned → in progress (only after the villagers voted for
it, 一事一议) → completed, each step a compare-and-set. Votes never exceed attendance (also
a CHECK in the database)."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Decision, ProgressUpdate, Project
from ._common import check_photos, has_role_in_village, require, save_photos


def _stale(project: Project) -> ValidationError:
    current = Project.objects.get(pk=project.pk)
    return ValidationError(
        _("This project is now “%(status)s”; reload the page to see its latest state.")
        % {"status": current.get_status_display()},
        code="stale",
    )


def _check_manager(by, project_or_village) -> None:
    village = getattr(project_or_village, "village", project_or_village)
    require(has_role_in_village(by, "manage_projects", village))


@transaction.atomic(durable=True)
def project_create(
    *,
    village,
    by,
    year: int,
    title: str,
    category: str,
    lead_name: str,
    budget,
    description: str = "",
    lead=None,
) -> Project:
    _check_manager(by, village)
    errors = {}
    title, lead_name = (title or "").strip(), (lead_name or "").strip()
    if not title:
        errors["title"] = _("Enter the project's title.")
    elif Project.objects.filter(village=village, year=year, title=title).exists():
        errors["title"] = _("%(village)s already has a project of that title in %(year)s.") % {
            "village": village.name,
            "year": year,
        }
    if not lead_name:
        errors["lead_name"] = _("Enter who leads the project.")
    if category not in Project.Category.values:
        errors["category"] = _("Choose a category.")
    if not year or not 2000 <= int(year) <= 2100:
        errors["year"] = _("Enter a year between 2000 and 2100.")
    try:
        budget = Decimal(str(budget)).quantize(Decimal("0.01"))
        if budget < 0 or budget >= Decimal("1e10"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["budget"] = _("Enter the budget in yuan, for example 120000.00.")
    if errors:
        raise ValidationError(errors)
    return Project.objects.create(
        village=village,
        year=year,
        title=title,
        category=category,
        lead_name=lead_name,
        lead=lead,
        budget=budget,
        description=(description or "").strip(),
        created_by=by,
    )


def decision_clean(
    *, meeting_date, attendance, votes_for, votes_against, abstentions, minutes
) -> dict[str, str]:
    errors = {}
    if meeting_date is None:
        errors["meeting_date"] = _("Enter the date of the villagers' meeting.")
    elif meeting_date > timezone.localdate():
        errors["meeting_date"] = _("The meeting date is in the future.")
    numbers = {
        "attendance": attendance,
        "votes_for": votes_for,
        "votes_against": votes_against,
        "abstentions": abstentions,
    }
    for name, value in numbers.items():
        if value is None or value < 0:
            errors[name] = _("Enter a number, zero or more.")
    if not errors.keys() & numbers.keys():
        if attendance == 0:
            errors["attendance"] = _("Enter how many villagers attended.")
        elif votes_for + votes_against + abstentions > attendance:
            errors["votes_for"] = _(
                "%(cast)s votes and abstentions, but only %(attendance)s attended: the votes "
                "cannot exceed the attendance."
            ) % {"cast": votes_for + votes_against + abstentions, "attendance": attendance}
    if not (minutes or "").strip():
        errors["minutes"] = _("Enter the minutes of the meeting.")
    return errors


@transaction.atomic(durable=True)
def decision_record(
    *,
    project: Project,
    by,
    meeting_date: datetime.date,
    attendance: int,
    votes_for: int,
    votes_against: int,
    abstentions: int = 0,
    minutes: str,
) -> Decision:
    """Record (or correct, while the project has not started) the villagers' decision."""
    project = Project.objects.select_for_update().select_related("village").get(pk=project.pk)
    _check_manager(by, project)
    if project.status != Project.Status.PLANNED:
        raise ValidationError(
            _("The project has started; its decision can no longer be changed."), code="started"
        )
    errors = decision_clean(
        meeting_date=meeting_date,
        attendance=attendance,
        votes_for=votes_for,
        votes_against=votes_against,
        abstentions=abstentions,
        minutes=minutes,
    )
    if errors:
        raise ValidationError(errors)
    decision, _created = Decision.objects.update_or_create(
        project=project,
        defaults={
            "meeting_date": meeting_date,
            "attendance": attendance,
            "votes_for": votes_for,
            "votes_against": votes_against,
            "abstentions": abstentions,
            "minutes": minutes.strip(),
            "recorded_by": by,
            "recorded_at": timezone.now(),
        },
    )
    return decision


@transaction.atomic(durable=True)
def project_start(*, project: Project, by, started_on: datetime.date) -> Project:
    _check_manager(by, project)
    decision = Decision.objects.filter(project=project).first()
    if decision is None or not decision.passed:
        raise ValidationError(
            _(
                "Work starts only after the villagers voted for it (more than half of those "
                "attending)."
            ),
            code="not_decided",
        )
    if started_on is None or started_on > timezone.localdate():
        raise ValidationError({"started_on": _("Enter the start date (today or earlier).")})
    if started_on < decision.meeting_date:
        raise ValidationError({"started_on": _("Work cannot start before the villagers voted.")})
    changed = Project.objects.filter(pk=project.pk, status=Project.Status.PLANNED).update(
        status=Project.Status.IN_PROGRESS, started_on=started_on
    )
    if changed != 1:
        raise _stale(project)
    project.refresh_from_db()
    return project


@transaction.atomic(durable=True)
def progress_add(
    *, project: Project, by, date: datetime.date, note: str, percent: int, photos=()
) -> ProgressUpdate:
    project = Project.objects.select_for_update().select_related("village").get(pk=project.pk)
    _check_manager(by, project)
    if project.status != Project.Status.IN_PROGRESS:
        raise ValidationError(_("Progress is reported while the project is in progress."))
    errors = {}
    if date is None or date > timezone.localdate():
        errors["date"] = _("Enter the date (today or earlier).")
    elif date < project.started_on:
        errors["date"] = _("The project started on %(date)s.") % {
            "date": project.started_on.isoformat()
        }
    if not (note or "").strip():
        errors["note"] = _("Describe the progress.")
    if percent is None or not 0 <= percent <= 100:
        errors["percent"] = _("Enter a percentage from 0 to 100.")
    if errors:
        raise ValidationError(errors)
    checked = check_photos(photos)
    update = ProgressUpdate.objects.create(
        project=project,
        date=date,
        note=note.strip(),
        percent=percent,
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    save_photos(checked, update=update)
    return update


@transaction.atomic(durable=True)
def project_complete(*, project: Project, by, completed_on: datetime.date, note: str) -> Project:
    _check_manager(by, project)
    project = Project.objects.get(pk=project.pk)
    errors = {}
    if completed_on is None or completed_on > timezone.localdate():
        errors["completed_on"] = _("Enter the completion date (today or earlier).")
    elif project.started_on and completed_on < project.started_on:
        errors["completed_on"] = _("The project started on %(date)s.") % {
            "date": project.started_on.isoformat()
        }
    if not (note or "").strip():
        errors["completion_note"] = _("Describe what was completed.")
    if errors:
        raise ValidationError(errors)
    changed = Project.objects.filter(pk=project.pk, status=Project.Status.IN_PROGRESS).update(
        status=Project.Status.COMPLETED, completed_on=completed_on, completion_note=note.strip()
    )
    if changed != 1:
        raise _stale(project)
    project.refresh_from_db()
    return project
