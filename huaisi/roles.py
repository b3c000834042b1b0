"""The role kinds, the level each is scoped to, and what each may do.

Kept free of models so every app (and the templates' navigation) can import it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    TOWN = "town", _("Town")
    VILLAGE = "village", _("Village or community")
    GRID = "grid", _("Grid")
    MICROGRID = "microgrid", _("Micro-grid")
    DEPARTMENT = "department", _("Department")


# Area levels from coarse to fine; departments sit beside them, under the town.
AREA_LEVELS = (Level.TOWN, Level.VILLAGE, Level.GRID, Level.MICROGRID)


class RoleKind(models.TextChoices):
    TOWN_ADMIN = "town_admin", _("Town administrator")
    COMMAND_CENTRE = "command_centre", _("Command centre")
    SUPERVISOR = "supervisor", _("Supervision team")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler")
    VILLAGE_CLERK = "village_clerk", _("Village clerk")
    ASSESSOR = "assessor", _("Assessment group")
    GRID_LEADER = "grid_leader", _("Grid leader")
    MICROGRID_WORKER = "microgrid_worker", _("Micro-grid worker")
    # Scoped to a village until the volunteers app gives teams their own scope.
    VOLUNTEER_LEADER = "volunteer_leader", _("Volunteer team leader")


SCOPE_LEVEL: dict[str, Level] = {
    RoleKind.TOWN_ADMIN: Level.TOWN,
    RoleKind.COMMAND_CENTRE: Level.TOWN,
    RoleKind.SUPERVISOR: Level.TOWN,
    RoleKind.DEPARTMENT_HANDLER: Level.DEPARTMENT,
    RoleKind.VILLAGE_CLERK: Level.VILLAGE,
    RoleKind.ASSESSOR: Level.VILLAGE,
    RoleKind.GRID_LEADER: Level.GRID,
    RoleKind.MICROGRID_WORKER: Level.MICROGRID,
    RoleKind.VOLUNTEER_LEADER: Level.VILLAGE,
}

# Kinds of which an area has one holder at a time: assigning a new one ends the old.
EXCLUSIVE_KINDS = frozenset({RoleKind.GRID_LEADER, RoleKind.MICROGRID_WORKER})


class Capability(models.TextChoices):
    VIEW_AREAS = "view_areas", _("View areas and rosters")
    EXPORT_AREAS = "export_areas", _("Export area lists")
    MANAGE_AREAS = "manage_areas", _("Maintain areas and rosters")


CAPABILITIES: dict[str, frozenset[str]] = {
    Capability.VIEW_AREAS: frozenset(RoleKind.values) - {RoleKind.DEPARTMENT_HANDLER},
    Capability.EXPORT_AREAS: frozenset(
        {RoleKind.TOWN_ADMIN, RoleKind.COMMAND_CENTRE, RoleKind.VILLAGE_CLERK, RoleKind.GRID_LEADER}
    ),
    Capability.MANAGE_AREAS: frozenset({RoleKind.TOWN_ADMIN}),
}
