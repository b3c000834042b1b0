"""An order's state, deadline and counters as the lists and the order page show them: built in
Python once per order (cheaper than an include per row, and one definition for every page)."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tickets.models import CO_OPINION_STATES

register = template.Library()


@register.filter
def state_badge(order) -> SafeString:
    return format_html(
        '<span class="state state-{}">{}</span>', order.state, order.get_state_display()
    )


@register.filter
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


@register.filter
def returned_label(n: int) -> str:
    return ngettext("returned %(n)s time", "returned %(n)s times", n) % {"n": n}


@register.filter
def supervision_label(n: int) -> str:
    return ngettext("%(n)s supervision order", "%(n)s supervision orders", n) % {"n": n}


@register.filter
def urged_label(n: int) -> str:
    return ngettext("urged %(n)s time", "urged %(n)s times", n) % {"n": n}


@register.filter
def takes_co_opinion(order) -> bool:
    """A co-handled order in an inbox links to its opinion form in these states."""
    return order.state in CO_OPINION_STATES
