"""Adding and correcting houses and households: who may, what is refused, nothing half-saved."""

import datetime

import pytest

from households.models import House, Household
from huaisi.roles import RoleKind

from .factories import HouseFactory, HouseholdFactory


@pytest.fixture
def house(area):
    return HouseFactory(village=area.v1, microgrid=area.m111, address="槐泗路8号")


def house_data(**changes) -> dict:
    data = {
        "address": "槐泗路9号",
        "structure": "brick_concrete",
        "floors": "2",
        "floor_area": "120.5",
        "use": "self_occupied",
        "lat": "",
        "lng": "",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
class TestHouseCreate:
    def test_grid_leader_adds_a_house_in_their_microgrid(self, client, role_users, area):
        client.force_login(role_users[RoleKind.GRID_LEADER])
        response = client.post("/register/houses/new/", {**house_data(), "microgrid": area.m111.pk})
        house = House.objects.get(address="槐泗路9号")
        assert (
            response.status_code == 302 and response["Location"] == f"/register/houses/{house.pk}/"
        )
        assert house.village == area.v1 and house.floors == 2

    def test_a_microgrid_outside_the_scope_is_not_offered_nor_accepted(
        self, client, role_users, area
    ):
        client.force_login(role_users[RoleKind.GRID_LEADER])
        page = client.get("/register/houses/new/").content.decode()
        assert area.m111.name in page and area.m211.name not in page
        response = client.post("/register/houses/new/", {**house_data(), "microgrid": area.m211.pk})
        assert response.status_code == 200
        assert not House.objects.filter(address="槐泗路9号").exists()

    def test_same_address_twice_in_a_village_is_refused_with_a_message(
        self, client, role_users, area, house
    ):
        client.force_login(role_users[RoleKind.VILLAGE_CLERK])
        response = client.post(
            "/register/houses/new/", {**house_data(address="槐泗路8号"), "microgrid": area.m112.pk}
        )
        assert "本村(社区)在该地址已有房屋" in response.content.decode()
        assert House.objects.filter(address="槐泗路8号").count() == 1

    def test_half_a_position_is_refused(self, client, role_users, area):
        client.force_login(role_users[RoleKind.GRID_LEADER])
        response = client.post(
            "/register/houses/new/", {**house_data(lat="32.47"), "microgrid": area.m111.pk}
        )
        assert "经度和纬度请同时填写" in response.content.decode()
        assert not House.objects.filter(address="槐泗路9号").exists()

    def test_assessor_may_not_add_houses(self, client, role_users):
        client.force_login(role_users[RoleKind.ASSESSOR])
        assert client.get("/register/houses/new/").status_code == 403


@pytest.mark.django_db
class TestHouseEdit:
    def test_correcting_the_floors_is_saved_and_shown_in_the_history(
        self, client, role_users, house
    ):
        client.force_login(role_users[RoleKind.MICROGRID_WORKER])
        response = client.post(
            f"/register/houses/{house.pk}/edit/", house_data(address="槐泗路8号", floors="3")
        )
        assert response.status_code == 302
        house.refresh_from_db()
        assert house.floors == 3
        page = client.get(f"/register/houses/{house.pk}/").content.decode()
        assert "层数" in page and "<ins>3</ins>" in page

    def test_a_grid_leader_of_another_grid_gets_404(self, client, other_role_users, house):
        client.force_login(other_role_users[RoleKind.GRID_LEADER])
        assert client.get(f"/register/houses/{house.pk}/edit/").status_code == 404


@pytest.mark.django_db
class TestHousehold:
    def test_register_a_household_in_a_house(self, client, role_users, house):
        client.force_login(role_users[RoleKind.VILLAGE_CLERK])
        response = client.post(
            f"/register/houses/{house.pk}/households/new/",
            {"number": "HS-NEW-1", "pact_signed_on": "2026-03-01"},
        )
        household = Household.objects.get(number="HS-NEW-1")
        assert response["Location"] == f"/register/{household.pk}/"
        assert household.house == house and household.microgrid == house.microgrid
        assert household.pact_signed_on == datetime.date(2026, 3, 1)

    def test_an_existing_number_is_refused(self, client, role_users, house):
        HouseholdFactory(number="HS-DUP", microgrid=house.microgrid, house=house)
        client.force_login(role_users[RoleKind.VILLAGE_CLERK])
        response = client.post(f"/register/houses/{house.pk}/households/new/", {"number": "HS-DUP"})
        assert "户号 HS-DUP 已存在" in response.content.decode()
        assert Household.objects.filter(number="HS-DUP").count() == 1

    def test_signing_the_pact_is_recorded(self, client, role_users, house):
        household = HouseholdFactory(
            number="HS-P", microgrid=house.microgrid, house=house, pact_signed_on=None
        )
        client.force_login(role_users[RoleKind.GRID_LEADER])
        response = client.post(
            f"/register/{household.pk}/edit/", {"pact_signed_on": "2026-05-20", "house": house.pk}
        )
        assert response.status_code == 302
        household.refresh_from_db()
        assert household.pact_signed_on == datetime.date(2026, 5, 20)

    def test_a_future_signing_date_is_refused_and_nothing_changes(self, client, role_users, house):
        household = HouseholdFactory(
            number="HS-F", microgrid=house.microgrid, house=house, pact_signed_on=None
        )
        client.force_login(role_users[RoleKind.GRID_LEADER])
        response = client.post(
            f"/register/{household.pk}/edit/", {"pact_signed_on": "2099-01-01", "house": house.pk}
        )
        assert "签订日期不能晚于今天" in response.content.decode()
        household.refresh_from_db()
        assert household.pact_signed_on is None

    def test_assessor_cannot_edit_a_household(self, client, role_users, house):
        household = HouseholdFactory(number="HS-A", microgrid=house.microgrid, house=house)
        client.force_login(role_users[RoleKind.ASSESSOR])
        assert client.get(f"/register/{household.pk}/edit/").status_code == 403
