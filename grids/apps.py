from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from huaisi.apps import NavItem
from huaisi.roles import Capability


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("Areas and grids")
    nav_items = (
        NavItem(_("Villages"), "village-list", Capability.VIEW_AREAS),
        NavItem(_("Grids"), "grid-list", Capability.VIEW_AREAS),
        NavItem(_("Departments"), "department-list", Capability.MANAGE_AREAS),
        NavItem(_("Inspections"), "inspection-list", Capability.VIEW_INSPECTIONS),
    )

    def seed_demo(self, *, town, options, progress):
        from .demo import seed

        return seed(town=town, options=options, progress=progress)

    def seed_demo_late(self, *, town, options, progress):
        # Patrols visit the register's households and report work orders: seeded after both.
        from .inspection_demo import seed

        return seed(town=town, options=options, progress=progress)
