"""The calendar pages: a year as a full page and as an htmx fragment, adding, editing and
deleting a day, the CSV import, who may do what, the banner and /healthz."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_user
from grids.models import Town
from huaisi.roles import RoleKind
from workcalendar.models import CalendarYear, SpecialDay

TZ = datetime.timezone(datetime.timedelta(hours=8))
BEFORE_NOVEMBER = datetime.datetime(2026, 10, 31, 12, 0, tzinfo=TZ)
IN_NOVEMBER = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=TZ)
BANNER = "2027年节假日安排尚未录入"


@pytest.fixture
def admin(client, role_users):
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    return client


@pytest.mark.django_db
def test_a_year_as_a_page_and_as_a_fragment(admin):
    page = admin.get("/calendar/?year=2026")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<html" in text and "国庆节" in text and "2026-10-01" in text
    assert "2026-09-20" in text  # the make-up working day
    fragment = admin.get("/calendar/?year=2026", headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert fragment.status_code == 200
    assert "<html" not in body and 'id="calendar-year"' in body and "国庆节" in body
    assert fragment["Vary"] and "HX-Request" in fragment["Vary"]


@pytest.mark.django_db
def test_a_missing_year_says_so_and_offers_to_mark_it(admin):
    text = admin.get("/calendar/?year=2027").content.decode()
    assert "2027年的节假日安排尚未录入" in text
    response = admin.post("/calendar/2027/enter/", {"notice": "国办发明电〔2026〕X号"})
    assert response.status_code == 302
    entry = CalendarYear.objects.get(year=2027)
    assert (entry.source, entry.notice) == ("entered", "国办发明电〔2026〕X号")
    assert entry.entered_by.username == f"u_{RoleKind.TOWN_ADMIN}"


@pytest.mark.django_db
def test_add_edit_and_delete_a_day_on_the_pages(admin):
    assert admin.get("/calendar/days/new/?year=2027").status_code == 200
    response = admin.post(
        "/calendar/days/new/",
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦", "notice": "国办发明电"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/calendar/?year=2027"
    day = SpecialDay.objects.get(date="2027-01-01")
    assert admin.get(f"/calendar/days/{day.pk}/edit/").status_code == 200
    response = admin.post(
        f"/calendar/days/{day.pk}/edit/",
        {"date": "2027-01-02", "kind": "holiday", "name": "元旦", "notice": ""},
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert day.date == datetime.date(2027, 1, 2)
    assert "元旦" in admin.get(f"/calendar/days/{day.pk}/delete/").content.decode()
    assert admin.post(f"/calendar/days/{day.pk}/delete/").status_code == 302
    assert not SpecialDay.objects.filter(pk=day.pk).exists()


@pytest.mark.django_db
def test_a_taken_date_is_refused_on_the_form(admin):
    response = admin.post(
        "/calendar/days/new/", {"date": "2026-10-01", "kind": "workday", "name": "国庆节"}
    )
    assert response.status_code == 200
    assert "已在日历中" in response.content.decode()


@pytest.mark.django_db
def test_the_import_page_refuses_a_bad_row_in_chinese_and_writes_nothing(admin):
    assert admin.get("/calendar/import/").status_code == 200
    count = SpecialDay.objects.count()
    upload = SimpleUploadedFile(
        "2027.csv", "2027-01-01,休,元旦,\n2027-13-01,休,春节,\n".encode("gbk")
    )
    response = admin.post("/calendar/import/", {"file": upload, "mark_years_entered": "on"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "第2行" in text and "2027-13-01" in text and "未导入任何内容" in text
    assert SpecialDay.objects.count() == count
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/calendar/days/new/", "/calendar/import/", "/calendar/days/1/edit/",
     "/calendar/days/1/delete/"],
)  # fmt: skip
def test_only_the_town_administrator_keeps_the_calendar(client, role_users, path):
    for kind in (RoleKind.COMMAND_CENTRE, RoleKind.VILLAGE_CLERK, RoleKind.SUPERVISOR):
        client.force_login(role_users[kind])
        assert client.get(path).status_code == 403, kind
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    assert client.get("/calendar/").status_code == 403
    assert client.post("/calendar/2027/enter/").status_code == 403


@pytest.mark.django_db
def test_with_several_towns_only_a_superuser_changes_the_shared_calendar(client, role_users, town):
    """The calendar is every town's: once the install has a second town, its town
    administrators read it and only a superuser changes it."""
    Town.objects.create(code="T2", name="第二镇")
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    page = client.get("/calendar/?year=2027")
    assert page.status_code == 200 and "/calendar/days/new/" not in page.content.decode()
    assert client.get("/calendar/days/new/").status_code == 403
    assert client.post("/calendar/2027/enter/").status_code == 403
    assert not CalendarYear.objects.filter(year=2027).exists()

    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    assert "/calendar/days/new/" in client.get("/calendar/?year=2027").content.decode()
    assert client.post("/calendar/2027/enter/").status_code == 302
    assert CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.django_db
def test_the_banner_shows_from_1_november_to_the_calendars_keepers_only(client, role_users):
    for moment, expected in ((BEFORE_NOVEMBER, False), (IN_NOVEMBER, True)):
        with time_machine.travel(moment, tick=False):
            for kind in RoleKind.values:
                client.force_login(role_users[kind])
                text = client.get("/").content.decode()
                shown = kind in (RoleKind.TOWN_ADMIN, RoleKind.COMMAND_CENTRE) and expected
                assert (BANNER in text) is shown, (moment, kind)
                if shown:
                    assert 'href="/calendar/?year=2027"' in text


@pytest.mark.django_db
def test_healthz_names_the_missing_next_year_as_a_warning_after_1_november(client, settings):
    settings.HEALTHZ_CELERY_TIMEOUT = 0.2
    with time_machine.travel(BEFORE_NOVEMBER, tick=False):
        body = client.get("/healthz").json()
    assert body["checks"]["calendar"] == {"ok": True, "warning": False, "detail": "ok"}
    assert body["warnings"] == []
    with time_machine.travel(IN_NOVEMBER, tick=False):
        body = client.get("/healthz").json()
    assert body["checks"]["calendar"]["warning"] is True
    assert "2027" in body["checks"]["calendar"]["detail"]
    assert body["warnings"] == ["calendar"]
    # Only the missing worker makes it 503 here (huaisi/tests/test_healthz.py).
    assert body["checks"]["celery"]["ok"] is False


@pytest.mark.django_db
def test_a_years_page_reads_a_fixed_number_of_rows(admin, django_assert_num_queries):
    admin.get("/calendar/?year=2026")
    # The user, their roles, the year's days, its entry and the number of towns (whether the
    # administrator may change the calendar); the session and the calendar come from the cache.
    with django_assert_num_queries(5):
        response = admin.get("/calendar/?year=2026")
    assert response.content.decode().count("<tr>") > 30
