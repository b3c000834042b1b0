"""The analysis finds the hotspots, rising issues and repeat callers seeded here, and none
where there are none; re-running it changes nothing."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from hotspots.models import Hotspot, RepeatCaller, RisingIssue
from hotspots.services import analyse_town

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def members(hotspot) -> set:
    return {m.order_id or m.finding_id for m in hotspot.members.all()}


def test_three_reports_within_200_m_are_one_hotspot(spot):
    close = [
        spot.order(north=0, days_ago=20),
        spot.order(north=90, east=40, days_ago=10),
        spot.order(north=-60, east=-80, days_ago=2),
    ]
    # The same category 2 km away, another category on the spot, and one 40 days ago.
    spot.order(north=2000, days_ago=3)
    spot.order(north=2050, days_ago=4)
    spot.order(category=spot.litter, north=10, days_ago=5)
    spot.order(north=20, days_ago=40)

    result = analyse_town(town=spot.town)

    assert result.hotspots == 1
    hotspot = Hotspot.objects.get()
    assert hotspot.category == spot.roads
    assert hotspot.count == 3
    assert members(hotspot) == {o.pk for o in close}
    assert hotspot.village == spot.area.v1
    assert hotspot.last_at == close[2].created_at


def test_no_hotspot_where_reports_do_not_repeat(spot):
    # Two on the spot; three of three categories; three spread 1 km apart; three too old.
    spot.order(north=0)
    spot.order(north=30)
    for category, north in ((spot.litter, 500), (spot.roads, 500)):
        spot.order(category=category, north=north)
    for north in (3000, 4000, 5000):
        spot.order(north=north)
    for _ in range(3):
        spot.order(north=8000, days_ago=31)

    assert analyse_town(town=spot.town).hotspots == 0
    assert not Hotspot.objects.exists()


def test_without_a_position_the_address_is_the_place(spot):
    orders = [spot.order(address=" 幸福路12号", days_ago=d) for d in (1, 5, 9)]
    spot.order(address="幸福路14号")
    # The same address in another village is another place.
    spot.order(address="幸福路12号", village=spot.area.v2)

    analyse_town(town=spot.town)

    hotspot = Hotspot.objects.get()
    assert members(hotspot) == {o.pk for o in orders}
    assert hotspot.place == "幸福路12号"
    assert hotspot.lat is None


def test_patrol_findings_fixed_on_the_spot_count_by_their_type(spot):
    findings = [spot.finding(north=n) for n in (0, 30, 60)]
    # Reported by position, and one of another type beside them.
    spot.finding(type="dispute", north=10)

    analyse_town(town=spot.town)

    hotspot = Hotspot.objects.get()
    assert hotspot.finding_type == "environment"
    assert hotspot.category is None
    assert {m.finding_id for m in hotspot.members.all()} == {f.pk for f in findings}


def test_running_again_gives_the_same_tables(spot):
    for n in (0, 50, 100, 150):
        spot.order(north=n)
    analyse_town(town=spot.town)
    first = list(Hotspot.objects.values_list("pk", "key", "count"))

    analyse_town(town=spot.town)

    assert list(Hotspot.objects.values_list("pk", "key", "count")) == first
    assert Hotspot.objects.get().members.count() == 4


def test_a_hotspot_no_longer_found_is_dropped_unless_it_has_an_order(spot):
    orders = [spot.order(north=n, days_ago=25) for n in (0, 50, 100)]
    analyse_town(town=spot.town)
    assert Hotspot.objects.count() == 1

    later = timezone.now() + datetime.timedelta(days=10)
    analyse_town(town=spot.town, now=later)

    assert not Hotspot.objects.exists()
    assert orders  # the orders themselves are untouched


def test_rising_issue_is_twice_the_mean_and_at_least_five(spot):
    now = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
    this_month = datetime.datetime(2026, 11, 3, 9, 0, tzinfo=TZ)
    earlier = [datetime.datetime(2026, m, 10, 9, 0, tzinfo=TZ) for m in (8, 9, 10)]
    with time_machine.travel(now, tick=False):
        # V1 roads: 6 now, 3 in the three months before (mean 1): rising.
        for _ in range(6):
            spot.order(at=this_month)
        for when in earlier:
            spot.order(at=when)
        # V2 roads: 6 now, 12 before (mean 4, twice is 8): not rising.
        for _ in range(6):
            spot.order(at=this_month, village=spot.area.v2)
        for when in earlier * 4:
            spot.order(at=when, village=spot.area.v2)
        # V1 litter: 4 now and none before: fewer than 5.
        for _ in range(4):
            spot.order(at=this_month, category=spot.litter)

        analyse_town(town=spot.town)

    issue = RisingIssue.objects.get()
    assert (issue.village, issue.category, issue.count) == (spot.area.v1, spot.roads, 6)
    assert float(issue.previous_mean) == 1.0
    assert issue.month == datetime.date(2026, 11, 1)


def test_repeat_callers_are_three_orders_in_90_days_masked(spot):
    mine = [spot.order(phone="13912345678", days_ago=d) for d in (1, 40, 89)]
    for d in (1, 40, 95):
        spot.order(phone="13800001111", days_ago=d)

    analyse_town(town=spot.town)

    caller = RepeatCaller.objects.get()
    assert caller.masked_phone == "139****5678"
    assert caller.count == 3
    assert caller.order_ids == [[o.pk, o.number] for o in mine]
