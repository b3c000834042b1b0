"""An order's state and deadline as the lists show them, for both template engines (the
board's rows are Jinja2, the other pages Django's): one definition, built in Python, which is
also cheaper than an include per row."""

from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from huaisi.jinja2 import render_part

from .models import CO_OPINION_STATES


def state_badge(order) -> SafeString:
    return format_html(
        '<span class="state state-{}">{}</span>', order.state, order.get_state_display()
    )


def deadline_badge(order) -> SafeString:
    """The deadline of the stage the order is in, coloured as the sweep last saw it: red
    overdue, yellow due soon; a dash when no clock runs."""
    due = order.current_due
    if not due:
        return mark_safe('<span class="muted">—</span>')
    colour = order.deadline_colour
    title = _("accept by") if order.state == "dispatched" else _("reply by")
    prefix = {"red": _("Overdue") + " · ", "yellow": _("Due soon") + " · "}.get(colour, "")
    due = localtime(due)
    return format_html(
        '<span class="due{}" title="{}">{}<time datetime="{}">{}</time></span>',
        f" due-{colour}" if colour else "",
        title,
        prefix,
        date_filter(due, "c"),
        date_filter(due, "m-d H:i"),
    )


def returned_label(n: int) -> str:
    return ngettext("returned %(n)s time", "returned %(n)s times", n) % {"n": n}


def supervision_label(n: int) -> str:
    return ngettext("%(n)s supervision order", "%(n)s supervision orders", n) % {"n": n}


def urged_label(n: int) -> str:
    return ngettext("urged %(n)s time", "urged %(n)s times", n) % {"n": n}


# What the Jinja2 rows (tickets/jinja2/) call: passed in their context.
JINJA_HELPERS = {
    "state_badge": state_badge,
    "deadline_badge": deadline_badge,
    "returned_label": returned_label,
    "supervision_label": supervision_label,
    "urged_label": urged_label,
    # A co-handled order in an inbox links to its opinion form in these states.
    "co_opinion_states": CO_OPINION_STATES,
}


def board_rows_html(request, rows, *, unit_options: SafeString, here: str) -> SafeString:
    """The board's orders, drawn by Jinja2 (fifty rows with their dispatch forms cost several
    times more through Django's templates)."""
    context = {"rows": rows, "unit_options": unit_options, "here": here}
    return render_part(request, "tickets/_board_rows.html", row_context(context))


def inbox_rows_html(request, rows, *, unit_ids: set[int], here: str) -> SafeString:
    """A unit's inbox orders, drawn by Jinja2 (as the board's)."""
    context = {"rows": rows, "unit_ids": unit_ids, "here": here}
    return render_part(request, "tickets/_inbox_rows.html", row_context(context))


def row_context(context: dict) -> dict:
    """What a Jinja2 order row needs besides `context`: the helpers, and no message."""
    return {"row_message": None, "row_ok": False, **JINJA_HELPERS, **context}
