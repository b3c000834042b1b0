"""The town administrator edits a team; certificates are issued only by the leaders of the
volunteer's own teams, for the form as for its POST."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import make_user
from huaisi.roles import RoleKind
from volunteers.models import Certificate, Membership, Team, Volunteer


def _zh(message: str) -> str:
    """What the (always Chinese) pages show for an interface string."""
    with translation.override("zh-hans"):
        return translation.gettext(message)


def _edit_data(team, **changes) -> dict:
    data = {
        "name": team.name,
        "service_type": team.service_type,
        "village": team.village_id or "",
        "leader_name": team.leader_name,
        "leader": team.leader_id or "",
        "is_active": "on" if team.is_active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


@pytest.mark.django_db
def test_town_admin_edits_a_team(client, team, members, area, role_users):
    admin = role_users[RoleKind.TOWN_ADMIN]
    new_leader = make_user(
        "leader_v2", kind=RoleKind.VOLUNTEER_LEADER, scope=area.v2, first_name="钱队长"
    )
    client.force_login(admin)
    detail = client.get(reverse("team-detail", args=[team.pk])).content.decode()
    url = reverse("team-edit", args=[team.pk])
    assert url in detail
    form = client.get(url)
    assert form.status_code == 200
    page = form.content.decode()
    assert 'value="第1村志愿服务队"' in page and "钱队长 (leader_v2)" in page

    response = client.post(
        url,
        _edit_data(
            team,
            name="第2村红马甲服务队",
            service_type="care",
            village=area.v2.pk,
            leader=new_leader.pk,
            leader_name="钱队长",
            is_active="",
        ),
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "team-detail", args=[team.pk]
    )
    team.refresh_from_db()
    assert (team.name, team.service_type, team.village_id, team.leader_id, team.is_active) == (
        "第2村红马甲服务队",
        "care",
        area.v2.pk,
        new_leader.pk,
        False,
    )
    # Members and their history stay with the team.
    assert Membership.objects.filter(team=team, left_on__isnull=True).count() == 2
    page = client.get(reverse("team-detail", args=[team.pk])).content.decode()
    assert "第2村红马甲服务队" in page and _zh("inactive") in page
    assert reverse("activity-create", args=[team.pk]) not in page

    # The new leader now acts for the team; the old one (V1) no longer sees it.
    client.force_login(new_leader)
    assert client.get(reverse("team-detail", args=[team.pk])).status_code == 200
    client.force_login(role_users[RoleKind.VOLUNTEER_LEADER])
    assert client.get(reverse("team-detail", args=[team.pk])).status_code == 404


@pytest.mark.django_db
def test_a_team_edit_with_a_taken_or_empty_name_changes_nothing(client, team, area, role_users):
    Team.objects.create(
        town=area.town, village=area.v2, name="槐小保", service_type="safety", leader_name="孙"
    )
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    url = reverse("team-edit", args=[team.pk])
    taken = client.post(url, _edit_data(team, name=" 槐小保 ", service_type="safety"))
    assert taken.status_code == 200
    assert _zh("The town already has a team of that name.") in taken.content.decode()
    empty = client.post(url, _edit_data(team, name="", leader_name="  "))
    assert empty.status_code == 200
    team.refresh_from_db()
    assert (team.name, team.service_type, team.leader_name) == (
        "第1村志愿服务队",
        "general",
        "王队长",
    )
    # Saving the team unchanged under its own name is fine.
    assert client.post(url, _edit_data(team)).status_code == 302


@pytest.mark.django_db
def test_only_the_town_administrator_edits_teams(client, team, role_users, other_role_users):
    url = reverse("team-edit", args=[team.pk])
    for kind in (RoleKind.VILLAGE_CLERK, RoleKind.VOLUNTEER_LEADER, RoleKind.GRID_LEADER):
        client.force_login(role_users[kind])
        assert client.get(url).status_code == 403, kind
        assert client.post(url, _edit_data(team, name="改名")).status_code == 403, kind
    client.force_login(other_role_users[RoleKind.VILLAGE_CLERK])
    assert client.get(url).status_code == 404
    team.refresh_from_db()
    assert team.name == "第1村志愿服务队"
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    assert url not in client.get(reverse("team-detail", args=[team.pk])).content.decode()


@pytest.mark.django_db
def test_certificate_form_is_refused_to_a_leader_outside_the_volunteers_teams(
    client, team, members, area, role_users, other_role_users
):
    """A V1 volunteer who serves only in a V2 team: the V1 team leader sees them (they live in
    V1) but leads none of their teams, so neither the form nor its POST is theirs."""
    v2_team = Team.objects.create(
        town=area.town,
        village=area.v2,
        name="第2村志愿服务队",
        service_type="general",
        leader=other_role_users[RoleKind.VOLUNTEER_LEADER],
        leader_name="钱",
    )
    person = Volunteer.objects.create(town=area.town, village=area.v1, name="孙远行")
    Membership.objects.create(
        team=v2_team, volunteer=person, role="publicist", joined_on=datetime.date(2025, 1, 1)
    )
    url = reverse("certificate-issue", args=[person.pk])
    data = {"period_from": "2026-01-01", "period_to": "2026-01-31"}

    client.force_login(role_users[RoleKind.VOLUNTEER_LEADER])
    page = client.get(reverse("volunteer-detail", args=[person.pk]))
    assert page.status_code == 200 and url not in page.content.decode()
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403

    # The leader of the volunteer's own team gets the form; a member of the leader's own
    # team gets it from the V1 leader.
    client.force_login(other_role_users[RoleKind.VOLUNTEER_LEADER])
    assert client.get(url).status_code == 200
    client.force_login(role_users[RoleKind.VOLUNTEER_LEADER])
    assert client.get(reverse("certificate-issue", args=[members["plain"].pk])).status_code == 200
    assert Certificate.objects.count() == 0
