"""The audit trail page: a town administrator sees who changed what, when, and from what to
what, across the register, the points ledger and the work orders of their town only."""

import datetime

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pghistory.models import Events

from conftest import make_user
from households import services as register
from households.tests.factories import HouseholdFactory, ResidentFactory, id_number_for
from huaisi.roles import RoleKind

pytestmark = pytest.mark.django_db

BORN = datetime.date(1960, 3, 8)


@pytest.fixture
def admin(area):
    return make_user("town_admin", kind=RoleKind.TOWN_ADMIN, scope=area.town, first_name="王镇长")


@pytest.fixture
def clerk(area):
    return make_user("clerk1", kind=RoleKind.VILLAGE_CLERK, scope=area.v1, first_name="李文书")


@pytest.fixture
def resident(area):
    household = HouseholdFactory(microgrid=area.m111, number="AU-0001")
    return ResidentFactory(
        household=household,
        name="赵六",
        relation="head",
        gender="M",
        birth_date=BORN,
        id_number=id_number_for(BORN, "M"),
        phone="13812345678",
    )


def change_phone(resident, clerk, phone):
    with pghistory.context(user=clerk.pk, url="/register/residents/edit/"):
        register.resident_update(resident=resident, phone=phone)


def approved_entry(area, clerk):
    from points.models import Entry, PointsAccount, Rule
    from points.services.ledger import entry_approve

    household = HouseholdFactory(
        microgrid=area.m111, number="AU-PTS", pact_signed_on=datetime.date(2025, 1, 1)
    )
    PointsAccount.objects.create(
        household=household, village=area.v1, serial=1, passbook_number="V1-AU", card_token="au"
    )
    rule = Rule.objects.create(
        town=area.town, code="AU-01", group="key_work", category="矛盾调处", title="调解纠纷",
        points=5, valid_from=datetime.date(2025, 1, 1),
    )  # fmt: skip
    entry = Entry.objects.create(
        household=household, rule=rule, points=5, deed_date=timezone.localdate(), basis="调解邻里",
        method="site_visit", source="manual", recorded_by=clerk, recorded_at=timezone.now(),
        idempotency_key="au-entry",
    )  # fmt: skip
    assessor = make_user("assessor1", kind=RoleKind.ASSESSOR, scope=area.v1, first_name="周评议")
    return entry_approve(entry=entry, reviewer=assessor)


def dispatched_order(area):
    from tickets.models import Category, Source
    from tickets.services import order_create, order_dispatch, unit_for

    command = make_user(
        "command1", kind=RoleKind.COMMAND_CENTRE, scope=area.town, first_name="陈指挥"
    )
    category = Category.objects.create(town=area.town, parent=None, name="审计类别")
    order, _ = order_create(
        actor=command, town=area.town, source=Source.PHONE, category=category, title="路灯不亮",
        description="村口路灯", village=area.v1, grid=area.g11,
    )  # fmt: skip
    return order_dispatch(actor=command, order=order, lead_unit=unit_for(department=area.d1))


def test_resident_change_shows_before_and_after_masked(client, admin, clerk, resident):
    change_phone(resident, clerk, "13900001111")
    client.force_login(admin)
    page = client.get("/audit/").content.decode()
    assert "赵六" in page
    assert "clerk1" in page and "李文书" in page
    assert "138****5678" in page and "139****1111" in page
    assert "13812345678" not in page and "13900001111" not in page
    # The ID number appears nowhere unmasked, even in the resident's creation row.
    assert resident.id_number not in page
    assert f'href="/register/residents/{resident.pk}/"' in page


def test_points_and_order_events_show_up(client, admin, clerk, area):
    entry = approved_entry(area, clerk)
    order = dispatched_order(area)
    client.force_login(admin)
    page = client.get("/audit/").content.decode()
    assert f'href="/points/entries/{entry.pk}/"' in page
    assert "assessor1" in page and "周评议" in page
    assert "AU-PTS · AU-01 · +5" in page
    assert f'href="/orders/{order.pk}/"' in page
    assert "command1" in page

    orders_only = client.get("/audit/", {"kind": "orders"}).content.decode()
    assert f'href="/orders/{order.pk}/"' in orders_only
    assert "AU-PTS" not in orders_only


def test_user_and_date_filters(client, admin, clerk, resident, area):
    change_phone(resident, clerk, "13900001111")
    order = dispatched_order(area)
    client.force_login(admin)
    mine = client.get("/audit/", {"user": "clerk1"}).content.decode()
    assert "139****1111" in mine
    assert f"/orders/{order.pk}/" not in mine

    # The day after the change as the trail recorded it (PostgreSQL's clock, which stamps
    # the trail, not the test's).
    stamped = Events.objects.order_by("-pgh_created_at").first().pgh_created_at
    tomorrow = timezone.localtime(stamped).date() + datetime.timedelta(days=1)
    later = client.get("/audit/", {"date_from": tomorrow.isoformat()}).content.decode()
    assert "139****1111" not in later

    unknown = client.get("/audit/", {"user": "nobody"})
    assert "没有这个用户名的用户。" in unknown.content.decode()


def test_another_towns_changes_stay_hidden(client, clerk, resident, area):
    from grids.models import Town

    other = Town.objects.create(code="T2", name="别的镇")
    other_admin = make_user("other_admin", kind=RoleKind.TOWN_ADMIN, scope=other)
    change_phone(resident, clerk, "13900001111")
    client.force_login(other_admin)
    assert "139****1111" not in client.get("/audit/").content.decode()


def test_pages_follow_on_without_repeating(client, admin, clerk, resident, monkeypatch):
    from audit import selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    for n in range(5):
        change_phone(resident, clerk, f"1390000000{n}")
    client.force_login(admin)
    first = client.get("/audit/", {"kind": "register"})
    lines = first.context["lines"]
    assert len(lines) == 3 and first.context["more"]
    second = client.get(first.context["next_url"])
    seen = {(line.rank, line.pk) for line in lines}
    assert not seen & {(line.rank, line.pk) for line in second.context["lines"]}
    # 5 changes, plus the creation of the house, the household and the resident: 8 rows.
    third = client.get(second.context["next_url"])
    assert len(third.context["lines"]) == 2 and not third.context["more"]
    everything = [*lines, *second.context["lines"], *third.context["lines"]]
    assert len({(line.rank, line.pk) for line in everything}) == 8
    assert [line.at for line in everything] == sorted(
        (line.at for line in everything), reverse=True
    )

    assert "此翻页链接无效" in client.get("/audit/", {"before": "garbage"}).content.decode()


def test_htmx_gets_the_results_fragment(client, admin, clerk, resident):
    change_phone(resident, clerk, "13900001111")
    client.force_login(admin)
    response = client.get("/audit/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "139****1111" in body
    assert "<html" not in body


@pytest.mark.parametrize("kind", [k for k in RoleKind.values if k != RoleKind.TOWN_ADMIN])
def test_other_roles_are_refused(client, area, kind, role_users):
    client.force_login(role_users[kind])
    assert client.get("/audit/").status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_query_count_does_not_grow(client, admin, clerk, resident, area, django_assert_num_queries):
    # Two changes: one's "after" is the next event, the other's the current row (one query
    # each, whatever the number of rows).
    change_phone(resident, clerk, "13900001111")
    change_phone(resident, clerk, "13900002222")
    approved_entry(area, clerk)
    client.force_login(admin)
    client.get("/audit/")  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        client.get("/audit/")
    for n in range(6):
        change_phone(resident, clerk, f"1370000000{n}")
    dispatched_order(area)
    with django_assert_num_queries(len(few)):
        page = client.get("/audit/")
    assert "137****0005" in page.content.decode()
