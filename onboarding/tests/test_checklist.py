"""The moving-in checklist: what a town has loaded, what is missing, each line linked to the
page that fixes it, and every line green once the town is complete."""

import datetime
import re

import pytest
from django.utils import timezone

from conftest import make_user
from grids.models import Grid, MicroGrid, Village
from households.models import Household
from huaisi.roles import RoleKind
from points.models import Good, PointsAccount, Rule, Store
from workcalendar.models import CalendarYear

pytestmark = pytest.mark.django_db

BOUNDARY = {
    "type": "Polygon",
    "coordinates": [
        [[119.3, 32.4], [119.31, 32.4], [119.31, 32.41], [119.3, 32.41], [119.3, 32.4]]
    ],
}


@pytest.fixture
def admin(client, role_users, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    return client


def lines_of(html: str) -> dict[str, str]:
    """{line title: 'ok' or 'todo'}"""
    return {
        title: state
        for state, title in re.findall(
            r'<li class="(ok|todo)" data-check="\d+">.*?<strong>([^<]+)</strong>', html, re.S
        )
    }


def complete_the_town(area) -> None:
    Village.objects.update(boundary=BOUNDARY)
    for n, grid in enumerate(Grid.objects.exclude(pk=area.g11.pk)):
        make_user(f"leader{n}", kind=RoleKind.GRID_LEADER, scope=grid)
    for n, micro in enumerate(MicroGrid.objects.exclude(pk=area.m111.pk)):
        make_user(f"worker{n}", kind=RoleKind.MICROGRID_WORKER, scope=micro)
    make_user("clerk2", kind=RoleKind.VILLAGE_CLERK, scope=area.v2)
    make_user("handler2", kind=RoleKind.DEPARTMENT_HANDLER, scope=area.d2)
    for n, micro in enumerate(MicroGrid.objects.all()[:2]):
        household = Household.objects.create(
            number=f"H{n}", microgrid=micro, pact_signed_on=datetime.date(2025, 1, 1)
        )
        village = micro.grid.village
        PointsAccount.objects.create(
            household=household, village=village, serial=n + 1,
            passbook_number=f"{village.code}{n + 1:05d}", card_token=f"token-{n}",
        )  # fmt: skip
    Rule.objects.create(
        town=area.town, code="R1", group="key_work", category="矛盾调处", title="调解纠纷",
        points=5, valid_from=datetime.date(2025, 1, 1),
    )  # fmt: skip
    for village in Village.objects.all():
        store = Store.objects.create(village=village, name=f"{village.name}满满加油站")
        Good.objects.create(store=store, name="大米", unit="袋", price_points=5)
    CalendarYear.objects.create(
        year=timezone.localdate().year + 1, source="entered", entered_at=timezone.now()
    )


def test_a_town_with_areas_only_shows_what_is_missing_with_links(admin, area):
    response = admin.get("/areas/onboarding/")
    html = response.content.decode()
    lines = lines_of(html)
    assert lines["Villages and communities"] == "ok"
    for title in (
        "Village boundaries",
        "Grid leaders",
        "Micro-grid workers",
        "Households",
        "Scoring rulebook",
        "Points supermarkets",
        f"Holiday calendar {timezone.localdate().year + 1}",
    ):
        assert lines[title] == "todo", title
    assert "2 villages without a boundary." in html
    assert f'href="/areas/villages/{area.v1.pk}/edit/"' in html
    assert "3 grids without a leader." in html  # the grid leader fixture leads V1G1
    assert 'href="/areas/staff/import/"' in html and 'href="/areas/import/"' in html
    assert 'href="/register/imports/new/"' in html
    assert 'href="/points/rules/new/"' in html


def test_the_checklist_turns_green_when_the_town_is_complete(
    admin, area, django_assert_max_num_queries
):
    complete_the_town(area)
    with django_assert_max_num_queries(20):
        html = admin.get("/areas/onboarding/").content.decode()
    lines = lines_of(html)
    assert set(lines.values()) == {"ok"}, lines
    assert f"{len(lines)} of {len(lines)} done." in html


def test_a_household_without_pact_date_or_passbook_is_counted(admin, area):
    complete_the_town(area)
    Household.objects.create(number="H9", microgrid=area.m211)
    html = admin.get("/areas/onboarding/").content.decode()
    assert "1 of 3 households without a pact date." in html
    assert "1 of 3 households without a passbook." in html
    assert lines_of(html)["Civility pact dates"] == "todo"


def test_only_the_town_administrator_sees_it(client, role_users):
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    assert client.get("/areas/onboarding/").status_code == 403
    client.logout()
    assert client.get("/areas/onboarding/").status_code == 302
