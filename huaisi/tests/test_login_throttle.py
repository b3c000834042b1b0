"""Log-in throttling: five failures for one user name from one address lock it for 15 minutes."""

import time

import pytest
from django.contrib.auth import SESSION_KEY

from conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(client, username, password, address="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def test_sixth_attempt_is_refused_even_with_the_right_password(client):
    make_user("clerk")
    for _ in range(5):
        response = attempt(client, "clerk", "wrong-password")
        assert response.status_code == 200
        assert not logged_in(client)

    response = attempt(client, "clerk", PASSWORD)

    assert response.status_code == 200
    assert not logged_in(client)
    assert response.context["form"].locked
    # The page says why, not "wrong password".
    message = response.context["form"].non_field_errors()[0]
    assert "15" in message
    assert message in response.content.decode()


def test_fifth_failure_already_says_the_account_is_locked(client):
    make_user("clerk")
    for _ in range(4):
        response = attempt(client, "clerk", "wrong-password")
        assert not response.context["form"].locked

    response = attempt(client, "clerk", "wrong-password")

    assert response.context["form"].locked


def test_fewer_failures_then_the_right_password_logs_in_and_resets_the_count(client):
    make_user("clerk")
    for _ in range(4):
        attempt(client, "clerk", "wrong-password")

    response = attempt(client, "clerk", PASSWORD)
    assert response.status_code == 302
    client.logout()

    # The count started again: four more failures still leave the right password working.
    for _ in range(4):
        attempt(client, "clerk", "wrong-password")
    assert attempt(client, "clerk", PASSWORD).status_code == 302


def test_lock_is_per_user_name_and_address(client):
    make_user("clerk")
    make_user("leader")
    for _ in range(5):
        attempt(client, "clerk", "wrong-password")

    # Another user from the same address, and the same user from another address, get in.
    assert attempt(client, "leader", PASSWORD).status_code == 302
    client.logout()
    assert attempt(client, "clerk", PASSWORD, address="10.0.0.8").status_code == 302
    client.logout()
    # The guesser's own address stays locked, whatever the case of the user name.
    assert attempt(client, "CLERK", PASSWORD).status_code == 200


def test_lock_lifts_when_the_window_has_passed(client, settings):
    settings.LOGIN_LOCKOUT_SECONDS = 1
    make_user("clerk")
    for _ in range(5):
        attempt(client, "clerk", "wrong-password")
    assert attempt(client, "clerk", PASSWORD).status_code == 200

    time.sleep(1.2)

    assert attempt(client, "clerk", PASSWORD).status_code == 302
    assert logged_in(client)


def test_admin_log_in_is_throttled_too(client):
    make_user("boss", is_staff=True, is_superuser=True)
    for _ in range(5):
        client.post(
            "/admin/login/", {"username": "boss", "password": "wrong"}, REMOTE_ADDR="10.0.0.7"
        )

    response = client.post(
        "/admin/login/", {"username": "boss", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )

    assert response.status_code == 200
    assert not logged_in(client)


BALANCER = "10.9.9.9"  # the load balancer: the socket's peer of every log-in behind it


def attempt_through_balancer(client, username, password, *, forwarded):
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=BALANCER,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_a_balancer_a_guesser_elsewhere_does_not_lock_the_colleague_out(client, settings):
    settings.TRUSTED_PROXIES = 1
    make_user("clerk")
    for _ in range(5):
        attempt_through_balancer(client, "clerk", "wrong", forwarded="203.0.113.5")
    assert (
        attempt_through_balancer(client, "clerk", PASSWORD, forwarded="203.0.113.5").status_code
        == 200
    )

    # The clerk at the village hall comes through the same balancer from another address.
    response = attempt_through_balancer(client, "clerk", PASSWORD, forwarded="198.51.100.20")

    assert response.status_code == 302
    assert logged_in(client)


def test_behind_a_balancer_a_forged_forwarded_for_does_not_reset_the_count(client, settings):
    settings.TRUSTED_PROXIES = 1
    make_user("clerk")
    # The guesser writes a new address of its own in front each time; the balancer appends the
    # address it really saw, and that one is counted.
    for number in range(5):
        attempt_through_balancer(client, "clerk", "wrong", forwarded=f"1.2.3.{number}, 203.0.113.5")

    response = attempt_through_balancer(
        client, "clerk", PASSWORD, forwarded="1.2.3.99, 203.0.113.5"
    )

    assert response.status_code == 200
    assert response.context["form"].locked


def test_without_a_trusted_proxy_the_forwarded_for_header_is_ignored(client, settings):
    settings.TRUSTED_PROXIES = 0
    make_user("clerk")
    for number in range(5):
        attempt_through_balancer(client, "clerk", "wrong", forwarded=f"1.2.3.{number}")

    # Every try came from one socket peer: a new header does not get the guesser a new count.
    response = attempt_through_balancer(client, "clerk", PASSWORD, forwarded="1.2.3.99")

    assert response.status_code == 200
    assert response.context["form"].locked
