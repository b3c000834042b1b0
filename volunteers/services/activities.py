"""Activities and hours. Keeps: a person's logged hours on one date, across every activity,
never pass 24 (checked under a lock of the people's rows, in id order); hours count once the
activity is confirmed (logged → confirmed, compare-and-set); confirming proposes each
resident participant's household point entry in the same transaction, keyed by the
participation, so it is proposed once however often confirmation is tried."""

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from points.models import VOLUNTEER_RULE_CODE
from points.services import entry_propose

from ..models import MAX_HOURS_A_DAY, Activity, Certificate, Participation, Volunteer
from ._common import check_photos, clean_key, has_team_role, require, save_photos
from .teams import memberships_on

PUBLICITY_COUNTS = (
    "leaflets",
    "lectures",
    "lecture_attendance",
    "screenings",
    "posters",
    "forwards",
)
CERTIFICATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Hours:
    volunteer: Volunteer
    hours: Decimal


def hours_text(hours: Decimal) -> str:
    """3.0 → "3", 2.5 → "2.5" (never 2E+1)."""
    return f"{Decimal(hours).quantize(Decimal('0.1')):f}".removesuffix(".0")


def _clean_hours(value, name: str) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"participants": _("%(name)s: enter the hours as a number.") % {"name": name}}
        ) from None
    if hours <= 0 or hours > MAX_HOURS_A_DAY:
        raise ValidationError(
            {
                "participants": _("%(name)s: hours must be more than 0 and at most 24.")
                % {"name": name}
            }
        )
    return hours


def _check_day_cap(*, date: datetime.date, hours: list[Hours]) -> None:
    """Lock the people's rows (fixed order) and refuse hours that would take anyone past 24
    in the day, counting every activity logged on that date."""
    ids = sorted(h.volunteer.pk for h in hours)
    list(Volunteer.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
    used = dict(
        Participation.objects.filter(volunteer_id__in=ids, activity__date=date)
        .values("volunteer_id")
        .annotate(total=Sum("hours"))
        .values_list("volunteer_id", "total")
    )
    problems = []
    for h in hours:
        already = used.get(h.volunteer.pk) or Decimal(0)
        if already + h.hours > MAX_HOURS_A_DAY:
            problems.append(
                _(
                    "%(name)s already has %(used)s hours logged on %(date)s; %(hours)s more "
                    "would pass 24 hours in one day."
                )
                % {
                    "name": h.volunteer.name,
                    "used": hours_text(already),
                    "date": date.isoformat(),
                    "hours": hours_text(h.hours),
                }
            )
    if problems:
        raise ValidationError({"participants": problems}, code="over_24_hours")


@transaction.atomic(durable=True)
def activity_log(
    *,
    team,
    by,
    kind: str,
    date: datetime.date,
    place: str,
    village,
    grid=None,
    description: str,
    participants: list[tuple[Volunteer, object]],
    staff=(),
    photos=(),
    counts: dict | None = None,
    idempotency_key: str,
) -> Activity:
    """Log an activity with its participants' hours (waiting for confirmation). All or
    nothing: any bad input leaves no row behind. A resend of the same form returns the
    activity already logged."""
    require(has_team_role(by, "log_activities", team, village=village))
    key = clean_key(idempotency_key)
    existing = Activity.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.team_id == team.pk and existing.date == date and existing.kind == kind:
            return existing
        raise ValidationError(
            _("This form was already sent with different content. Reload the page."),
            code="key_reused",
        )
    counts = {name: int((counts or {}).get(name) or 0) for name in PUBLICITY_COUNTS}
    place, description = (place or "").strip(), (description or "").strip()
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if not team.is_active:
        add("__all__", _("This team is no longer active."))
    if kind not in Activity.Kind.values:
        add("kind", _("Choose the kind of activity."))
    if date is None:
        add("date", _("Enter the date of the activity."))
    elif date > timezone.localdate():
        add("date", _("The date of the activity is in the future."))
    if not place:
        add("place", _("Enter where the activity took place."))
    if not description:
        add("description", _("Describe what was done."))
    if village is None or village.town_id != team.town_id:
        add("village", _("Choose the village where the activity took place."))
    elif team.village_id and village.pk != team.village_id:
        add("village", _("This team serves %(village)s only.") % {"village": team.village.name})
    if grid is not None and village is not None and grid.village_id != village.pk:
        add("grid", _("This grid is not in the chosen village."))
    if kind != Activity.Kind.PUBLICITY and any(counts.values()):
        add("leaflets", _("Counts of leaflets, lectures and the like are for publicity only."))
    if counts["lecture_attendance"] and not counts["lectures"]:
        add("lectures", _("Enter how many lectures the attendance is for."))
    if any(v < 0 for v in counts.values()):
        add("leaflets", _("Counts cannot be negative."))
    hours: list[Hours] = []
    seen = set()
    for volunteer, value in participants or []:
        if volunteer.pk in seen:
            add("participants", _("%(name)s is listed twice.") % {"name": volunteer.name})
            continue
        seen.add(volunteer.pk)
        try:
            hours.append(Hours(volunteer, _clean_hours(value, volunteer.name)))
        except ValidationError as exc:
            add("participants", exc.message_dict["participants"][0])
    if not participants:
        add("participants", _("Add at least one volunteer with their hours."))
    elif date is not None:
        members = memberships_on(team=team, day=date, volunteer_ids=[h.volunteer.pk for h in hours])
        for h in hours:
            if h.volunteer.pk not in members:
                add(
                    "participants",
                    _("%(name)s was not a member of %(team)s on %(date)s.")
                    % {"name": h.volunteer.name, "team": team.name, "date": date.isoformat()},
                )
    if errors:
        raise ValidationError(errors)
    checked = check_photos(photos)
    _check_day_cap(date=date, hours=hours)
    try:
        with transaction.atomic():
            activity = Activity.objects.create(
                team=team,
                kind=kind,
                date=date,
                place=place,
                village=village,
                grid=grid,
                description=description,
                logged_by=by,
                logged_at=timezone.now(),
                idempotency_key=key,
                **counts,
            )
    except IntegrityError:
        raise ValidationError(
            _("This form was already sent. Reload the page."), code="key_reused"
        ) from None
    Participation.objects.bulk_create(
        [Participation(activity=activity, volunteer=h.volunteer, hours=h.hours) for h in hours]
    )
    if staff:
        activity.staff.set(staff)
    save_photos(checked, activity=activity)
    return activity


def _basis(activity: Activity, participation: Participation) -> str:
    return _("Volunteer service with %(team)s: %(kind)s at %(place)s on %(date)s, %(hours)s h") % {
        "team": activity.team.name,
        "kind": activity.get_kind_display(),
        "place": activity.place,
        "date": activity.date.isoformat(),
        "hours": hours_text(participation.hours),
    }


def _activity_confirm(*, activity: Activity, by) -> Activity:
    """Confirm an activity's hours (compare-and-set logged → confirmed), and in the same
    transaction propose a household point entry (rule "volunteer service") for each
    participant who is a resident. The entry waits for the assessment group like any other;
    a household that cannot be scored is noted on the participation, not an error."""
    activity = Activity.objects.select_related("team__village", "team__town").get(pk=activity.pk)
    require(has_team_role(by, "confirm_hours", activity.team, village=activity.village))
    now = timezone.now()
    changed = Activity.objects.filter(pk=activity.pk, status=Activity.Status.LOGGED).update(
        status=Activity.Status.CONFIRMED, confirmed_by=by, confirmed_at=now
    )
    if changed != 1:
        raise ValidationError(
            _("These hours were already confirmed; nothing was changed."),
            code="already_confirmed",
        )
    activity.refresh_from_db(fields=["status", "confirmed_by", "confirmed_at"])
    participations = (
        Participation.objects.filter(activity=activity)
        .select_related("volunteer__resident__household")
        .order_by("pk")
    )
    for participation in participations:
        resident = participation.volunteer.resident
        if resident is None:
            participation.points_note = _("Not linked to a registered resident: no points.")
            participation.save(update_fields=["points_note"])
            continue
        proposal = entry_propose(
            household=resident.household,
            rule_code=VOLUNTEER_RULE_CODE,
            deed_date=activity.date,
            basis=_basis(activity, participation),
            idempotency_key=f"volunteers-participation-{participation.pk}",
            proposed_by=by,
        )
        participation.point_entry = proposal.entry
        participation.points_note = (
            _("Point entry proposed, waiting for review.") if proposal.created else proposal.skipped
        )[:500]
        participation.save(update_fields=["point_entry", "points_note"])
    return activity


# Views call `activity_confirm` (its own durable transaction); a caller already inside one (the
# demo seed) calls `activity_confirm_within`, which joins it.
activity_confirm = transaction.atomic(durable=True)(_activity_confirm)
activity_confirm_within = transaction.atomic(_activity_confirm)


def confirmed_hours(*, volunteer: Volunteer, start=None, end=None) -> Decimal:
    rows = Participation.objects.filter(
        volunteer=volunteer, activity__status=Activity.Status.CONFIRMED
    )
    if start:
        rows = rows.filter(activity__date__gte=start)
    if end:
        rows = rows.filter(activity__date__lte=end)
    return rows.aggregate(total=Sum("hours"))["total"] or Decimal(0)


def _certificate_code() -> str:
    return "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(12))


@transaction.atomic(durable=True)
def certificate_issue(
    *, volunteer: Volunteer, by, period_from: datetime.date, period_to: datetime.date
) -> Certificate:
    """A certificate of the volunteer's confirmed hours in the period, frozen as printed, with
    a random verification code the public page checks. Issued by a leader of one of the
    volunteer's teams."""
    teams = [m.team for m in volunteer.memberships.select_related("team__village", "team__town")]
    require(any(has_team_role(by, "confirm_hours", t) for t in teams))
    errors = {}
    if period_from is None:
        errors["period_from"] = _("Enter the first day of the period.")
    if period_to is None:
        errors["period_to"] = _("Enter the last day of the period.")
    elif period_to > timezone.localdate():
        errors["period_to"] = _("The period cannot end in the future.")
    if not errors and period_to < period_from:
        errors["period_to"] = _("The period ends before it starts.")
    if errors:
        raise ValidationError(errors)
    hours = confirmed_hours(volunteer=volunteer, start=period_from, end=period_to)
    if hours <= 0:
        raise ValidationError(
            _("%(name)s has no confirmed hours in this period.") % {"name": volunteer.name},
            code="no_hours",
        )
    served = (
        Participation.objects.filter(
            volunteer=volunteer,
            activity__status=Activity.Status.CONFIRMED,
            activity__date__gte=period_from,
            activity__date__lte=period_to,
        )
        .values_list("activity__team__name", flat=True)
        .distinct()
        .order_by("activity__team__name")
    )
    return Certificate.objects.create(
        volunteer=volunteer,
        code=_certificate_code(),
        period_from=period_from,
        period_to=period_to,
        hours=hours,
        teams="、".join(served)[:300],
        issued_by=by,
        issued_at=timezone.now(),
    )


def normalise_code(code: str) -> str:
    """What people type from the paper: any case, with dashes or spaces."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:16]
