"""The monthly town report: generated once per town and month, frozen, printable by town roles."""

import datetime
import io
import itertools
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from dashboard.models import TownReport
from dashboard.services import reports_publish_due, town_report_publish
from grids.models import Town
from households.models import CareTag
from households.tests.factories import ResidentFactory
from huaisi.roles import RoleKind

pytestmark = pytest.mark.django_db


def test_the_1st_generates_last_months_report_once_and_freezes_it(area):
    ResidentFactory(household__microgrid=area.m111, care_tags=[CareTag.VETERAN])
    assert reports_publish_due(today=datetime.date(2026, 11, 1)) == 1
    report = TownReport.objects.get(town=area.town)
    assert report.month == datetime.date(2026, 10, 1)
    veterans = next(r for r in report.figures["care"]["by_tag"] if r["tag"] == CareTag.VETERAN)
    assert veterans["count"] == 1
    # Later changes do not touch a published report, and a re-run adds nothing.
    ResidentFactory(household__microgrid=area.m111, care_tags=[CareTag.VETERAN])
    assert reports_publish_due(today=datetime.date(2026, 11, 1)) == 0
    again, created = town_report_publish(town_id=area.town.pk, month=datetime.date(2026, 10, 15))
    assert (again.pk, created) == (report.pk, False)
    assert again.figures == report.figures


def test_town_roles_read_and_print_the_report_others_may_not(client, area, role_users):
    report, _ = town_report_publish(town_id=area.town.pk, month=datetime.date(2026, 10, 1))
    client.force_login(role_users[RoleKind.SUPERVISOR])
    listing = client.get("/dashboard/reports/").content.decode()
    assert f'href="/dashboard/reports/{report.pk}/"' in listing and "2026-10" in listing
    page = client.get(f"/dashboard/reports/{report.pk}/").content.decode()
    assert "data-print" in page and 'data-report="orders">0<' in page
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    assert client.get(f"/dashboard/reports/{report.pk}/").status_code == 403
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    assert client.get("/dashboard/reports/999999/").status_code == 404


# --- The PDF ---------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    """The PDF's text without the spacing between glyphs (readers space CJK glyphs as they
    please; pypdf puts a NUL before each glyph of fpdf2's two-byte codes)."""
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))


def embedded_fonts(content: bytes) -> list[str]:
    """The base names of the fonts whose glyphs the PDF carries."""
    names = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.append(str(descriptor["/FontName"]))
    return names


def test_the_pdf_holds_the_pages_figures_in_chinese_with_its_font_embedded(client, demo):
    town, users = demo
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    report, _ = town_report_publish(town_id=town.pk, month=month)
    f = report.figures
    client.force_login(users["command"])
    page = client.get(f"/dashboard/reports/{report.pk}/").content.decode()
    assert f'href="/dashboard/reports/{report.pk}/pdf/"' in page

    response = client.get(f"/dashboard/reports/{report.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="huaisi-report-{month:%Y-%m}.pdf"'
    )
    text = pdf_text(response.content)
    assert f"{town.name}{month:%Y-%m}月报" in text
    for heading in (
        "受理工单",
        "承办单位",
        "当月审核通过积分",
        "当月志愿服务",
        "微心愿、民生实事与关爱对象",
    ):
        assert heading in text, heading
    assert f"受理工单:{f['orders_received']}" in text
    assert f"当月审核通过积分:{f['points']['points']}" in text
    assert f["orders_received"] > 0 and f["points"]["points"] > 0 and f["units"]
    for unit in f["units"][:3]:
        assert re.sub(r"\s+", "", unit["unit"]) in text
    for village in f["points"]["by_village"]:
        assert f"{village['name']}{village['entries']}{village['points']}" in text
    # A subset of the CJK font travels with the file (a "ABCDEF+" prefix marks a subset).
    fonts = embedded_fonts(response.content)
    assert fonts and all(re.match(r"/?[A-Z]{6}\+NotoSansCJK", name) for name in fonts), fonts
    assert len(response.content) < 200_000


def test_the_pdf_is_for_the_reports_readers_only(client, area, role_users, other_role_users):
    report, _ = town_report_publish(town_id=area.town.pk, month=datetime.date(2026, 10, 1))
    url = f"/dashboard/reports/{report.pk}/pdf/"
    client.force_login(role_users[RoleKind.SUPERVISOR])
    assert client.get(url)["Content-Type"] == "application/pdf"
    for kind in (RoleKind.VILLAGE_CLERK, RoleKind.GRID_LEADER, RoleKind.DEPARTMENT_HANDLER):
        client.force_login(role_users[kind])
        assert client.get(url).status_code == 403, kind
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    assert client.get("/dashboard/reports/999999/pdf/").status_code == 404
    other_town = Town.objects.create(code="T2", name="别的镇")
    elsewhere, _ = town_report_publish(town_id=other_town.pk, month=datetime.date(2026, 10, 1))
    assert client.get(f"/dashboard/reports/{elsewhere.pk}/pdf/").status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("font", ["missing", "not a font"])
def test_without_its_font_the_pdf_answers_503_and_says_why(
    client, area, role_users, settings, tmp_path, font
):
    if font == "missing":
        settings.REPORT_FONT_PATH = str(tmp_path / "NotoSansCJK-Regular.ttc")
    else:
        settings.REPORT_FONT_PATH = str(tmp_path / "broken.ttf")
        (tmp_path / "broken.ttf").write_bytes(b"this is no font")
    report, _ = town_report_publish(town_id=area.town.pk, month=datetime.date(2026, 10, 1))
    client.force_login(role_users[RoleKind.COMMAND_CENTRE])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/dashboard/reports/{report.pk}/pdf/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "The server lacks the Chinese font the PDF is set in" in page
    assert f'href="/dashboard/reports/{report.pk}/"' in page


def test_the_units_rank_is_shown_with_the_overall_score_it_orders_by(client, demo):
    """Two of the five parts of the score (standardisation, re-handling) are not columns of
    the report: without the overall score a unit ranked below another with the same or
    better rates looked wrongly placed."""
    town, users = demo
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    report, _ = town_report_publish(town_id=town.pk, month=month)
    units = [u for u in report.figures["units"] if u["rank"]]
    assert units and all(u["overall"] is not None for u in units)
    # Ranks follow the overall score, highest first; equal scores share a rank.
    for upper, lower in itertools.pairwise(units):
        assert upper["overall"] >= lower["overall"]
        assert (upper["rank"] == lower["rank"]) == (upper["overall"] == lower["overall"])

    client.force_login(users["command"])
    page = client.get(f"/dashboard/reports/{report.pk}/").content.decode()
    assert '<th scope="col">综合</th>' in page and "按综合得分排名" in page
    first = units[0]
    assert f'data-label="综合">{first["overall"]}</td>' in page
    text = pdf_text(client.get(f"/dashboard/reports/{report.pk}/pdf/").content)
    assert "综合" in text and "按综合得分排名" in text
    assert f"{first['overall']:g}" in text

    # A report published before the column existed is still shown and printed, with a dash.
    for unit in report.figures["units"]:
        unit.pop("overall")
    report.save(update_fields=["figures"])
    page = client.get(f"/dashboard/reports/{report.pk}/").content.decode()
    assert 'data-label="综合">–</td>' in page
    assert client.get(f"/dashboard/reports/{report.pk}/pdf/").status_code == 200
