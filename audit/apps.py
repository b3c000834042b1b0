from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from huaisi.apps import NavItem
from huaisi.roles import Capability


class AuditConfig(AppConfig):
    """The town's audit trail page: reads the register's history, the points ledger and the
    work orders' timeline, so it sits at the top with the dashboard. The audit mechanism
    itself (pghistory tracking, a record's own history) is `huaisi.audit`, used by every app."""

    name = "audit"
    verbose_name = _("Audit trail")
    nav_items = (NavItem(_("Audit trail"), "audit-list", Capability.VIEW_AUDIT),)
