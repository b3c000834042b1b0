"""Reads of work orders, scoped to what the user may see.

Who sees an order: the town's roles (command centre, supervision, administrator) all of the
town's; village and grid staff those located in their village or grid (`visible_to` through
`WorkOrder.area_paths`); handlers those their unit leads or co-handles, wherever located (a
village clerk also handles the orders sent to the village as a unit). Outside that an order
answers 404.
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from grids.models import Town
from huaisi.access import grants_for, visible_to
from huaisi.roles import CAPABILITIES, Capability, Level

from ..models import (
    CLOCK_STATES,
    FINAL_STATES,
    OPEN_STATES,
    UNIT_DONE_STATES,
    ApiClient,
    Attachment,
    BoardView,
    CallerPhoneReveal,
    Category,
    CoHandling,
    ExtensionRequest,
    JointMeeting,
    Notification,
    Source,
    State,
    TimelineEvent,
    Unit,
    UrgingNotice,
    WorkOrder,
    api_token_hash,
)

LIST_RELATED = (
    "category__parent",
    "lead_unit__department",
    "lead_unit__village",
    "village",
    "grid",
)


def with_list_related(orders: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """What a row of the board or the inbox shows (category, lead unit, village, grid), read
    beside the page's orders rather than joined into them: an eight-table join takes
    PostgreSQL 10-20 ms just to plan, on every request, more than the page's whole budget,
    while each small `IN (…)` query plans in a fraction of a millisecond."""
    return orders.select_related("category__parent", "handler").prefetch_related(
        Prefetch("lead_unit", queryset=Unit.objects.select_related("department", "village")),
        "village",
        "grid",
    )


def handler_units(*, user) -> QuerySet[Unit]:
    """The units the user handles orders for (no query until evaluated)."""
    if not user.is_authenticated or not user.is_active:
        return Unit.objects.none()
    allowed = CAPABILITIES[Capability.HANDLE_TICKETS]
    departments, villages = [], []
    for grant in grants_for(user):
        if grant.kind not in allowed:
            continue
        if grant.level == Level.DEPARTMENT:
            departments.append(grant.ancestors[Level.DEPARTMENT])
        elif grant.level == Level.VILLAGE:
            villages.append(grant.ancestors[Level.VILLAGE])
    if not departments and not villages:
        return Unit.objects.none()
    return Unit.objects.filter(Q(department_id__in=departments) | Q(village_id__in=villages))


def _of_units(units: QuerySet[Unit]) -> Q:
    unit_ids = units.values("pk")
    return Q(lead_unit__in=unit_ids) | Q(
        Exists(CoHandling.objects.filter(order=OuterRef("pk"), unit__in=unit_ids))
    )


def orders_for_user(*, user) -> QuerySet[WorkOrder]:
    """Every order the user may see (a queryset to filter further)."""
    orders = WorkOrder.objects.all()
    scoped = visible_to(user, orders, capability=Capability.VIEW_TICKETS)
    if user.is_authenticated and user.is_superuser:
        return scoped
    units = handler_units(user=user)
    if units.query.is_empty():
        return scoped
    return scoped | orders.filter(_of_units(units))


def order_get_for_user(*, user, pk: int) -> WorkOrder:
    """One order with what its page shows: units, co-handlers, timeline with files,
    extension requests. 404 when the user may not see it."""
    timeline = (
        TimelineEvent.objects.select_related("actor", "unit__department", "unit__village")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("at", "pk")
    )
    order = (
        orders_for_user(user=user)
        .select_related(*LIST_RELATED, "town", "duplicate_of", "created_by", "score")
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise Http404
    lookups = [Prefetch("timeline", queryset=timeline)]
    if never_dispatched(order):
        # Co-handling units and extension requests come with a dispatch: a new order has none,
        # and the command centre opens every new order, so they are not asked for.
        order._prefetched_objects_cache = {
            "co_units": Unit.objects.none(),
            "extensions": ExtensionRequest.objects.none(),
        }
    else:
        lookups += [
            Prefetch("co_units", queryset=Unit.objects.select_related("department", "village")),
            Prefetch(
                "extensions",
                queryset=ExtensionRequest.objects.select_related(
                    "requested_by", "decided_by"
                ).order_by("requested_at"),
            ),
        ]
    prefetch_related_objects([order], *lookups)
    return order


def never_dispatched(order: WorkOrder) -> bool:
    """A new order: nothing a dispatch brings (co-handling units, extension requests, urging
    notices, joint meetings) can exist yet. Every way out of NEW leaves it for good."""
    return order.state == State.NEW


class _AmongIds(Func):
    """`column = ANY(ARRAY(subquery))`: the subquery runs once, then each id is one primary-key
    lookup. (`column IN (subquery)` lets PostgreSQL hash it against every order, behind the
    page's joins, at a million orders.)"""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()


INBOX_WHO = ("all", "mine", "unassigned")


def unit_inbox(*, user, states=OPEN_STATES, units=None, upto: int | None = None, who: str = "all"):
    """The orders the user's units lead or co-handle in STATES: overdue first, then by
    deadline; orders the units are done with (`UNIT_DONE_STATES`) newest first.

    UNITS: the user's units when the caller has them already (else one query reads them).
    WHO: "all", or among the orders the units lead, "mine" (the user took them on, 个人签收)
    or "unassigned" (no handler yet); co-handled orders have their handler in the lead unit.
    UPTO: how many of the first rows the caller reads (a page's end). "Leads or co-handles"
    is two index-friendly halves, each cut to UPTO rows in its own order before they are
    joined, rather than an OR that makes PostgreSQL read every order a unit ever had.
    """
    if units is None:
        units = handler_units(user=user)
    unit_ids = [u.pk for u in units]
    if not unit_ids:
        return WorkOrder.objects.none()
    if tuple(states) == UNIT_DONE_STATES:
        ordering = (F("closed_at").desc(), F("pk").desc())
    else:
        ordering = (F("overdue").desc(), F("due_soon").desc(), F("reply_due").asc(), F("pk").asc())
    led = WorkOrder.objects.filter(lead_unit__in=unit_ids, state__in=states)
    # The unit's co-handled orders by their ids (a few hundred primary-key lookups), not a
    # join that PostgreSQL may run as a merge along every order's id.
    co_ids = ArraySubquery(CoHandling.objects.filter(unit__in=unit_ids).values("order_id"))
    co = WorkOrder.objects.filter(_AmongIds(F("pk"), co_ids), state__in=states).exclude(
        lead_unit__in=unit_ids
    )
    if who == "mine":
        led, co = led.filter(handler=user), co.none()
    elif who == "unassigned":
        led, co = led.filter(handler__isnull=True), co.none()
    halves = [half.order_by(*ordering).values_list("pk", flat=True) for half in (led, co)]
    if upto is not None:
        halves = [half[:upto] for half in halves]
    among = _AmongIds(F("pk"), ArraySubquery(halves[0].union(halves[1], all=True)))
    return with_list_related(WorkOrder.objects.filter(among)).order_by(*ordering)


BOARD_VIEWS = ("new", "overdue", "due_soon", "open", "closed")


def board_view_filter(view: str) -> Q:
    """Which orders a board view holds: 'new' (new and returned, to dispatch), 'overdue',
    'due_soon' (the clock running), 'open' or 'closed'. The order list filters with the same
    definitions, and the dashboard counts with them."""
    return {
        "new": Q(state__in=[State.NEW, State.RETURNED]),
        "overdue": Q(state__in=CLOCK_STATES, overdue=True),
        "due_soon": Q(state__in=CLOCK_STATES, due_soon=True, overdue=False),
        "open": Q(state__in=OPEN_STATES),
        "closed": Q(state__in=FINAL_STATES),
    }[view]


BOARD_ORDERING = {
    "new": ("created_at", "pk"),
    "overdue": ("reply_due", "pk"),
    "due_soon": ("reply_due", "pk"),
    "open": ("-created_at", "-pk"),
    "closed": ("-closed_at", "-pk"),
}

# The board's sort orders (the `sort` parameter; anything else keeps the view's own order). Each
# ends in the primary key, so a page never repeats or skips a row between two equal keys.
BOARD_SORTS = {
    # The deadline the order is held to now (the reply's, else the city platform's), soonest
    # first; orders without one last.
    "deadline": (
        Coalesce("reply_due", "upstream_deadline").asc(nulls_last=True),
        F("created_at").asc(),
        F("pk").asc(),
    ),
    "received": (F("created_at").asc(), F("pk").asc()),
    "-received": (F("created_at").desc(), F("pk").desc()),
    # As the category lists show them: each top-level category with its sub-categories.
    "category": (
        Coalesce("category__parent__position", "category__position").asc(),
        Coalesce("category__parent_id", "category_id").asc(),
        F("category__parent_id").asc(nulls_first=True),
        F("category__position").asc(),
        F("category_id").asc(),
        F("created_at").asc(),
        F("pk").asc(),
    ),
    # In the villages' own order (their codes); orders without a village last.
    "village": (
        F("village__code").asc(nulls_last=True),
        F("created_at").asc(),
        F("pk").asc(),
    ),
}


def dispatch_board(
    *,
    user,
    town: Town,
    view: str = "new",
    unit: Unit | None = None,
    category: Category | None = None,
    source: str = "",
    query: str = "",
    state: str = "",
    village_id: int | None = None,
    grid_id: int | None = None,
    sort: str = "",
) -> QuerySet[WorkOrder]:
    """The command centre's board: one of `BOARD_VIEWS` (`board_view_filter`), with filters
    by unit, category (with its sub-categories), source, state, village, grid and number or
    title, in the view's own order or one of `BOARD_SORTS`."""
    if view not in BOARD_VIEWS:
        view = "open"
    orders = (
        orders_for_user(user=user)
        .filter(town=town)
        .filter(board_view_filter(view))
        .order_by(*BOARD_SORTS.get(sort, BOARD_ORDERING[view]))
    )
    if unit is not None:
        orders = orders.filter(lead_unit=unit)
    if category is not None:
        orders = orders.filter(Q(category=category) | Q(category__parent=category))
    if source:
        orders = orders.filter(source=source)
    if state:
        orders = orders.filter(state=state)
    if village_id is not None:
        orders = orders.filter(village_id=village_id)
    if grid_id is not None:
        orders = orders.filter(grid_id=grid_id)
    query = (query or "").strip()
    if query:
        orders = orders.filter(Q(number__startswith=query.upper()) | Q(title__contains=query))
    return with_list_related(orders)


def board_views_for_user(*, user, town: Town) -> QuerySet[BoardView]:
    """The board's saved-view tabs (one query): the user's own views of TOWN, then those the
    town's other dispatchers share, each in the order they were saved, with their owners."""
    views = visible_to(
        user, BoardView.objects.filter(town=town), capability=Capability.DISPATCH_TICKETS
    )
    return (
        views.filter(Q(owner=user) | Q(shared=True, owner__is_active=True))
        .select_related("owner")
        .annotate(others=Case(When(owner=user, then=Value(1)), default=Value(2)))
        .order_by("others", "created_at", "pk")
    )


def board_view_get_for_user(*, user, town: Town, pk: int) -> BoardView:
    """A saved view the user has as a tab (their own, or shared in their town); 404 for any
    other, so a view's number does not tell that it exists."""
    view = board_views_for_user(user=user, town=town).filter(pk=pk).first()
    if view is None:
        raise Http404
    return view


def board_counts(*, town: Town) -> dict:
    """How many orders wait in each board view (one query, index-only over the open orders'
    partial index): new, returned, overdue, due_soon, replied, awaiting_callback, open."""
    counts = WorkOrder.objects.filter(town=town, state__in=OPEN_STATES).aggregate(
        n_new=Count("pk", filter=Q(state=State.NEW)),
        n_returned=Count("pk", filter=Q(state=State.RETURNED)),
        n_overdue=Count("pk", filter=Q(state__in=CLOCK_STATES, overdue=True)),
        n_due_soon=Count("pk", filter=Q(state__in=CLOCK_STATES, due_soon=True, overdue=False)),
        n_replied=Count("pk", filter=Q(state=State.REPLIED)),
        n_awaiting_callback=Count("pk", filter=Q(state=State.REVIEWED)),
        n_open=Count("pk"),
    )
    return {key.removeprefix("n_"): value for key, value in counts.items()}


def board_by_unit(*, town: Town) -> QuerySet[Unit]:
    """Each unit's open orders (the clock running), overdue and due soon, for the board's side
    panel. The open states are in the join, not a filter after it, so only the units' open
    orders are read (index-only, `workorder_unit_load`), never their history."""
    return (
        Unit.objects.filter(town=town)
        .annotate(
            clock=FilteredRelation("led_orders", condition=Q(led_orders__state__in=CLOCK_STATES))
        )
        .filter(clock__isnull=False)
        .select_related("department", "village")
        .annotate(
            open_count=Count("clock"),
            overdue_count=Count("clock", filter=Q(clock__overdue=True)),
            due_soon_count=Count("clock", filter=Q(clock__due_soon=True, clock__overdue=False)),
        )
        .order_by("-overdue_count", "-open_count", "pk")
    )


def repeat_orders(*, user, order: WorkOrder, limit: int = 10) -> QuerySet[WorkOrder]:
    """Earlier orders of the same town from the same phone number or at the same address
    (those the user may see)."""
    same = Q()
    if order.caller_phone:
        same |= Q(caller_phone=order.caller_phone)
    if order.address:
        same |= Q(address=order.address)
    if not same:
        return WorkOrder.objects.none()
    return (
        orders_for_user(user=user)
        .filter(same, town_id=order.town_id, created_at__lt=order.created_at)
        .exclude(pk=order.pk)
        .select_related("category")
        .order_by("-created_at")[:limit]
    )


def phone_reveals_of_order(*, order: WorkOrder, limit: int = 20) -> QuerySet[CallerPhoneReveal]:
    """Who saw the caller's full number, newest first (for the order page)."""
    return (
        CallerPhoneReveal.objects.filter(order=order).select_related("user").order_by("-at")[:limit]
    )


def pending_extensions(*, town: Town) -> QuerySet[ExtensionRequest]:
    return (
        ExtensionRequest.objects.filter(order__town=town, status=ExtensionRequest.Status.PENDING)
        .select_related("order", "unit__department", "unit__village", "requested_by")
        .order_by("requested_at")
    )


def notices_of_order(*, order: WorkOrder) -> QuerySet[UrgingNotice]:
    """催办 and 督办 notices of an order (for its page and the printable 督办单)."""
    return (
        UrgingNotice.objects.filter(order=order)
        .select_related("unit__department", "unit__village")
        .order_by("issued_at", "pk")
    )


def meetings_of_order(*, order: WorkOrder) -> QuerySet[JointMeeting]:
    """联席会办 meetings of an order, with their units (for its page)."""
    units = Unit.objects.select_related("department", "village")
    return (
        JointMeeting.objects.filter(order=order)
        .select_related("lead_unit__department", "lead_unit__village", "convened_by")
        .prefetch_related(Prefetch("attendee_units", queryset=units))
        .order_by("held_at", "pk")
    )


def notifications_for_user(*, user, unread_only: bool = True, limit: int = 20):
    notes = Notification.objects.filter(user=user)
    if unread_only:
        notes = notes.filter(read_at__isnull=True)
    return notes.select_related("order").order_by("-created_at", "-pk")[:limit]


def unread_notification_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def categories_of_town(*, town: Town, active_only: bool = True) -> QuerySet[Category]:
    """Top-level categories with their sub-categories prefetched."""
    children = Category.objects.order_by("position", "pk")
    tops = Category.objects.filter(town=town, parent__isnull=True)
    if active_only:
        tops = tops.filter(is_active=True)
        children = children.filter(is_active=True)
    return tops.prefetch_related(Prefetch("children", queryset=children)).order_by("position", "pk")


def categories_for_choice(*, town_id: int) -> QuerySet[Category]:
    """The town's active categories in one flat list, each top-level one followed by its
    sub-categories (for a select)."""
    return (
        Category.objects.filter(town_id=town_id, is_active=True)
        .filter(Q(parent__isnull=True) | Q(parent__is_active=True))
        .select_related("parent")
        .order_by(
            Coalesce("parent__position", "position"),
            Coalesce("parent_id", "id"),
            F("parent_id").asc(nulls_first=True),
            "position",
            "pk",
        )
    )


def units_of_town(*, town: Town) -> QuerySet[Unit]:
    """Departments first, then villages, each by code (dispatch choices)."""
    return (
        Unit.objects.filter(town=town)
        .select_related("department", "village")
        .filter(Q(department__is_active=True) | Q(village__isnull=False))
        .order_by("village", "department__code", "village__code")
    )


def overdue_now(*, town: Town) -> QuerySet[WorkOrder]:
    """Orders past their current deadline this very moment (not waiting for the sweep)."""
    now = timezone.now()
    return WorkOrder.objects.filter(town=town).filter(
        Q(state__in=[State.DISPATCHED], accept_due__lt=now)
        | Q(state__in=[State.ACCEPTED, State.IN_PROGRESS, State.REWORK], reply_due__lt=now)
    )


# --- Machine readers: the city platform's intake API and the public Open311 feed ------------

# Sources the city platform posts. Its clients read back the orders of these sources that carry
# a city-platform number, whichever of the town's clients sent them: a replaced token keeps
# access to the orders the old one sent.
API_SOURCES = (Source.HOTLINE, Source.MAYOR)


def api_client_for_token(*, token: str) -> ApiClient | None:
    """The active client holding `token`, with its town; None for a missing or unknown one."""
    if not token:
        return None
    return (
        ApiClient.objects.filter(token_hash=api_token_hash(token), is_active=True)
        .select_related("town")
        .first()
    )


def api_order_for_client(*, client: ApiClient, number: str) -> WorkOrder:
    """A city-platform order of the client's town, by our number; 404 otherwise."""
    try:
        return (
            WorkOrder.objects.filter(town_id=client.town_id, source__in=API_SOURCES)
            .exclude(upstream_number="")
            .select_related("lead_unit__department", "lead_unit__village")
            .get(number=number)
        )
    except WorkOrder.DoesNotExist:
        raise Http404 from None


# The only columns of an order the public feed reads: no caller phone, no address line, no
# title or reply. The description and the caller's name are read only to make the redacted
# public summary (tickets.views.open311.public_summary); neither is published as it is.
OPEN311_FIELDS = (
    "number", "state", "category_id", "category__name", "category__parent__name",
    "lead_unit__department__name", "lead_unit__village__name", "village__name", "town__name",
    "lat", "lng", "created_at", "updated_at", "reply_due", "description", "caller_name",
)  # fmt: skip


def open311_services(*, town: Town) -> QuerySet[Category]:
    """The town's active categories, each top-level one followed by its sub-categories."""
    return (
        Category.objects.filter(town=town, is_active=True)
        .exclude(parent__is_active=False)
        .select_related("parent")
        .order_by(
            Coalesce("parent__position", "position"),
            Coalesce("parent_id", "id"),
            F("parent_id").asc(nulls_first=True),
            "position",
            "pk",
        )
    )


def open311_requests(
    *,
    town: Town,
    numbers: list[str] | None = None,
    codes: list[int] | None = None,
    status: str = "",
    start=None,
    end=None,
    limit: int = 1000,
):
    """Public rows (dicts of OPEN311_FIELDS) of the town's orders, newest first: by number
    when `numbers` is given, else received in [start, end], of the categories `codes` (a
    top-level code takes its sub-categories too), 'open' or 'closed'."""
    orders = WorkOrder.objects.filter(town=town)
    if numbers is not None:
        orders = orders.filter(number__in=numbers)
    else:
        if codes:
            orders = orders.filter(Q(category_id__in=codes) | Q(category__parent_id__in=codes))
        if status == "open":
            orders = orders.filter(state__in=OPEN_STATES)
        elif status == "closed":
            orders = orders.filter(state__in=FINAL_STATES)
        if start is not None:
            orders = orders.filter(created_at__gte=start)
        if end is not None:
            orders = orders.filter(created_at__lte=end)
    return orders.order_by("-created_at", "-pk").values(*OPEN311_FIELDS)[:limit]
