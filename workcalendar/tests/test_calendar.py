"""The calendar as data: filled from chinese_calendar, read through a cache that a change
invalidates, edited and imported by services that write nothing on error, audited."""

import datetime
import logging

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from pghistory.models import Events

from workcalendar import selectors, services
from workcalendar.models import CalendarYear, DayKind, SpecialDay
from workcalendar.signals import working_days_changed

TZ = datetime.timezone(datetime.timedelta(hours=8))
NEW_YEAR_2027 = datetime.date(2027, 1, 1)


@pytest.mark.django_db
def test_migrate_filled_every_year_the_package_knows_with_names():
    assert set(CalendarYear.objects.values_list("year", flat=True)) == set(range(2004, 2027))
    national_day = SpecialDay.objects.get(date=datetime.date(2026, 10, 1))
    assert (national_day.kind, national_day.name) == (DayKind.HOLIDAY, "国庆节")
    make_up = SpecialDay.objects.get(date=datetime.date(2026, 9, 20))
    assert make_up.kind == DayKind.WORKDAY
    assert selectors.is_working_day(datetime.date(2026, 9, 20))  # a Sunday, worked
    assert not selectors.is_working_day(datetime.date(2026, 10, 1))


@pytest.mark.django_db
def test_the_fill_command_is_idempotent_and_keeps_a_towns_correction(
    django_capture_on_commit_callbacks,
):
    day = SpecialDay.objects.get(date=datetime.date(2026, 10, 1))
    with django_capture_on_commit_callbacks(execute=True):
        services.special_day_update(
            special_day=day, day=day.date, kind=DayKind.HOLIDAY, name="国庆节（更正）"
        )
    count = SpecialDay.objects.count()
    call_command("fill_calendar")
    assert SpecialDay.objects.count() == count
    assert SpecialDay.objects.get(date=datetime.date(2026, 10, 1)).name == "国庆节（更正）"


@pytest.mark.django_db
def test_a_change_reaches_the_cache_and_tells_the_apps_above(django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, *, changes, change_id, **kwargs):
        received.append((changes, change_id))

    working_days_changed.connect(receiver)
    try:
        assert selectors.is_working_day(NEW_YEAR_2027)  # a Friday, 2027 not entered
        with django_capture_on_commit_callbacks(execute=True):
            holiday = services.special_day_create(
                day=NEW_YEAR_2027, kind=DayKind.HOLIDAY, name="元旦"
            )
        assert not selectors.is_working_day(NEW_YEAR_2027)
        with django_capture_on_commit_callbacks(execute=True):
            services.special_day_delete(special_day=holiday)
        assert selectors.is_working_day(NEW_YEAR_2027)
    finally:
        working_days_changed.disconnect(receiver)
    [(first, _id1), (second, _id2)] = received
    assert [(c.date, c.was_working, c.is_working) for c in first] == [(NEW_YEAR_2027, True, False)]
    assert [(c.date, c.was_working, c.is_working) for c in second] == [(NEW_YEAR_2027, False, True)]


@pytest.mark.django_db
def test_a_rename_invalidates_but_announces_no_working_day_change(
    django_capture_on_commit_callbacks,
):
    received = []
    working_days_changed.connect(lambda sender, **kw: received.append(kw), weak=False,
                                 dispatch_uid="t-rename")  # fmt: skip
    try:
        day = SpecialDay.objects.get(date=datetime.date(2026, 10, 1))
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.special_day_update(
                special_day=day, day=day.date, kind=day.kind, name="国庆", notice="x"
            )
        assert len(callbacks) == 1
    finally:
        working_days_changed.disconnect(dispatch_uid="t-rename")
    assert received == []


@pytest.mark.django_db
def test_other_processes_see_a_change_through_the_cache_version(
    django_capture_on_commit_callbacks,
):
    version = selectors.calendar_version()
    with django_capture_on_commit_callbacks(execute=True):
        services.special_day_create(day=NEW_YEAR_2027, kind=DayKind.HOLIDAY, name="元旦")
    from django.core.cache import cache

    assert cache.get(selectors.VERSION_KEY) != version
    assert cache.get(selectors.VERSION_KEY) == selectors.calendar_version()


@pytest.mark.django_db
def test_a_missing_year_counts_monday_to_friday_and_is_logged_once(caplog):
    selectors.calendar_reset_for_tests()
    with caplog.at_level(logging.WARNING, logger="workcalendar.selectors"):
        assert selectors.is_working_day(datetime.date(2031, 1, 3))  # a Friday
        assert not selectors.is_working_day(datetime.date(2031, 1, 4))
    assert len([r for r in caplog.records if "2031" in r.getMessage()]) == 1


@pytest.mark.django_db
def test_next_year_is_missing_from_1_november_shanghai_time():
    with time_machine.travel(datetime.datetime(2026, 10, 31, 23, 59, tzinfo=TZ), tick=False):
        assert selectors.missing_years() == []
    with time_machine.travel(datetime.datetime(2026, 11, 1, 0, 1, tzinfo=TZ), tick=False):
        assert selectors.missing_years() == [2027]
    # A year with no special day at all counts as entered once it is marked.
    CalendarYear.objects.create(year=2027, source="entered", entered_at="2026-11-01T00:00Z")
    selectors.calendar_reset_for_tests()
    with time_machine.travel(datetime.datetime(2026, 11, 1, 0, 1, tzinfo=TZ), tick=False):
        assert selectors.missing_years() == []


@pytest.mark.django_db
def test_a_date_is_entered_once():
    with pytest.raises(ValidationError) as error:
        services.special_day_create(
            day=datetime.date(2026, 10, 1), kind=DayKind.WORKDAY, name="国庆节"
        )
    assert "already in the calendar" in str(error.value)


@pytest.mark.django_db
def test_a_date_entered_between_the_check_and_the_insert_is_the_same_error(monkeypatch):
    """Two people add the same date at once: the second insert breaks the UNIQUE constraint
    after its check found nothing, and gets the form's "date taken" error, not a 500."""
    day = datetime.date(2027, 1, 1)
    check = services._date_taken

    def someone_else_first(found_day, **kwargs):
        check(found_day, **kwargs)
        SpecialDay.objects.create(date=found_day, kind=DayKind.HOLIDAY, name="元旦")

    monkeypatch.setattr(services, "_date_taken", someone_else_first)
    with pytest.raises(ValidationError) as error:
        services.special_day_create(day=day, kind=DayKind.HOLIDAY, name="元旦节")
    assert list(error.value.error_dict) == ["date"]
    assert "already in the calendar as 元旦" in str(error.value)


# --- CSV import -----------------------------------------------------------------------------

GOOD = "date,kind,name,notice\n2027-01-01,holiday,元旦,国办发明电〔2026〕1号\n2027-02-20,班,春节,\n"


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_calendar_file_imports_in_each_encoding(encoding):
    result = services.calendar_import(
        raw=GOOD.encode(encoding), actor=None, mark_years_entered=True
    )
    assert (result.created, result.updated, result.years_marked) == (2, 0, [2027])
    new_year = SpecialDay.objects.get(date=NEW_YEAR_2027)
    assert (new_year.kind, new_year.name, new_year.notice) == (
        "holiday",
        "元旦",
        "国办发明电〔2026〕1号",
    )
    assert SpecialDay.objects.get(date=datetime.date(2027, 2, 20)).kind == DayKind.WORKDAY
    assert CalendarYear.objects.get(year=2027).source == "entered"


@pytest.mark.django_db
def test_a_bad_row_refuses_the_whole_file_naming_each_line():
    bad = GOOD + "2027-02-30,holiday,春节,\n2027-03-01,rest,,\n2027-01-01,holiday,元旦,\n"
    before = SpecialDay.objects.count()
    with pytest.raises(ValidationError) as error:
        services.calendar_import(raw=bad.encode(), actor=None, mark_years_entered=True)
    messages = error.value.messages
    assert len(messages) == 3
    assert messages[0].startswith("Line 4:") and "2027-02-30" in messages[0]
    assert messages[1].startswith("Line 5:") and "rest" in messages[1] and "name" in messages[1]
    assert messages[2].startswith("Line 6:") and "line 2" in messages[2]
    assert SpecialDay.objects.count() == before
    assert not CalendarYear.objects.filter(year=2027).exists()


# --- Audit trail ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_change_is_in_the_audit_trail():
    day = services.special_day_create(day=NEW_YEAR_2027, kind=DayKind.HOLIDAY, name="元旦")
    services.special_day_update(special_day=day, day=NEW_YEAR_2027, kind=DayKind.HOLIDAY,
                                name="元旦节", notice="国办发明电")  # fmt: skip
    services.special_day_delete(special_day=day)
    entry = services.calendar_year_mark_entered(year=2027, actor=None)
    labels = list(
        Events.objects.filter(pgh_obj_model="workcalendar.SpecialDay", pgh_obj_id=str(day.pk))
        .order_by("pgh_id")
        .values_list("pgh_label", flat=True)
    )
    assert labels == ["insert", "update", "delete"]
    assert Events.objects.tracks(entry).filter(pgh_label="insert").exists()
