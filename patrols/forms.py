"""Parsing a submitted inspection (JSON, with photos as multipart files) into the service's
arguments, with a clear message for each malformed value."""

import datetime
import json
import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .services import FindingInput

MAX_PAYLOAD_BYTES = 200_000


def _decimal(value, key: str, errors: dict) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[key] = _("“%(value)s” is not a number.") % {"value": str(value)[:20]}
        return None
    if not number.is_finite():
        errors[key] = _("“%(value)s” is not a number.") % {"value": str(value)[:20]}
        return None
    return number


def _moment(value, key: str, errors: dict) -> datetime.datetime | None:
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        errors[key] = _("“%(value)s” is not a date and time.") % {"value": str(value)[:40]}
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def parse_submission(raw: bytes | str, files) -> dict:
    """The keyword arguments of `inspection_submit` (less the actor). `files` holds photos
    named `finding-<i>-photo-<n>`. Raises ValidationError when the payload is unreadable."""
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise ValidationError({"payload": _("The inspection's text is too long.")})
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise ValidationError({"payload": _("The inspection could not be read. Try again.")})
    errors: dict[str, str] = {}
    try:
        client_uuid = uuid.UUID(str(data.get("uuid", "")))
    except ValueError:
        raise ValidationError(
            {"uuid": _("The inspection has no valid id. Start a new one.")}
        ) from None
    grid_id = data.get("grid")
    try:
        grid_id = int(grid_id) if grid_id not in (None, "") else None
    except (TypeError, ValueError):
        grid_id = None
    households = data.get("households") or []
    household_ids = []
    if not isinstance(households, list):
        households = []
    for value in households:
        try:
            household_ids.append(int(value))
        except (TypeError, ValueError):
            errors["households"] = _("The list of households could not be read.")
    findings = []
    raw_findings = data.get("findings") or []
    if not isinstance(raw_findings, list):
        raw_findings = []
    for i, item in enumerate(raw_findings):
        if not isinstance(item, dict):
            item = {}
        try:
            photo_count = max(0, min(int(item.get("photos") or 0), 50))
        except (TypeError, ValueError):
            photo_count = 0
        photos = []
        for n in range(photo_count):
            upload = files.get(f"finding-{i}-photo-{n}")
            if upload is None:
                errors[f"findings-{i}-photos"] = _(
                    "Finding %(n)s: a photo did not arrive. Send again."
                ) % {"n": i + 1}
            else:
                photos.append(upload)
        findings.append(
            FindingInput(
                type=str(item.get("type") or ""),
                description=str(item.get("description") or ""),
                outcome=str(item.get("outcome") or ""),
                fixed_note=str(item.get("fixed_note") or ""),
                lat=_decimal(item.get("lat"), f"findings-{i}-position", errors),
                lng=_decimal(item.get("lng"), f"findings-{i}-position", errors),
                accuracy_m=_decimal(item.get("accuracy"), f"findings-{i}-accuracy", errors),
                photos=photos,
            )
        )
    started_at = _moment(data.get("started_at"), "started_at", errors)
    ended_at = _moment(data.get("ended_at"), "ended_at", errors)
    if errors:
        raise ValidationError(errors)
    return {
        "client_uuid": client_uuid,
        "grid_id": grid_id,
        "place": str(data.get("place") or ""),
        "started_at": started_at,
        "ended_at": ended_at,
        "household_ids": household_ids,
        "findings": findings,
    }
