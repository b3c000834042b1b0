"""Patrol inspections (巡查): who walked where and when, the households visited, what was
found, its photos, and how often each grid's households are due a visit.

Written only by `patrols.services`; read through `patrols.selectors`. The tables were created
by the `grids` app before patrols became an app of its own (issue 15) and keep their names
(`grids_inspection` …): moving the models changed Django's state, not the database.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grids.models import Grid
from huaisi.roles import Level


class FindingType(models.TextChoices):
    SAFETY_HAZARD = "safety_hazard", _("Safety hazard")
    ENVIRONMENT = "environment", _("Environment")
    STRAW_BURNING = "straw_burning", _("Straw burning")
    ILLEGAL_CONSTRUCTION = "illegal_construction", _("Illegal construction")
    DISPUTE = "dispute", _("Dispute")
    FACILITIES_DAMAGED = "facilities_damaged", _("Facilities damaged")
    OTHER = "other", _("Other")


class FindingOutcome(models.TextChoices):
    FIXED = "fixed", _("Fixed on the spot")
    REPORT = "report", _("Report as a work order")


# Absurd beyond this: a phone's position is then a guess at the town, not a place.
MAX_ACCURACY_M = 5000


class Inspection(models.Model):
    """One patrol: who walked where and when, the households visited, what was found.

    `client_uuid` is made by the phone when the inspection is started, so a resend after a
    lost answer finds the stored row; `fingerprint` (SHA-256 of the normalised content and
    the photos' digests) tells a true resend from other content under the same UUID."""

    client_uuid = models.UUIDField(_("client id"), unique=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("inspector"),
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("grid")
    )
    place = models.CharField(_("place"), max_length=200)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    households = models.ManyToManyField(
        "households.Household",
        through="InspectionVisit",
        related_name="inspections",
        verbose_name=_("households visited"),
    )
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    area_paths = {
        Level.TOWN: "grid__village__town",
        Level.VILLAGE: "grid__village",
        Level.GRID: "grid",
    }

    class Meta:
        db_table = "grids_inspection"
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gte=models.F("started_at")), name="inspection_end_after_start"
            ),
            models.CheckConstraint(condition=~Q(place=""), name="inspection_place_not_blank"),
            models.CheckConstraint(
                condition=Q(fingerprint__regex=r"^[0-9a-f]{64}$"), name="inspection_fingerprint_hex"
            ),
        ]
        indexes = [
            models.Index(fields=["inspector", "-started_at"], name="inspection_inspector_recent"),
            models.Index(fields=["grid", "-started_at"], name="inspection_grid_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.place} · {self.started_at:%Y-%m-%d}"


class InspectionVisit(models.Model):
    """A household visited on an inspection. `visited_at` repeats the inspection's end so the
    coverage list finds each household's last visit from this table's index alone."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="visits")
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="inspection_visits"
    )
    visited_at = models.DateTimeField()

    class Meta:
        db_table = "grids_inspectionvisit"
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "household"], name="inspectionvisit_once"
            ),
        ]
        indexes = [
            models.Index(fields=["household", "-visited_at"], name="inspectionvisit_last"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.visited_at:%Y-%m-%d}"


class InspectionFinding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    position = models.PositiveSmallIntegerField()
    type = models.CharField(_("type"), max_length=24, choices=FindingType.choices)
    description = models.TextField(_("description"), max_length=2000)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.DecimalField(
        _("accuracy (m)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=8, choices=FindingOutcome.choices)
    fixed_note = models.CharField(_("what was done"), max_length=500, blank=True)
    order = models.ForeignKey(
        "tickets.WorkOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("work order"),
    )
    # Taken far outside the grid's boundary (or far from its centre when it has none).
    far_outside = models.BooleanField(_("far outside the grid"), default=False)

    area_paths = {
        Level.TOWN: "inspection__grid__village__town",
        Level.VILLAGE: "inspection__grid__village",
        Level.GRID: "inspection__grid",
    }

    class Meta:
        db_table = "grids_inspectionfinding"
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "position"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "position"], name="finding_position"),
            models.CheckConstraint(
                condition=Q(type__in=FindingType.values), name="finding_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome="fixed", order__isnull=True)
                | Q(outcome="report", order__isnull=False),
                name="finding_report_has_order",
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lng__isnull=True, accuracy_m__isnull=True)
                | Q(
                    lat__isnull=False,
                    lng__isnull=False,
                    lat__gte=-90,
                    lat__lte=90,
                    lng__gte=-180,
                    lng__lte=180,
                ),
                name="finding_position_valid",
            ),
            models.CheckConstraint(
                condition=Q(accuracy_m__isnull=True)
                | Q(accuracy_m__gte=0, accuracy_m__lte=MAX_ACCURACY_M),
                name="finding_accuracy_sensible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {self.inspection_id}"


class InspectionPhoto(models.Model):
    finding = models.ForeignKey(InspectionFinding, on_delete=models.PROTECT, related_name="photos")
    position = models.PositiveSmallIntegerField()
    image = models.FileField(upload_to="inspections/%Y/%m/")
    thumbnail = models.FileField(upload_to="inspections/%Y/%m/thumbs/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # SHA-256 of the bytes the phone sent (before our re-encoding): part of the fingerprint.
    digest = models.CharField(max_length=64)

    area_paths = {
        Level.TOWN: "finding__inspection__grid__village__town",
        Level.VILLAGE: "finding__inspection__grid__village",
        Level.GRID: "finding__inspection__grid",
    }

    class Meta:
        db_table = "grids_inspectionphoto"
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        constraints = [
            models.UniqueConstraint(
                fields=["finding", "position"], name="inspectionphoto_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.finding_id} · {self.position + 1}"


class VisitTarget(models.Model):
    """How often each household of a grid should be visited; a grid without a row uses
    DEFAULT_VISIT_DAYS and DEFAULT_CARE_VISIT_DAYS."""

    grid = models.OneToOneField(
        Grid, on_delete=models.PROTECT, primary_key=True, related_name="visit_target"
    )
    every_days = models.PositiveSmallIntegerField(_("visit every (days)"))
    care_every_days = models.PositiveSmallIntegerField(
        _("visit households with a care tag every (days)")
    )

    class Meta:
        db_table = "grids_visittarget"
        verbose_name = _("visit target")
        verbose_name_plural = _("visit targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(every_days__gte=1, every_days__lte=366)
                & Q(care_every_days__gte=1, care_every_days__lte=366),
                name="visittarget_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid_id}: {self.every_days} / {self.care_every_days}"


DEFAULT_VISIT_DAYS = 90
DEFAULT_CARE_VISIT_DAYS = 30
