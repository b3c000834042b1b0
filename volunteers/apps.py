from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from huaisi.apps import NavItem
from huaisi.roles import Capability


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Volunteers and livelihood projects")
    nav_items = (
        NavItem(_("Volunteers"), "team-list", Capability.VIEW_VOLUNTEERS),
        NavItem(_("Micro-wishes"), "wish-list", Capability.VIEW_VOLUNTEERS),
        NavItem(_("Livelihood projects"), "project-list", Capability.VIEW_VOLUNTEERS),
    )

    def seed_demo(self, *, town, options, progress):
        from .demo import seed

        return seed(town=town, options=options, progress=progress)
