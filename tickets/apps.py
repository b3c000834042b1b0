from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from huaisi.apps import NavItem
from huaisi.roles import Capability


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

    def seed_demo(self, *, town, options, progress):
        from .demo import seed

        return seed(town=town, options=options, progress=progress)
