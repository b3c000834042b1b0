"""Exports of the register and the import templates, as XLSX in the import's own format (the
same Chinese column titles and labels), so that an export, corrected, imports back.

Who may export, decided here: roles that may both view residents and export lists
(Capability.VIEW_RESIDENTS and Capability.EXPORT_AREAS: the town administrator, the command
centre, village clerks and grid leaders), each only the rows of their own area. ID numbers
and phone numbers are masked unless the role the row is seen through may see them in full
(REVEAL_ID_NUMBER, REVEAL_PHONE); every full number exported is logged as a reveal, like one
seen on a page.
"""

import datetime
import io
import re
import tempfile
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from xml.sax.saxutils import escape

from django.db import connection, transaction
from django.db.models import Case, Exists, OuterRef, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from huaisi.access import grants_for, user_can, visible_to
from huaisi.privacy import mask_id_number, mask_phone
from huaisi.roles import CAPABILITIES, Capability

from ..models import House, Household, Resident, RevealLog
from .importing import COLUMNS, LABELS, NOTES_SHEET, SHEET_TITLES, Kind, label_of

EXPORT_CAPABILITIES = (Capability.VIEW_RESIDENTS, Capability.EXPORT_AREAS)
CHUNK = 2000
WIDTHS = {"address": 28, "house": 28, "id_number": 22, "microgrid": 12, "care_tags": 20}


def user_may_export(user) -> bool:
    return all(user_can(user, capability) for capability in EXPORT_CAPABILITIES)


def exportable(user, queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` the user may export."""
    for capability in EXPORT_CAPABILITIES:
        queryset = visible_to(user, queryset, capability=capability)
    return queryset


def _reveals(user, capability: str):
    """Whether each exported resident's number shows in full: a constant when the answer is
    the same for every row (one role, or none that may see it), else per row."""
    if user.is_superuser:
        return Value(True)
    revealing = CAPABILITIES[capability]
    exporting = set.intersection(*(set(CAPABILITIES[c]) for c in EXPORT_CAPABILITIES))
    kinds = {grant.kind for grant in grants_for(user) if grant.kind in exporting}
    if kinds <= revealing:
        return Value(True)
    if not kinds & revealing:
        return Value(False)
    return Exists(
        visible_to(user, Resident.objects.filter(pk=OuterRef("pk")), capability=capability)
    )


def _house_rows(user):
    houses = exportable(user, House.objects.all()).order_by("village__code", "address", "pk")
    values = houses.values_list(
        "village__name",
        "microgrid__code",
        "address",
        "structure",
        "floors",
        "floor_area",
        "use",
        "lat",
        "lng",
    )
    for village, micro, address, structure, floors, area, use, lat, lng in values.iterator(
        chunk_size=CHUNK
    ):
        yield [
            village,
            micro,
            address,
            label_of("structure", structure),
            floors,
            area,
            label_of("use", use),
            lat,
            lng,
        ]


def _household_rows(user):
    households = exportable(user, Household.objects.all()).order_by("number")
    values = households.values_list("number", "microgrid__code", "house__address", "pact_signed_on")
    for number, micro, address, signed in values.iterator(chunk_size=CHUNK):
        yield [number, micro, address or "", signed]


def _resident_queryset(user) -> QuerySet:
    return exportable(user, Resident.objects.all()).annotate(
        full_id=_reveals(user, Capability.REVEAL_ID_NUMBER),
        full_phone=_reveals(user, Capability.REVEAL_PHONE),
    )


def _resident_rows(user):
    head_first = Case(When(relation=Resident.Relation.HEAD, then=0), default=1)
    residents = _resident_queryset(user).order_by(
        "household__number", head_first, "birth_date", "pk"
    )
    values = residents.values_list(
        "household__number", "name", "gender", "id_number", "birth_date", "phone", "relation",
        "residence_type", "care_tags", "moved_out", "deceased", "full_id", "full_phone",
    )  # fmt: skip
    for row in values.iterator(chunk_size=CHUNK):
        (
            number,
            name,
            gender,
            id_number,
            birth,
            phone,
            relation,
            residence,
            tags,
            moved,
            dead,
            full_id,
            full_phone,
        ) = row
        yield [
            number, name, label_of("gender", gender), id_number if full_id else mask_id_number(id_number), birth,
            phone if full_phone else mask_phone(phone), label_of("relation", relation),
            label_of("residence_type", residence), "、".join(label_of("care_tags", t) for t in tags),
            "是" if moved else "否", "是" if dead else "否",
        ]  # fmt: skip


ROWS = {Kind.HOUSES: _house_rows, Kind.HOUSEHOLDS: _household_rows, Kind.RESIDENTS: _resident_rows}


@transaction.atomic(durable=True)
def export_record_reveals(*, user, path: str) -> int:
    """Log one reveal per resident and field shown in full in a residents export (set-based:
    one INSERT … SELECT per field). Returns the number of entries."""
    residents = _resident_queryset(user)
    logged = 0
    for field, flag, present in (
        (RevealLog.Field.ID_NUMBER, "full_id", {"id_number__isnull": False}),
        (RevealLog.Field.PHONE, "full_phone", {"phone__gt": ""}),
    ):
        shown = residents.filter(**{flag: True}, **present).values("pk")
        sql, params = shown.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {RevealLog._meta.db_table} (user_id, resident_id, field, revealed_at, path) "  # noqa: S608
                f"SELECT %s, shown.resident_id, %s, %s, %s FROM ({sql}) AS shown (resident_id)",
                [user.pk, field, timezone.now(), path[:200], *params],
            )
            logged += cursor.rowcount
    return logged


def _header_row(kind: str) -> list[str]:
    return [column.header for column in COLUMNS[kind]]


def _width(column) -> int:
    return WIDTHS.get(column.field, max(10, len(column.header) * 2 + 2))


def _set_widths(sheet, kind: str) -> None:
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(COLUMNS[kind], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(column)


def export_workbook(*, user, kind: str):
    """The rows of KIND the user may export, as an XLSX in a temporary file, written row by row
    (60,000 residents never sit in memory at once). The caller streams and closes it."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the response streams and closes it
    write_sheet(
        handle,
        title=SHEET_TITLES[kind],
        header=_header_row(kind),
        rows=ROWS[kind](user),
        widths=[_width(column) for column in COLUMNS[kind]],
    )
    handle.seek(0)
    return handle


# --- A streaming XLSX writer ------------------------------------------------------------------
# One sheet of plain values, written straight into the zip entry. openpyxl's write-only mode
# does the same but serialises each cell through its XML library: 25 µs a cell without lxml,
# 17 s for a town's 60,000 residents, inside a request. This writes them in a tenth of that.
# (The templates, small and styled, are still written with openpyxl.)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PACKAGE_REL}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PACKAGE_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    ),
    # Styles: 0 plain, 1 a date (yyyy-mm-dd), 2 bold (the titles).
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
        'formatCode="yyyy-mm-dd"/></numFmts><fonts count="2"><font><sz val="11"/></font>'
        '<font><b/><sz val="11"/></font></fonts><fills count="2"><fill><patternFill '
        'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
        'xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" '
        'applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
        'builtinId="0"/></cellStyles></styleSheet>'
    ),
}
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(reference: str, value, style: int = 0) -> str:
    """One cell's XML: text inline, numbers and booleans as values, dates as Excel's day
    number in the date style."""
    if value is None or value == "":
        return ""
    styled = f' s="{style}"' if style else ""
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return f'<c r="{reference}" s="1"><v>{(value - _EXCEL_EPOCH).days}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f'<c r="{reference}"{styled}><v>{value}</v></c>'
    text = escape(_NOT_XML.sub("", str(value)))
    return (
        f'<c r="{reference}" t="inlineStr"{styled}><is><t xml:space="preserve">{text}</t></is></c>'
    )


def write_sheet(
    handle, *, title: str, header: list[str], rows: Iterable[list], widths: list[int]
) -> None:
    """An XLSX of one sheet, TITLE, with a bold HEADER row frozen above ROWS."""
    letters = [_letters(index) for index in range(len(header))]
    columns = "".join(
        f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
        for i, width in enumerate(widths, start=1)
    )
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets><sheet name="{escape(title)}" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                f"</sheetView></sheetViews><cols>{columns}</cols><sheetData>".encode()
            )
            buffer = [
                '<row r="1">',
                *(_cell(f"{c}1", v, 2) for c, v in zip(letters, header, strict=True)),
                "</row>",
            ]
            for number, row in enumerate(rows, start=2):
                buffer.append(f'<row r="{number}">')
                buffer.extend(_cell(f"{c}{number}", v) for c, v in zip(letters, row, strict=False))
                buffer.append("</row>")
                if len(buffer) > 20_000:
                    sheet.write("".join(buffer).encode())
                    buffer.clear()
            buffer.append("</sheetData></worksheet>")
            sheet.write("".join(buffer).encode())


def template_workbook(*, kind: str) -> bytes:
    """The import template of KIND: the column titles, one example row and a notes sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLES[kind]
    columns = COLUMNS[kind]
    sheet.append([column.header for column in columns])
    sheet.append([column.example for column in columns])
    bold, required_fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(columns, start=1):
        title = sheet.cell(row=1, column=index)
        title.font = bold
        if column.required:
            title.fill = required_fill
        example = sheet.cell(row=2, column=index)
        if column.field == "id_number" or column.field in {
            "number",
            "household",
            "phone",
            "microgrid",
        }:
            # Text, so Excel keeps all 18 digits and leading zeros.
            example.number_format = "@"
            sheet.column_dimensions[title.column_letter].number_format = "@"
        elif hasattr(column.example, "year"):
            example.number_format = "yyyy-mm-dd"
    _set_widths(sheet, kind)
    sheet.freeze_panes = "A2"

    notes = book.create_sheet(NOTES_SHEET)
    notes.append([_("Column"), _("Required"), _("Notes"), _("Accepted values")])
    for cell in notes[1]:
        cell.font = bold
    for column in columns:
        accepted = (
            "、".join(labels[0] for labels in LABELS[column.field].values())
            if column.field in LABELS
            else ""
        )
        notes.append(
            [column.header, _("yes") if column.required else "", str(column.note), accepted]
        )
    notes.append([])
    for line in (
        _("Row 1 holds the column titles; row 2 is an example: replace it with your own rows."),
        _("One row each. Columns with a yellow title must be filled; the others may stay empty."),
        _(
            "A row whose key already is in the register updates it; importing the same file twice changes nothing."
        ),
        _("Import houses first, then households, then residents."),
    ):
        notes.append([line])
    for letter, width in zip("ABCD", (14, 8, 60, 50), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_file_name(kind: str) -> str:
    return f"{SHEET_TITLES[kind]}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
