"""The village-hall kiosk: log-in with passbook and PIN (and the lockout), the card's QR link,
the household page, and the session that ends after a minute without use."""

import datetime
import re
import time

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from households.tests.factories import ResidentFactory
from huaisi.periods import month_start
from huaisi.privacy import mask_id_number, mask_phone
from huaisi.roles import RoleKind
from points import services
from points.models import PointsAccount
from points.services._common import standings_key
from points.tests.conftest import earn, key, last_month, new_household, record
from points.views import kiosk

pytestmark = pytest.mark.django_db

PIN = "2468"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so assertions read the source strings whatever the catalogue says."""
    client.cookies["django_language"] = "en"


@pytest.fixture
def account(household, staff):
    account = services.account_open(household=household, by=staff["clerk"])
    return services.account_set_pin(account=account, pin=PIN, by=staff["clerk"])


def sign_in(client, account, village, pin=PIN, **extra):
    return client.post(
        reverse("kiosk-login", args=[village.pk]),
        {"passbook_number": account.passbook_number, "pin": pin},
        **extra,
    )


def kiosk_record(client) -> dict:
    """The server-side record of the client's kiosk session, and its cache key."""
    request = RequestFactory().get("/")
    request.COOKIES[kiosk.KIOSK_COOKIE] = client.cookies[kiosk.KIOSK_COOKIE].value
    session_key, _village = kiosk._cookie(request)
    return cache.get(kiosk._record_key(session_key)), kiosk._record_key(session_key)


def test_passbook_and_pin_open_the_household_page(client, account, area, rules, staff):
    rival = new_household(area.m111)
    earn(rival, rules["mediation"], staff)
    earn(rival, rules["mediation"], staff)
    earn(account.household, rules["mediation"], staff, basis="调解张家与李家的宅基地纠纷")
    record(account.household, rules["volunteer"], staff, basis="参加河道清理")

    response = sign_in(client, account, area.v1)

    assert response.status_code == 302 and response.url == reverse("kiosk-household")
    page = client.get(reverse("kiosk-household"))
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'data-testid="balance">10<', html)
    assert re.search(r'data-testid="month-points">10<', html)
    assert re.search(r'data-testid="rank">2<', html)  # the rival has 20
    assert "调解张家与李家的宅基地纠纷" in html and "参加河道清理" in html
    assert "Waiting for review" in html  # the pending entry is shown with its state
    assert "no-store" in page["Cache-Control"]
    # Not a Django log-in: staff pages stay closed.
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def test_the_village_standings_are_shared_and_an_approval_updates_them(
    client,
    account,
    area,
    rules,
    staff,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    # Every kiosk session of the village reads one cached copy of this month's standings, and
    # an approval that moves a household is on the next page at once, not a minute later.
    rival = new_household(area.m111)
    earn(rival, rules["mediation"], staff)
    earn(account.household, rules["mediation"], staff)
    sign_in(client, account, area.v1)
    month = month_start(timezone.localdate())
    cache.delete(standings_key(village_id=area.v1.pk, month=month))
    first = client.get(reverse("kiosk-household")).content.decode()
    assert re.search(r'data-testid="rank">1<', first)  # tied at 10: both first
    with django_assert_num_queries(1):  # the page's one statement; the standings are cached
        html = client.get(reverse("kiosk-household")).content.decode()
    assert re.search(r'data-testid="rank">1<', html)

    with django_capture_on_commit_callbacks(execute=True):
        earn(rival, rules["mediation"], staff)
    html = client.get(reverse("kiosk-household")).content.decode()
    assert re.search(r'data-testid="month-points">10<', html)
    assert re.search(r'data-testid="rank">2<', html)  # the rival now has 20


def test_standings_computed_before_an_approval_are_not_served_after_it(
    account, area, rules, staff, django_capture_on_commit_callbacks
):
    # A kiosk page that read the standings just before an approval committed, and stores
    # them just after, must not serve the old rank for the next minute.
    from points.selectors import village_standings

    earn(account.household, rules["mediation"], staff)
    month = month_start(timezone.localdate())
    slow_reader_key = standings_key(village_id=area.v1.pk, month=month)
    with django_capture_on_commit_callbacks(execute=True):
        earn(account.household, rules["mediation"], staff)
    cache.set(slow_reader_key, {account.household_id: (10, 1)}, 60)  # stored too late
    assert village_standings(village_id=area.v1.pk, month=month)[account.household_id] == (20, 1)


def test_a_wrong_pin_says_so_and_changes_nothing(client, account, area):
    response = sign_in(client, account, area.v1, pin="1111")

    html = response.content.decode()
    assert response.status_code == 200
    assert "The passbook number or the PIN is wrong." in html
    assert 'value="1111"' not in html  # the PIN is not sent back
    assert account.passbook_number in html  # the passbook number is kept
    assert kiosk.KIOSK_COOKIE not in client.cookies
    assert client.get(reverse("kiosk-household")).status_code == 302


def test_missing_fields_are_refused_with_a_message(client, area):
    response = client.post(reverse("kiosk-login", args=[area.v1.pk]), {"passbook_number": ""})
    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 2


def test_five_wrong_pins_lock_the_passbook_and_say_for_how_long(client, account, area):
    for _ in range(4):
        assert "is wrong" in sign_in(client, account, area.v1, pin="0000").content.decode()
    html = sign_in(client, account, area.v1, pin="0000").content.decode()
    assert "this passbook is locked. Try again in 15 minutes." in html

    # The right PIN is refused too while locked, with the time left.
    PointsAccount.objects.filter(pk=account.pk).update(
        locked_until=timezone.now() + datetime.timedelta(minutes=3, seconds=10)
    )
    html = sign_in(client, account, area.v1).content.decode()
    assert "Try again in 4 minutes." in html
    assert kiosk.KIOSK_COOKIE not in client.cookies

    PointsAccount.objects.filter(pk=account.pk).update(
        locked_until=timezone.now() + datetime.timedelta(seconds=20)
    )
    assert "Try again in 1 minute." in sign_in(client, account, area.v1).content.decode()

    PointsAccount.objects.filter(pk=account.pk).update(
        locked_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert sign_in(client, account, area.v1).status_code == 302


def test_htmx_log_in_swaps_the_form_or_redirects(client, account, area):
    wrong = sign_in(client, account, area.v1, pin="9999", **HX)
    html = wrong.content.decode()
    assert wrong.status_code == 200
    assert "<html" not in html and 'id="kiosk-login-form"' in html
    assert "is wrong" in html and "autofocus" in html
    assert wrong["Vary"] and "HX-Request" in wrong["Vary"]

    right = sign_in(client, account, area.v1, **HX)
    assert right.status_code == 204
    assert right["HX-Redirect"] == reverse("kiosk-household")
    assert client.get(reverse("kiosk-household")).status_code == 200


def test_the_card_link_signs_in_and_a_new_card_revokes_it(client, account, staff):
    url = reverse("kiosk-card", args=[account.passbook_number, account.card_token])
    response = client.get(url)
    assert response.status_code == 302 and response.url == reverse("kiosk-household")
    assert client.get(reverse("kiosk-household")).status_code == 200

    services.account_issue_card(account=account, by=staff["clerk"])
    client.post(reverse("kiosk-done"))
    refused = client.get(url)
    assert refused.status_code == 404
    assert "This card does not work" in refused.content.decode()
    assert client.get(reverse("kiosk-household")).status_code == 302
    wrong = reverse("kiosk-card", args=[account.passbook_number, "not-the-token"])
    assert client.get(wrong).status_code == 404


def test_the_session_ends_after_60_seconds_idle(client, account, area):
    sign_in(client, account, area.v1)
    record_, cache_key = kiosk_record(client)

    # 59 s after the last request: still there, and the clock restarts.
    cache.set(cache_key, record_ | {"last": time.time() - 59}, 600)
    assert client.get(reverse("kiosk-household")).status_code == 200
    assert time.time() - cache.get(cache_key)["last"] < 5

    cache.set(cache_key, record_ | {"last": time.time() - 61}, 600)
    response = client.get(reverse("kiosk-household"))
    assert response.status_code == 302
    assert response.url == reverse("kiosk-idle", args=[area.v1.pk]) + "?ended=idle"
    assert cache.get(cache_key) is None
    board = client.get(response.url)
    assert "Your session ended after a minute without use." in board.content.decode()
    # It stays over.
    assert client.get(reverse("kiosk-household")).status_code == 302


def test_ping_keeps_the_session_alive_until_it_has_expired(client, account, area):
    sign_in(client, account, area.v1)
    record_, cache_key = kiosk_record(client)
    cache.set(cache_key, record_ | {"last": time.time() - 50}, 600)
    assert client.post(reverse("kiosk-ping")).status_code == 204
    assert time.time() - cache.get(cache_key)["last"] < 5
    cache.set(cache_key, record_ | {"last": time.time() - 61}, 600)
    assert client.post(reverse("kiosk-ping")).status_code == 410
    assert client.get(reverse("kiosk-ping")).status_code == 405


def test_done_ends_the_session_and_returns_to_the_board(client, account, area):
    sign_in(client, account, area.v2)  # signed in at village 2's screen
    response = client.post(reverse("kiosk-done"))
    assert response.status_code == 302
    assert response.url == reverse("kiosk-idle", args=[area.v2.pk]) + "?ended=done"
    assert client.get(reverse("kiosk-household")).status_code == 302

    sign_in(client, account, area.v1)
    answer = client.post(reverse("kiosk-done"), **HX)
    assert answer.status_code == 204
    assert answer["HX-Redirect"].startswith(reverse("kiosk-idle", args=[area.v1.pk]))


def test_showing_the_idle_screen_ends_the_session(client, account, area):
    sign_in(client, account, area.v1)
    page = client.get(reverse("kiosk-idle", args=[area.v1.pk]))
    assert page.status_code == 200
    assert client.get(reverse("kiosk-household")).status_code == 302


def test_a_staff_log_in_is_not_a_kiosk_session(client, area, role_users):
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    assert client.get(reverse("kiosk-household")).status_code == 302


def test_no_id_or_phone_numbers_on_the_kiosk(client, account, area, rules, staff):
    head = ResidentFactory(
        household=account.household, head=True, name="钱多多", phone="13987654321"
    )
    member = ResidentFactory(household=account.household, phone="15812349876")
    earn(account.household, rules["mediation"], staff)
    sign_in(client, account, area.v1)

    pages = [
        client.get(reverse("kiosk-household")).content.decode(),
        client.get(reverse("kiosk-idle", args=[area.v1.pk])).content.decode(),
    ]
    for html in pages:
        for person in (head, member):
            for shown in (
                person.id_number,
                mask_id_number(person.id_number),
                person.id_number[:14],
            ):
                assert shown not in html
            assert person.phone not in html and mask_phone(person.phone) not in html
            assert person.phone[-4:] not in html
        assert not re.search(r"\d{11}", html), "a run of 11 digits looks like a phone number"


@pytest.mark.parametrize("entries", [1, 12])
def test_household_page_queries_are_constant(
    client, account, area, rules, staff, entries, django_assert_num_queries
):
    for _ in range(entries):
        earn(account.household, rules["mediation"], staff)
    store = services.store_open(village=area.v1, name="加油站", by=staff["clerk"])
    for name in ("大米", "食用油"):
        good = services.good_create(
            store=store, by=staff["clerk"], name=name, unit="袋", price_points=5
        )
        services.stock_receive(good=good, quantity=9, by=staff["clerk"], idempotency_key=key())
        services.redemption_create(
            store=store,
            household=account.household,
            lines=[(good.pk, 1)],
            by=staff["clerk"],
            idempotency_key=key(),
        )
    services.ranking_publish(month=last_month())
    sign_in(client, account, area.v1)
    # One statement for the whole page, and one for the village's standings (not yet cached).
    with django_assert_num_queries(2):
        page = client.get(reverse("kiosk-household"))
    html = page.content.decode()
    assert "大米 × 1" in html and "食用油" in html
    assert "What the points supermarket offers" in html


def test_the_idle_screen_shows_the_board_and_the_log_in(client, area, django_assert_num_queries):
    with django_assert_num_queries(3):  # the village, the latest ranking and honour list
        page = client.get(reverse("kiosk-idle", args=[area.v1.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="kiosk-login-form"' in html and 'data-kiosk-idle="60"' in html
    assert f'value="{area.v1.code}"' in html  # the passbook field starts with the village code
    assert "No monthly ranking has been published for this village yet." in html
    assert "<script>" not in html and "onclick" not in html  # scripts only from static files
    assert page.cookies[kiosk.SCREEN_COOKIE].value == str(area.v1.pk)
    assert client.get(reverse("kiosk-idle", args=[999999])).status_code == 404


def test_choosing_the_screen_village(client, area):
    html = client.get(reverse("kiosk-home")).content.decode()
    assert reverse("kiosk-idle", args=[area.v1.pk]) in html
    assert reverse("kiosk-idle", args=[area.v2.pk]) in html


def test_a_card_scanned_at_a_screen_returns_to_that_screen(client, account, area):
    client.get(reverse("kiosk-idle", args=[area.v2.pk]))
    client.get(reverse("kiosk-card", args=[account.passbook_number, account.card_token]))
    response = client.post(reverse("kiosk-done"))
    assert response.url.startswith(reverse("kiosk-idle", args=[area.v2.pk]))


def test_a_household_not_in_the_pact_is_told_it_is_not_ranked(client, area, staff):
    other = services.account_open(household=new_household(area.m111, pact=None), by=staff["clerk"])
    services.account_set_pin(account=other, pin="1357", by=staff["clerk"])
    sign_in(client, other, area.v1, pin="1357")
    html = client.get(reverse("kiosk-household")).content.decode()
    assert "Only households that signed the civility pact are ranked." in html


def test_the_household_sees_its_rank_on_the_latest_notice_board(
    client, account, area, staff, rules
):
    month = last_month()
    rival = new_household(area.m111)
    for household, times in ((rival, 1), (account.household, 2)):
        for _ in range(times):
            earn(household, rules["mediation"], staff, deed_date=month)
    services.ranking_publish(month=month)
    sign_in(client, account, area.v1)
    html = client.get(reverse("kiosk-household")).content.decode()
    assert re.search(r'data-testid="published-rank">1<', html)
    assert "20 points that month" in html


def test_household_page_shows_corrections_rejections_refunds_and_stock(
    client, account, area, rules, staff
):
    # Every branch of the page, as a resident reads it.
    household = account.household
    fine = earn(household, rules["mediation"], staff, basis="调解<b>纠纷</b>")
    services.entry_reverse(entry=fine, by=staff["clerk"], reason="记错户", idempotency_key=key())
    services.entry_reject(
        entry=record(household, rules["volunteer"], staff), reviewer=staff["assessor"],
        reason="无签到记录",
    )  # fmt: skip
    earn(household, rules["mediation"], staff)
    store = services.store_open(village=area.v1, name="加油站", by=staff["clerk"])
    rice = services.good_create(
        store=store, by=staff["clerk"], name="大米", unit="袋", price_points=10
    )
    services.good_create(  # never stocked
        store=store, by=staff["clerk"], name="食用油", unit="桶", price_points=5
    )
    services.stock_receive(good=rice, quantity=1, by=staff["clerk"], idempotency_key=key())
    basket = services.redemption_create(
        store=store, household=household, lines=[(rice.pk, 1)], by=staff["clerk"],
        idempotency_key=key(),
    )  # fmt: skip
    services.redemption_refund(
        redemption=basket, by=staff["clerk"], reason="退货", idempotency_key=key()
    )
    services.ranking_publish(month=last_month())
    sign_in(client, account, area.v1)

    html = client.get(reverse("kiosk-household")).content.decode()

    assert re.search(r'data-testid="balance">20<', html)
    assert "调解&lt;b&gt;纠纷&lt;/b&gt;" in html  # the basis is text, never markup
    assert "Correction" in html and "Waiting for review" in html  # the pending reversal
    assert "Not approved" in html and "无签到记录" in html
    assert '<span class="entry-points minus">−10</span>' in html  # the basket
    assert '<span class="entry-points plus">+10</span>' in html  # its refund
    assert "Refund" in html and "大米 × 1" in html
    assert "10 points a 袋" in html and "5 points a 桶" in html
    assert re.search(
        r"食用油</span>\s*<span[^>]*>[^<]*</span>\s*<span class=\"badge\">Out of stock", html
    )
    assert "affordable" in html  # rice is back in stock and costs less than the balance
    # Last month's board ranks every pact household, this one with nothing earned then.
    assert re.search(r'data-testid="published-rank">1<', html)
    assert "0 points that month" in html
