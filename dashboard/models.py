from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huaisi.roles import Level


class TownReport(models.Model):
    """The monthly town report: the dashboard's figures of one finished month, frozen once
    generated (on the 1st, by Celery) so the printed page never changes afterwards."""

    town = models.ForeignKey(
        "grids.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town")
    )
    month = models.DateField(_("month"))
    figures = models.JSONField(_("figures"))
    generated_at = models.DateTimeField(_("generated at"))

    area_paths = {Level.TOWN: "town"}

    class Meta:
        verbose_name = _("monthly town report")
        verbose_name_plural = _("monthly town reports")
        constraints = [
            models.UniqueConstraint(fields=["town", "month"], name="dashboard_report_once"),
            models.CheckConstraint(
                condition=Q(month__day=1), name="dashboard_report_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.town_id} {self.month:%Y-%m}"
