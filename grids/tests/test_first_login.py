"""A new account (or one handed a one-time password) chooses its own password at its first
log-in, and reaches no other page until it has."""

import pytest
from django.contrib.auth import SESSION_KEY

from conftest import PASSWORD, make_user
from grids.models import StaffProfile
from huaisi.roles import RoleKind

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
CHANGE = "/accounts/password/"
NEW = "a-Very-own-passw0rd"


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def log_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def change(client, old=PASSWORD, new=NEW, again=None, **headers):
    data = {"old_password": old, "new_password1": new, "new_password2": again or new}
    return client.post(CHANGE, data, **headers)


@pytest.fixture
def newcomer(area):
    user = make_user("newcomer", kind=RoleKind.GRID_LEADER, scope=area.g11)
    StaffProfile.objects.create(user=user, phone="13900001234", must_change_password=True)
    return user


def test_a_flagged_account_reaches_only_the_password_page(client, newcomer, area):
    response = log_in(client, "newcomer")
    assert response.status_code == 302
    assert SESSION_KEY in client.session

    for path in ("/", f"/areas/grids/{area.g11.pk}/", "/register/residents/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == CHANGE
    # An htmx fragment request is sent to the same page, not answered with the fragment.
    response = client.get(f"/areas/grids/{area.g11.pk}/", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == CHANGE
    assert response.content == b""

    page = client.get(CHANGE)
    assert page.status_code == 200
    assert "one-time password" in page.content.decode()
    assert page.context["nav_items"] == []  # no menu whose every link leads back here


def test_after_the_change_every_page_opens_and_the_flag_is_gone(client, newcomer, area):
    log_in(client, "newcomer")

    response = change(client)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get(f"/areas/grids/{area.g11.pk}/").status_code == 200
    assert not StaffProfile.objects.get(user=newcomer).must_change_password
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW)
    # The next log-in goes straight in, with the new password only.
    client.logout()
    assert log_in(client, "newcomer", PASSWORD).status_code == 200
    log_in(client, "newcomer", NEW)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("old", "new", "again", "reason"),
    [
        ("wrong-password", NEW, NEW, "Your old password was entered incorrectly"),
        (PASSWORD, NEW, NEW + "x", "The two password fields didn"),
        (PASSWORD, PASSWORD, PASSWORD, "Choose a password different from the one you were given"),
        (PASSWORD, "12345678", "12345678", "This password is too common"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(client, newcomer, old, new, again, reason):
    log_in(client, "newcomer")

    response = change(client, old=old, new=new, again=again)

    assert response.status_code == 200
    assert reason in response.content.decode()
    assert StaffProfile.objects.get(user=newcomer).must_change_password
    assert client.get("/")["Location"] == CHANGE
    newcomer.refresh_from_db()
    assert newcomer.check_password(PASSWORD)


def test_an_account_without_the_flag_is_not_stopped(client, area):
    make_user("old_hand", kind=RoleKind.GRID_LEADER, scope=area.g11)
    log_in(client, "old_hand")
    assert client.get("/").status_code == 200
    # …and may still change its password when it likes.
    assert client.get(CHANGE).status_code == 200
    assert change(client).status_code == 302


def test_logging_out_stays_possible(client, newcomer):
    log_in(client, "newcomer")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
