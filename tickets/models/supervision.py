"""The supervision team's side (督查): its checklist, its scores of replied orders and the
frozen monthly reports (figures: `tickets.selectors.supervision`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huaisi.roles import Level

from .orders import Unit, WorkOrder


class StandardItem(models.Model):
    """One item of the supervision team's standardisation checklist (规范性), worth up to
    `max_points`."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("item"), max_length=200)
    max_points = models.PositiveSmallIntegerField(_("points"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    area_paths = {Level.TOWN: "town"}

    class Meta:
        verbose_name = _("standardisation item")
        verbose_name_plural = _("standardisation items")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["town", "title"], name="standarditem_unique"),
            models.CheckConstraint(
                condition=Q(max_points__gte=1, max_points__lte=100),
                name="standarditem_points_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SupervisionScore(models.Model):
    """The supervision team's standardisation score of one replied order, as a percentage of
    the checklist's points; `items` keeps the points per item ({item id: points})."""

    order = models.OneToOneField(WorkOrder, on_delete=models.PROTECT, related_name="score")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    items = models.JSONField(default=dict)
    note = models.TextField(_("note"), blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scored_at = models.DateTimeField()

    class Meta:
        verbose_name = _("supervision score")
        verbose_name_plural = _("supervision scores")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="supervisionscore_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} · {self.score}"


class SupervisionReport(models.Model):
    """The monthly supervision report of a town, frozen when published: `rows` is the ranking
    as it stood then (one object per unit), and later changes do not alter it."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    rows = models.JSONField(default=list)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    area_paths = {Level.TOWN: "town"}

    class Meta:
        verbose_name = _("supervision report")
        verbose_name_plural = _("supervision reports")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["town", "month"], name="supervisionreport_unique"),
            models.CheckConstraint(condition=Q(month__day=1), name="supervisionreport_month_first"),
        ]

    def __str__(self) -> str:
        return f"{self.town_id} · {self.month:%Y-%m}"
