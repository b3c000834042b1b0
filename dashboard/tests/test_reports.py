"""The monthly town report: generated once per town and month, frozen, printable by town roles."""

import datetime

import pytest

from dashboard.models import TownReport
from dashboard.services import reports_publish_due, town_report_publish
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
