"""The product's one audit mechanism: django-pghistory, written by database triggers so that no
change escapes it (services, imports, bulk updates and raw SQL alike).

Models opt in with `@tracked()`. Insert events keep the new row; update and delete events keep
the row as it was *before* the change, so every change can be shown with its old and new
values even for rows that were loaded without an insert event. The request's user and page
come from pghistory's middleware; background jobs wrap their writes in `pghistory.context`.
"""

from dataclasses import dataclass, field

import pghistory
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Model
from pghistory.models import Events

from .privacy import mask_id_number, mask_phone

MASKS = {"id_number": mask_id_number, "phone": mask_phone, "caller_phone": mask_phone}
HIDDEN = {"id", "updated_at", "name_initials", "name_pinyin"}


def tracked(*, exclude: tuple[str, ...] = ()):
    """The product's audit trail on a model. EXCLUDE: fields the database derives from other
    rows (their changes are the history of those rows, not edits of this one)."""
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(row=pghistory.Old),
        pghistory.DeleteEvent(),
        exclude=list(exclude) or None,
    )


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: object
    who: str
    page: str
    action: str  # insert / update / delete
    changes: list[Change] = field(default_factory=list)


def _display(model: type[Model], name: str, value, related: dict) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name in MASKS:
        return MASKS[name](str(value))
    try:
        model_field = model._meta.get_field(name.removesuffix("_id"))
    except FieldDoesNotExist:
        return str(value)
    if model_field.is_relation:
        return related.get((model_field.related_model, value), str(value))
    base = getattr(model_field, "base_field", None)
    if base is not None:
        choices = dict(base.flatchoices or [])
        return "、".join(str(choices.get(v, v)) for v in value)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    choices = dict(model_field.flatchoices or [])
    return str(choices.get(value, value))


def _label(model: type[Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name.removesuffix("_id")).verbose_name)
    except FieldDoesNotExist:
        return name


def _related_names(model: type[Model], pairs: list[dict]) -> dict:
    """What each foreign key in the changes points at, by (model, id): one query per model."""
    wanted: dict = {}
    for changed in pairs:
        for name, values in changed.items():
            try:
                model_field = model._meta.get_field(name.removesuffix("_id"))
            except FieldDoesNotExist:
                continue
            if model_field.is_relation:
                wanted.setdefault(model_field.related_model, set()).update(
                    v for v in values if v is not None
                )
    return {
        (related_model, obj.pk): str(obj)
        for related_model, ids in wanted.items()
        for obj in related_model._default_manager.filter(pk__in=ids)
    }


def _current_row(obj: Model) -> dict:
    """The row as PostgreSQL serialises it, to compare with the event snapshots."""
    table = connection.ops.quote_name(obj._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT row_to_json(t) FROM {table} t WHERE id = %s", [obj.pk])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else {}


def history_of(obj: Model, *, limit: int = 50) -> list[HistoryEntry]:
    """Newest first: when, who (name), which page, and each changed field old → new."""
    model = type(obj)
    events = list(Events.objects.tracks(obj).order_by("-pgh_created_at", "-pgh_id")[:limit])
    events.reverse()
    user_ids = {
        e.pgh_context.get("user") for e in events if e.pgh_context and e.pgh_context.get("user")
    }
    names = {
        u.pk: u.first_name or u.username
        for u in get_user_model()
        .objects.filter(pk__in=user_ids)
        .only("pk", "first_name", "username")
    }
    current = _current_row(obj) if events else {}
    pairs = []
    for index, event in enumerate(events):
        if event.pgh_label != "update":
            pairs.append({})
            continue
        before = event.pgh_data
        after = events[index + 1].pgh_data if index + 1 < len(events) else current
        pairs.append(
            {
                name: (old, after.get(name))
                for name, old in before.items()
                if name not in HIDDEN and not name.startswith("pgh_") and old != after.get(name)
            }
        )
    related = _related_names(model, pairs)
    entries = []
    for event, changed in zip(events, pairs, strict=True):
        context = event.pgh_context or {}
        changes = [
            Change(
                _label(model, name),
                _display(model, name, old, related),
                _display(model, name, new, related),
            )
            for name, (old, new) in changed.items()
        ]
        entries.append(
            HistoryEntry(
                at=event.pgh_created_at,
                who=names.get(context.get("user"), "—"),
                page=context.get("url", ""),
                action=event.pgh_label,
                changes=changes,
            )
        )
    entries.reverse()
    return entries
