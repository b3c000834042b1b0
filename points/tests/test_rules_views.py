"""The rulebook pages: the staff list, the public printable sheet, and the town's upkeep."""

import datetime

import pytest
from django.urls import reverse

from conftest import make_user
from huaisi.roles import RoleKind
from points.models import Rule

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(client, settings):
    """The pages in English: the assertions read the interface's source strings, whatever
    the Chinese catalogue says."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_staff_see_the_rulebook_by_group_and_category(client, rules, staff):
    client.force_login(staff["grid_leader"])
    page = client.get(reverse("rule-list")).content.decode()
    assert "Key rural work" in page and "Civil customs" in page
    assert "矛盾调处" in page and "调解邻里纠纷" in page
    assert "+10" in page and "-20" in page
    # The cap and the photo requirement are printed with the rule.
    assert "required" in page
    # Only the town administrator is offered the edit links.
    assert reverse("rule-edit", args=[rules["mediation"].pk]) not in page
    client.force_login(staff["town_admin"])
    assert (
        reverse("rule-edit", args=[rules["mediation"].pk])
        in client.get(reverse("rule-list")).content.decode()
    )


def test_the_printable_rulebook_is_public_and_lists_only_rules_in_force(client, rules, area):
    Rule.objects.create(
        town=area.town, code="OLD-1", group="key_work", category="旧规", title="已废止的旧规则",
        points=1, valid_from=datetime.date(2020, 1, 1), valid_to=datetime.date(2020, 12, 31),
    )  # fmt: skip
    response = client.get(reverse("rule-print"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "调解邻里纠纷" in page and "已废止的旧规则" not in page
    assert "print-sheet" in page and "data-print" in page


def test_the_town_admin_adds_a_rule(client, staff, area):
    client.force_login(staff["town_admin"])
    response = client.post(
        reverse("rule-create"),
        {
            "code": "MF-09", "group": "civil_customs", "category": "孝老爱亲",
            "title": "照顾孤寡老人", "points": "8", "monthly_cap": "16",
            "valid_from": "2025-01-01",
        },
    )  # fmt: skip
    rule = Rule.objects.get(code="MF-09")
    assert response.status_code == 302 and rule.points == 8 and rule.monthly_cap == 16


def test_a_duplicate_code_or_zero_points_is_refused_under_the_field(client, staff, rules):
    client.force_login(staff["town_admin"])
    response = client.post(
        reverse("rule-create"),
        {"code": "ZD-01", "group": "key_work", "category": "x", "title": "y", "points": "0",
         "valid_from": "2025-01-01"},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert "The rulebook already has a rule ZD-01." in page
    assert "not zero" in page
    assert Rule.objects.filter(code="ZD-01").count() == 1


def test_editing_a_rule_keeps_what_was_recorded(client, staff, rules):
    rule = rules["mediation"]
    client.force_login(staff["town_admin"])
    form = client.get(reverse("rule-edit", args=[rule.pk]))
    assert 'value="ZD-01"' in form.content.decode()
    data = {
        "code": "ZD-01", "group": "key_work", "category": "矛盾调处", "title": "调解邻里纠纷",
        "points": "12", "valid_from": "2025-01-01",
    }  # fmt: skip
    response = client.post(reverse("rule-edit", args=[rule.pk]), data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.points == 12


def test_who_may_not_keep_the_rulebook(client, staff, rules, area):
    client.force_login(staff["clerk"])
    assert client.get(reverse("rule-create")).status_code == 403
    # A village role does not even see the town's rule as an object to edit.
    assert client.get(reverse("rule-edit", args=[rules["mediation"].pk])).status_code == 404
    command = make_user("cc", kind=RoleKind.COMMAND_CENTRE, scope=area.town)
    client.force_login(command)
    assert client.get(reverse("rule-edit", args=[rules["mediation"].pk])).status_code == 403
    client.logout()
    assert client.get(reverse("rule-list")).status_code == 302
