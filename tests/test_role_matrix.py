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
}

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
