import datetime
import re

import pytest
from django.urls import reverse

from huaisi.roles import RoleKind
from points.models import Entry
from volunteers import services
from volunteers.models import Activity, Team

HTMX = {"HTTP_HX_REQUEST": "true"}


def _log(team, by, people_hours, key, date=datetime.date(2026, 3, 14)):
    return services.activity_log(
        team=team,
        by=by,
        kind="patrol",
        date=date,
        place="河道沿线",
        village=team.village,
        description="联合巡查",
        participants=people_hours,
        idempotency_key=key,
    )


@pytest.mark.django_db
def test_team_list_shows_the_users_teams_in_constant_queries(
    client, team, members, area, role_users, django_assert_num_queries
):
    Team.objects.create(
        town=area.town,
        village=area.v2,
        name="第2村志愿服务队",
        service_type="care",
        leader_name="钱",
    )
    client.force_login(role_users[RoleKind.VOLUNTEER_LEADER])
    for n in range(3):
        Team.objects.create(
            town=area.town,
            village=area.v1,
            name=f"第1村{n}队",
            service_type="care",
            leader_name="孙",
        )
    # session, user, grants (cached for the navigation too), the teams with member counts
    with django_assert_num_queries(3):
        response = client.get(reverse("team-list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "第1村志愿服务队" in page and "第1村2队" in page
    assert "第2村志愿服务队" not in page


@pytest.mark.django_db
def test_another_villages_team_is_not_found(client, team, other_role_users, role_users):
    client.force_login(other_role_users[RoleKind.VOLUNTEER_LEADER])
    assert client.get(reverse("team-detail", args=[team.pk])).status_code == 404
    client.force_login(role_users[RoleKind.DEPARTMENT_HANDLER])
    assert client.get(reverse("team-list")).status_code == 403


@pytest.mark.django_db
def test_team_page_masks_member_phones(client, team, members, role_users):
    client.force_login(role_users[RoleKind.VOLUNTEER_LEADER])
    page = client.get(reverse("team-detail", args=[team.pk])).content.decode()
    assert "李志愿" in page and "139****5678" in page and "13912345678" not in page


@pytest.mark.django_db
def test_activity_list_full_page_and_fragment(
    client, team, members, role_users, django_assert_num_queries
):
    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    for n in range(4):
        _log(
            team,
            leader,
            [(members["plain"], "2")],
            f"k{n}",
            date=datetime.date(2026, 3, 1) + datetime.timedelta(days=n),
        )
    client.force_login(leader)
    full = client.get(reverse("activity-list"))
    assert full.status_code == 200 and b"<html" in full.content
    assert full.content.decode().count("河道沿线") == 4
    # user, roles, the rows (no area asked for: the areas are not read; the four rows fit on
    # the page, so they are the count)
    with django_assert_num_queries(3):
        fragment = client.get(
            reverse("activity-list"),
            {"status": "logged"},
            **HTMX,
            HTTP_HX_TARGET="activity-results",
        )
    assert b"<html" not in fragment.content
    assert fragment.content.decode().count("河道沿线") == 4
    assert fragment["Vary"] and "HX-Request" in fragment["Vary"]
    none = client.get(
        reverse("activity-list"), {"status": "confirmed"}, **HTMX, HTTP_HX_TARGET="activity-results"
    )
    assert "河道沿线" not in none.content.decode()


@pytest.mark.django_db
def test_logging_over_24_hours_through_the_page_shows_why_and_saves_nothing(
    client, team, members, role_users
):
    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    _log(team, leader, [(members["linked"], "20")], "first")
    client.force_login(leader)
    url = reverse("activity-create", args=[team.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "idempotency_key": "second",
            "kind": "cleanup",
            "date": "2026-03-14",
            "village": team.village_id,
            "place": "村部",
            "description": "保洁",
            f"hours_{members['linked'].pk}": "6",
            f"hours_{members['plain'].pk}": "2",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "李志愿" in page and "20" in page and "24" in page
    assert Activity.objects.count() == 1


@pytest.mark.django_db
def test_confirming_on_the_page_proposes_one_entry(
    client, team, members, role_users, rule, household
):
    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    activity = _log(team, role_users[RoleKind.GRID_LEADER], [(members["linked"], "3")], "k")
    client.force_login(role_users[RoleKind.GRID_LEADER])
    assert client.post(reverse("activity-confirm", args=[activity.pk])).status_code == 403
    client.force_login(leader)
    detail = client.get(reverse("activity-detail", args=[activity.pk])).content.decode()
    assert reverse("activity-confirm", args=[activity.pk]) in detail
    for _ in range(2):
        response = client.post(reverse("activity-confirm", args=[activity.pk]))
        assert response.status_code == 302
    assert Entry.objects.filter(household=household, status="pending").count() == 1
    detail = client.get(reverse("activity-detail", args=[activity.pk])).content.decode()
    assert reverse("activity-confirm", args=[activity.pk]) not in detail


@pytest.mark.django_db
def test_public_certificate_check_shows_no_personal_data(
    client, team, members, role_users, resident, household
):
    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    activity = _log(team, leader, [(members["linked"], "3.5")], "k")
    services.activity_confirm(activity=activity, by=leader)
    certificate = services.certificate_issue(
        volunteer=members["linked"],
        by=leader,
        period_from=datetime.date(2026, 1, 1),
        period_to=datetime.date(2026, 3, 31),
    )
    url = reverse("certificate-check")
    page = client.get(url, {"code": certificate.code.lower()}).content.decode()
    assert "李志愿" in page and "第1村志愿服务队" in page and "3.5" in page
    assert "2026-01-01" in page and "2026-03-31" in page
    for private in ("13912345678", "139****5678", "5678", household.number, "VOL-1"):
        assert private not in page
    missing = client.get(url, {"code": "AAAA-BBBB-CCCC"}).content.decode()
    assert "李志愿" not in missing


@pytest.mark.django_db
def test_wish_list_per_village_with_status_filter(
    client, resident, role_users, other_role_users, django_assert_num_queries
):
    worker = role_users[RoleKind.MICROGRID_WORKER]
    for title in ("修屋顶", "要轮椅", "辅导作业"):
        services.wish_record(resident=resident, by=worker, title=title)
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    # session, user, grants, the wishes, the counts by status (villages only on the full page)
    with django_assert_num_queries(4):
        fragment = client.get(
            reverse("wish-list"), {"status": "recorded"}, **HTMX, HTTP_HX_TARGET="wish-results"
        )
    assert b"<html" not in fragment.content
    assert all(t in fragment.content.decode() for t in ("修屋顶", "要轮椅", "辅导作业"))
    assert "辅导作业" not in client.get(reverse("wish-list"), {"status": "closed"}).content.decode()
    client.force_login(other_role_users[RoleKind.VILLAGE_CLERK])
    assert "修屋顶" not in client.get(reverse("wish-list")).content.decode()


def _shown(response) -> int:
    assert response.status_code == 200
    found = re.search(r'data-result-count="(\d+)"', response.content.decode())
    return int(found.group(1)) if found else 0


@pytest.mark.django_db
def test_wishes_and_activities_filter_by_village_and_grid_with_a_count(
    client, settings, team, members, resident, area, role_users
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    worker = role_users[RoleKind.MICROGRID_WORKER]
    for title in ("修屋顶", "要轮椅"):
        services.wish_record(resident=resident, by=worker, title=title)  # in V1G1
    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    _log(team, leader, [(members["plain"], "2")], "a1")
    in_grid = _log(team, leader, [(members["plain"], "3")], "a2")
    Activity.objects.filter(pk=in_grid.pk).update(grid=area.g11)
    client.force_login(role_users[RoleKind.TOWN_ADMIN])

    wishes = reverse("wish-list")
    assert _shown(client.get(wishes, {"grid": area.g11.pk})) == 2
    assert _shown(client.get(wishes, {"grid": area.g11.pk, "status": "recorded"})) == 2
    page = client.get(wishes, {"grid": area.g12.pk}).content.decode()
    assert "No wish matches." in page and f'<option value="{area.g12.pk}" selected>' in page
    r = client.get(wishes, {"grid": "999999"})
    assert _shown(r) == 2 and "The grid asked for is not among your areas" in r.content.decode()

    activities = reverse("activity-list")
    assert _shown(client.get(activities, {"village": area.v1.pk, "month": "2026-03"})) == 2
    assert _shown(client.get(activities, {"grid": area.g11.pk})) == 1
    assert _shown(client.get(activities, {"village": area.v2.pk})) == 0
    r = client.get(activities, {"month": "2026-3-x"})
    assert _shown(r) == 2 and "is not a month like 2026-05" in r.content.decode()


@pytest.mark.django_db
def test_a_project_shows_its_vote_record_publicly(client, area, role_users):
    clerk = role_users[RoleKind.VILLAGE_CLERK]
    project = services.project_create(
        village=area.v1,
        by=clerk,
        year=2026,
        title="一组道路硬化",
        category="road",
        lead_name="张书记",
        budget="380000",
    )
    services.decision_record(
        project=project,
        by=clerk,
        meeting_date=datetime.date(2026, 3, 1),
        attendance=48,
        votes_for=41,
        votes_against=4,
        abstentions=3,
        minutes="举手表决",
    )
    public = client.get(reverse("project-public-list", args=[area.v1.pk]), {"year": 2026})
    assert public.status_code == 200
    page = public.content.decode()
    assert all(str(n) in page for n in (48, 41, 4, 3)) and "一组道路硬化" in page
    client.force_login(clerk)
    detail = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert "举手表决" in detail and ">41<" in detail
    bad = client.post(
        reverse("project-decision", args=[project.pk]),
        {
            "meeting_date": "2026-03-01",
            "attendance": "10",
            "votes_for": "9",
            "votes_against": "2",
            "abstentions": "0",
            "minutes": "x",
        },
    )
    assert bad.status_code == 200
    project.decision.refresh_from_db()
    assert project.decision.attendance == 48


@pytest.mark.django_db
def test_project_summary_counts_by_category(client, area, role_users):
    clerk = role_users[RoleKind.VILLAGE_CLERK]
    for title, category, budget in (("路1", "road", 100), ("路2", "road", 50), ("塘", "water", 7)):
        services.project_create(
            village=area.v1,
            by=clerk,
            year=2026,
            title=title,
            category=category,
            lead_name="张",
            budget=budget,
        )
    client.force_login(clerk)
    response = client.get(reverse("project-summary"), {"year": 2026})
    summary = response.context["summary"]
    road = next(c for c in summary["categories"] if c["n"] == 2)
    assert road["budget"] == 150 and road["planned"] == 2
    assert summary["total"]["n"] == 3 and summary["total"]["budget"] == 157
