"""The town administrator hands a member of staff a new one-time password: the old one stops
working, open sessions end, and the next log-in must choose a new password."""

import datetime
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from conftest import PASSWORD
from grids.models import StaffProfile
from grids.services import NewStaff, roster_assign
from huaisi.models import Role
from huaisi.roles import RoleKind

pytestmark = pytest.mark.django_db


def slip_password(html: str) -> str:
    return re.search(r'class="mono">([a-z2-9]{5}-[a-z2-9]{5})<', html).group(1)


@pytest.fixture
def leader(role_users):
    leader = role_users[RoleKind.GRID_LEADER]
    StaffProfile.objects.create(user=leader, phone="13900002222")
    return leader


def test_a_reset_prints_a_one_time_password_that_must_then_be_changed(client, role_users, leader):
    staff_client = Client()
    staff_client.post("/accounts/login/", {"username": leader.username, "password": PASSWORD})
    assert staff_client.get("/").status_code == 200
    client.force_login(role_users[RoleKind.TOWN_ADMIN])

    response = client.post(f"/areas/staff/{leader.pk}/password/")

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    html = response.content.decode()
    password = slip_password(html)
    assert leader.username in html
    assert "http://testserver/accounts/login/" in html
    leader.refresh_from_db()
    assert not leader.check_password(PASSWORD)
    assert password not in leader.password  # stored hashed only
    # The session the leader had open is over; the one-time password leads to the change page.
    assert staff_client.get("/").status_code == 302
    assert SESSION_KEY not in staff_client.session
    fresh = Client()
    fresh.post("/accounts/login/", {"username": leader.username, "password": password})
    assert fresh.get("/")["Location"] == "/accounts/password/"


def test_two_resets_give_two_passwords(client, role_users, leader):
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    first = slip_password(client.post(f"/areas/staff/{leader.pk}/password/").content.decode())
    second = slip_password(client.post(f"/areas/staff/{leader.pk}/password/").content.decode())
    assert first != second
    leader.refresh_from_db()
    assert leader.check_password(second)
    assert StaffProfile.objects.get(user=leader).must_change_password


def test_only_the_town_administrator_resets_and_never_a_site_administrator(
    client, role_users, leader, area, django_user_model
):
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    assert client.post(f"/areas/staff/{leader.pk}/password/").status_code == 403
    leader.refresh_from_db()
    assert leader.check_password(PASSWORD)

    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    Role.objects.create(user=root, kind=RoleKind.GRID_LEADER, grid=area.g12)
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    assert client.post(f"/areas/staff/{root.pk}/password/").status_code == 403
    root.refresh_from_db()
    assert root.check_password(PASSWORD)


def test_an_account_made_on_the_roster_must_change_its_password(area):
    role = roster_assign(
        kind=RoleKind.MICROGRID_WORKER,
        scope=area.m112,
        starts_on=datetime.date(2026, 1, 5),
        new_staff=NewStaff(
            username="newbie", full_name="新 人", phone="13900001111", password="one-time-123"
        ),
    )
    assert StaffProfile.objects.get(user=role.user).must_change_password


def test_an_account_without_a_staff_profile_is_asked_for_a_phone_first(client, role_users):
    worker = role_users[RoleKind.MICROGRID_WORKER]
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    response = client.post(f"/areas/staff/{worker.pk}/password/", follow=True)
    assert response.redirect_chain[-1][0] == f"/areas/staff/{worker.pk}/edit/"
    worker.refresh_from_db()
    assert worker.check_password(PASSWORD)
