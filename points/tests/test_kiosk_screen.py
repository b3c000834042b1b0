"""The kiosk screen as a resident meets it: digits typed full-width, a screen slowed after
too many wrong PINs (and not the passbooks it tried), a passbook of another village, the whole
notice board opened from the idle screen, and a level-one heading on every kiosk page."""

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from points import services
from points.models import PointsAccount
from points.tests.conftest import new_household
from points.views import kiosk

pytestmark = pytest.mark.django_db

PIN = "2468"
HX = {"HTTP_HX_REQUEST": "true"}
WRONG = "The passbook number or the PIN is wrong."
WAIT = re.compile(
    r"Too many wrong tries at this screen\. Please wait "
    r'<strong data-kiosk-wait-seconds="">(\d+)</strong> s, then try again\.'
)


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def accounts(area, staff):
    """Six passbooks of V1 with the PIN 2468."""
    opened = []
    for n in range(6):
        household = new_household(area.m111, number=f"S-{n}")
        account = services.account_open(household=household, by=staff["clerk"])
        opened.append(services.account_set_pin(account=account, pin=PIN, by=staff["clerk"]))
    return opened


@pytest.fixture
def frozen():
    with time_machine.travel(
        datetime.datetime(2026, 11, 3, 10, 0, tzinfo=datetime.UTC), tick=False
    ) as t:
        yield t


def screen(village, address: str) -> Client:
    """A kiosk screen: a browser that opened the village's idle screen, at `address`."""
    browser = Client(REMOTE_ADDR=address)
    browser.cookies["django_language"] = "en"
    assert browser.get(reverse("kiosk-idle", args=[village.pk])).status_code == 200
    assert kiosk.DEVICE_COOKIE in browser.cookies
    return browser


def try_pin(browser, village, account_or_number, pin, **extra):
    number = getattr(account_or_number, "passbook_number", account_or_number)
    return browser.post(
        reverse("kiosk-login", args=[village.pk]),
        {"passbook_number": number, "pin": pin},
        **extra,
    )


def pause_shown(response) -> int | None:
    match = WAIT.search(response.content.decode())
    return int(match.group(1)) if match else None


def test_full_width_digits_are_the_same_number(client, area, accounts):
    account = accounts[0]
    full_width = account.passbook_number.translate(
        {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    )
    response = try_pin(client, area.v1, f" {full_width} ", "２４６８")
    assert response.status_code == 302 and response.url == reverse("kiosk-household")

    # A PIN that cannot be one is refused as such, and never tried on the passbook.
    client.get(reverse("kiosk-idle", args=[area.v1.pk]))
    html = try_pin(client, area.v1, account, "２４").content.decode()
    assert "The PIN is 4 to 6 digits." in html and WRONG not in html
    assert PointsAccount.objects.get(pk=account.pk).failed_pins == 0


def test_a_screen_trying_pins_across_passbooks_slows_down_without_locking_them(
    area, accounts, frozen
):
    guesser = screen(area.v1, "10.0.0.1")
    # One screen's allowance: as many wrong PINs as one passbook's (then its lock).
    for account in accounts[:4]:
        response = try_pin(guesser, area.v1, account, "0000")
        assert WRONG in response.content.decode() and pause_shown(response) is None
    response = try_pin(guesser, area.v1, accounts[4], "0000")
    assert WRONG in response.content.decode() and pause_shown(response) == 5

    # During the pause nothing is tried, not even the right PIN.
    for pin in ("1111", PIN):
        response = try_pin(guesser, area.v1, accounts[0], pin)
        assert response.status_code == 200 and pause_shown(response) == 5
        assert WRONG not in response.content.decode()
    assert PointsAccount.objects.get(pk=accounts[0].pk).failed_pins == 1

    # Each refusal after a pause doubles the next one; the screen counts down what is left.
    frozen.shift(2)
    assert pause_shown(guesser.get(reverse("kiosk-idle", args=[area.v1.pk]))) == 3
    for waited, then in ((3, 10), (10, 20), (20, 40)):
        frozen.shift(waited)
        assert pause_shown(try_pin(guesser, area.v1, accounts[5], "0000")) == then

    # Another screen (its own browser, its own address) is not slowed meanwhile.
    other = screen(area.v1, "10.0.0.2")
    assert try_pin(other, area.v1, accounts[1], PIN).status_code == 302

    # After the pause the right PIN signs in; no passbook was locked along the way.
    frozen.shift(40)
    response = try_pin(guesser, area.v1, accounts[2], PIN)
    assert response.status_code == 302 and response.url == reverse("kiosk-household")
    assert not PointsAccount.objects.filter(locked_until__isnull=False).exists()


def test_a_household_signing_in_ends_its_screens_count(area, accounts, frozen):
    guesser = screen(area.v1, "10.0.0.1")
    for account in accounts[:3]:
        try_pin(guesser, area.v1, account, "0000")
    assert try_pin(guesser, area.v1, accounts[3], PIN).status_code == 302
    guesser.get(reverse("kiosk-idle", args=[area.v1.pk]))
    for account in accounts[:4]:
        assert pause_shown(try_pin(guesser, area.v1, account, "0000")) is None


def test_a_guesser_dropping_the_screens_cookie_is_still_counted_by_address(area, accounts, frozen):
    def fresh_screen_try():
        return try_pin(
            screen(area.v1, "10.0.0.3"), area.v1, accounts[0].passbook_number + "9", "0000"
        )

    # Without a cookie at all: counted as one screen of that address.
    bare = Client(REMOTE_ADDR="10.0.0.4")
    bare.cookies["django_language"] = "en"
    shown = [pause_shown(try_pin(bare, area.v1, "V1-nobody", "0000")) for _ in range(5)]
    assert shown == [None, None, None, None, 5]

    # A new screen cookie for every try: the address allows three screens' worth.
    shown = [pause_shown(fresh_screen_try()) for _ in range(kiosk.ADDRESS_FREE_FAILURES + 1)]
    assert shown[:-1] == [None] * kiosk.ADDRESS_FREE_FAILURES and shown[-1] == 5
    assert pause_shown(try_pin(screen(area.v1, "10.0.0.3"), area.v1, accounts[0], PIN)) == 5
    # A screen at another address is not slowed.
    assert try_pin(screen(area.v1, "10.0.0.5"), area.v1, accounts[0], PIN).status_code == 302


def test_behind_a_proxy_the_forwarded_address_is_counted(area, accounts, frozen, settings):
    settings.TRUSTED_PROXIES = 1
    for n in range(kiosk.ADDRESS_FREE_FAILURES + 1):
        browser = screen(area.v1, "10.9.9.9")
        # A guesser writing a new address into the header is still counted under one.
        response = try_pin(
            browser, area.v1, "V1-nobody", "0000",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 192.168.1.20",
        )  # fmt: skip
    assert pause_shown(response) == 5
    neighbour = screen(area.v1, "10.9.9.9")
    response = try_pin(neighbour, area.v1, accounts[0], PIN, HTTP_X_FORWARDED_FOR="192.168.1.21")
    assert response.status_code == 302


def test_the_pause_shows_on_the_idle_screen_and_in_the_htmx_fragment(area, accounts, frozen):
    guesser = screen(area.v1, "10.0.0.1")
    for account in accounts[:5]:
        try_pin(guesser, area.v1, account, "0000")
    fragment = try_pin(guesser, area.v1, accounts[0], PIN, **HX)
    html = fragment.content.decode()
    assert "<html" not in html and pause_shown(fragment) == 5
    assert 'data-kiosk-wait="5"' in html and 'role="alert"' in html
    page = guesser.get(reverse("kiosk-idle", args=[area.v1.pk]))
    assert pause_shown(page) == 5 and 'data-kiosk-wait="5"' in page.content.decode()
    frozen.shift(5)
    page = guesser.get(reverse("kiosk-idle", args=[area.v1.pk]))
    assert pause_shown(page) is None and "data-kiosk-wait" not in page.content.decode()


def test_a_passbook_of_another_village_signs_in_and_the_page_names_its_village(
    client, area, accounts
):
    client.get(reverse("kiosk-idle", args=[area.v2.pk]))
    assert try_pin(client, area.v2, accounts[0], PIN).status_code == 302
    html = client.get(reverse("kiosk-household")).content.decode()
    title = re.search(r'<h1 class="kiosk-brand">(.*?)</h1>', html, re.S).group(1)
    assert area.v1.name in title and "S-0" in title
    away = re.search(r'<p class="message kiosk-away"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert f"This passbook is of {area.v1.name}." in away and area.v2.name in away
    # Done returns to the screen's own village.
    assert client.post(reverse("kiosk-done")).url.startswith(
        reverse("kiosk-idle", args=[area.v2.pk])
    )

    # At its own village's screen there is nothing to explain.
    client.get(reverse("kiosk-idle", args=[area.v1.pk]))
    try_pin(client, area.v1, accounts[0], PIN)
    html = client.get(reverse("kiosk-household")).content.decode()
    assert "kiosk-away" not in html and area.v1.name in html


def test_the_whole_board_from_the_kiosk_leads_back_and_nowhere_else(client, area):
    idle = client.get(reverse("kiosk-idle", args=[area.v1.pk])).content.decode()
    board_url = reverse("noticeboard", args=[area.v1.pk]) + "?kiosk=1"
    assert re.search(rf'<a class="button kiosk-board-link" href="{re.escape(board_url)}">', idle)

    response = client.get(board_url)
    html = response.content.decode()
    idle_url = reverse("kiosk-idle", args=[area.v1.pk])
    assert response.status_code == 200
    assert html.count("<h1") == 1 and "Notice board of household points" in html
    assert html.count(f'href="{idle_url}"') == 2 and "</span> Back</a>" in html
    assert f'data-kiosk-mode="board" data-kiosk-idle="{kiosk.KIOSK_IDLE_SECONDS}"' in html
    assert f'data-kiosk-home="{idle_url}"' in html and "/static/js/kiosk.js" in html
    # Every link stays in the kiosk: the idle screen, or the board itself.
    links = set(re.findall(r'<a [^>]*href="(/[^"]*)"', html)) - {idle_url}
    assert all(link.startswith(reverse("noticeboard", args=[area.v1.pk])) for link in links), links
    assert "/accounts/login" not in html and 'href="/"' not in html and "data-print" not in html

    # The public page (and its print button) is as it was.
    public = client.get(reverse("noticeboard", args=[area.v1.pk])).content.decode()
    assert "data-print" in public and "kiosk.js" not in public


def test_every_kiosk_page_has_one_level_one_heading(client, area, accounts):
    pages = [
        reverse("kiosk-home"),
        reverse("kiosk-idle", args=[area.v1.pk]),
        reverse("noticeboard", args=[area.v1.pk]) + "?kiosk=1",
        reverse("kiosk-card", args=[accounts[0].passbook_number, "not-the-token"]),
    ]
    for url in pages:
        assert client.get(url).content.decode().count("<h1") == 1, url
    try_pin(client, area.v1, accounts[0], PIN)
    assert client.get(reverse("kiosk-household")).content.decode().count("<h1") == 1


def test_locked_passbook_refusals_do_not_pause_the_screen(area, accounts, frozen):
    # A household that locked its own passbook and keeps trying only meets its lock.
    PointsAccount.objects.filter(pk=accounts[0].pk).update(
        locked_until=timezone.now() + datetime.timedelta(minutes=15)
    )
    browser = screen(area.v1, "10.0.0.1")
    for _ in range(8):
        response = try_pin(browser, area.v1, accounts[0], PIN)
        assert "locked" in response.content.decode() and pause_shown(response) is None
