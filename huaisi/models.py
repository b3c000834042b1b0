from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import EXCLUSIVE_KINDS, SCOPE_LEVEL, Level, RoleKind

# The scope column each level uses; exactly the kind's own one is filled.
SCOPE_FIELDS = {
    Level.TOWN: "town",
    Level.VILLAGE: "village",
    Level.GRID: "grid",
    Level.MICROGRID: "microgrid",
    Level.DEPARTMENT: "department",
}


def _scope_matches_kind() -> Q:
    allowed = Q()
    for level, field in SCOPE_FIELDS.items():
        kinds = [kind for kind, lvl in SCOPE_LEVEL.items() if lvl == level]
        filled = Q(**{f"{field}__isnull": False})
        for other in SCOPE_FIELDS.values():
            if other != field:
                filled &= Q(**{f"{other}__isnull": True})
        allowed |= Q(kind__in=kinds) & filled
    return allowed


class Role(models.Model):
    """A user's role in one area or department, from one date to another.

    These rows are also the rosters: who led which grid on any past date is the set of roles
    whose dates cover that day. Roles are ended, never deleted.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="huaisi_roles"
    )
    kind = models.CharField(_("role"), max_length=32, choices=RoleKind.choices)
    town = models.ForeignKey(
        "grids.Town", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="roles"
    )
    grid = models.ForeignKey(
        "grids.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="roles"
    )
    microgrid = models.ForeignKey(
        "grids.MicroGrid", on_delete=models.PROTECT, null=True, blank=True, related_name="roles"
    )
    department = models.ForeignKey(
        "grids.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="roles"
    )
    starts_on = models.DateField(_("from"), default=timezone.localdate)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(condition=_scope_matches_kind(), name="role_scope_matches_kind"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="role_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "town", "village", "grid", "microgrid", "department"],
                condition=Q(ends_on__isnull=True),
                nulls_distinct=False,
                name="role_one_open_per_user_kind_scope",
            ),
            *[
                models.UniqueConstraint(
                    fields=[SCOPE_FIELDS[SCOPE_LEVEL[kind]]],
                    condition=Q(kind=kind, ends_on__isnull=True),
                    name=f"role_one_open_{kind}",
                )
                for kind in sorted(EXCLUSIVE_KINDS)
            ],
        ]
        indexes = [models.Index(fields=["user", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.scope}"

    @property
    def level(self) -> Level:
        return SCOPE_LEVEL[self.kind]

    @property
    def scope(self):
        return getattr(self, SCOPE_FIELDS[self.level])
