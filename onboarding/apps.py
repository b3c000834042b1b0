from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from huaisi.apps import NavItem
from huaisi.roles import Capability


class OnboardingConfig(AppConfig):
    """The moving-in checklist: what a new town has loaded and what is missing.

    An app of its own at the top, beside the dashboard: it reads areas, rosters, the register,
    the rulebook, the stores and the holiday calendar, and no lower app may import all of
    them. It has no tables."""

    name = "onboarding"
    verbose_name = _("Moving in")
    nav_items = (NavItem(_("Moving in"), "onboarding", Capability.MANAGE_AREAS),)
