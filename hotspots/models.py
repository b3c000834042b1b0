"""未诉先办 (acting before the complaint): what `services.analyse_town` found, kept in tables.

The tables are derived: the hourly job recomputes them from work orders and patrol findings.
A hotspot keeps its identity (town, kind, key) across runs, so the proactive order made from
it, and whether complaints came back after that order closed, stay with it.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huaisi.roles import Level
from patrols.models import FindingType


class Hotspot(models.Model):
    """At least N orders or findings of one kind near one place within D days.

    `kind` is "c<category id>" for work orders (patrol findings reported as orders count
    through their order) or "f<finding type>" for findings fixed on the spot. `key` is
    "cell:<x>:<y>" (the centre of a 3×3 block of R-metre cells) or "addr:<village>:<text>"
    (orders and findings with no position, by their address or patrol place)."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=260)
    category = models.ForeignKey(
        "tickets.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finding_type = models.CharField(max_length=24, choices=FindingType.choices, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    count = models.PositiveIntegerField(_("reports"))
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    # Still found by the last run; a hotspot no longer found is kept while it has an order.
    active = models.BooleanField(default=True)
    computed_at = models.DateTimeField()
    order = models.ForeignKey(
        "tickets.WorkOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # After the proactive order closed: reports of the same kind at the same place since.
    came_back = models.PositiveIntegerField(null=True, blank=True)

    area_paths = {Level.TOWN: "town", Level.VILLAGE: "village"}

    class Meta:
        verbose_name = _("hotspot")
        verbose_name_plural = _("hotspots")
        constraints = [
            models.UniqueConstraint(fields=["town", "kind", "key"], name="hotspot_identity"),
            models.UniqueConstraint(
                fields=["order"], condition=Q(order__isnull=False), name="hotspot_one_order"
            ),
            models.CheckConstraint(
                condition=Q(category__isnull=False, finding_type="")
                | Q(category__isnull=True) & ~Q(finding_type=""),
                name="hotspot_category_or_finding",
            ),
        ]
        indexes = [models.Index(fields=["town", "-last_at"], name="hotspot_recent")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class HotspotMember(models.Model):
    """An order or a finding counted in a hotspot by the last run."""

    hotspot = models.ForeignKey(Hotspot, on_delete=models.CASCADE, related_name="members")
    order = models.ForeignKey(
        "tickets.WorkOrder", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    finding = models.ForeignKey(
        "patrols.InspectionFinding",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField()
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(order__isnull=False, finding__isnull=True)
                | Q(order__isnull=True, finding__isnull=False),
                name="hotspotmember_one_source",
            ),
            models.UniqueConstraint(fields=["hotspot", "order"], name="hotspotmember_order"),
            models.UniqueConstraint(fields=["hotspot", "finding"], name="hotspotmember_finding"),
        ]

    def __str__(self) -> str:
        return f"{self.hotspot_id}: {self.order_id or self.finding_id}"


class RisingIssue(models.Model):
    """A category whose count this month in a village is at least twice its monthly mean over
    the previous three months, and at least 5."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey("grids.Village", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey("tickets.Category", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    count = models.PositiveIntegerField()
    previous_mean = models.DecimalField(max_digits=9, decimal_places=2)
    computed_at = models.DateTimeField()

    area_paths = {Level.TOWN: "town", Level.VILLAGE: "village"}

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["village", "category", "month"], name="risingissue_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.category_id} {self.month:%Y-%m}"


class RepeatCaller(models.Model):
    """A phone with 3+ orders in 90 days. Only the masked number is kept here: the full one
    stays on the orders, where the order page reveals it (and logs the reveal)."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+")
    masked_phone = models.CharField(max_length=20)
    count = models.PositiveIntegerField()
    last_at = models.DateTimeField()
    # The caller's orders in the window, newest first: [id, number] pairs the page links.
    order_ids = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    area_paths = {Level.TOWN: "town"}

    def __str__(self) -> str:
        return self.masked_phone
