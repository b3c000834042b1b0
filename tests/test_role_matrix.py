"""Every URL the project serves, requested anonymously and as each role, with the status each
must get. A URL added without its row here makes `test_every_url_has_a_row` fail.

The objects in the URLs are chosen to show isolation: the village and grid details use areas
the V1-side staff do not all cover (grid V1G2 is outside grid leader V1G1's scope, so they get
404, as if it did not exist).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from huaisi.roles import RoleKind

ANON = "anonymous"
NO_ROLE = "no_role"
SUPER = "superuser"
ROLES = [ANON, NO_ROLE, SUPER, *RoleKind.values]

TOWN_KINDS = {RoleKind.TOWN_ADMIN, RoleKind.COMMAND_CENTRE, RoleKind.SUPERVISOR}
VILLAGE_KINDS = {RoleKind.VILLAGE_CLERK, RoleKind.ASSESSOR, RoleKind.VOLUNTEER_LEADER}
AREA_VIEWERS = TOWN_KINDS | VILLAGE_KINDS | {RoleKind.GRID_LEADER, RoleKind.MICROGRID_WORKER}
EXPORTERS = {
    RoleKind.TOWN_ADMIN,
    RoleKind.COMMAND_CENTRE,
    RoleKind.VILLAGE_CLERK,
    RoleKind.GRID_LEADER,
}


def expect(default: int, *, anonymous: int = 302, superuser: int = 200, **per_role: int) -> dict:
    table = dict.fromkeys(ROLES, default)
    table[ANON] = anonymous
    table[SUPER] = superuser
    table.update(per_role)
    return table


def only(kinds, ok: int, other: int, **kw) -> dict:
    return expect(other, **dict.fromkeys(kinds, ok), **kw)


ROSTER_MANAGERS = {RoleKind.TOWN_ADMIN, RoleKind.VILLAGE_CLERK}
AREA_MANAGER_ON_V1 = expect(
    403, no_role=404, **{RoleKind.TOWN_ADMIN: 200, RoleKind.DEPARTMENT_HANDLER: 404}
)
# Grid V1G2 lies outside the grid leader's and micro-grid worker's scope.
AREA_MANAGER_ON_G12 = expect(
    403,
    no_role=404,
    **{
        RoleKind.TOWN_ADMIN: 200,
        RoleKind.DEPARTMENT_HANDLER: 404,
        RoleKind.GRID_LEADER: 404,
        RoleKind.MICROGRID_WORKER: 404,
    },
)
# Department D1 is seen by town roles and its own handler; village and grid roles never see it.
DEPARTMENT_MANAGER = {
    **only(TOWN_KINDS | {RoleKind.DEPARTMENT_HANDLER}, 403, 404),
    RoleKind.TOWN_ADMIN: 200,
}


def _grid_leader_role(a):
    from huaisi.models import Role

    return Role.objects.get(kind=RoleKind.GRID_LEADER, grid=a.g11)


# The area maps (households): those who see the area and may read the register get 200, those
# who see it without that capability (supervision, volunteer leaders) 403, the rest 404.
REGISTER_READERS = {
    RoleKind.TOWN_ADMIN,
    RoleKind.COMMAND_CENTRE,
    RoleKind.VILLAGE_CLERK,
    RoleKind.ASSESSOR,
    RoleKind.GRID_LEADER,
    RoleKind.MICROGRID_WORKER,
}


def register_map(readers, **per_role: int) -> dict:
    table = expect(403, no_role=404, **{RoleKind.DEPARTMENT_HANDLER: 404})
    return {**table, **dict.fromkeys(readers, 200), **per_role}


# The register's field pages (households): editing also needs EDIT_RESIDENTS, which the command
# centre and the assessment group lack (they get 403 where they could read).
REGISTER_EDITORS = {
    RoleKind.TOWN_ADMIN,
    RoleKind.VILLAGE_CLERK,
    RoleKind.GRID_LEADER,
    RoleKind.MICROGRID_WORKER,
}


def _register(a):
    """One house, household and resident in micro-grid V1G1M1, made on first use in a test."""
    import datetime
    from types import SimpleNamespace

    from households.models import House, Household, Resident

    house, _ = House.objects.get_or_create(village=a.v1, microgrid=a.m111, address="矩阵路1号")
    household, _ = Household.objects.get_or_create(
        number="MATRIX-1", defaults={"microgrid": a.m111, "house": house}
    )
    resident, _ = Resident.objects.get_or_create(
        household=household,
        name="钱矩阵",
        defaults={
            "gender": "F",
            "birth_date": datetime.date(1980, 1, 1),
            "relation": "head",
            "name_initials": "qjz",
            "name_pinyin": "qianjuzhen",
        },
    )
    return SimpleNamespace(house=house, household=household, resident=resident)


# Register imports: IMPORT_REGISTER. A job is its uploader's own (here the town administrator's).
IMPORTERS = {RoleKind.TOWN_ADMIN, RoleKind.VILLAGE_CLERK}
IMPORT_JOB_OF_TOWN_ADMIN = {**only(IMPORTERS, 200, 403), RoleKind.VILLAGE_CLERK: 404}


# Points: VIEW_POINTS reads the ledger, statements, stores and rankings; RECORD_POINTS records.
POINT_VIEWERS = {
    RoleKind.TOWN_ADMIN,
    RoleKind.COMMAND_CENTRE,
    RoleKind.VILLAGE_CLERK,
    RoleKind.ASSESSOR,
    RoleKind.GRID_LEADER,
    RoleKind.MICROGRID_WORKER,
}
POINT_RECORDERS = {RoleKind.TOWN_ADMIN, RoleKind.VILLAGE_CLERK, RoleKind.ASSESSOR}


# Patrol inspections (patrols).
INSPECTION_VIEWERS = {
    RoleKind.TOWN_ADMIN,
    RoleKind.COMMAND_CENTRE,
    RoleKind.VILLAGE_CLERK,
    RoleKind.GRID_LEADER,
    RoleKind.MICROGRID_WORKER,
    RoleKind.VOLUNTEER_LEADER,
}
INSPECTION_LOGGERS = {RoleKind.GRID_LEADER, RoleKind.MICROGRID_WORKER, RoleKind.VOLUNTEER_LEADER}
INSPECTION_IN_G12 = {
    **AREA_MANAGER_ON_G12,
    **dict.fromkeys(
        {
            RoleKind.TOWN_ADMIN,
            RoleKind.COMMAND_CENTRE,
            RoleKind.VILLAGE_CLERK,
            RoleKind.VOLUNTEER_LEADER,
        },
        200,
    ),
}


# Volunteers (volunteers app): who reads, keeps teams, logs activities, keeps wishes, projects.
VOL_VIEWERS = set(RoleKind.values) - {RoleKind.DEPARTMENT_HANDLER}
TEAM_KEEPERS = {RoleKind.TOWN_ADMIN, RoleKind.VILLAGE_CLERK, RoleKind.VOLUNTEER_LEADER}
ACTIVITY_LOGGERS = TEAM_KEEPERS | {RoleKind.GRID_LEADER, RoleKind.MICROGRID_WORKER}
WISH_KEEPERS = {
    RoleKind.TOWN_ADMIN,
    RoleKind.VILLAGE_CLERK,
    RoleKind.GRID_LEADER,
    RoleKind.MICROGRID_WORKER,
}
PROJECT_KEEPERS = {RoleKind.TOWN_ADMIN, RoleKind.VILLAGE_CLERK}


def _volunteers(a):
    """A V1 team led by the V1 volunteer leader, a member with a confirmed activity in grid
    V1G1 (a photo, a certificate), a wish claimed by the team, a project: made on first use."""
    import datetime
    from types import SimpleNamespace

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from volunteers.models import (
        Activity,
        Certificate,
        Membership,
        Participation,
        Photo,
        Project,
        Team,
        Volunteer,
        Wish,
    )  # fmt: skip

    leader = get_user_model().objects.get(username=f"u_{RoleKind.VOLUNTEER_LEADER}")
    team, _ = Team.objects.get_or_create(
        town=a.town, name="矩阵志愿队",
        defaults={"village": a.v1, "service_type": "general", "leader": leader,
                  "leader_name": "矩阵"},
    )  # fmt: skip
    volunteer, _ = Volunteer.objects.get_or_create(town=a.town, village=a.v1, name="矩阵志愿者")
    membership, _ = Membership.objects.get_or_create(
        team=team, volunteer=volunteer, defaults={"role": "patroller",
                                                  "joined_on": datetime.date(2025, 1, 1)},
    )  # fmt: skip
    now = timezone.now()
    activity, created = Activity.objects.get_or_create(
        idempotency_key="matrix-activity",
        defaults={"team": team, "kind": "patrol", "date": datetime.date(2025, 6, 1),
                  "place": "矩阵", "village": a.v1, "grid": a.g11, "description": "矩阵",
                  "logged_by": leader, "logged_at": now, "status": "confirmed",
                  "confirmed_by": leader, "confirmed_at": now},
    )  # fmt: skip
    if created:
        Participation.objects.create(activity=activity, volunteer=volunteer, hours=2)
    photo = Photo.objects.filter(activity=activity).first()
    if photo is None:
        from django.core.files.base import ContentFile

        jpeg = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
        photo = Photo.objects.create(
            activity=activity, image=ContentFile(jpeg, name="matrix.jpg"),
            thumbnail=ContentFile(jpeg, name="matrix-thumb.jpg"), width=8, height=8,
        )  # fmt: skip
    certificate, _ = Certificate.objects.get_or_create(
        code="MATRIXCODE01",
        defaults={"volunteer": volunteer, "period_from": datetime.date(2025, 1, 1),
                  "period_to": datetime.date(2025, 12, 31), "hours": 2, "teams": team.name,
                  "issued_by": leader, "issued_at": now},
    )  # fmt: skip
    from households.models import Resident

    resident = _register(a).resident
    wish = Wish.objects.filter(title="矩阵心愿").first() or Wish.objects.create(
        resident=Resident.objects.get(pk=resident.pk), village=a.v1, microgrid=a.m111,
        title="矩阵心愿", recorded_by=leader, recorded_at=now, status="claimed", team=team,
        claimed_by=leader, claimed_at=now,
    )  # fmt: skip
    project, _ = Project.objects.get_or_create(
        village=a.v1, year=2026, title="矩阵项目",
        defaults={"category": "road", "lead_name": "矩阵", "budget": 1, "created_by": leader},
    )  # fmt: skip
    return SimpleNamespace(
        team=team,
        volunteer=volunteer,
        membership=membership,
        activity=activity,
        photo=photo,
        certificate=certificate,
        wish=wish,
        project=project,
    )


# Work orders: VIEW_TICKETS reads, HANDLE_TICKETS handles a unit's, REPORT_TICKETS reports.
TICKET_VIEWERS = set(RoleKind.values) - {RoleKind.ASSESSOR, RoleKind.VOLUNTEER_LEADER}
TICKET_HANDLERS = {RoleKind.DEPARTMENT_HANDLER, RoleKind.VILLAGE_CLERK}
TICKET_REPORTERS = {RoleKind.GRID_LEADER, RoleKind.MICROGRID_WORKER}
TICKET_IN_G12 = {
    **only(TICKET_VIEWERS, 200, 403),
    RoleKind.GRID_LEADER: 404,
    RoleKind.MICROGRID_WORKER: 404,
}


CALENDAR_KEEPERS = {RoleKind.TOWN_ADMIN}
CALENDAR_READERS = {RoleKind.TOWN_ADMIN, RoleKind.COMMAND_CENTRE}


def _national_day() -> int:
    from workcalendar.models import SpecialDay

    return SpecialDay.objects.get(date="2026-10-01").pk


# url name -> (path builder taking the `area` fixture, expected status per role)
MATRIX = {
    "home": (lambda a: "/", expect(200)),
    # The audit trail (the audit app): the town administrator only.
    "audit-list": (lambda a: "/audit/", only({RoleKind.TOWN_ADMIN}, 200, 403)),
    # The holiday calendar (workcalendar): the town administrator keeps it, the command centre
    # reads it. Marking a year entered takes POST only.
    "calendar-year": (lambda a: "/calendar/", only(CALENDAR_READERS, 200, 403)),
    "calendar-year-enter": (
        lambda a: "/calendar/2027/enter/",
        expect(405, anonymous=405, superuser=405),
    ),
    "calendar-day-create": (lambda a: "/calendar/days/new/", only(CALENDAR_KEEPERS, 200, 403)),
    "calendar-day-edit": (
        lambda a: f"/calendar/days/{_national_day()}/edit/",
        only(CALENDAR_KEEPERS, 200, 403),
    ),
    "calendar-day-delete": (
        lambda a: f"/calendar/days/{_national_day()}/delete/",
        only(CALENDAR_KEEPERS, 200, 403),
    ),
    "calendar-import": (lambda a: "/calendar/import/", only(CALENDAR_KEEPERS, 200, 403)),
    # No worker runs in this test, so the health check honestly reports 503 for everyone.
    "healthz": (lambda a: "/healthz", expect(503, anonymous=503, superuser=503)),
    # Logged-in users are sent on from the log-in page.
    "login": (lambda a: "/accounts/login/", expect(302, anonymous=200, superuser=302)),
    # Log-out only takes POST.
    "logout": (lambda a: "/accounts/logout/", expect(405, anonymous=405, superuser=405)),
    # Every signed-in account may choose a new password.
    "password-change": (lambda a: "/accounts/password/", expect(200)),
    "set_language": (lambda a: "/i18n/setlang/", expect(302, anonymous=302, superuser=302)),
    "village-list": (lambda a: "/areas/villages/", only(AREA_VIEWERS, 200, 403)),
    "village-detail": (
        lambda a: f"/areas/villages/{a.v1.pk}/",
        only(AREA_VIEWERS, 200, 404, **{RoleKind.DEPARTMENT_HANDLER: 404}),
    ),
    "grid-list": (lambda a: "/areas/grids/", only(AREA_VIEWERS, 200, 403)),
    "grid-detail": (
        lambda a: f"/areas/grids/{a.g12.pk}/",
        only(TOWN_KINDS | VILLAGE_KINDS, 200, 404),
    ),
    "grid-export": (lambda a: "/areas/grids/export.csv", only(EXPORTERS, 200, 403)),
    # Area and roster maintenance (town register). Editing needs MANAGE_AREAS (the town
    # administrator): others who see the area get 403, those who do not see it 404.
    "village-edit": (lambda a: f"/areas/villages/{a.v1.pk}/edit/", AREA_MANAGER_ON_V1),
    "grid-create": (lambda a: f"/areas/villages/{a.v1.pk}/grids/new/", AREA_MANAGER_ON_V1),
    "grid-edit": (lambda a: f"/areas/grids/{a.g12.pk}/edit/", AREA_MANAGER_ON_G12),
    "microgrid-create": (
        lambda a: f"/areas/grids/{a.g12.pk}/microgrids/new/",
        AREA_MANAGER_ON_G12,
    ),
    # Micro-grid V1G2M1 lies in grid V1G2, outside the grid leader's and worker's scope.
    "microgrid-edit": (
        lambda a: f"/areas/microgrids/{a.g12.microgrids.first().pk}/edit/",
        AREA_MANAGER_ON_G12,
    ),
    "village-roster": (
        lambda a: f"/areas/villages/{a.v1.pk}/roster/",
        only(AREA_VIEWERS, 200, 404),
    ),
    # The village clerk staffs their own village's grids and assessment group.
    "roster-assign": (
        lambda a: f"/areas/villages/{a.v1.pk}/roster/new/",
        expect(
            403,
            no_role=404,
            **{RoleKind.DEPARTMENT_HANDLER: 404},
            **dict.fromkeys(ROSTER_MANAGERS, 200),
        ),
    ),
    "role-end": (
        lambda a: f"/areas/roles/{_grid_leader_role(a).pk}/end/",
        expect(
            403,
            no_role=404,
            **{RoleKind.DEPARTMENT_HANDLER: 404},
            **dict.fromkeys(ROSTER_MANAGERS, 200),
        ),
    ),
    # The command centre reads the department list (to route orders); only the administrator
    # changes it.
    "department-list": (
        lambda a: "/areas/departments/",
        only({RoleKind.TOWN_ADMIN, RoleKind.COMMAND_CENTRE}, 200, 403),
    ),
    "department-create": (
        lambda a: "/areas/departments/new/",
        only({RoleKind.TOWN_ADMIN}, 200, 403),
    ),
    "department-edit": (lambda a: f"/areas/departments/{a.d1.pk}/edit/", DEPARTMENT_MANAGER),
    "department-assign": (
        lambda a: f"/areas/departments/{a.d1.pk}/handlers/new/",
        DEPARTMENT_MANAGER,
    ),
    # Staff accounts are not areas: without MANAGE_AREAS the answer is 403 for everyone.
    "staff-edit": (
        lambda a: f"/areas/staff/{_grid_leader_role(a).user_id}/edit/",
        only({RoleKind.TOWN_ADMIN}, 200, 403),
    ),
    # Loading a town from files: the town administrator (and a site administrator).
    "staff-import": (lambda a: "/areas/staff/import/", only({RoleKind.TOWN_ADMIN}, 200, 403)),
    "area-import": (lambda a: "/areas/import/", only({RoleKind.TOWN_ADMIN}, 200, 403)),
    "onboarding": (lambda a: "/areas/onboarding/", only({RoleKind.TOWN_ADMIN}, 200, 403)),
    # POST only: a new one-time password is never handed out on a GET.
    "staff-password-reset": (
        lambda a: f"/areas/staff/{_grid_leader_role(a).user_id}/password/",
        expect(405, anonymous=405, superuser=405),
    ),
    # The area maps: V1 is seen by every V1-side role; V2 only by town roles; grid V1G2 lies
    # outside the grid leader's and micro-grid worker's scope, V1G1 inside it.
    "village-map": (lambda a: f"/register/map/village/{a.v1.pk}/", register_map(REGISTER_READERS)),
    "village-map-data": (
        lambda a: f"/register/map/village/{a.v2.pk}/data.json",
        register_map(
            {RoleKind.TOWN_ADMIN, RoleKind.COMMAND_CENTRE},
            **dict.fromkeys(VILLAGE_KINDS | {RoleKind.GRID_LEADER, RoleKind.MICROGRID_WORKER}, 404),
        ),
    ),
    "grid-map": (
        lambda a: f"/register/map/grid/{a.g12.pk}/",
        register_map(
            REGISTER_READERS, **{RoleKind.GRID_LEADER: 404, RoleKind.MICROGRID_WORKER: 404}
        ),
    ),
    "grid-map-data": (
        lambda a: f"/register/map/grid/{a.g11.pk}/data.json",
        register_map(REGISTER_READERS),
    ),
    # The register's field pages, on a household in V1G1M1 that every V1-side role covers.
    "resident-list": (lambda a: "/register/residents/", only(REGISTER_READERS, 200, 403)),
    "resident-detail": (
        lambda a: f"/register/residents/{_register(a).resident.pk}/",
        register_map(REGISTER_READERS),
    ),
    "resident-edit": (
        lambda a: f"/register/residents/{_register(a).resident.pk}/edit/",
        register_map(REGISTER_EDITORS),
    ),
    # Reveals take only POST; who may reveal what is tested in households/tests.
    "resident-reveal": (
        lambda a: f"/register/residents/{_register(a).resident.pk}/reveal/phone/",
        expect(405, anonymous=405, superuser=405),
    ),
    "resident-create": (
        lambda a: f"/register/{_register(a).household.pk}/residents/new/",
        register_map(REGISTER_EDITORS),
    ),
    "household-detail": (
        lambda a: f"/register/{_register(a).household.pk}/",
        register_map(REGISTER_READERS),
    ),
    "household-split": (
        lambda a: f"/register/{_register(a).household.pk}/split/",
        register_map(REGISTER_EDITORS),
    ),
    "household-merge": (
        lambda a: f"/register/{_register(a).household.pk}/merge/",
        register_map(REGISTER_EDITORS),
    ),
    "house-detail": (
        lambda a: f"/register/houses/{_register(a).house.pk}/",
        register_map(REGISTER_READERS),
    ),
    # Adding a house needs a micro-grid the user may edit; nobody else gets the form.
    "house-create": (lambda a: "/register/houses/new/", only(REGISTER_EDITORS, 200, 403)),
    "house-edit": (
        lambda a: f"/register/houses/{_register(a).house.pk}/edit/",
        register_map(REGISTER_EDITORS),
    ),
    "household-create": (
        lambda a: f"/register/houses/{_register(a).house.pk}/households/new/",
        register_map(REGISTER_EDITORS),
    ),
    "household-edit": (
        lambda a: f"/register/{_register(a).household.pk}/edit/",
        register_map(REGISTER_EDITORS),
    ),
    # Imports: the town administrator's job is 404 to the village clerk, as if it did not exist.
    "import-create": (lambda a: "/register/imports/new/", only(IMPORTERS, 200, 403)),
    "import-detail": (
        lambda a: f"/register/imports/{_import_job().pk}/",
        IMPORT_JOB_OF_TOWN_ADMIN,
    ),
    "import-problems": (
        lambda a: f"/register/imports/{_import_job().pk}/problems.csv",
        IMPORT_JOB_OF_TOWN_ADMIN,
    ),
    # Confirming an import takes only POST.
    "import-apply": (
        lambda a: f"/register/imports/{_import_job().pk}/apply/",
        expect(405, anonymous=405, superuser=405),
    ),
    "import-template": (
        lambda a: "/register/imports/templates/residents.xlsx",
        only(IMPORTERS, 200, 403),
    ),
    # Exports of the register: VIEW_RESIDENTS and EXPORT_AREAS, each in their own area.
    "export-list": (lambda a: "/register/exports/", only(EXPORTERS, 200, 403)),
    "register-export": (
        lambda a: "/register/exports/residents.xlsx",
        only(EXPORTERS, 200, 403),
    ),
    # The city platform's intake API: a token, never a session (tickets/tests/test_api.py).
    "api-order-create": (
        lambda a: "/api/hotline/orders",
        expect(405, anonymous=405, superuser=405),
    ),
    "api-order-detail": (
        lambda a: f"/api/hotline/orders/{_city_order(a).number}",
        expect(401, anonymous=401, superuser=401),
    ),
    # Open311 is public and anonymous, and the same for everyone.
    "api-openapi": (lambda a: "/api/openapi.json", expect(200, anonymous=200)),
    # Any other path under /api/ and /open311/: a JSON 404 for everyone.
    "api-not-found": (lambda a: "/api/nothing", expect(404, anonymous=404, superuser=404)),
    "open311-not-found": (
        lambda a: "/open311/v2/nothing.json",
        expect(404, anonymous=404, superuser=404),
    ),
    "open311-discovery": (lambda a: "/open311/v2/discovery.json", expect(200, anonymous=200)),
    "open311-services": (lambda a: "/open311/v2/services.json", expect(200, anonymous=200)),
    "open311-requests": (lambda a: "/open311/v2/requests.json", expect(200, anonymous=200)),
    "open311-request": (
        lambda a: f"/open311/v2/requests/{_city_order(a).number}.json",
        expect(200, anonymous=200),
    ),
    # Work-order pages (tickets/urls.py), on an order in grid V1G2 led by department D1 (see
    # _ticket): VIEW_TICKETS reads where the order lies or for the unit that leads it, so the
    # V1G1 grid leader and micro-grid worker get 404; the assessment group and volunteer leaders
    # lack the capability (403). Each board, inbox and form needs its own capability.
    "order-list": (lambda a: "/orders/", only(TICKET_VIEWERS, 200, 403)),
    "order-board": (lambda a: "/orders/board/", only({RoleKind.COMMAND_CENTRE}, 200, 403)),
    "order-inbox": (lambda a: "/orders/inbox/", only(TICKET_HANDLERS, 200, 403)),
    "order-bulk": (lambda a: "/orders/board/bulk/", expect(405, anonymous=405, superuser=405)),
    # The board's saved views take only POST; who may change which view is tested in
    # tickets/tests/test_saved_views.py.
    "board-view-save": (
        lambda a: "/orders/board/views/",
        expect(405, anonymous=405, superuser=405),
    ),
    **{
        f"board-view-{act}": (
            lambda a, act=act: f"/orders/board/views/1/{act}/",
            expect(405, anonymous=405, superuser=405),
        )
        for act in ("rename", "share", "delete")
    },
    "order-create": (lambda a: "/orders/new/", only({RoleKind.COMMAND_CENTRE}, 200, 403)),
    "grid-report": (lambda a: "/orders/report/", only(TICKET_REPORTERS, 200, 403)),
    "order-detail": (lambda a: f"/orders/{_ticket(a).pk}/", TICKET_IN_G12),
    "order-print": (lambda a: f"/orders/{_ticket(a).pk}/print/", TICKET_IN_G12),
    "order-supervision-print": (
        lambda a: f"/orders/{_ticket(a).pk}/supervision-order/",
        TICKET_IN_G12,
    ),
    # No such file on a visible order: 404 as for an order outside one's scope.
    "order-file": (
        lambda a: f"/orders/{_ticket(a).pk}/files/999999/",
        {**only(TICKET_VIEWERS, 404, 403), SUPER: 404},
    ),
    "order-score": (
        lambda a: f"/orders/{_ticket(a).pk}/score/",
        only({RoleKind.SUPERVISOR}, 200, 403),
    ),
    # Showing the caller's full number takes only POST (tickets/tests/test_order_views.py).
    "order-caller-phone": (
        lambda a: f"/orders/{_ticket(a).pk}/caller-phone/",
        expect(405, anonymous=405, superuser=405),
    ),
    # Workflow steps take only POST; who may do which is tested in tickets/tests.
    **{
        f"order-{step}": (
            lambda a, step=step: f"/orders/{_ticket(a).pk}/{step}/",
            expect(405, anonymous=405, superuser=405),
        )
        for step in (
            "accept",
            "claim",
            "start",
            "reply",
            "opinion",
            "extend",
            "return",
            "dispatch",
            "meeting",
            "extension-decide",
            "review",
            "callback",
            "close",
            "on-spot",
            "duplicate",
            "exclude",
        )
    },  # fmt: skip
    "notification-list": (lambda a: "/orders/notifications/", only(TICKET_VIEWERS, 200, 403)),
    "notification-read": (
        lambda a: "/orders/notifications/read/",
        expect(405, anonymous=405, superuser=405),
    ),
    "scoring-queue": (
        lambda a: "/orders/supervision/scoring/",
        only({RoleKind.SUPERVISOR}, 200, 403),
    ),
    # Unit figures and reports are the town's: town roles only (others 403 or, for a report
    # they may not see, 404).
    "unit-figures": (lambda a: "/orders/supervision/figures/", only(TOWN_KINDS, 200, 403)),
    "report-list": (lambda a: "/orders/supervision/reports/", only(TICKET_VIEWERS, 200, 403)),
    "report-detail": (
        lambda a: f"/orders/supervision/reports/{_supervision_report(a).pk}/",
        {**only(TICKET_VIEWERS, 404, 403), **dict.fromkeys(TOWN_KINDS, 200)},
    ),
    "report-publish": (
        lambda a: "/orders/supervision/reports/publish/",
        expect(405, anonymous=405, superuser=405),
    ),
    # 未诉先办 (hotspots): the command centre's page; its two buttons are POST only.
    "hotspot-list": (lambda a: "/orders/hotspots/", only({RoleKind.COMMAND_CENTRE}, 200, 403)),
    "hotspot-refresh": (
        lambda a: "/orders/hotspots/refresh/",
        expect(405, anonymous=405, superuser=405),
    ),
    "hotspot-order": (
        lambda a: "/orders/hotspots/1/order/",
        expect(405, anonymous=405, superuser=405),
    ),
    # Notice channels (notices): the town administrator's page; its buttons are POST only. An
    # order's delivery log is seen by whoever sees the order.
    "channel-list": (lambda a: "/orders/channels/", only({RoleKind.TOWN_ADMIN}, 200, 403)),
    "channel-test": (
        lambda a: "/orders/channels/1/test/",
        expect(405, anonymous=405, superuser=405),
    ),
    "channel-toggle": (
        lambda a: "/orders/channels/1/toggle/",
        expect(405, anonymous=405, superuser=405),
    ),
    "order-deliveries": (lambda a: f"/orders/{_ticket(a).pk}/deliveries/", TICKET_IN_G12),
    # Patrol inspections (patrols): an inspection in grid V1G2 by the V1 volunteer leader, so the
    # V1G1 grid leader and micro-grid worker get 404; the supervision team and the assessment
    # group see the grid but may not read inspections (403).
    "inspection-list": (lambda a: "/areas/inspections/", only(INSPECTION_VIEWERS, 200, 403)),
    "inspection-create": (
        lambda a: "/areas/inspections/new/",
        only(INSPECTION_LOGGERS, 200, 403),
    ),
    # Submissions take only POST; who may submit is tested in grids/tests.
    "inspection-submit": (
        lambda a: "/areas/inspections/submit/",
        expect(405, anonymous=405, superuser=405),
    ),
    # The service worker script is public: it holds no data, and must load after a log-out.
    "inspection-sw": (
        lambda a: "/areas/inspections/sw.js",
        expect(200, anonymous=200, superuser=200),
    ),
    "inspection-detail": (
        lambda a: f"/areas/inspections/{_inspection(a).inspection.pk}/",
        INSPECTION_IN_G12,
    ),
    "inspection-photo": (
        lambda a: f"/areas/inspections/photos/{_inspection(a).photo.pk}/",
        INSPECTION_IN_G12,
    ),
    "inspection-photo-thumb": (
        lambda a: f"/areas/inspections/photos/{_inspection(a).photo.pk}/thumb/",
        INSPECTION_IN_G12,
    ),
    "coverage-list": (
        lambda a: "/areas/inspections/coverage/",
        only(INSPECTION_VIEWERS - {RoleKind.VOLUNTEER_LEADER}, 200, 403),
    ),
    "grid-coverage": (
        lambda a: f"/areas/grids/{a.g12.pk}/coverage/",
        {
            **AREA_MANAGER_ON_G12,
            **dict.fromkeys(
                {RoleKind.TOWN_ADMIN, RoleKind.COMMAND_CENTRE, RoleKind.VILLAGE_CLERK}, 200
            ),
        },
    ),
    "visit-target-edit": (
        lambda a: f"/areas/grids/{a.g12.pk}/coverage/target/",
        expect(405, anonymous=405, superuser=405),
    ),
    # Points staff pages (points/urls.py), on rows in V1 made by _points(). VIEW_POINTS reads;
    # the other capabilities act. Superusers read everything but, holding no role, the points
    # services do not let them write (nobody records or corrects points without a role).
    "rule-list": (lambda a: "/points/rules/", expect(200, no_role=403)),
    # The printed rulebook is public: it hangs in every village hall.
    "rule-print": (lambda a: "/points/rules/print/", expect(200, anonymous=200)),
    "rule-create": (lambda a: "/points/rules/new/", only({RoleKind.TOWN_ADMIN}, 200, 403)),
    "rule-edit": (
        lambda a: f"/points/rules/{_points(a).rule.pk}/edit/",
        {**only(TOWN_KINDS, 403, 404), RoleKind.TOWN_ADMIN: 200},
    ),
    "entry-list": (lambda a: "/points/entries/", only(POINT_VIEWERS, 200, 403)),
    "entry-create": (lambda a: "/points/entries/new/", only(POINT_RECORDERS, 200, 403)),
    "entry-detail": (
        lambda a: f"/points/entries/{_points(a).entry.pk}/",
        register_map(POINT_VIEWERS),
    ),
    "entry-approve": (
        lambda a: f"/points/entries/{_points(a).entry.pk}/approve/",
        expect(405, anonymous=405, superuser=405),
    ),
    "entry-reject": (
        lambda a: f"/points/entries/{_points(a).entry.pk}/reject/",
        expect(405, anonymous=405, superuser=405),
    ),
    "entry-reverse": (
        lambda a: f"/points/entries/{_points(a).entry.pk}/reverse/",
        register_map(POINT_RECORDERS, superuser=403),
    ),
    "entry-photo": (
        lambda a: f"/points/photos/{_points(a).photo.pk}/thumb/",
        register_map(POINT_VIEWERS),
    ),
    "review-queue": (lambda a: "/points/review/", only({RoleKind.ASSESSOR}, 200, 403)),
    "household-points-list": (lambda a: "/points/households/", only(POINT_VIEWERS, 200, 403)),
    "household-points": (
        lambda a: f"/points/households/{_points(a).household.pk}/",
        register_map(POINT_VIEWERS),
    ),
    "household-statement-print": (
        lambda a: f"/points/households/{_points(a).household.pk}/statement/",
        register_map(POINT_VIEWERS),
    ),
    "passbook-open": (
        lambda a: f"/points/households/{_points(a).household.pk}/passbook/open/",
        expect(405, anonymous=405, superuser=405),
    ),
    "passbook-pin": (
        lambda a: f"/points/households/{_points(a).household.pk}/passbook/pin/",
        register_map({RoleKind.VILLAGE_CLERK}),
    ),
    "passbook-card": (
        lambda a: f"/points/households/{_points(a).household.pk}/passbook/card/",
        register_map({RoleKind.VILLAGE_CLERK}),
    ),
    "passbook-card-issue": (
        lambda a: f"/points/households/{_points(a).household.pk}/passbook/card/new/",
        expect(405, anonymous=405, superuser=405),
    ),
    "store-list": (lambda a: "/points/stores/", only(POINT_VIEWERS, 200, 403)),
    "store-open": (lambda a: "/points/stores/new/", expect(405, anonymous=405, superuser=405)),
    "store-detail": (
        lambda a: f"/points/stores/{_points(a).store.pk}/",
        register_map(POINT_VIEWERS),
    ),
    "good-create": (
        lambda a: f"/points/stores/{_points(a).store.pk}/goods/new/",
        register_map({RoleKind.VILLAGE_CLERK}),
    ),
    "store-counter": (
        lambda a: f"/points/stores/{_points(a).store.pk}/counter/",
        register_map({RoleKind.VILLAGE_CLERK}),
    ),
    "redemption-create": (
        lambda a: f"/points/stores/{_points(a).store.pk}/counter/redeem/",
        expect(405, anonymous=405, superuser=405),
    ),
    "redemption-list": (
        lambda a: f"/points/stores/{_points(a).store.pk}/receipts/",
        register_map({RoleKind.VILLAGE_CLERK}),
    ),
    "store-report": (
        lambda a: f"/points/stores/{_points(a).store.pk}/report/",
        register_map(POINT_VIEWERS),
    ),
    "good-edit": (
        lambda a: f"/points/goods/{_points(a).good.pk}/edit/",
        register_map({RoleKind.VILLAGE_CLERK}),
    ),
    "stock-receive": (
        lambda a: f"/points/goods/{_points(a).good.pk}/receive/",
        register_map({RoleKind.VILLAGE_CLERK}),
    ),
    "redemption-detail": (
        lambda a: f"/points/receipts/{_points(a).redemption.pk}/",
        register_map({RoleKind.VILLAGE_CLERK}),
    ),
    "redemption-refund": (
        lambda a: f"/points/receipts/{_points(a).redemption.pk}/refund/",
        register_map({RoleKind.VILLAGE_CLERK}),
    ),
    "ranking-list": (lambda a: "/points/rankings/", only(POINT_VIEWERS, 200, 403)),
    "ranking-detail": (
        lambda a: f"/points/rankings/{_points(a).ranking.pk}/",
        register_map(POINT_VIEWERS),
    ),
    "honour-detail": (
        lambda a: f"/points/honours/{_points(a).honours.pk}/",
        register_map(POINT_VIEWERS),
    ),
    # The kiosk and the notice board (points/kiosk_urls.py) are for residents: no staff log-in,
    # so every role gets what an anonymous visitor gets. Without a kiosk session the household
    # page sends the screen back to the board; the card's QR link opens one.
    "kiosk-home": (lambda a: "/kiosk/", expect(200, anonymous=200)),
    "kiosk-idle": (lambda a: f"/kiosk/{a.v1.pk}/", expect(200, anonymous=200)),
    "kiosk-login": (
        lambda a: f"/kiosk/{a.v1.pk}/login/",
        expect(405, anonymous=405, superuser=405),
    ),
    "kiosk-card": (
        lambda a: f"/kiosk/card/{_points(a).household.points_account}/matrix-card/",
        expect(302, anonymous=302, superuser=302),
    ),
    "kiosk-household": (lambda a: "/kiosk/household/", expect(302, superuser=302)),
    "kiosk-ping": (lambda a: "/kiosk/household/ping/", expect(405, anonymous=405, superuser=405)),
    "kiosk-done": (lambda a: "/kiosk/done/", expect(405, anonymous=405, superuser=405)),
    "noticeboard": (
        lambda a: f"/kiosk/{_points(a).ranking.village_id}/board/",
        expect(200, anonymous=200),
    ),
    "noticeboard-honours": (
        lambda a: f"/kiosk/{_points(a).honours.village_id}/honours/",
        expect(200, anonymous=200),
    ),
    # Volunteers, on a team of V1 led by the V1 volunteer leader, with an activity in grid
    # V1G1 and a claimed wish in V1G1M1 (see _volunteers): everyone but department handlers
    # reads; keeping teams, logging, claiming, wishes and projects each need their capability.
    "team-list": (lambda a: "/volunteers/", only(VOL_VIEWERS, 200, 403)),
    "team-create": (lambda a: "/volunteers/teams/new/", only({RoleKind.TOWN_ADMIN}, 200, 403)),
    "team-detail": (
        lambda a: f"/volunteers/teams/{_volunteers(a).team.pk}/",
        only(VOL_VIEWERS, 200, 403),
    ),
    "team-edit": (
        lambda a: f"/volunteers/teams/{_volunteers(a).team.pk}/edit/",
        only({RoleKind.TOWN_ADMIN}, 200, 403),
    ),
    "member-add": (
        lambda a: f"/volunteers/teams/{_volunteers(a).team.pk}/members/new/",
        only(TEAM_KEEPERS, 200, 403),
    ),
    "membership-end": (
        lambda a: f"/volunteers/memberships/{_volunteers(a).membership.pk}/end/",
        only(TEAM_KEEPERS, 200, 403),
    ),
    "activity-create": (
        lambda a: f"/volunteers/teams/{_volunteers(a).team.pk}/activities/new/",
        only(ACTIVITY_LOGGERS, 200, 403),
    ),
    "volunteer-detail": (
        lambda a: f"/volunteers/people/{_volunteers(a).volunteer.pk}/",
        only(VOL_VIEWERS, 200, 403),
    ),
    "certificate-issue": (
        lambda a: f"/volunteers/people/{_volunteers(a).volunteer.pk}/certificates/new/",
        only({RoleKind.VOLUNTEER_LEADER}, 200, 403),
    ),
    "certificate-detail": (
        lambda a: f"/volunteers/certificates/{_volunteers(a).certificate.pk}/",
        only(VOL_VIEWERS, 200, 403),
    ),
    "activity-list": (lambda a: "/volunteers/activities/", only(VOL_VIEWERS, 200, 403)),
    "activity-detail": (
        lambda a: f"/volunteers/activities/{_volunteers(a).activity.pk}/",
        only(VOL_VIEWERS, 200, 403),
    ),
    "activity-confirm": (
        lambda a: f"/volunteers/activities/{_volunteers(a).activity.pk}/confirm/",
        expect(405, anonymous=405, superuser=405),
    ),
    "volunteer-photo": (
        lambda a: f"/volunteers/photos/{_volunteers(a).photo.pk}/",
        only(VOL_VIEWERS, 200, 403),
    ),
    "wish-list": (lambda a: "/volunteers/wishes/", only(VOL_VIEWERS, 200, 403)),
    "wish-create": (lambda a: "/volunteers/wishes/new/", only(WISH_KEEPERS, 200, 403)),
    "wish-detail": (
        lambda a: f"/volunteers/wishes/{_volunteers(a).wish.pk}/",
        only(VOL_VIEWERS, 200, 403),
    ),
    "wish-claim": (
        lambda a: f"/volunteers/wishes/{_volunteers(a).wish.pk}/claim/",
        expect(405, anonymous=405, superuser=405),
    ),
    "wish-fulfil": (
        lambda a: f"/volunteers/wishes/{_volunteers(a).wish.pk}/fulfil/",
        only({RoleKind.VOLUNTEER_LEADER}, 200, 403),
    ),
    "wish-close": (
        lambda a: f"/volunteers/wishes/{_volunteers(a).wish.pk}/close/",
        only(WISH_KEEPERS, 200, 403),
    ),
    "project-list": (lambda a: "/volunteers/projects/", only(VOL_VIEWERS, 200, 403)),
    "project-summary": (lambda a: "/volunteers/projects/summary/", only(VOL_VIEWERS, 200, 403)),
    "project-create": (lambda a: "/volunteers/projects/new/", only(PROJECT_KEEPERS, 200, 403)),
    "project-detail": (
        lambda a: f"/volunteers/projects/{_volunteers(a).project.pk}/",
        only(VOL_VIEWERS, 200, 403),
    ),
    **{
        name: (
            lambda a, step=step: f"/volunteers/projects/{_volunteers(a).project.pk}/{step}",
            only(PROJECT_KEEPERS, 200, 403),
        )
        for name, step in (
            ("project-decision", "decision/"),
            ("project-start", "start/"),
            ("project-progress", "progress/new/"),
            ("project-complete", "complete/"),
        )
    },
    # Public: a certificate check and each village's projects, for anyone.
    "certificate-check": (lambda a: "/public/certificates/?code=X", expect(200, anonymous=200)),
    "project-public-villages": (lambda a: "/public/projects/", expect(200, anonymous=200)),
    "project-public-list": (
        lambda a: f"/public/projects/{a.v1.pk}/",
        expect(200, anonymous=200),
    ),
    # Dashboards: the town's roles see every area; a village clerk their village (sent there
    # from /dashboard/), a grid leader their grid (V1G2 is not theirs: 404); others 403.
    "dashboard-town": (
        lambda a: "/dashboard/",
        expect(
            403,
            **dict.fromkeys(TOWN_KINDS, 200),
            **{RoleKind.VILLAGE_CLERK: 302, RoleKind.GRID_LEADER: 302},
        ),
    ),
    "dashboard-village": (
        lambda a: f"/dashboard/village/{a.v1.pk}/",
        expect(
            403,
            **dict.fromkeys(TOWN_KINDS, 200),
            **{RoleKind.VILLAGE_CLERK: 200, RoleKind.GRID_LEADER: 404},
        ),
    ),
    "dashboard-grid": (
        lambda a: f"/dashboard/grid/{a.g12.pk}/",
        expect(
            403,
            **dict.fromkeys(TOWN_KINDS, 200),
            **{RoleKind.VILLAGE_CLERK: 200, RoleKind.GRID_LEADER: 404},
        ),
    ),
    # The monthly town report: the town's roles only.
    "town-report-list": (lambda a: "/dashboard/reports/", only(TOWN_KINDS, 200, 403)),
    "town-report-detail": (
        lambda a: f"/dashboard/reports/{_town_report(a).pk}/",
        only(TOWN_KINDS, 200, 403),
    ),
    "town-report-pdf": (
        lambda a: f"/dashboard/reports/{_town_report(a).pk}/pdf/",
        only(TOWN_KINDS, 200, 403),
    ),
}


def _town_report(a):
    import datetime

    from dashboard.services import town_report_publish

    report, _ = town_report_publish(town_id=a.town.pk, month=datetime.date(2026, 10, 1))
    return report


def _inspection(a):
    """An inspection with one photographed finding in grid V1G2, by the V1 volunteer leader."""
    import io
    import uuid
    from types import SimpleNamespace

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from PIL import Image

    from patrols.models import Inspection, InspectionPhoto
    from patrols.services import FindingInput, inspection_submit

    inspection = Inspection.objects.filter(place="矩阵巡查").first()
    if inspection is None:
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8), (0, 120, 0)).save(buffer, format="JPEG")
        photo = SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")
        now = timezone.now()
        inspection, _ = inspection_submit(
            actor=get_user_model().objects.get(username=f"u_{RoleKind.VOLUNTEER_LEADER}"),
            client_uuid=uuid.uuid4(),
            grid_id=a.g12.pk,
            place="矩阵巡查",
            started_at=now,
            ended_at=now,
            findings=[
                FindingInput(type="other", description="矩阵", outcome="fixed", photos=[photo])
            ],
        )
    photo = InspectionPhoto.objects.get(finding__inspection=inspection)
    return SimpleNamespace(inspection=inspection, photo=photo)


def _city_order(a):
    """An order the city platform sent through the intake API, made on first use."""
    from tickets.models import Category, Source, WorkOrder
    from tickets.services import order_create

    found = WorkOrder.objects.filter(upstream_number="MATRIX-1").first()
    if found is not None:
        return found
    category, _ = Category.objects.get_or_create(town=a.town, parent=None, name="矩阵类别")
    order, _ = order_create(
        actor=None, town=a.town, source=Source.HOTLINE, category=category, title="矩阵工单",
        description="矩阵", upstream_number="MATRIX-1",
    )  # fmt: skip
    return order


def _ticket(a):
    """A phone order in grid V1G2, dispatched by the command centre to department D1."""
    from django.contrib.auth import get_user_model

    from tickets.models import Category, Source, WorkOrder
    from tickets.services import order_create, order_dispatch, unit_for

    found = WorkOrder.objects.filter(title="矩阵派单").first()
    if found is not None:
        return found
    command = get_user_model().objects.get(username=f"u_{RoleKind.COMMAND_CENTRE}")
    category, _ = Category.objects.get_or_create(town=a.town, parent=None, name="矩阵类别")
    order, _ = order_create(
        actor=command, town=a.town, source=Source.PHONE, category=category, title="矩阵派单",
        description="矩阵", village=a.v1, grid=a.g12,
    )  # fmt: skip
    return order_dispatch(actor=command, order=order, lead_unit=unit_for(department=a.d1))


def _supervision_report(a):
    from django.utils import timezone

    from huaisi.periods import previous_month
    from tickets.services import supervision_report_publish

    report, _ = supervision_report_publish(town=a.town, month=previous_month(timezone.localdate()))
    return report


def _import_job():
    """A finished dry run uploaded by the V1-side town administrator."""
    from django.contrib.auth import get_user_model

    from households.models import ImportJob

    owner = get_user_model().objects.get(username=f"u_{RoleKind.TOWN_ADMIN}")
    job, _ = ImportJob.objects.get_or_create(
        user=owner, file_name="matrix.csv", defaults={"kind": "residents", "status": "invalid"}
    )
    return job


def _points(a):
    """Points rows on the register's household MATRIX-1 (V1G1M1): passbook, rule, a pending
    entry with a photo, the V1 store with a good and a receipt, a ranking and an honour list."""
    import datetime
    import io
    from types import SimpleNamespace

    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone
    from PIL import Image

    from households.models import Household
    from points.models import (
        Entry,
        EntryPhoto,
        Good,
        HonourPublication,
        PointsAccount,
        RankingPublication,
        Redemption,
        RedemptionLine,
        Rule,
        Store,
    )

    household = _register(a).household
    Household.objects.filter(pk=household.pk).update(pact_signed_on=datetime.date(2025, 1, 1))
    clerk = get_user_model().objects.get(username=f"u_{RoleKind.VILLAGE_CLERK}")
    now = timezone.now()
    PointsAccount.objects.get_or_create(
        household=household,
        defaults={
            "village": a.v1, "serial": 1, "passbook_number": "V1-MATRIX",
            "card_token": "matrix-card",
        },
    )  # fmt: skip
    rule, _ = Rule.objects.get_or_create(
        town=a.town,
        code="MX-01",
        defaults={
            "group": "key_work", "category": "矛盾调处", "title": "调解纠纷", "points": 5,
            "valid_from": datetime.date(2025, 1, 1),
        },
    )  # fmt: skip
    entry, _ = Entry.objects.get_or_create(
        idempotency_key="matrix-entry",
        defaults={
            "household": household, "rule": rule, "points": 5, "deed_date": now.date(),
            "basis": "矩阵", "method": "site_visit", "source": "manual", "recorded_by": clerk,
            "recorded_at": now,
        },
    )  # fmt: skip
    name = "points/evidence/matrix.jpg"
    if not default_storage.exists(name):
        buffer = io.BytesIO()
        Image.new("RGB", (8, 6), (200, 30, 30)).save(buffer, format="JPEG")
        name = default_storage.save(name, ContentFile(buffer.getvalue()))
    photo, _ = EntryPhoto.objects.get_or_create(
        entry=entry, defaults={"image": name, "thumbnail": name, "width": 8, "height": 6}
    )
    store, _ = Store.objects.get_or_create(village=a.v1, defaults={"name": "第1村满满加油站"})
    good, _ = Good.objects.get_or_create(
        store=store, name="矩阵米", defaults={"unit": "袋", "price_points": 5}
    )
    redemption, made = Redemption.objects.get_or_create(
        idempotency_key="matrix-redemption",
        defaults={
            "store": store, "household": household, "total_points": 5,
            "receipt_number": "V1-MATRIX-1", "redeemed_by": clerk, "redeemed_at": now,
        },
    )  # fmt: skip
    if made:
        RedemptionLine.objects.create(redemption=redemption, good=good, quantity=1, unit_points=5)
    ranking, _ = RankingPublication.objects.get_or_create(
        village=a.v1, month=datetime.date(2025, 1, 1), defaults={"published_at": now}
    )
    honours, _ = HonourPublication.objects.get_or_create(
        village=a.v1, half_start=datetime.date(2025, 1, 1), defaults={"published_at": now}
    )
    return SimpleNamespace(
        household=household, rule=rule, entry=entry, photo=photo, store=store, good=good,
        redemption=redemption, ranking=ranking, honours=honours,
    )  # fmt: skip


# Django's admin has its own staff-only gate, tested in test_admin_is_staff_only.
EXCLUDED_NAMESPACES = {"admin"}


def project_url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in EXCLUDED_NAMESPACES:
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"URL pattern {pattern.pattern} has no name"
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_has_a_row():
    missing = project_url_names() - MATRIX.keys()
    stale = MATRIX.keys() - project_url_names()
    assert not missing, f"add these URLs to the role matrix: {sorted(missing)}"
    assert not stale, f"these matrix rows name no URL: {sorted(stale)}"


@pytest.fixture
def users_by_role(role_users, user_without_role, django_user_model):
    from conftest import PASSWORD

    users = dict(role_users)
    users[NO_ROLE] = user_without_role
    users[SUPER] = django_user_model.objects.create_superuser("root", password=PASSWORD)
    return users


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_role_matrix(url_name, area, users_by_role, client, settings):
    settings.HEALTHZ_CELERY_TIMEOUT = 0.2
    build, expected = MATRIX[url_name]
    path = build(area)
    got = {}
    for role in ROLES:
        client.logout()
        if role != ANON:
            client.force_login(users_by_role[role])
        got[role] = client.get(path).status_code
    mismatches = {
        role: (got[role], expected[role]) for role in ROLES if got[role] != expected[role]
    }
    assert not mismatches, f"{path}: role -> (got, expected): {mismatches}"


@pytest.mark.django_db
def test_admin_is_staff_only(client, users_by_role):
    client.force_login(users_by_role[RoleKind.TOWN_ADMIN])
    assert client.get("/admin/").status_code == 302
    client.force_login(users_by_role[SUPER])
    assert client.get("/admin/").status_code == 200
