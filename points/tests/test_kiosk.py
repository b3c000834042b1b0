"""The kiosk's services: passbook + PIN log-in with lockout, the card, and the household view
in a constant number of queries."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from huaisi.periods import month_start
from points import selectors, services
from points.models import PointsAccount
from points.services._common import standings_key
from points.tests.conftest import earn, key, new_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(household, staff):
    account = services.account_open(household=household, by=staff["clerk"])
    return services.account_set_pin(account=account, pin="2468", by=staff["clerk"])


def test_pin_is_4_to_6_digits_and_stored_hashed(account, staff):
    for bad in ("123", "1234567", "12a4", ""):
        with pytest.raises(ValidationError, match="4 to 6 digits"):
            services.account_set_pin(account=account, pin=bad, by=staff["clerk"])
    # Full-width digits from a Chinese input method count.
    services.account_set_pin(account=account, pin="１３５７９", by=staff["clerk"])
    account.refresh_from_db()
    assert "13579" not in account.pin_hash
    assert (
        services.kiosk_login(passbook_number=account.passbook_number, pin="13579").pk == account.pk
    )
    with pytest.raises(PermissionDenied):
        services.account_set_pin(account=account, pin="1111", by=staff["assessor"])


def test_five_wrong_pins_lock_the_passbook_for_15_minutes(account):
    number = account.passbook_number
    for _ in range(4):
        with pytest.raises(services.KioskLoginError, match="wrong"):
            services.kiosk_login(passbook_number=number, pin="0000")
    with pytest.raises(services.KioskLoginError, match="locked until") as info:
        services.kiosk_login(passbook_number=number, pin="0000")
    locked_until = info.value.locked_until
    assert (
        datetime.timedelta(minutes=14)
        < locked_until - timezone.now()
        <= datetime.timedelta(minutes=15)
    )
    # Even the right PIN is refused while locked.
    with pytest.raises(services.KioskLoginError, match="locked until"):
        services.kiosk_login(passbook_number=number, pin="2468")
    PointsAccount.objects.filter(pk=account.pk).update(
        locked_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert services.kiosk_login(passbook_number=number, pin="2468").pk == account.pk


def test_unknown_passbook_and_no_pin_give_clear_messages(household, area, staff):
    with pytest.raises(services.KioskLoginError, match="passbook number or the PIN is wrong"):
        services.kiosk_login(passbook_number="NOPE", pin="1234")
    other = services.account_open(household=new_household(area.m111), by=staff["clerk"])
    with pytest.raises(services.KioskLoginError, match="No PIN is set"):
        services.kiosk_login(passbook_number=other.passbook_number, pin="1234")


def test_a_new_card_revokes_the_old_one(account, staff):
    old = account.card_token
    assert (
        selectors.account_get_by_card(passbook_number=account.passbook_number, token=old).pk
        == account.pk
    )
    renewed = services.account_issue_card(account=account, by=staff["clerk"])
    assert selectors.account_get_by_card(passbook_number=account.passbook_number, token=old) is None
    assert (
        selectors.account_get_by_card(
            passbook_number=account.passbook_number, token=renewed.card_token
        ).pk
        == account.pk
    )


def test_passbook_numbers_run_per_village(area, staff, other_role_users):
    from huaisi.roles import RoleKind

    first = services.account_open(household=new_household(area.m111), by=staff["clerk"])
    second = services.account_open(household=new_household(area.m112), by=staff["clerk"])
    elsewhere = services.account_open(
        household=new_household(area.m211), by=other_role_users[RoleKind.VILLAGE_CLERK]
    )
    assert [first.passbook_number, second.passbook_number, elsewhere.passbook_number] == [
        "V100001", "V100002", "V200001",
    ]  # fmt: skip
    assert services.account_open(household=first.household, by=staff["clerk"]).pk == first.pk


@pytest.mark.parametrize("entries", [1, 12])
def test_household_view_has_balance_month_rank_entries_baskets_goods(
    account, area, rules, staff, django_assert_num_queries, entries
):
    household = account.household
    rival = new_household(area.m111)
    earn(rival, rules["mediation"], staff)
    earn(rival, rules["mediation"], staff)
    for _ in range(entries):
        earn(household, rules["mediation"], staff)
    store = services.store_open(village=area.v1, name="加油站", by=staff["clerk"])
    rice = services.good_create(
        store=store, by=staff["clerk"], name="大米", unit="袋", price_points=10
    )
    services.stock_receive(good=rice, quantity=5, by=staff["clerk"], idempotency_key=key())
    services.redemption_create(
        store=store,
        household=household,
        lines=[(rice.pk, 1)],
        by=staff["clerk"],
        idempotency_key=key(),
    )
    cache.delete(standings_key(village_id=area.v1.pk, month=month_start(timezone.localdate())))
    with django_assert_num_queries(2):  # the page, and the village's standings
        view = selectors.household_points(account_id=account.pk)
    assert view.balance == entries * 10 - 10
    assert view.month_points == entries * 10
    assert view.rank == (1 if entries > 2 else 2)
    assert view.ranked == 2
    assert [(g.name, g.unit, g.price_points, g.stock) for g in view.goods] == [
        ("大米", "袋", 10, 4)
    ]
    assert len(view.entries) == entries
    assert {(e.title, e.points, e.status) for e in view.entries} == {
        (rules["mediation"].title, 10, "approved")
    }
    [basket] = view.redemptions
    assert (basket.total_points, basket.lines, basket.is_refund) == (10, [("大米", 1)], False)
    assert basket.redeemed_on == timezone.localdate()
    assert view.published is None


def test_statement_lists_each_move_with_running_balance(account, rules, staff):
    household = account.household
    earn(household, rules["mediation"], staff, basis="调解邻里纠纷")
    earn(household, rules["mediation"], staff, basis="再次调解")
    today = timezone.localdate()
    statement = selectors.household_statement(household=household, start=today, end=today)
    assert statement.opening == 0 and statement.closing == 20
    assert [line.balance for line in statement.lines] == [10, 20]
    assert "调解邻里纠纷" in statement.lines[0].text


def test_an_exchange_is_dated_in_the_towns_time_zone(account, area, rules, staff, monkeypatch):
    # 17:00 UTC on 28 February is 01:00 on 1 March in Yangzhou: the kiosk says 1 March.
    evening = datetime.datetime(2027, 2, 28, 17, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: evening)
    earn(account.household, rules["mediation"], staff)
    store = services.store_open(village=area.v1, name="加油站", by=staff["clerk"])
    rice = services.good_create(
        store=store, by=staff["clerk"], name="大米", unit="袋", price_points=1
    )
    services.stock_receive(good=rice, quantity=1, by=staff["clerk"], idempotency_key=key())
    services.redemption_create(
        store=store, household=account.household, lines=[(rice.pk, 1)], by=staff["clerk"],
        idempotency_key=key(),
    )  # fmt: skip
    [basket] = selectors.household_points(account_id=account.pk).redemptions
    assert basket.redeemed_on == datetime.date(2027, 3, 1)
