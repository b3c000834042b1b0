from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from huaisi.apps import NavItem
from huaisi.roles import Capability


def _calendar_changed(sender, *, changes, change_id, **kwargs) -> None:
    """The holiday calendar changed some days: open deadlines follow, in a Celery task queued
    once the current transaction commits (the signal comes after the calendar's own commit)."""
    from django.db import transaction

    from .tasks import deadlines_follow_calendar_task

    payload = [c.as_json() for c in changes]
    transaction.on_commit(lambda: deadlines_follow_calendar_task.delay(payload, change_id))


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Work orders")
    nav_items = (
        NavItem(_("Dispatch board"), "order-board", Capability.DISPATCH_TICKETS),
        NavItem(_("Inbox"), "order-inbox", Capability.HANDLE_TICKETS),
        NavItem(_("Report a problem"), "grid-report", Capability.REPORT_TICKETS),
        NavItem(_("Work orders"), "order-list", Capability.VIEW_TICKETS),
        NavItem(_("Scoring"), "scoring-queue", Capability.SUPERVISE_TICKETS),
        NavItem(_("Supervision"), "unit-figures", Capability.SUPERVISE_TICKETS),
        NavItem(_("Notifications"), "notification-list", Capability.VIEW_TICKETS),
    )

    def ready(self) -> None:
        from workcalendar.signals import working_days_changed

        working_days_changed.connect(_calendar_changed, dispatch_uid="tickets_calendar_changed")

    def seed_demo(self, *, town, options, progress):
        from .demo import seed

        return seed(town=town, options=options, progress=progress)
