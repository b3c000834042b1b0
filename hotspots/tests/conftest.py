"""Orders and patrol findings placed where and when a test wants them."""

import datetime
import itertools
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from huaisi.roles import RoleKind
from patrols.models import Inspection, InspectionFinding
from tickets.models import Category, Source, State, WorkOrder

# A spot in the town: 200 m is about 0.0018° of latitude, 0.0021° of longitude here.
LAT, LNG = Decimal("31.500000"), Decimal("120.300000")
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _english_messages(client, settings):
    """Pages and messages are asserted in their English source text (the .po has the Chinese)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def at_metres(north: float, east: float) -> tuple[Decimal, Decimal]:
    """The position `north` and `east` metres from (LAT, LNG)."""
    lat = LAT + Decimal(north / 111_320).quantize(Decimal("0.000001"))
    lng = LNG + Decimal(east / (111_320 * 0.8526)).quantize(Decimal("0.000001"))
    return lat, lng


@pytest.fixture
def spot(area, role_users):
    class Spot:
        pass

    s = Spot()
    s.area = area
    s.town = area.town
    s.roads = Category.objects.create(town=area.town, name="道路交通")
    s.litter = Category.objects.create(town=area.town, name="环境卫生")
    s.command = role_users[RoleKind.COMMAND_CENTRE]
    s.leader = role_users[RoleKind.GRID_LEADER]

    def order(
        *,
        category=None,
        days_ago=1.0,
        north=None,
        east=0.0,
        address="",
        phone="",
        village=None,
        at=None,
    ):
        lat = lng = None
        if north is not None:
            lat, lng = at_metres(north, east)
        created = at or timezone.now() - datetime.timedelta(days=days_ago)
        return WorkOrder.objects.create(
            town=area.town,
            number=f"HS{next(_numbers):012d}",
            source=Source.HOTLINE,
            category=category or s.roads,
            title="路面坑洼",
            description="路面有坑",
            caller_name="王先生" if phone else "",
            caller_phone=phone,
            village=village or area.v1,
            address=address,
            lat=lat,
            lng=lng,
            state=State.NEW,
            created_at=created,
        )

    def finding(*, type="environment", days_ago=1.0, north=None, east=0.0, place="村东河道"):
        ended = timezone.now() - datetime.timedelta(days=days_ago)
        inspection = Inspection.objects.create(
            client_uuid=uuid.uuid4(),
            inspector=s.leader,
            grid=area.g11,
            place=place,
            started_at=ended - datetime.timedelta(hours=1),
            ended_at=ended,
            fingerprint="0" * 64,
        )
        lat = lng = None
        if north is not None:
            lat, lng = at_metres(north, east)
        return InspectionFinding.objects.create(
            inspection=inspection,
            position=0,
            type=type,
            description="河边有垃圾堆",
            lat=lat,
            lng=lng,
            accuracy_m=Decimal("10") if lat is not None else None,
            outcome="fixed",
        )

    s.order = order
    s.finding = finding
    return s
