from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from huaisi.apps import NavItem
from huaisi.roles import Capability


class HotspotsConfig(AppConfig):
    """未诉先办: hotspots, rising issues and repeat callers, computed from work orders and patrol
    findings. Sits above patrols (it reads their findings) and below the dashboard."""

    name = "hotspots"
    verbose_name = _("Acting before the complaint")
    nav_items = (NavItem(_("Hotspots"), "hotspot-list", Capability.DISPATCH_TICKETS),)
