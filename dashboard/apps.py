from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from huaisi.apps import NavItem
from huaisi.roles import Capability


class DashboardConfig(AppConfig):
    """The command centre's screen and its village and grid versions.

    An app of its own, registered last, rather than a package inside `huaisi`: it reads every
    app, and `huaisi` sits below them all (huaisi ← grids ← households ← points, tickets,
    volunteers), so it must not import them."""

    name = "dashboard"
    verbose_name = _("Dashboard")
    nav_items = (NavItem(_("Dashboard"), "dashboard-town", Capability.VIEW_DASHBOARD),)
