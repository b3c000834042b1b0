"""Staff profiles: the work phone and title a roster shows, and who may correct them."""

import pytest
from django.db import IntegrityError, transaction

from conftest import make_user
from grids.models import StaffProfile, Town, Village
from grids.services import staff_profile_set
from huaisi.roles import RoleKind


def html_of(response) -> str:
    return response.content.decode()


def profile_row(user) -> tuple | None:
    return (
        StaffProfile.objects.filter(user=user).values_list("phone", "title").first(),
        type(user).objects.get(pk=user.pk).first_name,
    )


@pytest.fixture
def admin(client, role_users):
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    return client


@pytest.mark.django_db
class TestStaffEdit:
    def test_corrects_name_phone_and_title_and_goes_back(self, admin, role_users, area):
        leader = role_users[RoleKind.GRID_LEADER]
        back = f"/areas/villages/{area.v1.pk}/roster/"
        response = admin.post(
            f"/areas/staff/{leader.pk}/edit/",
            {"full_name": "王建国", "phone": "139 1234 5678", "title": "村委委员", "next": back},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == back
        assert "王建国已保存" in html_of(response)
        assert profile_row(leader) == (("13912345678", "村委委员"), "王建国")

    @pytest.mark.parametrize("phone", ["1391234567", "02512345678", "1391234567a", ""])
    def test_bad_phone_is_explained_and_changes_nothing(self, admin, role_users, phone):
        leader = role_users[RoleKind.GRID_LEADER]
        staff_profile_set(user=leader, phone="17000000014")
        before = profile_row(leader)
        response = admin.post(
            f"/areas/staff/{leader.pk}/edit/", {"full_name": "王建国", "phone": phone}
        )
        html = html_of(response)
        assert "请填写以 1 开头的 11 位手机号" in html or "这个字段是必填项" in html
        assert profile_row(leader) == before

    def test_live_phone_check(self, admin, role_users):
        response = admin.post(
            f"/areas/staff/{role_users[RoleKind.GRID_LEADER].pk}/edit/",
            {"phone": "12345"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TRIGGER_NAME="phone",
        )
        assert "<html" not in html_of(response)
        assert "请填写以 1 开头的 11 位手机号" in html_of(response)

    def test_next_must_stay_on_this_site(self, admin, role_users):
        leader = role_users[RoleKind.GRID_LEADER]
        response = admin.post(
            f"/areas/staff/{leader.pk}/edit/",
            {"full_name": "王建国", "phone": "13912345678", "next": "https://evil.example/"},
        )
        assert response["Location"] == "/"

    def test_staff_of_another_town_is_404(self, admin, db):
        elsewhere = Town.objects.create(code="T2", name="别的镇")
        village = Village.objects.create(town=elsewhere, code="W1", name="外镇村")
        outsider = make_user("outsider", kind=RoleKind.VILLAGE_CLERK, scope=village)
        assert admin.get(f"/areas/staff/{outsider.pk}/edit/").status_code == 404
        assert admin.get(f"/areas/staff/{make_user('loner').pk}/edit/").status_code == 404

    @pytest.mark.parametrize("kind", [RoleKind.VILLAGE_CLERK, RoleKind.COMMAND_CENTRE])
    def test_other_roles_are_refused(self, client, role_users, kind):
        leader = role_users[RoleKind.GRID_LEADER]
        client.force_login(role_users[kind])
        before = profile_row(leader)
        response = client.post(
            f"/areas/staff/{leader.pk}/edit/", {"full_name": "改名", "phone": "13912345678"}
        )
        assert response.status_code == 403
        assert profile_row(leader) == before

    def test_roster_links_names_to_the_edit_page_for_the_administrator_only(
        self, client, role_users, area
    ):
        leader = role_users[RoleKind.GRID_LEADER]
        client.force_login(role_users[RoleKind.TOWN_ADMIN])
        roster = f"/areas/villages/{area.v1.pk}/roster/"
        assert f"/areas/staff/{leader.pk}/edit/" in html_of(client.get(roster))
        client.force_login(role_users[RoleKind.VILLAGE_CLERK])
        assert f"/areas/staff/{leader.pk}/edit/" not in html_of(client.get(roster))


@pytest.mark.django_db
def test_the_database_refuses_a_phone_that_is_not_a_mobile_number(role_users):
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffProfile.objects.create(user=role_users[RoleKind.GRID_LEADER], phone="0514-8765")
