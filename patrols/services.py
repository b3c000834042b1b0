"""Writes of patrol inspections (巡查): one durable transaction per submitted inspection.

`inspection_submit` keeps these invariants:
- an inspection is stored whole or not at all: its visits, findings, photos and the work
  orders its "report" findings raise are written in the one transaction, after every check
  (photos included) has passed;
- one inspection per client UUID: a resend with the same content returns the stored row
  (created False); other content under the same UUID raises `InspectionConflict`, even when
  two resends race (the UUID is UNIQUE in the database);
- the inspector logs only in a grid their roles cover (LOG_INSPECTIONS), and records visits
  only to households of that grid they may see.

Decisions the issue left open (documented here and in the report):
- "far outside" a grid: the finding's position lies outside the grid's boundary by more than
  FAR_OUTSIDE_M once the reading's accuracy is allowed for; a grid without a boundary uses its
  centre and FAR_FROM_CENTRE_M; a grid with neither flags nothing.
- a reported finding's work-order category comes from its type (CATEGORY_PREFERENCES, by the
  town's category names), else the town's first active category; the command centre
  re-categorises when it dispatches if needed.
- volunteer team leaders log inspections but cannot raise work orders (tickets lets only grid
  staff report in their grid): their findings are "fixed on the spot" or passed to the grid
  leader.
"""

import datetime
import hashlib
import json
import math
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Grid
from households.models import Household
from huaisi.access import grants_for, user_can_in, visible_to
from huaisi.roles import CAPABILITIES, Capability, Level
from huaisi.uploads import check_image
from tickets.models import Source
from tickets.selectors import categories_of_town
from tickets.services import can_report_in_grid as tickets_can_report_in_grid
from tickets.services import order_create_within

from .models import (
    MAX_ACCURACY_M,
    FindingOutcome,
    FindingType,
    Inspection,
    InspectionFinding,
    InspectionPhoto,
    InspectionVisit,
    VisitTarget,
)

MAX_FINDINGS = 20
# Each photo goes on the work order too, which takes nine files a step.
MAX_PHOTOS_PER_FINDING = 9
MAX_HOUSEHOLDS = 500
# Phones' clocks drift; an end this far ahead of ours is still "now".
CLOCK_SKEW = datetime.timedelta(minutes=5)
MAX_DURATION = datetime.timedelta(hours=24)
# A phone may stay offline for a while, not for a season.
MAX_AGE = datetime.timedelta(days=60)
FAR_OUTSIDE_M = 1000
FAR_FROM_CENTRE_M = 3000

# Category names (as towns name them) to try, in order, for each finding type.
CATEGORY_PREFERENCES = {
    FindingType.SAFETY_HAZARD: ["消防隐患", "房屋安全", "交通安全", "社会治安"],
    FindingType.ENVIRONMENT: ["垃圾清运", "河道污染", "环境保护"],
    FindingType.STRAW_BURNING: ["秸秆焚烧", "环境保护"],
    FindingType.ILLEGAL_CONSTRUCTION: ["违章搭建", "城乡建设"],
    FindingType.DISPUTE: ["邻里纠纷", "社会治安"],
    FindingType.FACILITIES_DAMAGED: ["道路破损", "路灯故障", "城乡建设"],
    FindingType.OTHER: [],
}


class InspectionConflict(Exception):
    """The client UUID was used before with other content (the endpoint answers 409)."""

    def __init__(self, inspection: Inspection):
        super().__init__(str(inspection.client_uuid))
        self.inspection = inspection


@dataclass
class FindingInput:
    type: str
    description: str
    outcome: str
    fixed_note: str = ""
    lat: Decimal | None = None
    lng: Decimal | None = None
    accuracy_m: Decimal | None = None
    photos: Sequence = field(default_factory=list)


# --- Who may log where ------------------------------------------------------------------------


def logs_in_grid(user, grid: Grid) -> bool:
    """Whether one of the user's roles may log inspections in `grid` (no query beyond the
    grants): its grid leader, a micro-grid worker inside it, a volunteer leader of its village."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    allowed = CAPABILITIES[Capability.LOG_INSPECTIONS]
    for grant in grants_for(user):
        if grant.kind not in allowed:
            continue
        if grant.ancestors.get(Level.GRID) == grid.pk:
            return True
        if grant.level == Level.VILLAGE and grant.ancestors[Level.VILLAGE] == grid.village_id:
            return True
    return False


def can_report_in_grid(user, grid: Grid) -> bool:
    return tickets_can_report_in_grid(user, grid.pk)


# --- Content fingerprint -------------------------------------------------------------------------


def _text(value) -> str:
    return unicodedata.normalize("NFC", str(value or "")).strip()


def _number(value, places: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return str(Decimal(str(value)).quantize(Decimal(places)))
    except (InvalidOperation, ValueError):
        return _text(value)


def _moment(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).replace(microsecond=0).isoformat()
    return _text(value)


def photo_digest(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def inspection_fingerprint(
    *,
    inspector_id: int,
    grid_id,
    place,
    started_at,
    ended_at,
    household_ids: Sequence,
    findings: Sequence[FindingInput],
    photo_digests: Sequence[Sequence[str]],
) -> str:
    """SHA-256 of the inspection's content, normalised (trimmed NFC text, times in UTC to the
    second, positions to 6 decimals, households sorted) with each photo's SHA-256, in order."""
    content = {
        "inspector": inspector_id,
        "grid": _text(grid_id),
        "place": _text(place),
        "started_at": _moment(started_at),
        "ended_at": _moment(ended_at),
        "households": sorted({_text(pk) for pk in household_ids}),
        "findings": [
            {
                "type": _text(f.type),
                "description": _text(f.description),
                "outcome": _text(f.outcome),
                "fixed_note": _text(f.fixed_note),
                "lat": _number(f.lat, "0.000001"),
                "lng": _number(f.lng, "0.000001"),
                "accuracy_m": _number(f.accuracy_m, "0.1"),
                "photos": list(digests),
            }
            for f, digests in zip(findings, photo_digests, strict=True)
        ],
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- Where a finding lies -----------------------------------------------------------------------


def _metres(lat0: float, a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """b - a in metres east and north (equirectangular: good to a few metres within a town)."""
    k = 111_320.0
    return ((b[0] - a[0]) * k * math.cos(math.radians(lat0)), (b[1] - a[1]) * k)


def _inside_ring(lng: float, lat: float, ring: list) -> bool:
    inside = False
    for i in range(len(ring)):
        x1, y1 = ring[i - 1][0], ring[i - 1][1]
        x2, y2 = ring[i][0], ring[i][1]
        if (y1 > lat) != (y2 > lat) and lng < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _distance_to_ring(lng: float, lat: float, ring: list) -> float:
    best = math.inf
    for i in range(len(ring)):
        ax, ay = _metres(lat, (lng, lat), (ring[i - 1][0], ring[i - 1][1]))
        bx, by = _metres(lat, (lng, lat), (ring[i][0], ring[i][1]))
        dx, dy = bx - ax, by - ay
        length = dx * dx + dy * dy
        t = 0.0 if length == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def distance_outside(boundary: dict, lat: float, lng: float) -> float:
    """0 inside a GeoJSON Polygon or MultiPolygon (holes count as outside), otherwise the
    distance in metres to its nearest edge."""
    polygons = (
        [boundary["coordinates"]]
        if boundary.get("type") == "Polygon"
        else boundary.get("coordinates", [])
    )
    best = math.inf
    for rings in polygons:
        if not rings:
            continue
        outer, holes = rings[0], rings[1:]
        if _inside_ring(lng, lat, outer) and not any(_inside_ring(lng, lat, h) for h in holes):
            return 0.0
        for ring in rings:
            best = min(best, _distance_to_ring(lng, lat, ring))
    return best


def far_outside(grid: Grid, lat: Decimal | None, lng: Decimal | None, accuracy) -> bool:
    if lat is None or lng is None:
        return False
    slack = float(accuracy or 0)
    if grid.boundary:
        return distance_outside(grid.boundary, float(lat), float(lng)) - slack > FAR_OUTSIDE_M
    if grid.centre_lat is not None and grid.centre_lng is not None:
        east, north = _metres(
            float(lat),
            (float(grid.centre_lng), float(grid.centre_lat)),
            (float(lng), float(lat)),
        )
        return math.hypot(east, north) - slack > FAR_FROM_CENTRE_M
    return False


# --- Checks -------------------------------------------------------------------------------------


def _check_finding(i: int, finding: FindingInput, errors: dict, *, may_report: bool) -> None:
    key = f"findings-{i}"
    if finding.type not in FindingType.values:
        errors[f"{key}-type"] = _("Finding %(n)s: choose its type.") % {"n": i + 1}
    description = _text(finding.description)
    if not description:
        errors[f"{key}-description"] = _("Finding %(n)s: describe what you found.") % {"n": i + 1}
    elif len(description) > 2000:
        errors[f"{key}-description"] = _("Finding %(n)s: at most 2,000 characters.") % {"n": i + 1}
    if finding.outcome not in FindingOutcome.values:
        errors[f"{key}-outcome"] = _("Finding %(n)s: choose “fixed on the spot” or “report”.") % {
            "n": i + 1
        }
    elif finding.outcome == FindingOutcome.REPORT and not may_report:
        errors[f"{key}-outcome"] = _(
            "Finding %(n)s: only the grid's staff may report a work order. Mark it fixed on "
            "the spot, or ask the grid leader to report it."
        ) % {"n": i + 1}
    if len(_text(finding.fixed_note)) > 500:
        errors[f"{key}-fixed_note"] = _("Finding %(n)s: at most 500 characters.") % {"n": i + 1}
    lat, lng, accuracy = finding.lat, finding.lng, finding.accuracy_m
    if (lat is None) != (lng is None):
        errors[f"{key}-position"] = _("Finding %(n)s: give both latitude and longitude.") % {
            "n": i + 1
        }
    elif lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        errors[f"{key}-position"] = _("Finding %(n)s: the position is out of range.") % {"n": i + 1}
    if accuracy is not None:
        if lat is None:
            errors[f"{key}-accuracy"] = _(
                "Finding %(n)s: an accuracy needs a position with it."
            ) % {"n": i + 1}
        elif accuracy < 0:
            errors[f"{key}-accuracy"] = _(
                "Finding %(n)s: the position's accuracy cannot be negative."
            ) % {"n": i + 1}
        elif accuracy > MAX_ACCURACY_M:
            errors[f"{key}-accuracy"] = _(
                "Finding %(n)s: an accuracy of %(m)s m is too coarse to place the finding "
                "(at most %(max)s m). Take the position again in the open, or leave it out."
            ) % {"n": i + 1, "m": f"{accuracy:,.0f}", "max": f"{MAX_ACCURACY_M:,}"}
    if len(finding.photos) > MAX_PHOTOS_PER_FINDING:
        errors[f"{key}-photos"] = _("Finding %(n)s: at most %(max)s photos.") % {
            "n": i + 1,
            "max": MAX_PHOTOS_PER_FINDING,
        }


def _check_times(started_at, ended_at, now, errors: dict) -> None:
    if not isinstance(started_at, datetime.datetime):
        errors["started_at"] = _("Give the time the inspection started.")
    if not isinstance(ended_at, datetime.datetime):
        errors["ended_at"] = _("Give the time the inspection ended.")
    if errors.keys() & {"started_at", "ended_at"}:
        return
    if ended_at < started_at:
        errors["ended_at"] = _("The inspection cannot end before it started.")
    elif ended_at - started_at > MAX_DURATION:
        errors["ended_at"] = _("An inspection lasts at most 24 hours.")
    elif ended_at > now + CLOCK_SKEW:
        errors["ended_at"] = _("The end time is in the future. Check the phone's clock.")
    elif started_at < now - MAX_AGE:
        errors["started_at"] = _("This inspection started more than 60 days ago.")


def _category_for(town, finding_type: str, cache: dict):
    """The work-order category for a finding's type (see CATEGORY_PREFERENCES), or None when
    the town has no active category; the town's categories are read once per submission."""
    if "all" not in cache:
        tops = categories_of_town(town=town)
        cache["all"] = [c for top in tops for c in (top, *top.children.all()) if c.is_active]
    by_name = {c.name: c for c in cache["all"]}
    for name in CATEGORY_PREFERENCES.get(finding_type, []):
        if name in by_name:
            return by_name[name]
    return cache["all"][0] if cache["all"] else None


# --- The service ------------------------------------------------------------------------------


def _stored_or_conflict(client_uuid, fingerprint: str) -> Inspection | None:
    found = Inspection.objects.filter(client_uuid=client_uuid).first()
    if found is None:
        return None
    if found.fingerprint == fingerprint:
        return found
    raise InspectionConflict(found)


@transaction.atomic(durable=True)
def inspection_submit(
    *,
    actor,
    client_uuid: uuid.UUID,
    grid_id: int | None,
    place: str,
    started_at: datetime.datetime | None,
    ended_at: datetime.datetime | None,
    household_ids: Sequence[int] = (),
    findings: Sequence[FindingInput] = (),
    now: datetime.datetime | None = None,
) -> tuple[Inspection, bool]:
    """Store one inspection; returns (inspection, created). See the module's docstring."""
    now = now or timezone.now()
    digests = [[photo_digest(p) for p in f.photos] for f in findings]
    fingerprint = inspection_fingerprint(
        inspector_id=actor.pk,
        grid_id=grid_id,
        place=place,
        started_at=started_at,
        ended_at=ended_at,
        household_ids=household_ids,
        findings=findings,
        photo_digests=digests,
    )
    stored = _stored_or_conflict(client_uuid, fingerprint)
    if stored is not None:
        return stored, False

    errors: dict[str, str] = {}
    grid = (
        Grid.objects.select_related("village__town").filter(pk=grid_id).first() if grid_id else None
    )
    if grid is None or not logs_in_grid(actor, grid):
        raise ValidationError({"grid": _("Choose a grid you patrol.")})
    place = _text(place)
    if not place:
        errors["place"] = _("Say where you patrolled.")
    elif len(place) > 200:
        errors["place"] = _("At most %(n)s characters.") % {"n": 200}
    _check_times(started_at, ended_at, now, errors)
    wanted = {int(pk) for pk in household_ids}
    if len(wanted) > MAX_HOUSEHOLDS:
        errors["households"] = _("At most %(n)s households per inspection.") % {"n": MAX_HOUSEHOLDS}
    elif wanted:
        households = visible_to(
            actor,
            Household.objects.filter(pk__in=wanted, microgrid__grid_id=grid.pk),
            capability=Capability.VIEW_RESIDENTS,
        )
        if households.count() != len(wanted):
            errors["households"] = _(
                "Some of the households are not in this grid, or not among those you look after."
            )
    if len(findings) > MAX_FINDINGS:
        errors["findings"] = _("At most %(n)s findings per inspection.") % {"n": MAX_FINDINGS}
    may_report = can_report_in_grid(actor, grid)
    for i, finding in enumerate(findings):
        _check_finding(i, finding, errors, may_report=may_report)
    if errors:
        raise ValidationError(errors)

    # Every photo is checked before the first write, so a bad one refuses the inspection.
    checked = []
    for i, finding in enumerate(findings):
        row = []
        for n, upload in enumerate(finding.photos):
            try:
                row.append(check_image(upload, stem=uuid.uuid4().hex))
            except ValidationError as exc:
                raise ValidationError(
                    {
                        f"findings-{i}-photos": _("Finding %(n)s, photo %(p)s: %(why)s")
                        % {"n": i + 1, "p": n + 1, "why": " ".join(exc.messages)}
                    }
                ) from None
        checked.append(row)
    categories: dict = {}
    for i, finding in enumerate(findings):
        if (
            finding.outcome == FindingOutcome.REPORT
            and _category_for(grid.village.town, finding.type, categories) is None
        ):
            raise ValidationError(
                {
                    f"findings-{i}-outcome": _(
                        "The town has no work-order categories yet, so nothing can be reported. "
                        "Ask the command centre to set them up."
                    )
                }
            )

    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(
                client_uuid=client_uuid,
                inspector=actor,
                grid=grid,
                place=place,
                started_at=started_at,
                ended_at=ended_at,
                fingerprint=fingerprint,
            )
    except IntegrityError:
        # The same UUID committed by a concurrent resend a moment ago.
        stored = _stored_or_conflict(client_uuid, fingerprint)
        if stored is None:
            raise
        return stored, False
    InspectionVisit.objects.bulk_create(
        InspectionVisit(inspection=inspection, household_id=pk, visited_at=ended_at)
        for pk in sorted(wanted)
    )
    for i, (finding, photos) in enumerate(zip(findings, checked, strict=True)):
        order = None
        if finding.outcome == FindingOutcome.REPORT:
            label = FindingType(finding.type).label
            title = _("Patrol finding: %(type)s, %(place)s") % {"type": label, "place": place}
            # Joins this transaction: the inspection and its orders commit (or fail) together.
            order, _created = order_create_within(
                actor=actor,
                town=grid.village.town,
                source=Source.GRID,
                category=_category_for(grid.village.town, finding.type, categories),
                title=title[:120],
                description=_text(finding.description),
                village=grid.village,
                grid=grid,
                address=place,
                lat=finding.lat,
                lng=finding.lng,
                files=[p.image for p in photos],
            )
        saved = InspectionFinding.objects.create(
            inspection=inspection,
            position=i,
            type=finding.type,
            description=_text(finding.description),
            lat=finding.lat,
            lng=finding.lng,
            accuracy_m=finding.accuracy_m,
            outcome=finding.outcome,
            fixed_note=_text(finding.fixed_note) if finding.outcome == FindingOutcome.FIXED else "",
            order=order,
            far_outside=far_outside(grid, finding.lat, finding.lng, finding.accuracy_m),
        )
        InspectionPhoto.objects.bulk_create(
            InspectionPhoto(
                finding=saved,
                position=n,
                image=photo.image,
                thumbnail=photo.thumbnail,
                width=photo.width,
                height=photo.height,
                digest=digests[i][n],
            )
            for n, photo in enumerate(photos)
        )
    return inspection, True


@transaction.atomic(durable=True)
def visit_target_set(*, grid: Grid, every_days, care_every_days, by) -> VisitTarget:
    """Set how often the grid's households are due a visit (1–366 days each; households with
    a care tag at least as often as the others). Only the town administrator or the clerk of
    the grid's village; the database CHECK keeps the range whatever the path."""
    if not user_can_in(by, Capability.SET_VISIT_TARGETS, grid):
        raise PermissionDenied(
            _("Only the town or the village sets how often households are visited.")
        )
    errors: dict[str, ValidationError] = {}
    values = {}
    for key, value in (("every_days", every_days), ("care_every_days", care_every_days)):
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            number = None
        if number is None or not 1 <= number <= 366:
            errors[key] = ValidationError(_("Enter a number of days from 1 to 366."), code="range")
        values[key] = number
    if not errors and values["care_every_days"] > values["every_days"]:
        errors["care_every_days"] = ValidationError(
            _("Households with a care tag are visited at least as often as the others."),
            code="care_less_often",
        )
    if errors:
        raise ValidationError(errors)
    target, _created = VisitTarget.objects.update_or_create(grid=grid, defaults=values)
    return target
