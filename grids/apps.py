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
        # The command centre reads the same list to route orders (one entry per page: the
        # navigation shows a page once however many of its items a user qualifies for).
        NavItem(_("Departments"), "department-list", Capability.DISPATCH_TICKETS),
    )

    def ready(self) -> None:
        from huaisi.services import PASSWORD_FLAGS

        from .services import STAFF_PASSWORD_FLAG

        if STAFF_PASSWORD_FLAG not in PASSWORD_FLAGS:
            PASSWORD_FLAGS.append(STAFF_PASSWORD_FLAG)

    def seed_demo(self, *, town, options, progress):
        from .demo import seed

        return seed(town=town, options=options, progress=progress)
