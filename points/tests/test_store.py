"""The points supermarket: baskets, refunds, stock receipts, the month report, concurrent
redemptions against one balance, and `check_ledger`."""

import io
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone, translation

from points import selectors, services
from points.models import Good, PointsAccount, Redemption, Store
from points.tests.conftest import earn, key, new_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(area, staff):
    return services.store_open(village=area.v1, name="槐泗村满满加油站", by=staff["clerk"])


def stocked(store, staff, name, price, stock, unit="袋") -> Good:
    good = services.good_create(
        store=store, by=staff["clerk"], name=name, unit=unit, price_points=price
    )
    services.stock_receive(good=good, quantity=stock, by=staff["clerk"], idempotency_key=key())
    good.refresh_from_db()
    return good


@pytest.fixture
def rich(household, rules, staff):
    """A household with 50 points."""
    for _ in range(5):
        earn(household, rules["mediation"], staff)
    return household


def balance(household) -> int:
    return PointsAccount.objects.get(household=household).balance


def test_a_basket_takes_points_and_stock_in_one_go(rich, store, staff):
    rice = stocked(store, staff, "大米 5kg", 20, 10)
    oil = stocked(store, staff, "食用油 1L", 15, 3, unit="瓶")
    redemption = services.redemption_create(
        store=store, household=rich, lines=[(rice.pk, 1), (oil.pk, 1), (oil.pk, 1)],
        by=staff["clerk"], idempotency_key=key(),
    )  # fmt: skip
    assert redemption.total_points == 50
    assert redemption.receipt_number == f"V1-{redemption.pk:08d}"
    assert {(line.good_id, line.quantity, line.unit_points) for line in redemption.lines.all()} == {
        (rice.pk, 1, 20),
        (oil.pk, 2, 15),
    }
    rice.refresh_from_db()
    oil.refresh_from_db()
    assert (rice.stock, oil.stock, balance(rich)) == (9, 1, 0)


def test_overdraw_or_short_stock_is_refused_with_the_amounts(rich, store, staff):
    rice = stocked(store, staff, "大米 5kg", 20, 10)
    oil = stocked(store, staff, "食用油 1L", 15, 1, unit="瓶")
    with pytest.raises(ValidationError) as info:
        services.redemption_create(
            store=store, household=rich, lines=[(rice.pk, 3)], by=staff["clerk"],
            idempotency_key=key(),
        )  # fmt: skip
    assert info.value.messages == ["The basket costs 60 points; the balance is 50 points."]
    with pytest.raises(ValidationError) as info:
        services.redemption_create(
            store=store, household=rich, lines=[(oil.pk, 2)], by=staff["clerk"],
            idempotency_key=key(),
        )  # fmt: skip
    assert info.value.messages == ["食用油 1L: 2 瓶 wanted, only 1 in stock."]
    assert not Redemption.objects.exists()
    assert balance(rich) == 50
    assert Good.objects.get(pk=oil.pk).stock == 1


def test_refund_returns_points_and_stock_once(rich, store, staff):
    rice = stocked(store, staff, "大米 5kg", 20, 10)
    sale = services.redemption_create(
        store=store, household=rich, lines=[(rice.pk, 2)], by=staff["clerk"], idempotency_key=key()
    )
    refund = services.redemption_refund(
        redemption=sale, by=staff["clerk"], reason="米受潮", idempotency_key=key()
    )
    assert (refund.total_points, refund.reverses_id) == (-40, sale.pk)
    assert balance(rich) == 50 and Good.objects.get(pk=rice.pk).stock == 10
    with pytest.raises(ValidationError, match="already refunded"):
        services.redemption_refund(
            redemption=sale, by=staff["clerk"], reason="x", idempotency_key=key()
        )
    with pytest.raises(ValidationError, match="not refunded again"):
        services.redemption_refund(
            redemption=refund, by=staff["clerk"], reason="x", idempotency_key=key()
        )


def test_retry_of_a_basket_is_not_charged_twice(rich, store, staff):
    rice = stocked(store, staff, "大米 5kg", 20, 10)
    first = services.redemption_create(
        store=store, household=rich, lines=[(rice.pk, 1)], by=staff["clerk"], idempotency_key="b-1"
    )
    again = services.redemption_create(
        store=store, household=rich, lines=[(rice.pk, 1)], by=staff["clerk"], idempotency_key="b-1"
    )
    assert again.pk == first.pk and balance(rich) == 30
    with pytest.raises(ValidationError, match="different content"):
        services.redemption_create(
            store=store,
            household=rich,
            lines=[(rice.pk, 2)],
            by=staff["clerk"],
            idempotency_key="b-1",
        )


def test_only_the_village_clerk_sells_to_the_village(rich, area, store, staff, other_role_users):
    from huaisi.roles import RoleKind

    rice = stocked(store, staff, "大米 5kg", 20, 10)
    with pytest.raises(PermissionDenied):
        services.redemption_create(
            store=store, household=rich, lines=[(rice.pk, 1)],
            by=other_role_users[RoleKind.VILLAGE_CLERK], idempotency_key=key(),
        )  # fmt: skip
    outsider = new_household(area.m211)
    with pytest.raises(ValidationError, match="another village"):
        services.redemption_create(
            store=store, household=outsider, lines=[(rice.pk, 1)], by=staff["clerk"],
            idempotency_key=key(),
        )  # fmt: skip


def test_one_store_per_village(area, store, staff):
    with pytest.raises(ValidationError, match="already has"):
        services.store_open(village=area.v1, name="第二家", by=staff["clerk"])
    assert Store.objects.count() == 1


def test_month_report_shows_what_went_out_points_and_stock(
    rich, store, staff, django_assert_num_queries
):
    rice = stocked(store, staff, "大米 5kg", 20, 10)
    soap = stocked(store, staff, "洗衣皂", 2, 20, unit="块")
    sale = services.redemption_create(
        store=store, household=rich, lines=[(rice.pk, 1), (soap.pk, 4)], by=staff["clerk"],
        idempotency_key=key(),
    )  # fmt: skip
    services.redemption_create(
        store=store, household=rich, lines=[(rice.pk, 1)], by=staff["clerk"], idempotency_key=key()
    )
    services.redemption_refund(
        redemption=sale, by=staff["clerk"], reason="退货", idempotency_key=key()
    )
    with django_assert_num_queries(1):
        report = {
            g.name: (g.quantity_out, g.points_spent, g.received, g.stock)
            for g in selectors.store_month_report(store=store, month=timezone.localdate())
        }
    assert report == {"大米 5kg": (1, 20, 10, 9), "洗衣皂": (0, 0, 20, 20)}


def test_check_ledger_is_clean_then_reports_a_corrupted_balance(rich, store, staff):
    rice = stocked(store, staff, "大米 5kg", 20, 10)
    services.redemption_create(
        store=store, household=rich, lines=[(rice.pk, 1)], by=staff["clerk"], idempotency_key=key()
    )
    out = io.StringIO()
    call_command("check_ledger", stdout=out)
    assert "agrees with the ledger" in out.getvalue()

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE points_pointsaccount SET balance = balance + 7 WHERE household_id = %s",
            [rich.pk],
        )
        cursor.execute("UPDATE points_good SET stock = stock - 1 WHERE id = %s", [rice.pk])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("check_ledger", stdout=out, stderr=err)
    assert exited.value.code == 1
    assert (
        f"household {rich.number}" in out.getvalue()
        and "balance 37 held, 30 from the ledger" in out.getvalue()
    )
    assert "大米 5kg: stock 8 held, 9 from the records" in out.getvalue()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("balance_covers", "stock_covers"), [(5, 100), (100, 5)])
def test_twenty_concurrent_baskets_only_as_many_as_covered_succeed(
    area, rules, staff, balance_covers, stock_covers
):
    household = new_household(area.m111)
    for _ in range(balance_covers):
        earn(household, rules["mediation"], staff)  # 10 points each
    store = services.store_open(village=area.v1, name="加油站", by=staff["clerk"])
    rice = stocked(store, staff, "大米", 10, stock_covers)
    clerk_id = staff["clerk"].pk
    start = threading.Barrier(20)
    results: list[str] = []
    lock = threading.Lock()

    def redeem(n: int) -> None:
        translation.activate("en")  # each thread starts in the default language
        try:
            clerk = get_user_model().objects.get(pk=clerk_id)
            start.wait()
            try:
                services.redemption_create(
                    store=store, household=household, lines=[(rice.pk, 1)], by=clerk,
                    idempotency_key=f"concurrent-{n}",
                )  # fmt: skip
                outcome = "ok"
            except ValidationError as exc:
                outcome = "refused: " + exc.messages[0]
            with lock:
                results.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=redeem, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 20
    assert results.count("ok") == 5
    assert all("balance is 0 points" in r or "only 0 in stock" in r for r in results if r != "ok")
    account = PointsAccount.objects.get(household=household)
    rice.refresh_from_db()
    assert account.balance == (balance_covers - 5) * 10
    assert rice.stock == stock_covers - 5
    assert Redemption.objects.filter(household=household).count() == 5
    out = io.StringIO()
    call_command("check_ledger", stdout=out)
    assert "agrees with the ledger" in out.getvalue()
