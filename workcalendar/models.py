"""The working-time calendar as data: the special days of each year and which years are in.

A day is a working day when it is a make-up working day (调休上班), or a Monday to Friday that is
not a holiday. Only the special days are stored: a year's ordinary weekends and weekdays need
no row. Whether a year's schedule has been entered at all is a row of its own
(`CalendarYear`): a year without special days (none announced yet, or none at all) is then told
apart from a year nobody has entered, which deadlines count as plain Monday–Friday and the
command centre is warned about (see `selectors.missing_years`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huaisi.audit import tracked

# The years the calendar accepts: wide enough for any deadline, narrow enough to catch a typo.
FIRST_YEAR = 2000
LAST_YEAR = 2100


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    WORKDAY = "workday", _("Make-up working day")


@tracked()
class SpecialDay(models.Model):
    """One day that differs from Monday–Friday: a holiday, or a weekend day worked instead."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=60)
    notice = models.CharField(_("notice"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("special day")
        verbose_name_plural = _("special days")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DayKind.values), name="specialday_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(date__year__gte=FIRST_YEAR) & Q(date__year__lte=LAST_YEAR),
                name="specialday_year_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name} ({self.get_kind_display()})"


@tracked()
class CalendarYear(models.Model):
    """A year whose schedule has been entered in full: from the package, by hand or by import."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("chinesecalendar package")
        ENTERED = "entered", _("Entered by the town")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    notice = models.CharField(_("notice"), max_length=200, blank=True)
    entered_at = models.DateTimeField(_("entered at"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR) & Q(year__lte=LAST_YEAR),
                name="calendaryear_in_range",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["package", "entered"]), name="calendaryear_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)
