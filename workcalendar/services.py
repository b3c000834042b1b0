"""Every write to the working-time calendar.

Each action is one durable transaction. After it commits, the calendar's caches take a new
version (`selectors.calendar_invalidate`) and, if any day turned from working to non-working or
back, `signals.working_days_changed` tells the apps above (work orders move their open
deadlines). The audit trail (django-pghistory triggers) records every row written, with the
page and user from the request.
"""

import csv
import datetime
import io
import logging
from dataclasses import dataclass

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors
from .models import FIRST_YEAR, LAST_YEAR, CalendarYear, DayKind, SpecialDay
from .signals import DayChange, working_days_changed

logger = logging.getLogger(__name__)

NAME_MAX = SpecialDay._meta.get_field("name").max_length
NOTICE_MAX = SpecialDay._meta.get_field("notice").max_length
CSV_MAX_BYTES = 256 * 1024
CSV_MAX_ROWS = 1000
# How the kind column may be written in a file (lower-cased), besides the stored values.
KIND_WORDS = {
    "holiday": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "假": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "节假日": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
    "补班": DayKind.WORKDAY,
}


def _working(day: datetime.date, kind: str | None) -> bool:
    if kind == DayKind.WORKDAY:
        return True
    if kind == DayKind.HOLIDAY:
        return False
    return day.weekday() < 5


def _announce(before: dict[datetime.date, bool], after: dict[datetime.date, bool]) -> None:
    """After commit: new cache version, then the days whose working status flipped."""
    changes = sorted(
        (
            DayChange(day, before[day], after[day])
            for day in before.keys() & after.keys()
            if before[day] != after[day]
        ),
        key=lambda c: c.date,
    )

    def send() -> None:
        change_id = selectors.calendar_invalidate()
        if changes:
            for receiver, result in working_days_changed.send_robust(
                sender=SpecialDay, changes=changes, change_id=change_id
            ):
                if isinstance(result, Exception):
                    logger.error("Calendar change %s: %r failed: %r", change_id, receiver, result)

    transaction.on_commit(send)


def _clean(*, day: datetime.date, kind: str, name: str, notice: str) -> tuple[str, str]:
    errors = {}
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors["date"] = _("The year must lie between %(first)s and %(last)s.") % {
            "first": FIRST_YEAR,
            "last": LAST_YEAR,
        }
    if kind not in DayKind.values:
        errors["kind"] = _("Choose a holiday or a make-up working day.")
    name = (name or "").strip()
    notice = (notice or "").strip()
    if not name:
        errors["name"] = _("Give the day's name, e.g. 春节.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("At most %(n)s characters.") % {"n": NAME_MAX}
    if len(notice) > NOTICE_MAX:
        errors["notice"] = _("At most %(n)s characters.") % {"n": NOTICE_MAX}
    if errors:
        raise ValidationError(errors)
    return name, notice


def _taken_error(day: datetime.date, name: str) -> ValidationError:
    return ValidationError(
        {"date": _("%(date)s is already in the calendar as %(name)s.")
         % {"date": day.isoformat(), "name": name}},
        code="taken",
    )  # fmt: skip


def _date_taken(day: datetime.date, *, exclude_pk: int | None = None) -> None:
    taken = SpecialDay.objects.filter(date=day).exclude(pk=exclude_pk).first()
    if taken is not None:
        raise _taken_error(day, taken.name)


def _write_date(day: datetime.date, write):
    """Run `write` (an insert or update that sets `day`) in a savepoint: a row with that date
    committed by someone else after `_date_taken` looked breaks the UNIQUE constraint, and
    that is the same "date taken" error, not a server error."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError as error:
        taken = SpecialDay.objects.filter(date=day).first()
        if taken is None:
            raise
        raise _taken_error(day, taken.name) from error


@transaction.atomic(durable=True)
def special_day_create(*, day: datetime.date, kind: str, name: str, notice: str = "") -> SpecialDay:
    """A new holiday or make-up working day; one row per date (UNIQUE)."""
    name, notice = _clean(day=day, kind=kind, name=name, notice=notice)
    _date_taken(day)
    special = _write_date(
        day, lambda: SpecialDay.objects.create(date=day, kind=kind, name=name, notice=notice)
    )
    _announce({day: _working(day, None)}, {day: _working(day, kind)})
    return special


@transaction.atomic(durable=True)
def special_day_update(
    *, special_day: SpecialDay, day: datetime.date, kind: str, name: str, notice: str = ""
) -> SpecialDay:
    """Change a special day (its date too); the row is locked so two edits do not interleave."""
    name, notice = _clean(day=day, kind=kind, name=name, notice=notice)
    row = SpecialDay.objects.select_for_update().get(pk=special_day.pk)
    _date_taken(day, exclude_pk=row.pk)
    before = {row.date: _working(row.date, row.kind), day: _working(day, None)}
    if row.date == day:
        before[day] = _working(day, row.kind)
    after = {row.date: _working(row.date, None), day: _working(day, kind)}
    row.date, row.kind, row.name, row.notice = day, kind, name, notice
    _write_date(
        day, lambda: row.save(update_fields=["date", "kind", "name", "notice", "updated_at"])
    )
    _announce(before, after)
    return row


@transaction.atomic(durable=True)
def special_day_delete(*, special_day: SpecialDay) -> None:
    """Remove a special day: the date counts as an ordinary weekday or weekend again."""
    row = SpecialDay.objects.select_for_update().filter(pk=special_day.pk).first()
    if row is None:
        return
    row.delete()
    _announce({row.date: _working(row.date, row.kind)}, {row.date: _working(row.date, None)})


@transaction.atomic(durable=True)
def calendar_year_mark_entered(*, year: int, actor, notice: str = "") -> CalendarYear:
    """Say that `year`'s schedule is complete (it may have no special day at all). Marking a
    year again keeps the first entry."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            _("The year must lie between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    entry, _created = CalendarYear.objects.get_or_create(
        year=year,
        defaults={
            "source": CalendarYear.Source.ENTERED,
            "notice": (notice or "").strip()[:NOTICE_MAX],
            "entered_at": timezone.now(),
            "entered_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    _announce({}, {})
    return entry


# --- CSV import ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedRow:
    line: int
    day: datetime.date
    kind: str
    name: str
    notice: str


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    years_marked: list[int]


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("The file is neither UTF-8 nor GBK text."), code="encoding")


def _parse_date(text: str) -> datetime.date | None:
    text = text.strip().replace("/", "-").replace(".", "-")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        parts = text.split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            try:
                return datetime.date(int(parts[0]), int(parts[1]), int(parts[2]))
            except ValueError:
                return None
    return None


def _is_header(cells: list[str]) -> bool:
    first = cells[0].strip().lower() if cells else ""
    return first in {"date", "日期"}


def calendar_csv_parse(*, raw: bytes) -> list[ImportedRow]:
    """The rows of a calendar file (columns: date, kind, name, notice; a header row is
    optional), or a ValidationError listing each bad row with its line number and reason."""
    if len(raw) > CSV_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(kb)s KB.") % {"kb": CSV_MAX_BYTES // 1024}, code="size"
        )
    text = _decode(raw)
    errors: list[str] = []
    rows: list[ImportedRow] = []
    seen: dict[datetime.date, int] = {}
    for line, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not any(cell.strip() for cell in cells):
            continue
        if line == 1 and _is_header(cells):
            continue
        if len(rows) + len(errors) >= CSV_MAX_ROWS:
            errors.append(_("More than %(n)s rows: split the file.") % {"n": CSV_MAX_ROWS})
            break
        reasons = []
        cells = [c.strip() for c in cells] + [""] * (4 - len(cells))
        if len(cells) > 4 and any(cells[4:]):
            reasons.append(_("more than four columns"))
        day = _parse_date(cells[0])
        if day is None:
            reasons.append(_("“%(value)s” is not a date (write 2027-02-06)") % {"value": cells[0]})
        elif not FIRST_YEAR <= day.year <= LAST_YEAR:
            reasons.append(
                _("the year must lie between %(first)s and %(last)s")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        elif day in seen:
            reasons.append(_("the date is also on line %(line)s") % {"line": seen[day]})
        kind = KIND_WORDS.get(cells[1].lower(), cells[1].lower())
        if kind not in DayKind.values:
            reasons.append(
                _("the kind “%(value)s” is neither holiday (休) nor workday (班)")
                % {"value": cells[1]}
            )
        if not cells[2]:
            reasons.append(_("the name is missing"))
        elif len(cells[2]) > NAME_MAX:
            reasons.append(_("the name is longer than %(n)s characters") % {"n": NAME_MAX})
        if len(cells[3]) > NOTICE_MAX:
            reasons.append(_("the notice is longer than %(n)s characters") % {"n": NOTICE_MAX})
        if reasons:
            errors.append(
                _("Line %(line)s: %(reasons)s.") % {"line": line, "reasons": "；".join(reasons)}
            )
            continue
        seen[day] = line
        rows.append(ImportedRow(line, day, kind, cells[2], cells[3]))
    if errors:
        raise ValidationError(errors, code="rows")
    if not rows:
        raise ValidationError(_("The file has no rows."), code="empty")
    return rows


@transaction.atomic(durable=True)
def calendar_import(*, raw: bytes, actor, mark_years_entered: bool) -> ImportResult:
    """Write the file's days (a date already in the calendar takes the file's kind, name and
    notice), and optionally mark the file's years as entered. A bad row refuses the whole file:
    nothing is written."""
    rows = calendar_csv_parse(raw=raw)
    existing = {
        s.date: s
        for s in SpecialDay.objects.select_for_update().filter(date__in=[r.day for r in rows])
    }
    before, after = {}, {}
    created = updated = 0
    for row in rows:
        old = existing.get(row.day)
        before[row.day] = _working(row.day, old.kind if old else None)
        after[row.day] = _working(row.day, row.kind)
        if old is None:
            _write_date(
                row.day,
                lambda row=row: SpecialDay.objects.create(
                    date=row.day, kind=row.kind, name=row.name, notice=row.notice
                ),
            )
            created += 1
        elif (old.kind, old.name, old.notice) != (row.kind, row.name, row.notice):
            old.kind, old.name, old.notice = row.kind, row.name, row.notice
            old.save(update_fields=["kind", "name", "notice", "updated_at"])
            updated += 1
    years = sorted({row.day.year for row in rows}) if mark_years_entered else []
    for year in years:
        notices = [r.notice for r in rows if r.day.year == year and r.notice]
        CalendarYear.objects.get_or_create(
            year=year,
            defaults={
                "source": CalendarYear.Source.ENTERED,
                "notice": notices[0] if notices else "",
                "entered_at": timezone.now(),
                "entered_by": actor if getattr(actor, "is_authenticated", False) else None,
            },
        )
    _announce(before, after)
    return ImportResult(created=created, updated=updated, years_marked=years)


# --- From the chinesecalendar package -------------------------------------------------------

# The package names holidays in English; the calendar keeps the names the notices use.
PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def package_years() -> range:
    import chinese_calendar

    first = min(chinese_calendar.holidays).year
    last = max(chinese_calendar.holidays).year
    return range(first, last + 1)


def calendar_fill_from_package() -> list[int]:
    """Enter every year the chinesecalendar package knows and the calendar does not have yet
    (no `CalendarYear` row): its holidays with their names and its make-up working days.
    A year already entered, by the package or by hand, is left as it is, so a re-run changes
    nothing and a town's corrections stay. Returns the years entered.

    The first fill (an empty calendar: the install that brings this table, or a test database
    just flushed) announces no change of working days: until then deadlines were counted with
    this same package. A later fill (a package upgrade knowing a new year nobody entered)
    does: those days were counted Monday to Friday, and open deadlines move."""
    with transaction.atomic(durable=not transaction.get_connection().in_atomic_block):
        return _fill_from_package()


def _fill_from_package() -> list[int]:
    import chinese_calendar

    version = getattr(chinese_calendar, "__version__", "")
    source = f"chinesecalendar {version}".strip()
    entered = set(CalendarYear.objects.values_list("year", flat=True))
    first_fill = not entered and not SpecialDay.objects.exists()
    years = [y for y in package_years() if y not in entered]
    if not years:
        return []
    taken = set(SpecialDay.objects.filter(date__year__in=years).values_list("date", flat=True))
    new_days = [
        SpecialDay(date=day, kind=kind, name=PACKAGE_NAMES.get(label, label), notice=source)
        for table, kind in (
            (chinese_calendar.holidays, DayKind.HOLIDAY),
            (chinese_calendar.workdays, DayKind.WORKDAY),
        )
        for day, label in table.items()
        if day.year in years and day not in taken
    ]
    now = timezone.now()
    with pghistory.context(source="chinesecalendar"):
        SpecialDay.objects.bulk_create(new_days, ignore_conflicts=True)
        CalendarYear.objects.bulk_create(
            [
                CalendarYear(year=y, source=CalendarYear.Source.PACKAGE, notice=source,
                             entered_at=now)
                for y in years
            ],
            ignore_conflicts=True,
        )  # fmt: skip
    if first_fill:
        _announce({}, {})
    else:
        _announce(
            {d.date: d.date.weekday() < 5 for d in new_days},
            {d.date: _working(d.date, d.kind) for d in new_days},
        )
    return years
