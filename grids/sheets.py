"""Reading the small sheets a town moves in with (staff, areas): XLSX or CSV in UTF-8, UTF-8
with BOM, GBK/GB18030, told apart by content. Each row comes back as {column: text} with the
row number a spreadsheet shows, so every refusal can name its row.

The register's importer (households) reads sheets of 200,000 rows with a streaming parser;
these sheets hold hundreds of rows, so openpyxl reads them whole, behind a size and zip-bomb
guard.
"""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_SHEET_BYTES = 2 * 1024 * 1024
MAX_SHEET_ROWS = 5000
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_PACKING_RATIO = 200


@dataclass(frozen=True)
class SheetRow:
    number: int  # as the spreadsheet shows it (the title row is 1)
    cells: dict[str, str]  # column title -> text, stripped

    def get(self, *titles: str) -> str:
        """The first non-empty cell among the column titles given (a column may go by
        several names: 姓名 or 名字)."""
        for title in titles:
            value = self.cells.get(title, "")
            if value:
                return value
        return ""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time() else value
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        _("The file is neither UTF-8 nor GBK text. Save it from Excel as CSV or as .xlsx.")
    )


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        raise ValidationError(_("The file is not a readable .xlsx workbook.")) from None
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if unpacked > MAX_UNZIPPED_BYTES or unpacked / packed > MAX_PACKING_RATIO:
        raise ValidationError(_("The workbook unpacks to far more than a sheet of this kind."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_SHEET_ROWS + 1:
                break
        workbook.close()
    except (KeyError, ValueError, OSError, IndexError, zipfile.BadZipFile):
        raise ValidationError(_("The file is not a readable .xlsx workbook.")) from None
    return rows


def read_sheet(data: bytes, *, required: dict[str, tuple[str, ...]]) -> list[SheetRow]:
    """The rows of the first sheet (or the CSV), keyed by column title. `required` maps each
    column that must be there to the titles it may go by; a missing one refuses the whole
    file with the titles expected. Empty rows are skipped."""
    if len(data) > MAX_SHEET_BYTES:
        raise ValidationError(
            _("The file is larger than 2 MB; a sheet of this kind is far smaller.")
        )
    if not data.strip():
        raise ValidationError(_("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        raw = _xlsx_rows(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ValidationError(
            _("This is an old-style .xls workbook. In Excel, save it as .xlsx or as CSV.")
        )
    else:
        raw = list(csv.reader(io.StringIO(_decode(data))))
    if not raw:
        raise ValidationError(_("The file is empty."))
    if len(raw) > MAX_SHEET_ROWS + 1:
        raise ValidationError(
            _("The file has more than %(count)s rows; split it.") % {"count": MAX_SHEET_ROWS}
        )
    titles = [_text(cell) for cell in raw[0]]
    missing = [names[0] for names in required.values() if not any(name in titles for name in names)]
    if missing:
        raise ValidationError(
            _("The first row must name the columns; missing: %(columns)s.")
            % {"columns": "、".join(missing)}
        )
    rows = []
    for number, cells in enumerate(raw[1:], start=2):
        texts = [_text(cell) for cell in cells]
        if not any(texts):
            continue
        rows.append(
            SheetRow(number=number, cells={t: v for t, v in zip(titles, texts, strict=False) if t})
        )
    if not rows:
        raise ValidationError(_("The file has a title row but no rows under it."))
    return rows


def parse_sheet_date(text: str) -> datetime.date | None:
    """A date as people type it in a sheet: 2026-03-01, 2026/3/1, 2026.3.1 or 2026年3月1日."""
    cleaned = (
        text.replace("年", "-")
        .replace("月", "-")
        .replace("日", "")
        .replace("/", "-")
        .replace(".", "-")
    )
    try:
        year, month, day = (int(part) for part in cleaned.split("-"))
        return datetime.date(year, month, day)
    except ValueError:
        return None
