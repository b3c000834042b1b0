"""The ledger pages: recording (with photos, and twice with one key), the village lists, the
review queue in place, and corrections. Through the test client, as full pages and as htmx
fragments, and for those who may not see or do it."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from grids.models import MicroGrid
from points.models import Entry, EntryPhoto, PointsAccount
from points.tests.conftest import earn, key, new_household, record

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(client, settings):
    """The pages in English: the assertions read the interface's source strings, whatever
    the Chinese catalogue says."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": "/media/"},
        },
    }


def photo(name="yard.png", fmt="PNG", size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 160, 60)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def entry_data(household, rule, **extra) -> dict:
    return {
        "household": household.pk,
        "rule": rule.pk,
        "deed_date": timezone.localdate().isoformat(),
        "method": "site_visit",
        "basis": "入户走访：调解邻里纠纷，双方和解",
        "idempotency_key": key(),
        **extra,
    }


def hidden_key(page: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)


# --- Recording ---------------------------------------------------------------------------------


def test_the_form_carries_a_fresh_key_and_finds_households(client, staff, rules, household):
    client.force_login(staff["clerk"])
    first = client.get(reverse("entry-create")).content.decode()
    second = client.get(reverse("entry-create")).content.decode()
    assert hidden_key(first) != hidden_key(second)
    # The search answers as a fragment (htmx) and as a whole page (no script).
    fragment = client.get(
        reverse("entry-create"), {"q": household.number}, HTTP_HX_TARGET="household-results", **HTMX
    ).content.decode()
    assert household.number in fragment and "<html" not in fragment
    full = client.get(reverse("entry-create"), {"q": household.number}).content.decode()
    assert "<html" in full and f"?household={household.pk}" in full
    chooser = client.get(
        reverse("entry-create"),
        {"household": household.pk},
        HTTP_HX_TARGET="household-chooser",
        **HTMX,
    ).content.decode()
    assert f'name="household" value="{household.pk}"' in chooser and "<html" not in chooser


def test_recording_with_photos_makes_a_pending_entry(client, staff, rules, household):
    client.force_login(staff["clerk"])
    data = entry_data(household, rules["photo"], method="photo_record")
    data["photos"] = [photo(), photo("gate.jpg", "JPEG")]
    response = client.post(reverse("entry-create"), data)
    entry = Entry.objects.get(household=household)
    assert response.status_code == 302 and response.url == reverse("entry-detail", args=[entry.pk])
    assert entry.status == "pending" and entry.points == 3
    assert entry.photos.count() == 2
    page = client.get(response.url).content.decode()
    assert "Waiting for review" in page
    for p in entry.photos.all():
        assert reverse("entry-photo", args=[p.pk, "full"]) in page
        assert reverse("entry-photo", args=[p.pk, "thumb"]) in page
    shown = client.get(reverse("entry-photo", args=[entry.photos.first().pk, "thumb"]))
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content)[:3] == b"\xff\xd8\xff"


def test_the_same_submission_twice_makes_one_entry(client, staff, rules, household):
    client.force_login(staff["clerk"])
    data = entry_data(household, rules["mediation"])
    first = client.post(reverse("entry-create"), data)
    second = client.post(reverse("entry-create"), data)
    assert Entry.objects.filter(household=household).count() == 1
    assert first.url == second.url


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_recorded(
    client, staff, rules, household
):
    client.force_login(staff["clerk"])
    data = entry_data(household, rules["photo"])
    data["photos"] = [SimpleUploadedFile("yard.jpg", b"MZ not a picture", "image/jpeg")]
    response = client.post(reverse("entry-create"), data)
    assert response.status_code == 200
    assert "yard.jpg" in response.content.decode()
    assert not Entry.objects.exists() and not EntryPhoto.objects.exists()


def test_the_services_refusals_show_under_the_form(client, staff, rules, area):
    client.force_login(staff["clerk"])
    unsigned = new_household(area.m111, pact=None)
    response = client.post(reverse("entry-create"), entry_data(unsigned, rules["mediation"]))
    assert "has not signed the civility pact" in response.content.decode()
    signed = new_household(area.m111)
    response = client.post(reverse("entry-create"), entry_data(signed, rules["photo"]))
    assert "needs photo evidence" in response.content.decode()
    # The household stays chosen, so fixing the form does not mean searching again.
    assert f'name="household" value="{signed.pk}"' in response.content.decode()
    assert not Entry.objects.exists()


def test_a_household_of_another_village_cannot_be_scored(client, staff, rules, area):
    client.force_login(staff["clerk"])
    elsewhere = new_household(area.m211)
    response = client.post(reverse("entry-create"), entry_data(elsewhere, rules["mediation"]))
    assert "not one you may score" in response.content.decode()
    assert not Entry.objects.exists()
    found = client.get(reverse("entry-create"), {"q": elsewhere.number}).content.decode()
    assert "No household you may score matches." in found


def test_who_may_not_record(client, staff):
    client.force_login(staff["grid_leader"])
    assert client.get(reverse("entry-create")).status_code == 403
    client.logout()
    assert client.get(reverse("entry-create")).status_code == 302


# --- Lists -------------------------------------------------------------------------------------


def test_the_list_filters_by_status_and_answers_htmx_with_the_results(
    client, staff, rules, household
):
    pending = record(household, rules["mediation"], staff, basis="等待审核的一条")
    earn(household, rules["volunteer"], staff, basis="已经通过的一条")
    client.force_login(staff["clerk"])
    page = client.get(reverse("entry-list"), {"status": "pending"}).content.decode()
    assert "等待审核的一条" in page and "已经通过的一条" not in page
    assert reverse("entry-detail", args=[pending.pk]) in page
    fragment = client.get(
        reverse("entry-list"), {"status": "approved"}, HTTP_HX_TARGET="entry-results", **HTMX
    ).content.decode()
    assert "已经通过的一条" in fragment and "等待审核的一条" not in fragment
    assert "<html" not in fragment


def test_other_villages_entries_stay_out_of_sight(client, staff, rules, household, area):
    entry = record(household, rules["mediation"], staff, basis="第一村的记录")
    client.force_login(staff["assessor_v2"])
    assert "第一村的记录" not in client.get(reverse("entry-list")).content.decode()
    assert client.get(reverse("entry-detail", args=[entry.pk])).status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_pages_cost_the_same_queries_for_few_and_many_rows(
    client, staff, rules, area, django_assert_num_queries
):
    households = [new_household(area.m111) for _ in range(6)]
    for h in households[:2]:
        record(h, rules["mediation"], staff)
    client.force_login(staff["assessor"])
    few = {url: _queries(client, url) for url in (reverse("entry-list"), reverse("review-queue"))}
    for h in households[2:]:
        record(h, rules["mediation"], staff)
        record(h, rules["volunteer"], staff)
    for url, count in few.items():
        with django_assert_num_queries(count):
            client.get(url)


def count_shown(html: str) -> int:
    found = re.search(r'data-result-count="(\d+)"', html)
    return int(found.group(1)) if found else 0


def test_the_list_filters_by_month_village_and_grid_and_says_what_it_drops(
    client, staff, rules, area, django_assert_num_queries
):
    today = timezone.localdate()
    earlier = today.replace(day=1) - datetime.timedelta(days=3)
    g12 = MicroGrid.objects.get(code="V1G2M1")
    record(new_household(area.m111), rules["mediation"], staff, basis="本月一网格")
    record(
        new_household(area.m111), rules["mediation"], staff, basis="上月一网格", deed_date=earlier
    )
    record(new_household(g12), rules["mediation"], staff, basis="本月二网格")
    client.force_login(staff["town_admin"])
    url = reverse("entry-list")
    this_month = f"{today:%Y-%m}"

    page = client.get(url, {"month": this_month}).content.decode()
    assert count_shown(page) == 2 and "上月一网格" not in page
    assert f'name="month" value="{this_month}"' in page
    # The selects offer the user's villages and grids, the chosen one selected.
    page = client.get(url, {"month": this_month, "grid": area.g11.pk}).content.decode()
    assert count_shown(page) == 1 and "本月一网格" in page and "本月二网格" not in page
    assert f'<option value="{area.g11.pk}" selected>' in page
    page = client.get(url, {"village": area.v1.pk, "month": f"{earlier:%Y-%m}"}).content.decode()
    assert count_shown(page) == 1 and "上月一网格" in page

    # Unusable values: said above the list, which then shows what it would without them.
    for params, said in (
        ({"month": "2026-13"}, "is not a month like 2026-05"),
        ({"month": "last"}, "is not a month like 2026-05"),
        ({"grid": "99999"}, "The grid asked for is not among your areas"),
        ({"village": "x"}, "The village or community asked for is not among your areas"),
        ({"village": area.v2.pk, "grid": area.g11.pk}, "is not in 第2村"),
    ):
        response = client.get(url, params)
        assert response.status_code == 200, params
        page = response.content.decode()
        assert said in page and "filter-notice" in page, params
        assert count_shown(page) == (0 if "village" in params and "grid" in params else 3)
    # A grid leader sees their grid's entries only, whatever village or grid is asked for.
    client.force_login(staff["grid_leader"])
    assert count_shown(client.get(url, {"village": area.v1.pk}).content.decode()) == 2
    page = client.get(url, {"grid": area.g12.pk}).content.decode()
    assert count_shown(page) == 2 and "not among your areas" in page

    # The filters cost no query that grows with the rows.
    client.force_login(staff["town_admin"])
    filtered = f"{url}?month={this_month}&village={area.v1.pk}&grid={area.g11.pk}"
    few = _queries(client, filtered)
    for _ in range(5):
        record(new_household(area.m112), rules["mediation"], staff)
    with django_assert_num_queries(few):
        assert count_shown(client.get(filtered).content.decode()) == 6


# --- Review ------------------------------------------------------------------------------------


def test_the_queue_approves_in_place(client, staff, rules, household):
    entry = record(household, rules["mediation"], staff, basis="调解纠纷一起")
    client.force_login(staff["assessor"])
    page = client.get(reverse("review-queue")).content.decode()
    assert "调解纠纷一起" in page and f'id="review-{entry.pk}"' in page
    fragment = client.get(
        reverse("review-queue"), HTTP_HX_TARGET="review-results", **HTMX
    ).content.decode()
    assert "调解纠纷一起" in fragment and "<html" not in fragment
    answer = client.post(reverse("entry-approve", args=[entry.pk]), **HTMX).content.decode()
    assert f'id="review-{entry.pk}"' in answer and "Approved" in answer and "<html" not in answer
    entry.refresh_from_db()
    assert entry.status == "approved" and entry.reviewed_by == staff["assessor"]
    assert PointsAccount.objects.get(household=household).balance == 10
    # A second click (the button was pressed twice) changes nothing.
    client.post(reverse("entry-approve", args=[entry.pk]), **HTMX)
    assert PointsAccount.objects.get(household=household).balance == 10


def test_rejecting_needs_a_reason(client, staff, rules, household):
    entry = record(household, rules["mediation"], staff)
    client.force_login(staff["assessor"])
    answer = client.post(reverse("entry-reject", args=[entry.pk]), {"reason": " "}, **HTMX)
    assert "Give the reason for rejecting the entry." in answer.content.decode()
    entry.refresh_from_db()
    assert entry.status == "pending"
    client.post(reverse("entry-reject", args=[entry.pk]), {"reason": "照片与事实不符"}, **HTMX)
    entry.refresh_from_db()
    assert entry.status == "rejected" and entry.reject_reason == "照片与事实不符"


def test_review_without_htmx_returns_to_the_queue_with_a_message(client, staff, rules, household):
    entry = record(household, rules["mediation"], staff)
    client.force_login(staff["assessor"])
    response = client.post(
        reverse("entry-approve", args=[entry.pk]), {"next": reverse("review-queue")}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("review-queue")
    assert "approved: +10 points" in response.content.decode()


def test_nobody_reviews_their_own_entry(client, staff, rules, household):
    entry = services_record_by(staff["assessor"], household, rules["mediation"])
    client.force_login(staff["assessor"])
    assert f'id="review-{entry.pk}"' not in client.get(reverse("review-queue")).content.decode()
    answer = client.post(reverse("entry-approve", args=[entry.pk]), **HTMX).content.decode()
    assert "Nobody reviews their own entry" in answer
    entry.refresh_from_db()
    assert entry.status == "pending"


def services_record_by(user, household, rule) -> Entry:
    from points import services

    return services.entry_record(
        household=household, rule=rule, deed_date=timezone.localdate(), basis="自己记录的",
        method="site_visit", recorded_by=user, idempotency_key=key(),
    )  # fmt: skip


def test_who_may_not_review(client, staff, rules, household):
    entry = record(household, rules["mediation"], staff)
    client.force_login(staff["clerk"])
    assert client.get(reverse("review-queue")).status_code == 403
    assert client.post(reverse("entry-approve", args=[entry.pk])).status_code == 403
    client.force_login(staff["assessor_v2"])
    assert client.post(reverse("entry-approve", args=[entry.pk])).status_code == 404
    assert client.get(reverse("entry-approve", args=[entry.pk])).status_code == 405
    entry.refresh_from_db()
    assert entry.status == "pending"


# --- Corrections -------------------------------------------------------------------------------


def test_a_correction_is_a_pending_reversal_citing_the_entry(client, staff, rules, household):
    entry = earn(household, rules["mediation"], staff)
    client.force_login(staff["clerk"])
    detail = client.get(reverse("entry-detail", args=[entry.pk])).content.decode()
    assert reverse("entry-reverse", args=[entry.pk]) in detail
    form = client.get(reverse("entry-reverse", args=[entry.pk])).content.decode()
    empty = client.post(
        reverse("entry-reverse", args=[entry.pk]), {"idempotency_key": hidden_key(form)}
    )
    assert "Give the reason for the correction." in empty.content.decode()
    response = client.post(
        reverse("entry-reverse", args=[entry.pk]),
        {"idempotency_key": hidden_key(form), "reason": "重复记录，予以冲正"},
    )
    reversal = Entry.objects.get(reverses=entry)
    assert response.url == reverse("entry-detail", args=[reversal.pk])
    assert reversal.points == -10 and reversal.status == "pending"
    # The balance moves only when another assessor approves the correction.
    assert PointsAccount.objects.get(household=household).balance == 10


def test_a_grid_leader_reads_entries_but_does_not_correct_them(client, staff, rules, household):
    entry = earn(household, rules["mediation"], staff)
    client.force_login(staff["grid_leader"])
    assert client.get(reverse("entry-detail", args=[entry.pk])).status_code == 200
    assert client.get(reverse("entry-reverse", args=[entry.pk])).status_code == 403
