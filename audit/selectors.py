"""The town's audit trail (审计日志): who changed what, when, and from what to what.

It reads three records that already exist rather than keeping a fourth: the register's
pghistory events (households, houses, residents), the points ledger's own columns (an entry is
recorded, then approved or rejected, and a reversal is another entry), and the work orders'
append-only timeline. Each is read newest first with LIMIT page+1 from a keyset cursor, and the
streams are merged in Python: no COUNT and no OFFSET, so the cost of a page does not grow with
the tables, and the number of queries does not grow with the page.
"""

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from huaisi.access import grants_for
from huaisi.audit import HIDDEN, Change, _display, _label, _related_names
from huaisi.roles import Level, RoleKind
from points.models import Entry
from tickets.models import TimelineEvent, WorkOrder

PAGE_SIZE = 50


class Kind:
    REGISTER = "register"
    POINTS = "points"
    ORDERS = "orders"
    CHOICES = [
        ("", _("Everything")),
        (REGISTER, _("Register")),
        (POINTS, _("Point entries")),
        (ORDERS, _("Work orders")),
    ]


# The register's tracked models: the path from the event snapshot to its town, the URL of the
# object's page, and the snapshot field that names the object. The rank orders rows that share
# a timestamp, so the keyset cursor is a total order across all streams.
REGISTER_MODELS = (
    # (rank, model, town path, url name, label field)
    (1, "House", "village__town", "house-detail", "address"),
    (2, "Household", "microgrid__grid__village__town", "household-detail", "number"),
    (3, "Resident", "household__microgrid__grid__village__town", "resident-detail", "name"),
)
RANK_RECORDED = 4
RANK_REVIEWED = 5
RANK_TIMELINE = 6

ACTIONS = {
    "insert": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
}


@dataclass
class AuditLine:
    at: datetime.datetime
    rank: int
    pk: int
    kind: str
    user_id: int | None
    model: str
    obj: str
    url: str
    action: str
    changes: list[Change] = field(default_factory=list)
    note: str = ""
    username: str = ""
    name: str = ""

    @property
    def cursor(self) -> str:
        return f"{self.at.isoformat()}|{self.rank}|{self.pk}"


@dataclass(frozen=True)
class Cursor:
    at: datetime.datetime
    rank: int
    pk: int

    @classmethod
    def parse(cls, raw: str) -> "Cursor | None":
        try:
            at_raw, rank, pk = raw.split("|")
            at = parse_datetime(at_raw)
            return cls(at, int(rank), int(pk)) if at and timezone.is_aware(at) else None
        except ValueError:
            return None


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _window(
    qs: QuerySet, *, at: str, pk: str, rank: int, cursor: Cursor | None, filters
) -> QuerySet:
    """The rows of one stream after `cursor` in the order (at, rank, pk) descending, within the
    date range, newest first, one more than a page."""
    if filters.get("date_from"):
        qs = qs.filter(**{f"{at}__gte": _day_start(filters["date_from"])})
    if filters.get("date_to"):
        qs = qs.filter(**{f"{at}__lt": _day_start(filters["date_to"] + datetime.timedelta(days=1))})
    if cursor is not None:
        earlier = Q(**{f"{at}__lt": cursor.at})
        if rank < cursor.rank:
            earlier |= Q(**{at: cursor.at})
        elif rank == cursor.rank:
            earlier |= Q(**{at: cursor.at, f"{pk}__lt": cursor.pk})
        qs = qs.filter(earlier)
    return qs.order_by(f"-{at}", f"-{pk}")[: PAGE_SIZE + 1]


def _in_towns(qs: QuerySet, path: str, towns: list[int] | None) -> QuerySet:
    return qs if towns is None else qs.filter(**{f"{path}__in": towns})


def _register_lines(towns, filters, cursor) -> list[AuditLine]:
    lines = []
    for rank, model_name, town_path, url_name, label_field in REGISTER_MODELS:
        model = apps.get_model("households", model_name)
        event_model = apps.get_model("households", f"{model_name}Event")
        # The fields the audit trail keeps (a derived field such as a resident's village is not).
        kept = {f.attname for f in event_model._meta.concrete_fields}
        tracked = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in HIDDEN and f.attname in kept
        ]
        following = event_model.objects.filter(
            pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__gt=OuterRef("pgh_id")
        ).order_by("pgh_id")
        qs = _in_towns(event_model.objects.all(), town_path, towns).select_related("pgh_context")
        if filters.get("user"):
            qs = qs.filter(pgh_context__metadata__user=filters["user"].pk)
        qs = qs.annotate(next_pgh_id=Subquery(following.values("pgh_id")[:1]))
        events = list(
            _window(qs, at="pgh_created_at", pk="pgh_id", rank=rank, cursor=cursor, filters=filters)
        )
        updates = [e for e in events if e.pgh_label == "update"]
        next_ids = {e.next_pgh_id for e in updates if e.next_pgh_id}
        current_ids = {e.pgh_obj_id for e in updates if not e.next_pgh_id}
        after_rows = (
            {
                row["pgh_id"]: row
                for row in event_model.objects.filter(pgh_id__in=next_ids).values(
                    "pgh_id", *tracked
                )
            }
            if next_ids
            else {}
        )
        current_rows = (
            {
                row["id"]: row
                for row in model._default_manager.filter(pk__in=current_ids).values("id", *tracked)
            }
            if current_ids
            else {}
        )
        pairs = []
        for event in updates:
            after = (
                after_rows.get(event.next_pgh_id, {})
                if event.next_pgh_id
                else current_rows.get(event.pgh_obj_id, {})
            )
            pairs.append(
                {
                    name: (getattr(event, name), after.get(name))
                    for name in tracked
                    if getattr(event, name) != after.get(name)
                }
            )
        related = _related_names(model, pairs)
        changed_by_event = dict(zip((e.pgh_id for e in updates), pairs, strict=True))
        for event in events:
            context = event.pgh_context.metadata if event.pgh_context else {}
            changes = [
                Change(_label(model, name), _display(model, name, old, related),
                       _display(model, name, new, related))
                for name, (old, new) in changed_by_event.get(event.pgh_id, {}).items()
            ]  # fmt: skip
            lines.append(
                AuditLine(
                    at=event.pgh_created_at,
                    rank=rank,
                    pk=event.pgh_id,
                    kind=Kind.REGISTER,
                    user_id=context.get("user"),
                    model=str(model._meta.verbose_name),
                    obj=str(getattr(event, label_field)),
                    url=""
                    if event.pgh_label == "delete"
                    else reverse(url_name, args=[event.pgh_obj_id]),
                    action=str(ACTIONS.get(event.pgh_label, event.pgh_label)),
                    changes=changes,
                )
            )
    return lines


def _entry_lines(towns, filters, cursor) -> list[AuditLine]:
    base = _in_towns(
        Entry.objects.select_related("household", "rule"),
        "household__microgrid__grid__village__town",
        towns,
    )
    recorded = base
    reviewed = base.filter(reviewed_at__isnull=False)
    if filters.get("user"):
        recorded = recorded.filter(recorded_by=filters["user"])
        reviewed = reviewed.filter(reviewed_by=filters["user"])
    model = str(Entry._meta.verbose_name)
    lines = []
    for entry in _window(
        recorded, at="recorded_at", pk="id", rank=RANK_RECORDED, cursor=cursor, filters=filters
    ):
        reversal = entry.source == Entry.Source.REVERSAL
        lines.append(
            AuditLine(
                at=entry.recorded_at, rank=RANK_RECORDED, pk=entry.pk, kind=Kind.POINTS,
                user_id=entry.recorded_by_id, model=model,
                obj=f"{entry.household.number} · {entry.rule.code} · {entry.points:+d}",
                url=reverse("entry-detail", args=[entry.pk]),
                action=str(_("recorded a reversal") if reversal else _("recorded")),
                note=entry.basis,
            )
        )  # fmt: skip
    for entry in _window(
        reviewed, at="reviewed_at", pk="id", rank=RANK_REVIEWED, cursor=cursor, filters=filters
    ):
        approved = entry.status == Entry.Status.APPROVED
        lines.append(
            AuditLine(
                at=entry.reviewed_at, rank=RANK_REVIEWED, pk=entry.pk, kind=Kind.POINTS,
                user_id=entry.reviewed_by_id, model=model,
                obj=f"{entry.household.number} · {entry.rule.code} · {entry.points:+d}",
                url=reverse("entry-detail", args=[entry.pk]),
                action=str(_("approved") if approved else _("rejected")),
                changes=[Change(str(_("status")), str(Entry.Status.PENDING.label),
                                entry.get_status_display())],
                note="" if approved else entry.reject_reason,
            )
        )  # fmt: skip
    return lines


def _timeline_lines(towns, filters, cursor) -> list[AuditLine]:
    qs = _in_towns(TimelineEvent.objects.select_related("order"), "order__town", towns)
    if filters.get("user"):
        qs = qs.filter(actor=filters["user"])
    model = str(WorkOrder._meta.verbose_name)
    lines = []
    for event in _window(qs, at="at", pk="id", rank=RANK_TIMELINE, cursor=cursor, filters=filters):
        changes = []
        if event.from_state != event.to_state and (event.from_state or event.to_state):
            changes.append(
                Change(
                    str(_("state")),
                    event.get_from_state_display() or "—",
                    event.get_to_state_display() or "—",
                )
            )
        lines.append(
            AuditLine(
                at=event.at, rank=RANK_TIMELINE, pk=event.pk, kind=Kind.ORDERS,
                user_id=event.actor_id, model=model,
                obj=f"{event.order.number} {event.order.title}",
                url=reverse("order-detail", args=[event.order_id]),
                action=event.get_action_display(), changes=changes, note=event.note,
            )
        )  # fmt: skip
    return lines


def audit_lines(*, towns: list[int] | None, filters: dict) -> tuple[list[AuditLine], bool]:
    """One page of the trail, newest first, and whether an older page exists."""
    kind = filters.get("kind")
    cursor = filters.get("before")
    lines: list[AuditLine] = []
    if kind in ("", None, Kind.REGISTER):
        lines += _register_lines(towns, filters, cursor)
    if kind in ("", None, Kind.POINTS):
        lines += _entry_lines(towns, filters, cursor)
    if kind in ("", None, Kind.ORDERS):
        lines += _timeline_lines(towns, filters, cursor)
    lines.sort(key=lambda line: (line.at, line.rank, line.pk), reverse=True)
    page, more = lines[:PAGE_SIZE], len(lines) > PAGE_SIZE
    user_ids = {line.user_id for line in page if line.user_id}
    users = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(pk__in=user_ids)
        .only("pk", "username", "first_name", "last_name")
    } if user_ids else {}  # fmt: skip
    for line in page:
        user = users.get(line.user_id)
        if user is not None:
            line.username = user.username
            line.name = user.get_full_name()
    return page, more


def audit_towns_of(*, user) -> list[int] | None:
    """None for superusers (every town), else the towns the user administers."""
    if user.is_superuser:
        return None
    return sorted(
        {g.ancestors[Level.TOWN] for g in grants_for(user) if g.kind == RoleKind.TOWN_ADMIN}
    )
