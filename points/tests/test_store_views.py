"""The points supermarket pages: goods and stock, the counter (find, basket, redeem), the
receipt, refunds and the monthly report."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from households.models import Resident
from huaisi.roles import RoleKind
from points import services
from points.models import Good, PointsAccount, Redemption, StockReceipt
from points.tests.conftest import earn, key, new_household

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ID_NUMBER = "321003196003080037"
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def shop(area, staff, rules):
    """The V1 supermarket with rice (5 points, 3 in stock) and oil (8 points, 10 in stock), and
    a household with 20 points whose head has ID and phone numbers on record."""
    clerk = staff["clerk"]
    store = services.store_open(village=area.v1, name="第一村满满加油站", by=clerk)
    rice = services.good_create(store=store, by=clerk, name="大米", unit="袋", price_points=5)
    oil = services.good_create(store=store, by=clerk, name="菜籽油", unit="瓶", price_points=8)
    services.stock_receive(good=rice, quantity=3, by=clerk, idempotency_key=key())
    services.stock_receive(good=oil, quantity=10, by=clerk, idempotency_key=key())
    household = new_household(area.m111, number="H-0202")
    Resident.objects.create(
        household=household, name="李桂兰", gender="F", birth_date="1960-03-08",
        relation="head", id_number=ID_NUMBER, phone=PHONE, name_initials="lgl",
        name_pinyin="liguilan",
    )  # fmt: skip
    earn(household, rules["mediation"], staff)
    earn(household, rules["mediation"], staff)
    account = PointsAccount.objects.get(household=household)
    rice.refresh_from_db()
    oil.refresh_from_db()
    return type("Shop", (), {"store": store, "rice": rice, "oil": oil, "account": account})


def counter(store) -> str:
    return reverse("store-counter", args=[store.pk])


def test_the_store_page_lists_goods_with_price_and_stock(client, staff, shop):
    client.force_login(staff["grid_leader"])
    page = client.get(reverse("store-detail", args=[shop.store.pk])).content.decode()
    assert "大米" in page and "菜籽油" in page
    # Grid staff read; only the clerk is offered the counter and the goods' upkeep.
    assert counter(shop.store) not in page
    client.force_login(staff["clerk"])
    page = client.get(reverse("store-detail", args=[shop.store.pk])).content.decode()
    assert counter(shop.store) in page and reverse("good-edit", args=[shop.rice.pk]) in page


def test_goods_are_added_priced_and_received_once_per_form(client, staff, shop):
    client.force_login(staff["clerk"])
    response = client.post(
        reverse("good-create", args=[shop.store.pk]),
        {"name": "洗衣粉", "unit": "袋", "price_points": "6"},
    )
    good = Good.objects.get(name="洗衣粉")
    assert response.url == reverse("stock-receive", args=[good.pk]) and good.stock == 0
    dup = client.post(
        reverse("good-create", args=[shop.store.pk]),
        {"name": "大米", "unit": "袋", "price_points": "5"},
    )
    assert "already offers a good by that name" in dup.content.decode()
    form = client.get(reverse("stock-receive", args=[good.pk])).content.decode()
    the_key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', form).group(1)
    data = {"quantity": "12", "note": "镇里配送", "idempotency_key": the_key}
    client.post(reverse("stock-receive", args=[good.pk]), data)
    client.post(reverse("stock-receive", args=[good.pk]), data)
    good.refresh_from_db()
    assert good.stock == 12 and StockReceipt.objects.filter(good=good).count() == 1
    bad = client.post(
        reverse("stock-receive", args=[good.pk]), {"quantity": "-2", "idempotency_key": key()}
    )
    assert "Enter how many arrived" in bad.content.decode()
    client.post(
        reverse("good-edit", args=[good.pk]),
        {"name": "洗衣粉", "unit": "袋", "price_points": "7", "is_active": "on"},
    )
    good.refresh_from_db()
    assert good.price_points == 7 and good.stock == 12


def test_the_counter_finds_the_household_and_builds_the_basket(client, staff, shop):
    client.force_login(staff["clerk"])
    # A scanned or typed passbook number opens the household at once.
    page = client.get(counter(shop.store), {"q": shop.account.passbook_number}).content.decode()
    assert "H-0202" in page and ">20<" in page
    fragment = client.get(
        counter(shop.store), {"q": "李桂兰"}, HTTP_HX_TARGET="counter", **HTMX
    ).content.decode()
    assert "<html" not in fragment and "H-0202" in fragment
    basket = f"{shop.rice.pk}:2,{shop.oil.pk}:1"
    fragment = client.get(
        counter(shop.store),
        {"account": shop.account.pk, "b": basket},
        HTTP_HX_TARGET="counter",
        **HTMX,
    ).content.decode()
    assert "Redeem 18 points" in fragment
    # Each + and − is a real link that keeps the rest of the basket.
    assert f"b={shop.rice.pk}%3A3%2C{shop.oil.pk}%3A1" in fragment
    assert f"b={shop.rice.pk}%3A1%2C{shop.oil.pk}%3A1" in fragment


def test_redeeming_sells_once_and_prints_a_receipt_without_personal_numbers(client, staff, shop):
    client.force_login(staff["clerk"])
    data = {
        "account": shop.account.pk,
        "b": f"{shop.rice.pk}:2,{shop.oil.pk}:1",
        "idempotency_key": key(),
    }
    first = client.post(reverse("redemption-create", args=[shop.store.pk]), data)
    second = client.post(reverse("redemption-create", args=[shop.store.pk]), data)
    redemption = Redemption.objects.get()
    assert first.url == second.url == reverse("redemption-detail", args=[redemption.pk])
    shop.account.refresh_from_db()
    shop.rice.refresh_from_db()
    assert shop.account.balance == 2 and shop.rice.stock == 1
    receipt = client.get(first.url).content.decode()
    assert redemption.receipt_number in receipt and "大米" in receipt and "菜籽油" in receipt
    assert ">18<" in receipt  # the total
    assert re.search(r"balance after</th><td class=\"num\">2<", receipt)
    for secret in (ID_NUMBER, PHONE, ID_NUMBER[-4:], PHONE[-4:], "李桂兰"):
        assert secret not in receipt


def test_a_refusal_shows_the_amounts_and_changes_nothing(client, staff, shop):
    client.force_login(staff["clerk"])
    data = {
        "account": shop.account.pk,
        "b": f"{shop.rice.pk}:4,{shop.oil.pk}:1",
        "idempotency_key": key(),
    }
    response = client.post(reverse("redemption-create", args=[shop.store.pk]), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Not redeemed; nothing was changed." in page
    assert "4 袋 wanted, only 3 in stock" in page
    assert "The basket costs 28 points; the balance is 20 points." in page
    shop.account.refresh_from_db()
    shop.rice.refresh_from_db()
    assert shop.account.balance == 20 and shop.rice.stock == 3
    assert not Redemption.objects.exists()


def test_a_refund_returns_points_and_stock(client, staff, shop):
    redemption = services.redemption_create(
        store=shop.store, household=shop.account.household, lines=[(shop.rice.pk, 1)],
        by=staff["clerk"], idempotency_key=key(),
    )  # fmt: skip
    client.force_login(staff["clerk"])
    receipt = client.get(reverse("redemption-detail", args=[redemption.pk])).content.decode()
    assert reverse("redemption-refund", args=[redemption.pk]) in receipt
    empty = client.post(
        reverse("redemption-refund", args=[redemption.pk]), {"idempotency_key": key()}
    )
    assert "Give the reason for the refund." in empty.content.decode()
    response = client.post(
        reverse("redemption-refund", args=[redemption.pk]),
        {"reason": "大米受潮", "idempotency_key": key()},
    )
    refund = Redemption.objects.get(reverses=redemption)
    assert response.url == reverse("redemption-detail", args=[refund.pk])
    shop.account.refresh_from_db()
    shop.rice.refresh_from_db()
    assert shop.account.balance == 20 and shop.rice.stock == 3
    page = client.get(response.url).content.decode()
    assert "大米受潮" in page and redemption.receipt_number in page


def test_the_monthly_report_counts_what_went_out(client, staff, shop):
    services.redemption_create(
        store=shop.store, household=shop.account.household, lines=[(shop.oil.pk, 2)],
        by=staff["clerk"], idempotency_key=key(),
    )  # fmt: skip
    client.force_login(staff["town_admin"])
    month = timezone.localdate().strftime("%Y-%m")
    page = client.get(reverse("store-report", args=[shop.store.pk]), {"month": month})
    text = page.content.decode()
    assert page.status_code == 200 and "菜籽油" in text
    assert '<td data-label="points spent" class="num">16</td>' in text


def test_receipts_list_costs_the_same_queries_for_few_and_many(
    client, staff, shop, django_assert_num_queries
):
    def sell_and_refund():
        sold = services.redemption_create(
            store=shop.store, household=shop.account.household, lines=[(shop.oil.pk, 1)],
            by=staff["clerk"], idempotency_key=key(),
        )  # fmt: skip
        services.redemption_refund(
            redemption=sold, by=staff["clerk"], reason="退货", idempotency_key=key()
        )

    sell_and_refund()
    client.force_login(staff["clerk"])
    url = reverse("redemption-list", args=[shop.store.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        sell_and_refund()
    with django_assert_num_queries(len(few)):
        page = client.get(url).content.decode()
    assert page.count('href="/points/receipts/') == 8
    fragment = client.get(url, HTTP_HX_TARGET="receipt-results", **HTMX).content.decode()
    assert "<html" not in fragment


def test_who_may_not_run_the_store(client, staff, shop, other_role_users):
    client.force_login(staff["grid_leader"])
    assert client.get(counter(shop.store)).status_code == 403
    client.force_login(other_role_users[RoleKind.VILLAGE_CLERK])
    assert client.get(counter(shop.store)).status_code == 404
    data = {"account": shop.account.pk, "b": f"{shop.rice.pk}:1", "idempotency_key": key()}
    assert client.post(reverse("redemption-create", args=[shop.store.pk]), data).status_code == 404
    assert not Redemption.objects.exists()
    client.logout()
    assert client.get(counter(shop.store)).status_code == 302
