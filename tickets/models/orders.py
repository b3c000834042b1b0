"""Work orders (工单): intake, the workflow's timeline, deadlines and urging (the supervision
team's tables: `supervision.py`; the intake API's clients: `api.py`).

Every change of an order's state goes through `tickets.services` as a compare-and-set on the
old state and leaves an immutable `TimelineEvent` (the database refuses to change or delete
one). Orders are not audited by pghistory as well: the timeline is their history, and the
five-minute sweep's flag updates would otherwise fill the audit tables with noise.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from huaisi.roles import Level


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    VERY_URGENT = "very_urgent", _("Very urgent")


class Source(models.TextChoices):
    HOTLINE = "hotline", _("12345 hotline")
    MAYOR = "mayor", _("Message to the mayor")
    GRID = "grid", _("Grid report")
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone")
    PROACTIVE = "proactive", _("Proactive discovery")


class State(models.TextChoices):
    NEW = "new", _("New")
    DISPATCHED = "dispatched", _("Dispatched")
    RETURNED = "returned", _("Returned")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    REWORK = "rework", _("Re-handling")
    REPLIED = "replied", _("Replied")
    REVIEWED = "reviewed", _("Awaiting callback")
    CALLED_BACK = "called_back", _("Called back")
    CLOSED = "closed", _("Closed")
    DUPLICATE = "duplicate", _("Duplicate")


# States in which a unit holds the order and the clock runs: acceptance while dispatched, the
# reply deadline from acceptance until the reply.
ACCEPT_CLOCK_STATES = (State.DISPATCHED,)
REPLY_CLOCK_STATES = (State.ACCEPTED, State.IN_PROGRESS, State.REWORK)
# While the lead unit handles the order, its co-handling units send their part (协办意见).
CO_OPINION_STATES = (State.DISPATCHED, *REPLY_CLOCK_STATES)
CLOCK_STATES = ACCEPT_CLOCK_STATES + REPLY_CLOCK_STATES
FINAL_STATES = (State.CLOSED, State.DUPLICATE)
OPEN_STATES = tuple(s for s in State.values if s not in FINAL_STATES)
# What a unit's inbox lists as done with: closed, marked duplicate, or returned by the unit.
UNIT_DONE_STATES = (State.CLOSED, State.RETURNED, State.DUPLICATE)


class Satisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class Unit(models.Model):
    """Who handles orders: a town department or a village (community).

    One row per department or village, made on first use (`services.unit_for`). The handlers
    of a department unit hold the department handler role on it; of a village unit, the village
    clerk role. Naming the unit, not the person, keeps an order with the unit when staff change.
    """

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+")
    department = models.OneToOneField(
        "grids.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="unit"
    )
    village = models.OneToOneField(
        "grids.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="unit"
    )

    area_paths = {Level.TOWN: "town", Level.VILLAGE: "village", Level.DEPARTMENT: "department"}

    class Meta:
        verbose_name = _("handling unit")
        verbose_name_plural = _("handling units")
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=False, village__isnull=True)
                | Q(department__isnull=True, village__isnull=False),
                name="unit_department_xor_village",
            ),
        ]

    def __str__(self) -> str:
        return str(self.department or self.village)

    @property
    def is_department(self) -> bool:
        return self.department_id is not None


class Category(models.Model):
    """A two-level tree per town (environment → straw burning). Orders take either level."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    name = models.CharField(_("name"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    area_paths = {Level.TOWN: "town"}

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "parent", "name"],
                nulls_distinct=False,
                name="category_name_unique",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="category_name_not_blank"),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="category_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class DeadlineRule(models.Model):
    """Time to accept (working hours) and to reply (working days) for a category and urgency.

    A sub-category without its own rule uses its parent's; without either, the defaults in
    `services.DEFAULT_RULES` apply."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="rules")
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices)
    accept_working_hours = models.PositiveSmallIntegerField(_("working hours to accept"))
    reply_working_days = models.PositiveSmallIntegerField(_("working days to reply"))

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        constraints = [
            models.UniqueConstraint(fields=["category", "urgency"], name="deadlinerule_unique"),
            models.CheckConstraint(
                condition=Q(accept_working_hours__gte=1, reply_working_days__gte=1),
                name="deadlinerule_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.get_urgency_display()}"


class OrderCounter(models.Model):
    """The last order number given out in a town on a day (Asia/Shanghai); bumped with one
    `INSERT … ON CONFLICT DO UPDATE … RETURNING`, so two intakes never share a number."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["town", "day"], name="ordercounter_unique")]

    def __str__(self) -> str:
        return f"{self.town_id} · {self.day} · {self.last}"


class WorkOrder(models.Model):
    """One citizen's matter, from intake to closing.

    Deadlines are stored as moments, computed in working time when the order is dispatched
    (and moved by re-handling and approved extensions): `*_due` the deadline, `*_warn_at` when
    it turns yellow, `*_escalate_at` when an overdue order gets a supervision order (督办). The
    sweep keeps `overdue` / `due_soon` true to the clock of the current stage.
    """

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("order number"), max_length=20)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    upstream_number = models.CharField(_("city platform number"), max_length=40, blank=True)
    upstream_deadline = models.DateTimeField(_("city platform deadline"), null=True, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="orders", verbose_name=_("category")
    )
    title = models.CharField(_("title"), max_length=120)
    # Plain text: templates escape it like any other value, so HTML in it shows as text.
    description = models.TextField(_("description"), max_length=5000)
    caller_name = models.CharField(_("caller name"), max_length=50, blank=True)
    caller_phone = models.CharField(_("caller phone"), max_length=20, blank=True)
    village = models.ForeignKey(
        "grids.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village"),
    )
    grid = models.ForeignKey(
        "grids.Grid",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("grid"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.NEW)

    lead_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_orders",
        verbose_name=_("lead unit"),
    )
    co_units = models.ManyToManyField(
        Unit, through="CoHandling", related_name="co_orders", verbose_name=_("co-handling units")
    )
    # 个人签收: the lead unit's handler who took the order on (empty until one does; cleared
    # when the order leaves the unit, by a return or a new dispatch).
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_orders",
        verbose_name=_("handler"),
    )

    dispatched_at = models.DateTimeField(null=True, blank=True)
    accept_due = models.DateTimeField(_("accept by"), null=True, blank=True)
    accept_warn_at = models.DateTimeField(null=True, blank=True)
    accept_escalate_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    reply_due = models.DateTimeField(_("reply by"), null=True, blank=True)
    reply_warn_at = models.DateTimeField(null=True, blank=True)
    reply_escalate_at = models.DateTimeField(null=True, blank=True)
    # The first reply counts for timeliness; the last one is what the caller was told.
    first_replied_at = models.DateTimeField(null=True, blank=True)
    # Whether that first reply met the reply deadline of the time (later extensions or a
    # re-handling's fresh deadline do not rewrite it).
    replied_on_time = models.BooleanField(null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    reply_text = models.TextField(_("reply"), blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    handled_on_spot = models.BooleanField(_("handled on the spot"), default=False)

    due_soon = models.BooleanField(_("due soon"), default=False)
    overdue = models.BooleanField(_("overdue"), default=False)
    urge_count = models.PositiveSmallIntegerField(_("urging notices"), default=0)
    supervise_count = models.PositiveSmallIntegerField(_("supervision orders"), default=0)
    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("re-handlings"), default=0)

    excluded_from_assessment = models.BooleanField(_("left out of assessment"), default=False)
    exclusion_reason = models.CharField(_("reason left out"), max_length=500, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("received at"))
    updated_at = models.DateTimeField(auto_now=True)

    # Where the order lies; a department sees the orders it leads. Co-handling units and a
    # village's inbox go through `selectors.orders_for_user`, which adds the unit's orders.
    area_paths = {
        Level.TOWN: "town",
        Level.VILLAGE: "village",
        Level.GRID: "grid",
        Level.DEPARTMENT: "lead_unit__department",
    }

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        constraints = [
            models.UniqueConstraint(fields=["town", "number"], name="workorder_number_unique"),
            models.UniqueConstraint(
                fields=["source", "upstream_number"],
                condition=~Q(upstream_number=""),
                name="workorder_upstream_unique",
            ),
            models.CheckConstraint(
                condition=Q(number__regex=r"^HS[0-9]{12,}$"), name="workorder_number_format"
            ),
            models.CheckConstraint(
                condition=Q(state__in=State.values), name="workorder_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(caller_phone="") | Q(caller_phone__regex=r"^[0-9][0-9-]{2,19}$"),
                name="workorder_caller_phone_format",
            ),
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lng__isnull=True))
                | (Q(lat__gte=-90, lat__lte=90) & Q(lng__gte=-180, lng__lte=180)),
                name="workorder_position_valid",
            ),
            models.CheckConstraint(
                condition=Q(state="duplicate", duplicate_of__isnull=False)
                | (~Q(state="duplicate") & Q(duplicate_of__isnull=True)),
                name="workorder_duplicate_has_original",
            ),
            models.CheckConstraint(
                condition=~Q(duplicate_of=F("pk")), name="workorder_not_own_duplicate"
            ),
            models.CheckConstraint(
                condition=Q(excluded_from_assessment=False) | ~Q(exclusion_reason=""),
                name="workorder_exclusion_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["new", "duplicate"])
                | Q(lead_unit__isnull=False)
                | Q(handled_on_spot=True),
                name="workorder_handled_has_unit",
            ),
        ]
        indexes = [
            models.Index(fields=["town", "state", "created_at"], name="workorder_board"),
            models.Index(fields=["lead_unit", "state"], name="workorder_unit_state"),
            # A handler's "mine" in the unit inbox.
            models.Index(
                fields=["handler", "state"],
                condition=Q(handler__isnull=False),
                name="workorder_handler_state",
            ),
            models.Index(
                fields=["state"], condition=Q(state__in=CLOCK_STATES), name="workorder_clock"
            ),
            models.Index(fields=["town", "caller_phone"], name="workorder_caller_phone"),
            models.Index(fields=["town", "address"], name="workorder_address"),
            models.Index(fields=["lead_unit", "dispatched_at"], name="workorder_unit_month"),
            # The board and the inbox read a million orders' worth of history through these
            # partial indexes: the open ones stay small however many orders were ever closed,
            # and the closed ones give the newest first without sorting them all.
            # Board counts, index-only (COUNT(id) reads the included id).
            models.Index(
                fields=["town", "state", "overdue", "due_soon"],
                include=["id"],
                condition=Q(state__in=OPEN_STATES),
                name="workorder_open_counts",
            ),
            # The board's "open" view, newest first.
            models.Index(
                fields=["town", "-created_at"],
                condition=Q(state__in=OPEN_STATES),
                name="workorder_open_recent",
            ),
            # Each unit's load on the board, index-only.
            models.Index(
                fields=["lead_unit", "overdue", "due_soon"],
                include=["id"],
                condition=Q(state__in=CLOCK_STATES),
                name="workorder_unit_load",
            ),
            # The board's "closed" view and a unit's "closed" tab, newest first.
            models.Index(
                fields=["town", "-closed_at", "-id"],
                condition=Q(state__in=FINAL_STATES),
                name="workorder_town_closed",
            ),
            models.Index(
                fields=["lead_unit", "-closed_at", "-id"],
                condition=Q(state__in=UNIT_DONE_STATES),
                name="workorder_unit_done",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def current_due(self):
        """The deadline of the stage the order is in, if its clock runs."""
        if self.state in ACCEPT_CLOCK_STATES:
            return self.accept_due
        if self.state in REPLY_CLOCK_STATES:
            return self.reply_due
        return None

    @property
    def deadline_colour(self) -> str:
        """'red' overdue, 'yellow' due soon, '' otherwise (as the sweep last saw it)."""
        if self.overdue:
            return "red"
        return "yellow" if self.due_soon else ""


class CoHandling(models.Model):
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="co_handlings")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "unit"], name="cohandling_unique"),
        ]
        # A unit's inbox: the orders it co-handles (the unique index leads with the order).
        indexes = [models.Index(fields=["unit", "order"], name="cohandling_unit")]

    def __str__(self) -> str:
        return f"{self.order_id} · {self.unit_id}"


class Action(models.TextChoices):
    CREATE = "create", _("Received")
    DISPATCH = "dispatch", _("Dispatched")
    ACCEPT = "accept", _("Accepted")
    START = "start", _("Started")
    RETURN = "return", _("Returned")
    EXTENSION_REQUEST = "extension_request", _("Extension requested")
    EXTENSION_APPROVE = "extension_approve", _("Extension approved")
    EXTENSION_REFUSE = "extension_refuse", _("Extension refused")
    REPLY = "reply", _("Replied")
    CO_OPINION = "co_opinion", _("Co-handling opinion")
    REVIEW_APPROVE = "review_approve", _("Reply approved")
    REVIEW_REJECT = "review_reject", _("Reply sent back")
    CALLBACK = "callback", _("Called back")
    REWORK = "rework", _("Sent for re-handling")
    CLOSE = "close", _("Closed")
    ON_SPOT = "on_spot", _("Handled on the spot")
    DUPLICATE = "duplicate", _("Marked duplicate")
    JOINT_MEETING = "joint_meeting", _("Joint handling meeting")
    EXCLUDE = "exclude", _("Left out of assessment")
    URGE = "urge", _("Urging notice")
    SUPERVISE = "supervise", _("Supervision order")
    CALENDAR = "calendar", _("Deadline moved by the holiday calendar")
    CLAIM = "claim", _("Taken on by a handler")


class TimelineEvent(models.Model):
    """One step of an order's story. Written once; the database refuses UPDATE and DELETE.

    `actor` is empty for the system (the deadline sweep) and the city platform's intake."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="timeline")
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("time"))
    note = models.TextField(_("note"), blank=True)
    from_state = models.CharField(max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=State.choices, blank=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Action details for display: co-handling unit names, the satisfaction, the new deadline.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        indexes = [
            models.Index(fields=["order", "at"], name="timeline_order_at"),
            # The audit trail (/audit/) reads the newest events of the whole town first.
            models.Index(fields=["-at", "-id"], name="timeline_newest"),
        ]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} · {self.action} · {self.at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    """A photo or document attached to a step of the timeline (and so, like it, unchangeable)."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(TimelineEvent, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="tickets/%Y/%m/")
    thumbnail = models.FileField(upload_to="tickets/%Y/%m/thumbs/", blank=True)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ExtensionRequest(models.Model):
    """延期申请: the unit asks for more working days; the command centre decides. Kept for good,
    approved or refused; at most one is pending per order."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="extensions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    working_days = models.PositiveSmallIntegerField(_("extra working days"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    old_due = models.DateTimeField()
    new_due = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="pending"), name="extension_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(working_days__gte=1, working_days__lte=30),
                name="extension_days_range",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="extension_reason_given"),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="extension_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(new_due__isnull=False),
                name="extension_approved_has_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} +{self.working_days} · {self.status}"


class Callback(models.Model):
    """回访: what the caller said of the answer. Satisfaction rates count these rows."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="callbacks")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=16, choices=Satisfaction.choices)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        indexes = [models.Index(fields=["unit", "at"], name="callback_unit_at")]

    def __str__(self) -> str:
        return f"{self.order_id} · {self.result}"


class JointMeeting(models.Model):
    """联席会办: the command centre meets several units over one order and names its lead."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="meetings")
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    held_at = models.DateTimeField(_("held at"))
    attendee_units = models.ManyToManyField(Unit, related_name="+", verbose_name=_("units"))
    attendee_names = models.TextField(_("attendees"))
    minutes = models.TextField(_("minutes"))
    decisions = models.TextField(_("decisions"))
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("lead unit")
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("joint handling meeting")
        verbose_name_plural = _("joint handling meetings")

    def __str__(self) -> str:
        return f"{self.order_id} · {self.held_at:%Y-%m-%d}"


class NoticeKind(models.TextChoices):
    URGE = "urge", _("Urging notice")
    SUPERVISE = "supervise", _("Supervision order")


class Phase(models.TextChoices):
    ACCEPT = "accept", _("Acceptance")
    REPLY = "reply", _("Reply")


class UrgingNotice(models.Model):
    """催办 (overdue) and 督办 (overdue past the escalation point), issued by the sweep.

    One per order, kind, stage and deadline (UNIQUE): the sweep inserts with ON CONFLICT DO
    NOTHING, so a re-run issues nothing new, while a moved deadline (an extension, a
    re-handling) that passes in its turn gets its own notices."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="notices")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    phase = models.CharField(_("stage"), max_length=16, choices=Phase.choices)
    due_at = models.DateTimeField(_("deadline"))
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("urging or supervision notice")
        verbose_name_plural = _("urging and supervision notices")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind", "phase", "due_at"], name="notice_once_per_deadline"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} · {self.kind} · {self.phase}"


class Notification(models.Model):
    """An in-app notice for one user about one order. The text is rendered from `kind` in the
    reader's language, so nothing language-bound is stored."""

    class Kind(models.TextChoices):
        DISPATCHED = "dispatched", _("An order was dispatched to your unit")
        CO_HANDLING = "co_handling", _("Your unit was asked to help with an order")
        RETURNED = "returned", _("A unit returned an order")
        EXTENSION_REQUESTED = "extension_requested", _("A unit asked for more time")
        EXTENSION_DECIDED = "extension_decided", _("Your extension request was decided")
        REPLIED = "replied", _("A unit replied to an order")
        CO_OPINION = "co_opinion", _("A co-handling unit sent its opinion")
        SENT_BACK = "sent_back", _("A reply was sent back")
        REWORK = "rework", _("An order must be handled again")
        URGE = "urge", _("Urging notice: an order is overdue")
        SUPERVISE = "supervise", _("Supervision order: an order is long overdue")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_notifications"
    )
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.kind} · {self.order_id}"


class CallerPhoneReveal(models.Model):
    """Who saw an order's full caller number, and when (PIPL): the command centre calls the
    caller back and the lead unit's handlers may need to call; everyone else, and every page
    until someone asks, sees the number masked. One row per click; never changed."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="phone_reveals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("caller number reveal")
        verbose_name_plural = _("caller number reveals")
        indexes = [models.Index(fields=["order", "-at"], name="phonereveal_order_at")]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} · {self.user_id} · {self.at:%Y-%m-%d %H:%M}"
