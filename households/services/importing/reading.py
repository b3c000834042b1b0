"""Reading an uploaded file as rows: XLSX (guarded against zip bombs) or CSV in UTF-8, UTF-8
with BOM, GBK/GB18030 or UTF-16, told apart by content rather than by name; and finding the
columns by their titles."""

import csv
import datetime
import io
import posixpath
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from defusedxml.ElementTree import fromstring, iterparse
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .columns import COLUMNS, KEY_FIELD, NOTES_SHEET, SHEET_TITLES, Column, Kind, norm_header

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# A real workbook of MAX_FILE_BYTES unpacks to a few hundred MB of XML at most, in a few dozen
# entries; a zip bomb claims far more, or packs far tighter than XML does.
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
MAX_PACKING_RATIO = 200


Fraction = Callable[[], float]


class FileProblem(ValidationError):
    """The file cannot be read as a whole (size, format, encoding, columns): nothing is checked
    row by row, and the message says what to do."""


@dataclass
class Table:
    columns: dict[str, int]  # field -> position in each row
    headers: dict[str, str]  # field -> header as written in the file
    rows: Iterator[tuple[int, tuple]]  # (row number as Excel shows it, cells)
    read_share: Fraction  # how much of the file the rows read so far took, 0 to 1
    date1904: bool = False  # the workbook counts its day numbers from 1904
    unused: tuple[str, ...] = ()  # titles of the columns the import does not read
    width: int = 0  # how many columns the title row spans (to its last title)


def read_table(data: bytes, *, kind: str) -> Table:
    """Open an XLSX or CSV (told apart by content, not by name) and find its columns; raise
    FileProblem when that fails. The rows are read lazily."""
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(too_big_message())
    if not data.strip():
        raise FileProblem(_("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        rows, share, date1904 = _xlsx_rows(data, kind=kind)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileProblem(
            _(
                "This is an old-style .xls workbook or a password-protected one. In Excel, save it as an unprotected .xlsx workbook or as CSV."
            )
        )
    else:
        rows, share = _csv_rows(data)
        date1904 = False
    table = _find_columns(rows, kind=kind, share=share)
    table.date1904 = date1904
    return table


def too_big_message() -> str:
    return _("The file is larger than %(limit)d MB. Split it into several files.") % {
        "limit": MAX_FILE_BYTES // (1024 * 1024)
    }


def _xlsx_rows(data: bytes, *, kind: str) -> tuple[Iterator[tuple[int, tuple]], Fraction, bool]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileProblem(
            _("The file is not a readable XLSX workbook: its zip container is damaged.")
        ) from None
    names = {entry.filename for entry in entries}
    unpacked = sum(entry.file_size for entry in entries)
    packed_tight = any(
        entry.file_size > 1024 * 1024
        and entry.file_size > MAX_PACKING_RATIO * max(entry.compress_size, 1)
        for entry in entries
    )
    # zipfile never unpacks more than an entry's declared size, so bounding the declared
    # sizes bounds what reading can cost.
    if len(entries) > MAX_ZIP_ENTRIES or unpacked > MAX_UNZIPPED_BYTES or packed_tight:
        raise FileProblem(
            _(
                "The workbook would unpack to far more data than a spreadsheet holds (a “zip bomb”); it was not opened."
            )
        )
    if "xl/workbook.xml" not in names:
        raise FileProblem(_("The file is a zip archive but not an Excel workbook (.xlsx)."))
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise FileProblem(_("The workbook is encrypted. Save it without a password."))
    try:
        sheets, date1904 = _sheets(archive)
        strings = _shared_strings(archive)
    except Exception:
        # A damaged or hostile workbook raises many kinds (KeyError, ValueError, XML and
        # defusedxml errors); to the clerk they all mean the same.
        raise FileProblem(
            _("The workbook could not be read: it is damaged or not an Excel workbook.")
        ) from None
    titled = [path for title, path in sheets if title.strip() == SHEET_TITLES[kind]]
    others = [path for title, path in sheets if title.strip() != NOTES_SHEET]
    if not (titled or others):
        raise FileProblem(_("The workbook has no worksheet."))
    path = (titled or others)[0]
    size = archive.getinfo(path).file_size
    stream = _Counting(archive.open(path))

    def rows() -> Iterator[tuple[int, tuple]]:
        number = 0
        try:
            for number, cells in _sheet_rows(stream, strings, date1904):  # noqa: B007
                yield number, cells
        except Exception:
            raise FileProblem(
                _("The workbook could not be read past row %(row)d: it is damaged.")
                % {"row": number}
            ) from None

    return rows(), lambda: stream.count / size if size else 1.0, date1904


# --- The workbook's XML -----------------------------------------------------------------------
# Read with the standard library's expat through defusedxml (no entity expansion), rather than
# with openpyxl: on a 60,000-row sheet openpyxl's read-only mode took 2.8 times as long, plus one
# more pass over the whole sheet when it has no <dimension> record (openpyxl's own write-only
# files have none), and the import only needs each cell's value.


class _Counting:
    """A file wrapper counting the bytes read, for the progress bar."""

    def __init__(self, raw):
        self.raw, self.count = raw, 0

    def read(self, size=-1):
        chunk = self.raw.read(size)
        self.count += len(chunk)
        return chunk


def _local(tag: str) -> str:
    """The element name without its namespace (transitional and strict OOXML alike)."""
    return tag[tag.rfind("}") + 1 :]


def _attribute(element, name: str):
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


def _sheets(archive: zipfile.ZipFile) -> tuple[list[tuple[str, str]], bool]:
    """(title, path in the archive) of each worksheet in tab order, and whether the workbook
    counts dates from 1904."""
    book = fromstring(archive.read("xl/workbook.xml"))
    relations = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in relations}
    date1904 = any(
        _local(el.tag) == "workbookPr" and el.get("date1904") in ("1", "true") for el in book.iter()
    )
    sheets = []
    for element in book.iter():
        if _local(element.tag) != "sheet":
            continue
        target = targets.get(_attribute(element, "id"), "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
        if "worksheets/" in path and path in archive.NameToInfo:
            sheets.append((element.get("name", ""), path))
    return sheets, date1904


def _text_of(element) -> str:
    """A string item's text: its <t>, or its rich-text runs' <t>s (not phonetic hints)."""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    path = next((n for n in archive.NameToInfo if n.lower() == "xl/sharedstrings.xml"), None)
    if path is None:
        return []
    strings = []
    for _event, element in iterparse(archive.open(path), events=("end",)):
        if _local(element.tag) == "si":
            strings.append(_text_of(element))
            element.clear()
    return strings


def _column(reference: str) -> int:
    index = 0
    for char in reference:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
    return index - 1


def _sheet_rows(stream, strings: list[str], date1904: bool) -> Iterator[tuple[int, tuple]]:
    """(row number, cell values) of each row: text, int or float, bool, or a datetime for an
    ISO date cell. Numbers stay numbers (a date column turns Excel's day count into a date)."""
    number = 0
    for _event, element in iterparse(stream, events=("end",)):
        if _local(element.tag) != "row":
            continue
        number = int(element.get("r") or number + 1)
        cells: list = []
        for cell in element:
            if _local(cell.tag) != "c":
                continue
            reference = cell.get("r")
            index = _column(reference) if reference else len(cells)
            kind = cell.get("t", "n")
            value = None
            if kind == "inlineStr":
                value = "".join(_text_of(child) for child in cell if _local(child.tag) == "is")
            else:
                raw = next((child.text for child in cell if _local(child.tag) == "v"), None)
                if raw is None:
                    value = None
                elif kind == "s":
                    value = strings[int(raw)]
                elif kind == "n":
                    value = float(raw) if any(c in raw for c in ".eE") else int(raw)
                elif kind == "b":
                    value = raw.strip() == "1"
                elif kind == "d":
                    value = datetime.datetime.fromisoformat(raw)
                else:  # "str" (a formula's text) and "e" (an error such as #N/A)
                    value = raw
            cells.extend([None] * (index - len(cells)))
            if index < len(cells):
                cells[index] = value
            else:
                cells.append(value)
        element.clear()
        yield number, tuple(cells)


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        # GBK is a subset of GB18030, which is what Chinese Excel writes as "CSV".
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise FileProblem(
        _(
            "The file is neither an XLSX workbook nor CSV text in UTF-8 or GBK/GB18030. In Excel, save it as .xlsx or as “CSV UTF-8”."
        )
    )


def _csv_rows(data: bytes) -> tuple[Iterator[tuple[int, tuple]], Fraction]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    records = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for number, record in enumerate(reader, start=1):
            records.append((number, tuple(record)))
            if number > MAX_ROWS + 20:
                break
    except csv.Error as exc:
        raise FileProblem(
            _(
                "The CSV file is malformed at row %(row)d (%(detail)s). Open and save it again in Excel."
            )
            % {"row": len(records) + 1, "detail": exc}
        ) from None
    taken = [0]

    def rows() -> Iterator[tuple[int, tuple]]:
        for taken[0], record in enumerate(records, start=1):  # noqa: B007
            yield record

    return rows(), lambda: taken[0] / len(records) if records else 1.0


def _find_columns(rows: Iterator[tuple[int, tuple]], *, kind: str, share: Fraction) -> Table:
    by_name: dict[str, Column] = {}
    for column in COLUMNS[kind]:
        for name in (column.header, *column.aliases):
            by_name[norm_header(name)] = column
    # The titles are on the first row, or below a few title rows: the first row naming the
    # key column. Without one, the first non-empty row is reported as the header.
    key_column = next(c for c in COLUMNS[kind] if c.field == KEY_FIELD[kind])
    first = found = None
    for seen, (number, cells) in enumerate(rows):  # noqa: B007
        if not any(norm_header(c) for c in cells):
            continue
        first = first or (number, cells)
        if any(by_name.get(norm_header(c)) is key_column for c in cells):
            found = (number, cells)
            break
        if seen >= 10:
            break
    if first is None:
        raise FileProblem(_("The file has no rows."))
    number, cells = found or first
    found = [(i, by_name.get(norm_header(c)), c) for i, c in enumerate(cells)]
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    unused: list[str] = []
    for index, column, raw in found:
        if column is None:
            if norm_header(raw):
                unused.append(str(raw).strip())
            continue
        if column.field in columns:
            raise FileProblem(
                _("Two columns are both “%(header)s” (row %(row)d). Keep one.")
                % {"header": column.header, "row": number}
            )
        columns[column.field] = index
        headers[column.field] = str(raw).strip()
    missing = [c.header for c in COLUMNS[kind] if c.required and c.field not in columns]
    if missing:
        raise FileProblem(
            _(
                "Columns missing: %(columns)s. Row %(row)d should hold the column titles as in the template for %(kind)s."
            )
            % {"columns": "、".join(missing), "row": number, "kind": Kind(kind).label}
        )
    return Table(
        columns=columns, headers=headers, rows=rows, read_share=share, unused=tuple(unused),
        width=max(i for i, _column, raw in found if norm_header(raw)) + 1,
    )  # fmt: skip
