from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from huaisi.apps import NavItem
from huaisi.roles import Capability


def _fill_after_migrate(sender, using=DEFAULT_DB_ALIAS, plan=None, **kwargs) -> None:
    """After every migrate (and every flush of a test database): the years the chinesecalendar
    package knows and the calendar lacks. A post_migrate handler rather than a data migration,
    so a flushed database gets its calendar back and a package upgrade's new year comes in
    with the next migrate; idempotent, so running it each time costs one query."""
    from django.db import connections

    from .services import calendar_fill_from_package

    if using != DEFAULT_DB_ALIAS:
        return
    if "workcalendar_calendaryear" not in connections[using].introspection.table_names():
        return  # migrated backwards past this app
    calendar_fill_from_package()


def _calendar_health() -> str | None:
    from .selectors import missing_years

    missing = missing_years()
    if not missing:
        return None
    return "holiday calendar not entered for " + ", ".join(str(y) for y in missing)


class WorkcalendarConfig(AppConfig):
    name = "workcalendar"
    verbose_name = _("Holiday calendar")
    nav_items = (NavItem(_("Holiday calendar"), "calendar-year", Capability.VIEW_CALENDAR),)

    def ready(self) -> None:
        from huaisi import health

        post_migrate.connect(_fill_after_migrate, sender=self, dispatch_uid="workcalendar_fill")
        health.register_warning("calendar", _calendar_health)
