from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from huaisi.apps import NavItem
from huaisi.roles import Capability


class PatrolsConfig(AppConfig):
    """Patrol inspections, household visits, findings, photos, visit targets and coverage.
    Sits above households and tickets: a patrol visits the register's households and reports
    findings as work orders through tickets' services."""

    name = "patrols"
    verbose_name = _("Patrol inspections")
    nav_items = (NavItem(_("Inspections"), "inspection-list", Capability.VIEW_INSPECTIONS),)

    def seed_demo(self, *, town, options, progress):
        # Runs after the register's and the work orders' seeds (INSTALLED_APPS order).
        from .demo import seed

        return seed(town=town, options=options, progress=progress)
