"""The public list of a village's livelihood projects: the whole vote record, minutes included,
for anyone, in a fixed number of queries however many projects there are."""

import datetime

import pytest
from django.urls import reverse

from huaisi.roles import RoleKind
from volunteers import services


@pytest.mark.django_db
def test_public_project_list_shows_the_minutes_in_constant_queries(
    client, area, role_users, django_assert_num_queries
):
    clerk = role_users[RoleKind.VILLAGE_CLERK]
    for n in range(4):
        project = services.project_create(
            village=area.v1,
            by=clerk,
            year=2026,
            title=f"第{n}组道路硬化",
            category="road",
            lead_name="张书记",
            budget=1000 * (n + 1),
        )
        services.decision_record(
            project=project,
            by=clerk,
            meeting_date=datetime.date(2026, 2, 1),
            attendance=30,
            votes_for=20 + n,
            votes_against=2,
            abstentions=1,
            minutes=f"第{n}次会议纪要",
        )
        services.project_start(project=project, by=clerk, started_on=datetime.date(2026, 3, 1))
        services.progress_add(
            project=project,
            by=clerk,
            date=datetime.date(2026, 3, 10),
            percent=40,
            note=f"第{n}组路基完成",
            photos=[],
        )
    url = reverse("project-public-list", args=[area.v1.pk])
    # the village, the projects with their decisions, their updates, the summary
    with django_assert_num_queries(4):
        response = client.get(url, {"year": 2026})
    page = response.content.decode()
    for n in range(4):
        assert f"第{n}次会议纪要" in page and f"第{n}组路基完成" in page
    assert "第1组道路硬化" not in client.get(url, {"year": 2025}).content.decode()
