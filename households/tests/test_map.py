"""The area map: who may open it, which houses its JSON carries, and what it never carries."""

import datetime
import json
import re

import pytest

from grids.models import MicroGrid
from households.models import CareTag, House, Household, Resident
from households.selectors import MARKER_CATEGORIES, marker_category
from huaisi.roles import RoleKind

# A rectangle around a point of Huaisi town, as [lng, lat] GeoJSON rings want.
BASE_LNG, BASE_LAT = 119.40, 32.45


def rectangle(west: float, south: float, width: float, height: float) -> dict:
    ring = [
        [west, south],
        [west + width, south],
        [west + width, south + height],
        [west, south + height],
        [west, south],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def make_house(microgrid: MicroGrid, address: str, *, position=(BASE_LAT, BASE_LNG)) -> House:
    lat, lng = position if position else (None, None)
    return House.objects.create(
        village=microgrid.grid.village, microgrid=microgrid, address=address, lat=lat, lng=lng
    )


def make_household(house: House, number: str, **extra) -> Household:
    return Household.objects.create(number=number, house=house, microgrid=house.microgrid, **extra)


def make_resident(household: Household, name: str, tags=(), **extra) -> Resident:
    return Resident.objects.create(
        household=household,
        name=name,
        gender=Resident.Gender.FEMALE,
        birth_date=datetime.date(1948, 3, 1),
        relation=Resident.Relation.OTHER,
        care_tags=list(tags),
        **extra,
    )


def draw_boundaries(area) -> None:
    """Give the test town's V1 side boundaries: the village, its grids side by side, and the
    micro-grids of V1G1 one above the other."""
    area.v1.boundary = rectangle(BASE_LNG, BASE_LAT, 0.02, 0.01)
    area.v1.save(update_fields=["boundary"])
    for index, grid in enumerate((area.g11, area.g12)):
        grid.boundary = rectangle(BASE_LNG + 0.01 * index, BASE_LAT, 0.01, 0.01)
        grid.save(update_fields=["boundary"])
    for index, micro in enumerate((area.m111, area.m112)):
        micro.boundary = rectangle(BASE_LNG, BASE_LAT + 0.005 * index, 0.01, 0.005)
        micro.save(update_fields=["boundary"])


def in_m111(n: int) -> tuple[float, float]:
    """The n-th house position inside micro-grid V1G1M1."""
    return (BASE_LAT + 0.001 + 0.0004 * (n // 8), BASE_LNG + 0.001 + 0.001 * (n % 8))


@pytest.fixture
def mapped(area):
    """Houses across the town: seven in grid V1G1 (six placed, one without a position), one in
    V1G2, one in V2. Names, ID numbers and phones are there to be kept out of the JSON."""
    draw_boundaries(area)
    m121 = MicroGrid.objects.get(code="V1G2M1")
    houses = {}

    houses["alone"] = make_house(area.m111, "槐泗村一组1号", position=in_m111(0))
    family = make_household(houses["alone"], "H-0001")
    make_resident(
        family,
        "张桂英",
        [CareTag.DISABLED, CareTag.ELDERLY_ALONE],
        id_number="32101219480301002X",
        phone="13912345678",
    )

    # The elderly-alone resident has died; a low-income one still lives here.
    houses["low_income"] = make_house(area.m111, "槐泗村一组2号", position=in_m111(1))
    family = make_household(houses["low_income"], "H-0002")
    make_resident(family, "李秀兰", [CareTag.ELDERLY_ALONE], deceased=True)
    make_resident(family, "李建华", [CareTag.LOW_INCOME], phone="13800001111")
    # A household that moved out does not colour the house it left, nor link from it.
    gone = make_household(houses["low_income"], "H-0009", status=Household.Status.MOVED_OUT)
    make_resident(gone, "王明", [CareTag.DISABLED])

    houses["child"] = make_house(area.m112, "槐泗村二组3号", position=in_m111(2))
    family = make_household(houses["child"], "H-0003")
    make_resident(family, "赵小宝", [CareTag.LEFT_BEHIND_CHILD, CareTag.VETERAN])

    houses["veteran"] = make_house(area.m111, "槐泗村一组4号", position=in_m111(3))
    family = make_household(houses["veteran"], "H-0004")
    make_resident(family, "孙国栋", [CareTag.VETERAN])
    second = make_household(houses["veteran"], "H-0005")
    make_resident(second, "孙小军")

    houses["empty"] = make_house(area.m111, "槐泗村一组5号", position=in_m111(4))

    houses["moved_out"] = make_house(area.m111, "槐泗村一组6号", position=in_m111(5))
    family = make_household(houses["moved_out"], "H-0006")
    make_resident(family, "周大山", [CareTag.DISABLED], moved_out=True)

    houses["unplaced"] = make_house(area.m111, "槐泗村一组7号", position=None)

    houses["other_grid"] = make_house(m121, "槐泗村五组1号", position=(BASE_LAT + 0.005, 119.415))
    family = make_household(houses["other_grid"], "H-0007")
    make_resident(family, "钱多多", [CareTag.ELDERLY_ALONE])

    houses["other_village"] = make_house(area.m211, "第2村一组1号", position=(32.5, 119.5))
    family = make_household(houses["other_village"], "H-0008")
    make_resident(family, "吴小花", [CareTag.LOW_INCOME])
    return houses


V1G1_ADDRESSES = {
    "槐泗村一组1号",
    "槐泗村一组2号",
    "槐泗村二组3号",
    "槐泗村一组4号",
    "槐泗村一组5号",
    "槐泗村一组6号",
}


def data_of(client, user, path: str) -> dict:
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/json"
    return response.json()


def addresses(data: dict) -> set[str]:
    return {f["properties"]["address"] for f in data["houses"]["features"]}


def by_address(data: dict) -> dict[str, dict]:
    return {f["properties"]["address"]: f["properties"] for f in data["houses"]["features"]}


# --- What the JSON carries -------------------------------------------------------------------


def test_grid_map_data_has_the_grid_its_micro_grids_and_its_placed_houses(
    client, area, role_users, mapped
):
    data = data_of(
        client, role_users[RoleKind.GRID_LEADER], f"/register/map/grid/{area.g11.pk}/data.json"
    )

    assert addresses(data) == V1G1_ADDRESSES
    assert data["unplaced"] == 1
    (outline,) = data["area"]["features"]
    assert outline["properties"]["name"] == area.g11.name
    assert outline["geometry"] == area.g11.boundary
    assert [f["properties"]["name"] for f in data["children"]["features"]] == [
        area.m111.name,
        area.m112.name,
    ]
    # Labels drop the grid's name: 第1村第1网格第1微网格 → 第1微网格.
    assert [f["properties"]["label"] for f in data["children"]["features"]] == [
        "第1微网格",
        "第2微网格",
    ]
    alone = by_address(data)["槐泗村一组1号"]
    (point,) = [
        f["geometry"] for f in data["houses"]["features"] if f["properties"]["id"] == alone["id"]
    ]
    assert point == {
        "type": "Point",
        "coordinates": [round(in_m111(0)[1], 6), round(in_m111(0)[0], 6)],
    }
    assert alone["use_label"]
    assert alone["url"] == f"/register/houses/{mapped['alone'].pk}/"


def test_grid_leader_asking_for_another_grid_gets_404(client, area, role_users, mapped):
    client.force_login(role_users[RoleKind.GRID_LEADER])

    assert client.get(f"/register/map/grid/{area.g12.pk}/data.json").status_code == 404
    assert client.get(f"/register/map/grid/{area.g12.pk}/").status_code == 404
    assert client.get(f"/register/map/village/{area.v2.pk}/data.json").status_code == 404


def test_village_map_of_a_grid_leader_shows_only_their_own_grid(client, area, role_users, mapped):
    data = data_of(
        client, role_users[RoleKind.GRID_LEADER], f"/register/map/village/{area.v1.pk}/data.json"
    )

    assert addresses(data) == V1G1_ADDRESSES
    assert [f["properties"]["name"] for f in data["children"]["features"]] == [area.g11.name]
    assert (
        data["children"]["features"][0]["properties"]["url"] == f"/register/map/grid/{area.g11.pk}/"
    )
    assert data["area"]["features"][0]["properties"]["name"] == area.v1.name


def test_village_map_of_a_clerk_shows_the_whole_village_and_nothing_beyond(
    client, area, role_users, mapped
):
    data = data_of(
        client, role_users[RoleKind.VILLAGE_CLERK], f"/register/map/village/{area.v1.pk}/data.json"
    )

    assert addresses(data) == V1G1_ADDRESSES | {"槐泗村五组1号"}
    assert [f["properties"]["name"] for f in data["children"]["features"]] == [
        area.g11.name,
        area.g12.name,
    ]


def test_micro_grid_worker_sees_only_their_micro_grid_on_the_grid_map(
    client, area, role_users, mapped
):
    data = data_of(
        client, role_users[RoleKind.MICROGRID_WORKER], f"/register/map/grid/{area.g11.pk}/data.json"
    )

    assert addresses(data) == V1G1_ADDRESSES - {"槐泗村二组3号"}
    assert [f["properties"]["name"] for f in data["children"]["features"]] == [area.m111.name]


def test_colour_category_follows_the_care_tags_of_present_residents(
    client, area, role_users, mapped
):
    data = data_of(
        client, role_users[RoleKind.GRID_LEADER], f"/register/map/grid/{area.g11.pk}/data.json"
    )

    categories = {address: p["category"] for address, p in by_address(data).items()}
    assert categories == {
        "槐泗村一组1号": "elderly_alone",  # outranks the disabled tag on the same person
        "槐泗村一组2号": "low_income",  # the elderly-alone resident is deceased
        "槐泗村二组3号": "left_behind_child",
        "槐泗村一组4号": "other",
        "槐泗村一组5号": "none",  # nobody lives here
        "槐泗村一组6号": "none",  # the disabled resident moved out
    }
    # Where markers overlap, the most pressing need is drawn last, on top.
    rank = [c.key for c in MARKER_CATEGORIES]
    drawn = [rank.index(f["properties"]["category"]) for f in data["houses"]["features"]]
    assert drawn == sorted(drawn, reverse=True)


def test_houses_link_to_the_active_households_living_there(client, area, role_users, mapped):
    data = data_of(
        client, role_users[RoleKind.GRID_LEADER], f"/register/map/grid/{area.g11.pk}/data.json"
    )
    houses = by_address(data)

    veteran = Household.objects.filter(house=mapped["veteran"]).order_by("pk")
    assert houses["槐泗村一组4号"]["households"] == [
        {"id": h.pk, "url": f"/register/{h.pk}/"} for h in veteran
    ]
    still_there = Household.objects.get(number="H-0002")
    assert houses["槐泗村一组2号"]["households"] == [
        {"id": still_there.pk, "url": f"/register/{still_there.pk}/"}
    ]
    assert houses["槐泗村一组5号"]["households"] == []


def test_the_json_carries_no_names_id_numbers_or_phones(client, area, role_users, mapped):
    client.force_login(role_users[RoleKind.TOWN_ADMIN])

    for path in (
        f"/register/map/grid/{area.g11.pk}/data.json",
        f"/register/map/village/{area.v1.pk}/data.json",
    ):
        response = client.get(path)
        text = response.content.decode()
        for resident in Resident.objects.all():
            assert json.dumps(resident.name)[1:-1] not in text
            assert resident.name not in text
            if resident.id_number:
                assert resident.id_number not in text
            if resident.phone:
                assert resident.phone not in text
        for feature in response.json()["houses"]["features"]:
            assert set(feature["properties"]) == {
                "id",
                "address",
                "use",
                "use_label",
                "category",
                "url",
                "households",
            }
            for household in feature["properties"]["households"]:
                assert set(household) == {"id", "url"}


def test_an_area_without_boundary_or_positions_gives_empty_collections_and_its_centre(
    client, area, role_users
):
    area.g12.centre_lat, area.g12.centre_lng = 32.455, 119.415
    area.g12.save(update_fields=["centre_lat", "centre_lng"])
    make_house(MicroGrid.objects.get(code="V1G2M1"), "槐泗村五组9号", position=None)

    data = data_of(
        client, role_users[RoleKind.VILLAGE_CLERK], f"/register/map/grid/{area.g12.pk}/data.json"
    )

    assert data["area"] == {"type": "FeatureCollection", "features": []}
    assert data["children"]["features"] == []
    assert data["houses"]["features"] == []
    assert data["unplaced"] == 1
    assert data["centre"] == [32.455, 119.415]


def test_marker_category_priority():
    assert marker_category([]) == "none"
    assert marker_category([CareTag.KEY_PERSON]) == "other"
    assert marker_category([CareTag.VETERAN, CareTag.LEFT_BEHIND_CHILD]) == "left_behind_child"
    assert marker_category([CareTag.LEFT_BEHIND_CHILD, CareTag.LOW_INCOME]) == "low_income"
    assert marker_category([CareTag.LOW_INCOME, CareTag.DISABLED]) == "disabled"
    assert marker_category([CareTag.DISABLED, CareTag.ELDERLY_ALONE]) == "elderly_alone"
    assert [c.key for c in MARKER_CATEGORIES] == [
        "elderly_alone",
        "disabled",
        "low_income",
        "left_behind_child",
        "other",
        "none",
    ]


# The user (the session comes from the cache), their roles, the area (its capability check is
# decided from the roles in memory), its child areas and the houses with their tags and
# households: the same for any number of houses.
GRID_DATA_QUERIES = 5


@pytest.mark.parametrize("count", [5, 50])
def test_grid_data_query_count_does_not_grow_with_houses(
    count, client, area, role_users, django_assert_num_queries
):
    draw_boundaries(area)
    for n in range(count):
        house = make_house(area.m111, f"测试路{n}号", position=in_m111(n))
        household = make_household(house, f"Q-{n:04d}")
        make_resident(household, f"居民{n}", [CareTag.VETERAN] if n % 2 else [])
        make_resident(household, f"家属{n}", [CareTag.LOW_INCOME] if n % 3 else [])
    client.force_login(role_users[RoleKind.GRID_LEADER])

    with django_assert_num_queries(GRID_DATA_QUERIES):
        response = client.get(f"/register/map/grid/{area.g11.pk}/data.json")

    assert len(response.json()["houses"]["features"]) == count


def test_village_data_query_count_is_constant(client, area, role_users, django_assert_num_queries):
    for n in range(12):
        house = make_house(area.m111 if n % 2 else area.m112, f"测试路{n}号", position=in_m111(n))
        make_resident(make_household(house, f"Q-{n:04d}"), f"居民{n}", [CareTag.DISABLED])
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])

    with django_assert_num_queries(GRID_DATA_QUERIES):
        response = client.get(f"/register/map/village/{area.v1.pk}/data.json")

    assert len(response.json()["houses"]["features"]) == 12


# --- The page ---------------------------------------------------------------------------------


def test_grid_map_page_renders_with_its_data_url_legend_and_no_inline_script(
    client, area, role_users, mapped, settings
):
    settings.MAP_TILE_URL = ""
    client.force_login(role_users[RoleKind.GRID_LEADER])

    response = client.get(f"/register/map/grid/{area.g11.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-url="/register/map/grid/{area.g11.pk}/data.json"' in html
    assert 'data-tile-url=""' in html
    assert area.g11.name in html
    assert f'href="/areas/grids/{area.g11.pk}/"' in html
    for category in MARKER_CATEGORIES:
        assert f'data-category="{category.key}"' in html
        assert f'data-colour="{category.colour}"' in html
    assert "vendor/leaflet-1.9.4/leaflet.js" in html
    assert "js/map.js" in html
    # A Content-Security-Policy without inline scripts must hold: every script has a source.
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all("src=" in tag for tag in scripts)
    # The page itself carries no household data: the script fetches it.
    assert "槐泗村一组1号" not in html


def test_village_map_page_passes_the_tile_url_setting(client, area, role_users, settings):
    settings.MAP_TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])

    response = client.get(f"/register/map/village/{area.v1.pk}/")

    assert response.status_code == 200
    assert 'data-tile-url="https://tiles.example.test/{z}/{x}/{y}.png"' in response.content.decode()
    assert f'data-url="/register/map/village/{area.v1.pk}/data.json"' in response.content.decode()


@pytest.mark.parametrize("kind", [RoleKind.SUPERVISOR, RoleKind.VOLUNTEER_LEADER])
def test_staff_who_see_the_area_but_may_not_read_the_register_get_403(
    client, area, role_users, mapped, kind
):
    client.force_login(role_users[kind])

    for path in (
        f"/register/map/village/{area.v1.pk}/",
        f"/register/map/village/{area.v1.pk}/data.json",
        f"/register/map/grid/{area.g11.pk}/",
        f"/register/map/grid/{area.g11.pk}/data.json",
    ):
        assert client.get(path).status_code == 403, path


def test_those_who_see_no_area_get_404_and_anonymous_is_sent_to_log_in(
    client, area, role_users, user_without_role, mapped
):
    path = f"/register/map/grid/{area.g11.pk}/data.json"
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

    for user in (user_without_role, role_users[RoleKind.DEPARTMENT_HANDLER]):
        client.force_login(user)
        assert client.get(path).status_code == 404
        assert client.get(f"/register/map/village/{area.v1.pk}/").status_code == 404


def test_other_village_staff_get_404_for_this_village(client, area, other_role_users, mapped):
    for kind in (RoleKind.VILLAGE_CLERK, RoleKind.GRID_LEADER, RoleKind.MICROGRID_WORKER):
        client.force_login(other_role_users[kind])
        assert client.get(f"/register/map/village/{area.v1.pk}/").status_code == 404
        assert client.get(f"/register/map/grid/{area.g11.pk}/data.json").status_code == 404


def test_the_map_only_answers_get(client, area, role_users):
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    assert client.post(f"/register/map/grid/{area.g11.pk}/data.json").status_code == 405
