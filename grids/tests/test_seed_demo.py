"""`manage.py seed_demo`: the demo town, built once, the same after any number of runs."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from grids.models import Department, Grid, MicroGrid, StaffProfile, Town, Village
from huaisi.models import Role
from huaisi.roles import RoleKind


def counts() -> dict:
    return {
        "towns": Town.objects.count(),
        "villages": Village.objects.filter(kind=Village.Kind.VILLAGE).count(),
        "communities": Village.objects.filter(kind=Village.Kind.COMMUNITY).count(),
        "grids": Grid.objects.count(),
        "microgrids": MicroGrid.objects.count(),
        "departments": Department.objects.count(),
        "users": get_user_model().objects.count(),
        "roles": Role.objects.count(),
    }


@pytest.mark.django_db
def test_builds_the_demo_town_and_is_idempotent(client):
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", "--households", "0", stdout=out, stderr=err)
    first = counts()
    assert first["towns"] == 1 and Town.objects.get().is_demo
    assert (first["villages"], first["communities"], first["grids"]) == (13, 2, 33)
    assert 250 <= first["microgrids"] <= 350
    assert first["departments"] >= 8
    # One open holder per grid and micro-grid, and every role kind staffed.
    assert Role.objects.filter(kind=RoleKind.GRID_LEADER).count() == 33
    assert Role.objects.filter(kind=RoleKind.MICROGRID_WORKER).count() == first["microgrids"]
    assert set(Role.objects.values_list("kind", flat=True)) == set(RoleKind.values)
    assert "100.0%" in err.getvalue()

    # Every demo account has a work phone, in the virtual-operator block kept for the demo.
    phones = list(StaffProfile.objects.values_list("phone", flat=True))
    staff = get_user_model().objects.filter(huaisi_roles__isnull=False).distinct().count()
    assert len(phones) == staff == len(set(phones))
    assert all(phone.startswith("1700000") and len(phone) == 11 for phone in phones)

    call_command("seed_demo", "--households", "0", stdout=io.StringIO(), stderr=io.StringIO())
    assert counts() == first
    assert StaffProfile.objects.count() == len(phones)

    # The documented demo log-in works and lands on the user's grid.
    assert client.login(username="leader01", password="huaisi-demo")
    assert "槐泗村第1网格" in client.get("/").content.decode()


@pytest.mark.django_db
def test_if_empty_leaves_an_existing_town_alone():
    Town.objects.create(code="REAL", name="真实镇")
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out, stderr=io.StringIO())
    assert Town.objects.count() == 1
    assert "skipped" in out.getvalue()


@pytest.mark.django_db
def test_demo_areas_have_boundaries_inside_their_parent():
    call_command("seed_demo", "--households", "0", stdout=io.StringIO(), stderr=io.StringIO())
    grid = Grid.objects.select_related("village").get(code="G01")
    lngs = [p[0] for p in grid.boundary["coordinates"][0]]
    vlngs = [p[0] for p in grid.village.boundary["coordinates"][0]]
    assert min(vlngs) <= min(lngs) < max(lngs) <= max(vlngs) + 1e-9
