"""The assessors' review queue filtered by household, rule and recorder (issue #17: 343
entries waited in the demo town with no way to take them a household or a recorder at a
time). Filters are GET parameters, kept across pages and after approving."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from points import services
from points.tests.conftest import key, new_household, record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def record_by(user, household, rule):
    return services.entry_record(
        household=household, rule=rule, deed_date=timezone.localdate(), basis="依据",
        method="site_visit", recorded_by=user, idempotency_key=key(),
    )  # fmt: skip


def shown(response) -> set[int]:
    assert response.status_code == 200
    return {int(pk) for pk in re.findall(r'id="review-(\d+)"', response.content.decode())}


@pytest.fixture
def queue(area, staff, rules):
    h1, h2 = new_household(area.m111), new_household(area.m111)
    return {
        "h1": h1,
        "h2": h2,
        "clerk_h1_mediation": record(h1, rules["mediation"], staff),
        "clerk_h2_volunteer": record(h2, rules["volunteer"], staff),
        "b_h1_volunteer": record_by(staff["assessor_b"], h1, rules["volunteer"]),
        "b_h2_mediation": record_by(staff["assessor_b"], h2, rules["mediation"]),
    }


def test_filter_by_household_rule_and_recorder(client, staff, rules, queue):
    client.force_login(staff["assessor"])
    url = reverse("review-queue")

    by_household = shown(client.get(url, {"q": queue["h1"].number}))
    by_rule = shown(client.get(url, {"rule": rules["volunteer"].pk}))
    by_recorder = shown(client.get(url, {"recorder": staff["assessor_b"].pk}))
    combined = shown(
        client.get(url, {"rule": rules["mediation"].pk, "recorder": staff["clerk"].pk})
    )

    assert by_household == {queue["clerk_h1_mediation"].pk, queue["b_h1_volunteer"].pk}
    assert by_rule == {queue["clerk_h2_volunteer"].pk, queue["b_h1_volunteer"].pk}
    assert by_recorder == {queue["b_h1_volunteer"].pk, queue["b_h2_mediation"].pk}
    assert combined == {queue["clerk_h1_mediation"].pk}


def test_the_menus_offer_what_waits_with_counts(client, staff, rules, queue):
    client.force_login(staff["assessor"])

    page = html.unescape(client.get(reverse("review-queue")).content.decode())

    assert "ZD-01 调解邻里纠纷 (2)" in page and "MF-01 参加志愿服务 (2)" in page
    assert "ZD-02" not in page  # no entry of that rule waits
    assert f'<option value="{staff["assessor_b"].pk}">' in page
    # The reviewer's own entries never wait for them, so they are no recorder to pick.
    assert f'<option value="{staff["assessor"].pk}">' not in page


def test_an_unknown_filter_says_so_and_shows_everything(client, staff, queue):
    client.force_login(staff["assessor"])

    response = client.get(reverse("review-queue"), {"rule": "x", "recorder": "999999"})

    page = response.content.decode()
    assert "No entry of that rule waits for your review; showing every rule." in page
    assert "showing everyone&#x27;s." in page or "showing everyone's." in page
    assert len(shown(response)) == 4


def test_filters_are_kept_across_pages_and_after_approving(client, staff, rules, area):
    household = new_household(area.m111)
    for _ in range(52):
        record(household, rules["mediation"], staff)
    record_by(staff["assessor_b"], household, rules["mediation"])
    client.force_login(staff["assessor"])
    url = reverse("review-queue")
    query = {"rule": rules["mediation"].pk, "recorder": staff["clerk"].pk}

    first = client.get(url, query).content.decode()
    older = html.unescape(re.search(r'href="([^"]*page=2[^"]*)"', first).group(1))
    second = client.get(url + older)
    entry_pk = min(shown(second))
    back = re.search(r'name="next" value="([^"]+)"', second.content.decode()).group(1)
    approved = client.post(reverse("entry-approve", args=[entry_pk]), {"next": html.unescape(back)})

    assert f"rule={rules['mediation'].pk}" in older and f"recorder={staff['clerk'].pk}" in older
    assert len(shown(second)) == 2  # 52 of the clerk's: 50, then 2; assessor_b's left out
    assert approved.status_code == 302
    assert approved["Location"] == html.unescape(back)
    assert f"rule={rules['mediation'].pk}" in back and "page=2" in back


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_a_filtered_queue_costs_the_same_queries_for_few_and_many_rows(
    client, staff, rules, area, django_assert_num_queries
):
    households = [new_household(area.m111) for _ in range(6)]
    record(households[0], rules["mediation"], staff)
    client.force_login(staff["assessor"])
    url = reverse("review-queue")
    params = {"rule": rules["mediation"].pk, "recorder": staff["clerk"].pk}
    few = _queries(client, url, params)
    for h in households[1:]:
        record(h, rules["mediation"], staff)
        record(h, rules["volunteer"], staff)
        record_by(staff["assessor_b"], h, rules["mediation"])

    with django_assert_num_queries(few):
        response = client.get(url, params)

    assert len(shown(response)) == 6
