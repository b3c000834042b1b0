from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from huaisi.apps import NavItem
from huaisi.roles import Capability


class NoticesConfig(AppConfig):
    """Notices about work orders sent to the group chats (WeCom, DingTalk robots) and SMS
    gateways the handlers read. Sits above tickets: it learns of a new timeline event by
    `post_save` (and a one-minute scan for the events the deadline sweep writes in SQL)."""

    name = "notices"
    verbose_name = _("Notice channels")
    nav_items = (NavItem(_("Notice channels"), "channel-list", Capability.MANAGE_AREAS),)

    def ready(self):
        from django.db.models.signals import post_save

        from tickets.models import TimelineEvent

        from . import tasks  # noqa: F401 - registers the send task services queue by name
        from .services import on_timeline_event

        post_save.connect(on_timeline_event, sender=TimelineEvent, dispatch_uid="notices-event")
