"""Published rankings and honour lists for staff, the supermarket list, and the navigation."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from huaisi.roles import RoleKind
from points.models import HonourPublication, HonourRow, RankingPublication, RankingRow
from points.tests.conftest import new_household

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def publish(village, month: datetime.date, households) -> RankingPublication:
    publication = RankingPublication.objects.create(
        village=village, month=month, published_at=timezone.now()
    )
    RankingRow.objects.bulk_create(
        RankingRow(publication=publication, household=h, points=30 - i, rank=i + 1)
        for i, h in enumerate(households)
    )
    return publication


def test_rankings_list_and_detail(client, staff, area, django_assert_num_queries):
    households = [new_household(area.m111) for _ in range(3)]
    january = publish(area.v1, datetime.date(2025, 1, 1), households)
    elsewhere = publish(area.v2, datetime.date(2025, 1, 1), [new_household(area.m211)])
    honours = HonourPublication.objects.create(
        village=area.v1, half_start=datetime.date(2025, 1, 1), published_at=timezone.now()
    )
    HonourRow.objects.create(publication=honours, household=households[0], points=120, rank=1)
    client.force_login(staff["clerk"])
    page = client.get(reverse("ranking-list")).content.decode()
    assert reverse("ranking-detail", args=[january.pk]) in page
    assert reverse("ranking-detail", args=[elsewhere.pk]) not in page
    assert "2025H1" in page
    detail = client.get(reverse("ranking-detail", args=[january.pk])).content.decode()
    assert households[0].number in detail and households[2].number in detail
    assert client.get(reverse("ranking-detail", args=[elsewhere.pk])).status_code == 404
    honour = client.get(reverse("honour-detail", args=[honours.pk])).content.decode()
    assert households[0].number in honour and "120" in honour
    # The list costs the same whatever the number of publications.
    client.force_login(staff["town_admin"])
    url = reverse("ranking-list")
    few = _count(client, url)
    for month in range(2, 8):
        publish(area.v1, datetime.date(2025, month, 1), households)
    with django_assert_num_queries(few):
        client.get(url)
    fragment = client.get(
        url, {"village": area.v1.pk}, HTTP_HX_TARGET="ranking-results", **HTMX
    ).content.decode()
    assert "<html" not in fragment and reverse("ranking-detail", args=[elsewhere.pk]) not in (
        fragment
    )


def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)


def test_who_may_not_read_rankings(client, role_users):
    client.force_login(role_users[RoleKind.SUPERVISOR])
    assert client.get(reverse("ranking-list")).status_code == 403
    client.logout()
    assert client.get(reverse("ranking-list")).status_code == 302


def test_the_navigation_offers_each_role_its_points_pages(client, staff, role_users):
    client.force_login(staff["assessor"])
    page = client.get(reverse("entry-list")).content.decode()
    assert reverse("review-queue") in page and reverse("rule-list") in page
    client.force_login(staff["grid_leader"])
    page = client.get(reverse("entry-list")).content.decode()
    assert reverse("review-queue") not in page and reverse("store-list") in page
    client.force_login(role_users[RoleKind.DEPARTMENT_HANDLER])
    assert reverse("entry-list") not in client.get("/").content.decode()


def test_a_clerk_opens_the_village_supermarket(client, staff, area):
    client.force_login(staff["clerk"])
    page = client.get(reverse("store-list")).content.decode()
    assert "No points supermarket within your areas yet." in page
    assert f'name="village" value="{area.v1.pk}"' in page
    assert f'value="{area.v2.pk}"' not in page
    response = client.post(reverse("store-open"), {"village": area.v1.pk, "name": "满满加油站"})
    assert response.status_code == 302
    assert "满满加油站" in client.get(reverse("store-list")).content.decode()
    # Another village's clerk cannot open this village's store.
    again = client.post(reverse("store-open"), {"village": area.v2.pk, "name": "x"}, follow=True)
    assert again.status_code == 200 and "x" not in [s.name for s in _stores()]


def _stores():
    from points.models import Store

    return list(Store.objects.all())
