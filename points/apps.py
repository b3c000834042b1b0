from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from huaisi.apps import NavItem
from huaisi.roles import Capability


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("Household points")
    nav_items = (
        NavItem(_("Points ledger"), "entry-list", Capability.VIEW_POINTS),
        NavItem(_("Review"), "review-queue", Capability.REVIEW_POINTS),
        NavItem(_("Households' points"), "household-points-list", Capability.VIEW_POINTS),
        NavItem(_("Supermarket"), "store-list", Capability.VIEW_POINTS),
        NavItem(_("Rulebook"), "rule-list", Capability.VIEW_POINTS),
        NavItem(_("Rankings"), "ranking-list", Capability.VIEW_POINTS),
    )

    def seed_demo(self, *, town, options, progress):
        from .demo import seed

        return seed(town=town, options=options, progress=progress)
