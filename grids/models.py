from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.db.models.lookups import In
from django.utils.translation import gettext_lazy as _

from huaisi.phones import MOBILE_PATTERN
from huaisi.roles import Level

mobile_validator = RegexValidator(
    MOBILE_PATTERN,
    _("Enter an 11-digit mobile number starting with 1, for example 13912345678."),
    code="invalid_mobile",
)


def _area_constraints(prefix: str) -> list:
    """What the forms check, kept true in the database too: a centre is both coordinates or
    neither, each in range, and a boundary is a GeoJSON Polygon or MultiPolygon."""
    # A NULL result passes a CHECK, so each branch names its NULLs outright.
    boundary_type = Coalesce(
        KeyTextTransform("type", "boundary"), Value(""), output_field=models.TextField()
    )
    return [
        models.CheckConstraint(
            condition=Q(centre_lat__isnull=True, centre_lng__isnull=True)
            | Q(
                centre_lat__isnull=False,
                centre_lng__isnull=False,
                centre_lat__gte=-90,
                centre_lat__lte=90,
                centre_lng__gte=-180,
                centre_lng__lte=180,
            ),
            name=f"{prefix}_centre_in_range",
        ),
        models.CheckConstraint(
            condition=Q(boundary__isnull=True) | Q(In(boundary_type, ["Polygon", "MultiPolygon"])),
            name=f"{prefix}_boundary_is_polygon",
        ),
    ]


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
        constraints = [
            models.UniqueConstraint(fields=["code"], name="town_code_unique"),
            *_area_constraints("town"),
        ]


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
            *_area_constraints("village"),
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
            *_area_constraints("grid"),
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
            *_area_constraints("microgrid"),
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


class StaffProfile(models.Model):
    """What the rosters show about a member of staff beyond their account: a work phone and a
    job title.

    Decision (town register issue): staff work phones are official contact numbers. They are
    shown in full on a village's roster page to every logged-in member of staff who may see
    that village, and printed with it. Residents' numbers are a different matter: those are
    masked by default and every reveal is logged (the households app).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="staff_profile",
    )
    phone = models.CharField(_("work phone"), max_length=11, validators=[mobile_validator])
    title = models.CharField(_("job title"), max_length=60, blank=True)
    # Decision (issue 18): the "choose a new password at the next log-in" flag lives here,
    # beside the account's other staff facts, so the town export carries it with the account.
    # The core's log-in reads it through huaisi.services.PASSWORD_FLAGS (grids registers).
    must_change_password = models.BooleanField(_("must change password"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(phone__regex=MOBILE_PATTERN), name="staffprofile_phone_mobile"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.phone}"
