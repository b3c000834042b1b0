from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = _("Households and residents")

    def seed_demo(self, *, town, options, progress):
        from .demo import seed

        return seed(town=town, options=options, progress=progress)
