"""The monthly town report as a PDF: the printable page's figures, laid out with fpdf2.

The font (`settings.REPORT_FONT_PATH`, Debian's Noto Sans CJK by default) is embedded as a
subset, only the glyphs the report uses, so the file shows its Chinese on any reader, printer
or archive without fonts of its own, and stays small (tens of kilobytes). Labels come in the
reader's language, as on the page; the names in the figures (town, villages, units) are as
they were when the report was frozen.
"""

import functools
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from fontTools.ttLib import TTCollection, TTLibError
from fpdf import FPDF
from fpdf.enums import TableCellFillMode
from fpdf.fonts import FontFace

FONT = "report"
INK = (33, 37, 41)
MUTED = (100, 108, 118)
RULE = (31, 79, 140)
HEAD_FILL = (226, 234, 244)
STRIPE = (246, 248, 251)
DASH = "–"


class ReportFontMissing(Exception):
    """The font set in REPORT_FONT_PATH is absent or not a font fpdf2 can embed."""


@functools.lru_cache(maxsize=4)
def _face_index(path: str) -> int:
    """Which face of a font collection to use: the Simplified Chinese one (Noto's "… CJK SC"),
    else the first. A single font has one face, 0."""
    if Path(path).suffix.lower() not in (".ttc", ".otc"):
        return 0
    for index, font in enumerate(TTCollection(path, lazy=True).fonts):
        if (font["name"].getDebugName(1) or "").endswith(" SC"):
            return index
    return 0


class _Report(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.footer_text}    {self.page_no()}/{{nb}}", align="C")


def _rate(value) -> str:
    return DASH if value is None else f"{value:g}"


def _open(*, title: str, font_path: str) -> _Report:
    path = str(font_path)
    if not Path(path).is_file():
        raise ReportFontMissing(path)
    pdf = _Report(orientation="portrait", unit="mm", format="A4")
    try:
        pdf.add_font(FONT, fname=path, collection_font_number=_face_index(path))
    except (OSError, ValueError, TTLibError) as exc:
        raise ReportFontMissing(path) from exc
    pdf.footer_text = title
    pdf.set_title(title)
    pdf.set_creator("Huaisi")
    pdf.set_lang("zh-CN")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    return pdf


def _heading(pdf: _Report, text: str) -> None:
    # Keep a heading with the first lines of its table.
    if pdf.will_page_break(30):
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font(FONT, size=13)
    pdf.set_text_color(*RULE)
    pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2.5)
    pdf.set_text_color(*INK)


def _paragraph(pdf: _Report, text: str) -> None:
    pdf.set_font(FONT, size=10.5)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def _table(pdf: _Report, rows: list[list[str]], *, widths, align, headings=None) -> None:
    """A table with numbers right-aligned; `headings`, if any, repeat on each page."""
    pdf.set_font(FONT, size=10)
    pdf.set_draw_color(200, 206, 214)
    pdf.set_line_width(0.2)
    with pdf.table(
        col_widths=widths,
        text_align=align,
        first_row_as_headings=headings is not None,
        headings_style=FontFace(emphasis="", fill_color=HEAD_FILL, color=INK),
        cell_fill_color=STRIPE,
        cell_fill_mode=TableCellFillMode.ROWS,
        line_height=6.5,
        padding=(1, 2),
        repeat_headings=1,
    ) as table:
        for row in ([headings] if headings else []) + rows:
            line = table.row()
            for value in row:
                line.cell(str(value))


def town_report_pdf(*, report, figures: dict, labels: dict, font_path) -> bytes:
    """The report of `report`'s month as PDF bytes. `figures` is `report.figures`; `labels`
    the label rows the page shows (states, wishes, projects, tags). Raises
    ReportFontMissing when the font cannot be used."""
    f = figures
    title = _("%(name)s monthly report %(month)s") % {
        "name": f["area"]["name"],
        "month": f["month"],
    }
    pdf = _open(title=title, font_path=font_path)

    pdf.set_font(FONT, size=19)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(*MUTED)
    generated = timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")
    pdf.multi_cell(0, 5, f"{_('Generated')} {generated}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)

    _heading(pdf, f"{_('Work orders received')}: {f['orders_received']}")
    if labels["states"]:
        _table(
            pdf,
            [[r["label"], r["count"]] for r in labels["states"]],
            widths=(120, 54),
            align=("LEFT", "RIGHT"),
        )

    _heading(pdf, _("Handling units"))
    if f["units"]:
        _table(
            pdf,
            [
                [
                    u["rank"] or DASH,
                    u["unit"],
                    u["orders"],
                    _rate(u["accept_rate"]),
                    _rate(u["reply_rate"]),
                    _rate(u["satisfaction_rate"]),
                    # Reports published before the column existed have none.
                    _rate(u.get("overall")),
                ]
                for u in f["units"]
            ],
            headings=[
                _("Rank"),
                _("Unit"),
                _("Orders"),
                _("Accepted on time %"),
                _("Replied on time %"),
                _("Satisfaction %"),
                _("Overall"),
            ],
            widths=(12, 54, 18, 25, 25, 22, 18),
            align=("CENTER", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        )
        pdf.ln(1.5)
        _paragraph(
            pdf,
            _(
                "Ranked by the overall score: the mean of the on-time acceptance and reply "
                "rates, the standardisation score, the satisfaction rate and 100 minus the "
                "re-handling rate, each where the month has one."
            ),
        )
    else:
        _paragraph(pdf, _("No orders dispatched in the month."))

    hotspots = labels.get("hotspots")
    if hotspots is not None:  # reports generated before the section existed have none
        _heading(pdf, f"{_('Acting before the complaint')}: {hotspots['count']} {_('hotspots')}")
        if hotspots["top"]:
            _table(
                pdf,
                [
                    [h["count"], h["what"], h["village"] or DASH, h["place"] or DASH, h["outcome"]]
                    for h in hotspots["top"]
                ],
                headings=[
                    _("Reports"),
                    _("Category"),
                    _("Village"),
                    _("Place"),
                    _("Proactive order"),
                ],
                widths=(16, 30, 26, 42, 60),
                align=("RIGHT", "LEFT", "LEFT", "LEFT", "LEFT"),
            )
        else:
            _paragraph(pdf, _("No hotspot in the month."))
        if hotspots["rising"]:
            _table(
                pdf,
                [
                    [r["village"], r["category"], r["count"], r["previous_mean"]]
                    for r in hotspots["rising"]
                ],
                headings=[
                    _("Village"),
                    _("Rising issues"),
                    _("Orders in the month"),
                    _("Monthly mean before"),
                ],
                widths=(44, 50, 40, 40),
                align=("LEFT", "LEFT", "RIGHT", "RIGHT"),
            )
        else:
            _paragraph(pdf, _("No rising issue in the month."))
        _paragraph(
            pdf,
            f"{_('Repeat callers (3 or more orders in 90 days)')}: {hotspots['repeat_callers']}",
        )

    _heading(pdf, f"{_('Points approved in the month')}: {f['points']['points']}")
    _table(
        pdf,
        [[v["name"], v["entries"], v["points"]] for v in f["points"]["by_village"]],
        headings=[_("Village"), _("Entries"), _("Points")],
        widths=(94, 40, 40),
        align=("LEFT", "RIGHT", "RIGHT"),
    )

    _heading(pdf, _("Volunteer service in the month"))
    volunteers = f["volunteers"]
    _paragraph(
        pdf,
        _("%(hours)s hours by %(people)s volunteers in %(activities)s activities")
        % {
            "hours": f"{volunteers['hours']:g}",
            "people": volunteers["volunteers"],
            "activities": volunteers["activities"],
        },
    )

    _heading(pdf, _("Micro-wishes, livelihood projects and care"))
    rows = [[f"{_('Micro-wishes')} · {r['label']}", r["count"]] for r in labels["wishes"]]
    rows += [[f"{_('Livelihood projects')} · {r['label']}", r["count"]] for r in labels["projects"]]
    rows += [[f"{_('Residents')} · {r['label']}", r["count"]] for r in labels["tags"]]
    _table(pdf, rows, widths=(120, 54), align=("LEFT", "RIGHT"))
    return bytes(pdf.output())
