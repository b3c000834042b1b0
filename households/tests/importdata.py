"""Spreadsheets for the import tests: rows as a clerk types them, written as CSV in a given
encoding or as XLSX, and the register's state to compare before and after."""

import datetime
import io

from openpyxl import Workbook

from households.models import House, Household, Resident
from households.services.importing import COLUMNS, SHEET_TITLES
from households.tests.factories import id_number_for

HOUSE_HEADERS = [c.header for c in COLUMNS["houses"]]
HOUSEHOLD_HEADERS = [c.header for c in COLUMNS["households"]]
RESIDENT_HEADERS = [c.header for c in COLUMNS["residents"]]


def person_id(year: int, gender: str, sequence: int) -> str:
    return id_number_for(datetime.date(year, 3, 1 + sequence % 27), gender, sequence=sequence)


def resident_row(
    number: str, name: str, *, year: int, gender: str = "M", sequence: int = 1,
    relation: str = "户主", phone: str = "17012345678", tags: str = "", id_number: str | None = None,
    birth: str | None = None,
) -> list:  # fmt: skip
    id_number = id_number or person_id(year, gender, sequence)
    birth = birth if birth is not None else f"{year}-03-{1 + sequence % 27:02d}"
    sex = {"M": "男", "F": "女"}[gender]
    return [number, name, sex, id_number, birth, phone, relation, "户籍", tags, "否", "否"]


def family(number: str, surname: str, *, start: int, year: int = 1970) -> list[list]:
    """A head, a spouse and a child, with ID numbers from sequence START on."""
    return [
        resident_row(number, f"{surname}建国", year=year, gender="M", sequence=start),
        resident_row(number, f"李{surname}芳", year=year + 2, gender="F", sequence=start + 1, relation="配偶"),
        resident_row(number, f"{surname}小明", year=year + 28, gender="M", sequence=start + 2, relation="子女", phone="", tags="留守儿童"),
    ]  # fmt: skip


def csv_bytes(headers: list[str], rows: list[list], *, encoding: str = "utf-8") -> bytes:
    import csv

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(headers: list[str], rows: list[list], *, title: str = "人口") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def houses_xlsx(rows: list[list]) -> bytes:
    return xlsx_bytes(HOUSE_HEADERS, rows, title=SHEET_TITLES["houses"])


def register_state() -> dict:
    """Everything an import could change, to assert that a refused file changed nothing."""
    return {
        "houses": sorted(House.objects.values_list("village_id", "address", "microgrid_id", "floors", "updated_at")),
        "households": sorted(Household.objects.values_list("number", "microgrid_id", "house_id", "pact_signed_on", "updated_at")),
        "residents": sorted(Resident.objects.values_list("id_number", "household_id", "name", "phone", "relation", "updated_at")),
    }  # fmt: skip
