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
    # Scoped to a village; a team's own leader (volunteers.Team.leader) also acts for the team
    # wherever it works (the town-wide 槐小保 team), without a scope level of its own.
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
    MANAGE_AREAS = "manage_areas", _("Maintain areas, departments and staff accounts")
    MANAGE_ROSTERS = "manage_rosters", _("Assign and end roles")
    VIEW_RESIDENTS = "view_residents", _("View households and residents")
    EDIT_RESIDENTS = "edit_residents", _("Edit households and residents")
    REVEAL_PHONE = "reveal_phone", _("See full phone numbers")
    REVEAL_ID_NUMBER = "reveal_id_number", _("See full ID numbers")
    IMPORT_REGISTER = "import_register", _("Import and export the register")
    VIEW_POINTS = "view_points", _("View household points, ledgers and rankings")
    RECORD_POINTS = "record_points", _("Record point entries")
    REVIEW_POINTS = "review_points", _("Approve or reject point entries")
    RUN_STORE = "run_store", _("Run the points supermarket")
    MANAGE_PASSBOOKS = "manage_passbooks", _("Issue passbooks, cards and kiosk PINs")
    MANAGE_RULEBOOK = "manage_rulebook", _("Maintain the scoring rulebook")
    VIEW_TICKETS = "view_tickets", _("View work orders")
    DISPATCH_TICKETS = "dispatch_tickets", _("Dispatch, review and close work orders")
    HANDLE_TICKETS = "handle_tickets", _("Accept, handle and answer work orders")
    REPORT_TICKETS = "report_tickets", _("Report problems found on patrol")
    SUPERVISE_TICKETS = "supervise_tickets", _("Score work orders and publish supervision")
    LOG_INSPECTIONS = "log_inspections", _("Log patrol inspections")
    VIEW_INSPECTIONS = "view_inspections", _("View patrol inspections and visit coverage")
    SET_VISIT_TARGETS = "set_visit_targets", _("Set how often households are visited")
    VIEW_DASHBOARD = "view_dashboard", _("See the dashboard of one's town, village or grid")
    VIEW_VOLUNTEERS = "view_volunteers", _("View volunteer teams, activities, wishes and projects")
    MANAGE_TEAMS = "manage_teams", _("Maintain volunteer teams and their members")
    LOG_ACTIVITIES = "log_activities", _("Log volunteer activities and hours")
    CONFIRM_HOURS = "confirm_hours", _("Confirm volunteer hours and issue certificates")
    MANAGE_WISHES = "manage_wishes", _("Record residents' micro-wishes and their feedback")
    CLAIM_WISHES = "claim_wishes", _("Claim and fulfil micro-wishes for a team")
    MANAGE_PROJECTS = "manage_projects", _("Maintain livelihood projects and their decisions")
    VIEW_AUDIT = "view_audit", _("Browse the audit trail of changes")
    VIEW_CALENDAR = "view_calendar", _("See the holiday calendar deadlines count with")
    MANAGE_CALENDAR = "manage_calendar", _("Maintain the holiday calendar")


CAPABILITIES: dict[str, frozenset[str]] = {
    Capability.VIEW_AREAS: frozenset(RoleKind.values) - {RoleKind.DEPARTMENT_HANDLER},
    Capability.EXPORT_AREAS: frozenset(
        {RoleKind.TOWN_ADMIN, RoleKind.COMMAND_CENTRE, RoleKind.VILLAGE_CLERK, RoleKind.GRID_LEADER}
    ),
    Capability.MANAGE_AREAS: frozenset({RoleKind.TOWN_ADMIN}),
    # The register is for the people who look after residents; department handlers and the
    # supervision team work on orders, not on the population.
    Capability.VIEW_RESIDENTS: frozenset(
        {
            RoleKind.TOWN_ADMIN,
            RoleKind.COMMAND_CENTRE,
            RoleKind.VILLAGE_CLERK,
            RoleKind.ASSESSOR,
            RoleKind.GRID_LEADER,
            RoleKind.MICROGRID_WORKER,
        }
    ),
    Capability.EDIT_RESIDENTS: frozenset(
        {
            RoleKind.TOWN_ADMIN,
            RoleKind.VILLAGE_CLERK,
            RoleKind.GRID_LEADER,
            RoleKind.MICROGRID_WORKER,
        }
    ),
    # Phones: those who visit or call residents. Full ID numbers: only the register's keepers.
    Capability.REVEAL_PHONE: frozenset(
        {
            RoleKind.TOWN_ADMIN,
            RoleKind.VILLAGE_CLERK,
            RoleKind.GRID_LEADER,
            RoleKind.MICROGRID_WORKER,
        }
    ),
    Capability.REVEAL_ID_NUMBER: frozenset({RoleKind.TOWN_ADMIN, RoleKind.VILLAGE_CLERK}),
    Capability.IMPORT_REGISTER: frozenset({RoleKind.TOWN_ADMIN, RoleKind.VILLAGE_CLERK}),
    # Household points: clerks and the assessment group record, only the assessment group
    # reviews (never its own entries), clerks run the supermarket and the passbooks, the town
    # keeps the rulebook. Grid staff see the points of the households they look after.
    Capability.VIEW_POINTS: frozenset(
        {
            RoleKind.TOWN_ADMIN,
            RoleKind.COMMAND_CENTRE,
            RoleKind.VILLAGE_CLERK,
            RoleKind.ASSESSOR,
            RoleKind.GRID_LEADER,
            RoleKind.MICROGRID_WORKER,
        }
    ),
    Capability.RECORD_POINTS: frozenset(
        {RoleKind.TOWN_ADMIN, RoleKind.VILLAGE_CLERK, RoleKind.ASSESSOR}
    ),
    Capability.REVIEW_POINTS: frozenset({RoleKind.ASSESSOR}),
    Capability.RUN_STORE: frozenset({RoleKind.VILLAGE_CLERK}),
    Capability.MANAGE_PASSBOOKS: frozenset({RoleKind.VILLAGE_CLERK}),
    Capability.MANAGE_RULEBOOK: frozenset({RoleKind.TOWN_ADMIN}),
    # Which kinds each of these may hand out is narrowed further by ASSIGNABLE_KINDS.
    Capability.MANAGE_ROSTERS: frozenset({RoleKind.TOWN_ADMIN, RoleKind.VILLAGE_CLERK}),
    # Work orders (tickets app). The command centre runs the workflow; a unit's handlers are
    # the department handler or, for a village, its clerk; grid staff report what they find on
    # patrol; the supervision team scores. The town administrator reads but does not dispatch:
    # routing orders is the command centre's job.
    Capability.VIEW_TICKETS: frozenset(
        {
            RoleKind.TOWN_ADMIN,
            RoleKind.COMMAND_CENTRE,
            RoleKind.SUPERVISOR,
            RoleKind.DEPARTMENT_HANDLER,
            RoleKind.VILLAGE_CLERK,
            RoleKind.GRID_LEADER,
            RoleKind.MICROGRID_WORKER,
        }
    ),
    Capability.DISPATCH_TICKETS: frozenset({RoleKind.COMMAND_CENTRE}),
    Capability.HANDLE_TICKETS: frozenset({RoleKind.DEPARTMENT_HANDLER, RoleKind.VILLAGE_CLERK}),
    Capability.REPORT_TICKETS: frozenset({RoleKind.GRID_LEADER, RoleKind.MICROGRID_WORKER}),
    Capability.SUPERVISE_TICKETS: frozenset({RoleKind.SUPERVISOR}),
    # Patrol inspections (patrols app): grid staff and volunteer team leaders walk the grid;
    # those above them read the inspections of their area.
    Capability.LOG_INSPECTIONS: frozenset(
        {RoleKind.GRID_LEADER, RoleKind.MICROGRID_WORKER, RoleKind.VOLUNTEER_LEADER}
    ),
    # The big screen: town roles see the town, a clerk their village, a grid leader their grid.
    Capability.VIEW_DASHBOARD: frozenset(
        {
            RoleKind.TOWN_ADMIN,
            RoleKind.COMMAND_CENTRE,
            RoleKind.SUPERVISOR,
            RoleKind.VILLAGE_CLERK,
            RoleKind.GRID_LEADER,
        }
    ),
    # The town and the village decide how often grid staff visit; the grid leader follows it.
    Capability.SET_VISIT_TARGETS: frozenset({RoleKind.TOWN_ADMIN, RoleKind.VILLAGE_CLERK}),
    Capability.VIEW_INSPECTIONS: frozenset(
        {
            RoleKind.TOWN_ADMIN,
            RoleKind.COMMAND_CENTRE,
            RoleKind.VILLAGE_CLERK,
            RoleKind.GRID_LEADER,
            RoleKind.MICROGRID_WORKER,
            RoleKind.VOLUNTEER_LEADER,
        }
    ),
    # Volunteers (volunteers app). Team leaders log and confirm their teams' hours, claim and
    # fulfil wishes; grid staff log joint patrols and record residents' wishes; clerks and the
    # town keep the teams and the livelihood projects. Confirming stays with team leaders:
    # the hours turn into point proposals, so those who log them should not also confirm.
    Capability.VIEW_VOLUNTEERS: frozenset(RoleKind.values) - {RoleKind.DEPARTMENT_HANDLER},
    Capability.MANAGE_TEAMS: frozenset(
        {RoleKind.TOWN_ADMIN, RoleKind.VILLAGE_CLERK, RoleKind.VOLUNTEER_LEADER}
    ),
    Capability.LOG_ACTIVITIES: frozenset(
        {
            RoleKind.TOWN_ADMIN,
            RoleKind.VILLAGE_CLERK,
            RoleKind.VOLUNTEER_LEADER,
            RoleKind.GRID_LEADER,
            RoleKind.MICROGRID_WORKER,
        }
    ),
    Capability.CONFIRM_HOURS: frozenset({RoleKind.VOLUNTEER_LEADER}),
    Capability.MANAGE_WISHES: frozenset(
        {
            RoleKind.TOWN_ADMIN,
            RoleKind.VILLAGE_CLERK,
            RoleKind.GRID_LEADER,
            RoleKind.MICROGRID_WORKER,
        }
    ),
    Capability.CLAIM_WISHES: frozenset({RoleKind.VOLUNTEER_LEADER}),
    Capability.MANAGE_PROJECTS: frozenset({RoleKind.TOWN_ADMIN, RoleKind.VILLAGE_CLERK}),
    # Who changed what across the town: for the town administrator only.
    Capability.VIEW_AUDIT: frozenset({RoleKind.TOWN_ADMIN}),
    # The working-time calendar (holidays, make-up working days) is the whole installation's:
    # the town administrator keeps it, the command centre, whose deadlines run on it, reads it.
    Capability.VIEW_CALENDAR: frozenset({RoleKind.TOWN_ADMIN, RoleKind.COMMAND_CENTRE}),
    Capability.MANAGE_CALENDAR: frozenset({RoleKind.TOWN_ADMIN}),
}

# The kinds a role may put on the roster inside its own scope. Town roles (administrator,
# command centre, supervision) are not handed out through the product's pages: they carry the
# whole town and stay with whoever runs the installation. A village clerk staffs their own
# village's grids and its assessment group, but not clerks or volunteer leaders (the town
# appoints those), and never themselves (grids.forms.RoleAssignForm refuses it).
ASSIGNABLE_KINDS: dict[str, frozenset[str]] = {
    RoleKind.TOWN_ADMIN: frozenset(
        {
            RoleKind.DEPARTMENT_HANDLER,
            RoleKind.VILLAGE_CLERK,
            RoleKind.ASSESSOR,
            RoleKind.VOLUNTEER_LEADER,
            RoleKind.GRID_LEADER,
            RoleKind.MICROGRID_WORKER,
        }
    ),
    RoleKind.VILLAGE_CLERK: frozenset(
        {RoleKind.ASSESSOR, RoleKind.GRID_LEADER, RoleKind.MICROGRID_WORKER}
    ),
}
