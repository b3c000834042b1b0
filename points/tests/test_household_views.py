"""Households' points for staff: the search, the statement (逐一反馈) and its printout, and the
passbook: opening it, the kiosk PIN typed twice, a new card, the printed card's QR code."""

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse

from households.models import Resident
from points import services
from points.models import PointsAccount
from points.tests.conftest import earn, new_household, record

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ID_NUMBER = "321003196003080037"
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def home(area):
    """A signed household in V1G1M1 whose head has an ID and a phone number on record."""
    household = new_household(area.m111, number="H-0101")
    Resident.objects.create(
        household=household, name="王秀英", gender="F", birth_date="1960-03-08",
        relation="head", id_number=ID_NUMBER, phone=PHONE, name_initials="wxy",
        name_pinyin="wangxiuying",
    )  # fmt: skip
    return household


def test_finding_a_household_by_name_or_number(client, staff, home):
    client.force_login(staff["grid_leader"])
    page = client.get(reverse("household-points-list"), {"q": "王秀英"}).content.decode()
    assert "H-0101" in page and reverse("household-points", args=[home.pk]) in page
    fragment = client.get(
        reverse("household-points-list"),
        {"q": "H-0101"},
        HTTP_HX_TARGET="household-results",
        **HTMX,
    ).content.decode()
    assert "王秀英" in fragment and "<html" not in fragment


def test_the_statement_gives_every_line_its_basis_reviewer_and_balance(client, staff, rules, home):
    earn(home, rules["mediation"], staff, basis="调解宅基地纠纷")
    rejected = record(home, rules["volunteer"], staff, basis="未参加活动")
    services.entry_reject(entry=rejected, reviewer=staff["assessor"], reason="签到表无此人")
    record(home, rules["volunteer"], staff, basis="参加河道清理")
    client.force_login(staff["clerk"])
    page = client.get(reverse("household-points", args=[home.pk])).content.decode()
    assert "调解宅基地纠纷" in page and "+10" in page
    assert staff["assessor"].username in page  # who approved it
    assert "签到表无此人" in page  # why the rejected one does not count
    assert "参加河道清理" in page and "Waiting for review" in page
    assert "Closing balance" in page
    fragment = client.get(
        reverse("household-points", args=[home.pk]),
        {"period": "2025"},
        HTTP_HX_TARGET="statement",
        **HTMX,
    ).content.decode()
    assert "<html" not in fragment and "调解宅基地纠纷" not in fragment


def test_the_printed_statement_shows_no_id_or_phone(client, staff, rules, home):
    earn(home, rules["mediation"], staff, basis="调解宅基地纠纷")
    client.force_login(staff["clerk"])
    page = client.get(reverse("household-statement-print", args=[home.pk])).content.decode()
    assert "调解宅基地纠纷" in page and "H-0101" in page
    assert ID_NUMBER not in page and PHONE not in page
    assert ID_NUMBER[-4:] not in page and PHONE[-4:] not in page


def test_other_village_and_wrong_role(client, staff, home, area, other_role_users):
    from huaisi.roles import RoleKind

    client.force_login(other_role_users[RoleKind.VILLAGE_CLERK])
    assert client.get(reverse("household-points", args=[home.pk])).status_code == 404
    client.force_login(staff["grid_leader"])
    assert client.get(reverse("passbook-pin", args=[home.pk])).status_code == 403
    client.logout()
    assert client.get(reverse("household-points", args=[home.pk])).status_code == 302


def test_the_clerk_opens_the_passbook_and_sets_the_pin_twice(client, staff, home):
    client.force_login(staff["clerk"])
    assert (
        "Open the passbook"
        in client.get(reverse("household-points", args=[home.pk])).content.decode()
    )
    client.post(reverse("passbook-open", args=[home.pk]))
    account = PointsAccount.objects.get(household=home)
    mismatch = client.post(
        reverse("passbook-pin", args=[home.pk]), {"pin": "1234", "pin_again": "4321"}
    )
    assert "The two PINs differ" in mismatch.content.decode()
    short = client.post(reverse("passbook-pin", args=[home.pk]), {"pin": "12", "pin_again": "12"})
    assert "The PIN is 4 to 6 digits." in short.content.decode()
    account.refresh_from_db()
    assert account.pin_hash == ""
    done = client.post(
        reverse("passbook-pin", args=[home.pk]), {"pin": "２４６８", "pin_again": "2468"}
    )
    assert done.status_code == 302
    account.refresh_from_db()
    assert check_password("2468", account.pin_hash)


def test_the_card_carries_a_qr_code_to_the_kiosk_and_no_personal_numbers(client, staff, home):
    account = services.account_ensure(household=home)
    client.force_login(staff["clerk"])
    page = client.get(reverse("passbook-card", args=[home.pk])).content.decode()
    assert "<svg" in page and account.passbook_number in page
    assert ID_NUMBER not in page and PHONE not in page
    old_token = account.card_token
    response = client.post(reverse("passbook-card-issue", args=[home.pk]))
    assert response.url == reverse("passbook-card", args=[home.pk])
    account.refresh_from_db()
    assert account.card_token != old_token and account.card_issued_at is not None


def test_the_card_url_is_the_kiosk_card_route(rf, home):
    from points.views.passbooks import card_url

    account = services.account_ensure(household=home)
    url = card_url(account, rf.get("/"))
    assert url == "http://testserver" + reverse(
        "kiosk-card",
        kwargs={"passbook_number": account.passbook_number, "token": account.card_token},
    )
