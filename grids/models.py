from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huaisi.roles import Level


class Area(models.Model):
    """What every area shares: a name, a code, and where it lies (issue 3 draws the map)."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32)
    centre_lat = models.DecimalField(
        _("centre latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    centre_lng = models.DecimalField(
        _("centre longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # GeoJSON geometry (Polygon or MultiPolygon); no PostGIS needed for drawing and simple checks.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Town(Area):
    is_demo = models.BooleanField(_("demo data"), default=False)

    area_paths = {Level.TOWN: "pk"}

    class Meta(Area.Meta):
        verbose_name = _("town")
        verbose_name_plural = _("towns")
        constraints = [models.UniqueConstraint(fields=["code"], name="town_code_unique")]


class Village(Area):
    class Kind(models.TextChoices):
        VILLAGE = "village", _("Administrative village")
        COMMUNITY = "community", _("Urban community")

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="villages")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.VILLAGE)

    area_paths = {Level.TOWN: "town", Level.VILLAGE: "pk"}

    class Meta(Area.Meta):
        verbose_name = _("village or community")
        verbose_name_plural = _("villages and communities")
        constraints = [
            models.UniqueConstraint(fields=["town", "code"], name="village_code_unique"),
            models.UniqueConstraint(fields=["town", "name"], name="village_name_unique"),
        ]


class Grid(Area):
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="grids")

    area_paths = {Level.TOWN: "village__town", Level.VILLAGE: "village", Level.GRID: "pk"}

    class Meta(Area.Meta):
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        constraints = [
            models.UniqueConstraint(fields=["village", "code"], name="grid_code_unique"),
            models.UniqueConstraint(fields=["village", "name"], name="grid_name_unique"),
        ]


class MicroGrid(Area):
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="microgrids")

    area_paths = {
        Level.TOWN: "grid__village__town",
        Level.VILLAGE: "grid__village",
        Level.GRID: "grid",
        Level.MICROGRID: "pk",
    }

    class Meta(Area.Meta):
        verbose_name = _("micro-grid")
        verbose_name_plural = _("micro-grids")
        constraints = [
            models.UniqueConstraint(fields=["grid", "code"], name="microgrid_code_unique"),
        ]


class Department(models.Model):
    """A town department (局办) that work orders are sent to."""

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="departments")
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32)
    is_active = models.BooleanField(_("active"), default=True)

    area_paths = {Level.TOWN: "town", Level.DEPARTMENT: "pk"}

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["town", "code"], name="department_code_unique"),
            models.UniqueConstraint(fields=["town", "name"], name="department_name_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="department_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name
