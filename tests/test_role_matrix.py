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


# url name -> (path builder taking the `area` fixture, expected status per role)
MATRIX = {
    "home": (lambda a: "/", expect(200)),
    # No worker runs in this test, so the health check honestly reports 503 for everyone.
    "healthz": (lambda a: "/healthz", expect(503, anonymous=503, superuser=503)),
    # Logged-in users are sent on from the log-in page.
    "login": (lambda a: "/accounts/login/", expect(302, anonymous=200, superuser=302)),
    # Log-out only takes POST.
    "logout": (lambda a: "/accounts/logout/", expect(405, anonymous=405, superuser=405)),
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
    "department-list": (lambda a: "/areas/departments/", only({RoleKind.TOWN_ADMIN}, 200, 403)),
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
}


def _import_job():
    """A finished dry run uploaded by the V1-side town administrator."""
    from django.contrib.auth import get_user_model

    from households.models import ImportJob

    owner = get_user_model().objects.get(username=f"u_{RoleKind.TOWN_ADMIN}")
    job, _ = ImportJob.objects.get_or_create(
        user=owner, file_name="matrix.csv", defaults={"kind": "residents", "status": "invalid"}
    )
    return job


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
