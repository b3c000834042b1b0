"""Areas from files: a sheet of villages, grids and micro-grids and a GeoJSON or KML file of
boundaries, checked together and written in one transaction or not at all."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grids.models import Grid, MicroGrid, Village
from huaisi.roles import RoleKind

pytestmark = pytest.mark.django_db


def square(x0, y0, size):
    return [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]


# 新村 0.02° wide (about 1.9 km); its two grids side by side inside it.
VILLAGE = square(119.30, 32.40, 0.02)
GRID_A = square(119.30, 32.40, 0.01)
GRID_B = square(119.31, 32.40, 0.01)
SHEET = (
    "村,类型,网格,网格编码,微网格\n"
    "新村,村,东片网格,XG1,东一微网格\n"
    "新村,村,东片网格,XG1,东二微网格\n"
    "新村,村,西片网格,XG2,西一微网格\n"
)


def geojson(*features) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
                for props, ring in features
            ],
        }
    ).encode()


def kml(*placemarks) -> bytes:
    marks = "".join(
        f"<Placemark><name>{name}</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"
        + " ".join(f"{x},{y},0" for x, y in ring)
        + "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
        for name, ring in placemarks
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document>{marks}</Document></kml>"
    ).encode()


@pytest.fixture
def admin(client, role_users, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    return client


def check(client, sheet=None, boundaries=None, name="b.geojson"):
    files = {}
    if sheet is not None:
        files["sheet"] = SimpleUploadedFile("areas.csv", sheet.encode("gbk"))
    if boundaries is not None:
        files["boundaries"] = SimpleUploadedFile(name, boundaries)
    return client.post("/areas/import/", files)


def token_of(response) -> str:
    return re.search(r'name="token" value="([0-9a-f]{32})"', response.content.decode())[1]


def counts():
    return (Village.objects.count(), Grid.objects.count(), MicroGrid.objects.count())


def test_sheet_and_kml_boundaries_make_a_village_with_its_grids(admin, area):
    before = counts()
    boundaries = kml(("新村", VILLAGE), ("东片网格", GRID_A), ("XG2", GRID_B))
    response = check(admin, SHEET, boundaries, name="areas.kml")
    html = response.content.decode()
    assert "Checked: 1 villages, 2 grids and 3 micro-grids to add; 3 boundaries to set" in html
    assert counts() == before

    response = admin.post("/areas/import/", {"token": token_of(response)})

    assert response.status_code == 302
    assert counts() == (before[0] + 1, before[1] + 2, before[2] + 3)
    village = Village.objects.get(name="新村")
    assert village.boundary == {"type": "Polygon", "coordinates": [VILLAGE]}
    assert (float(village.centre_lat), float(village.centre_lng)) == (32.41, 119.31)
    east = Grid.objects.get(village=village, code="XG1")
    assert east.boundary["coordinates"] == [GRID_A]
    assert list(east.microgrids.values_list("code", "name")) == [
        ("XG1M01", "东一微网格"),
        ("XG1M02", "东二微网格"),
    ]
    # The same files again add and change nothing.
    response = check(admin, SHEET, boundaries, name="areas.kml")
    assert "Checked: 0 villages, 0 grids and 0 micro-grids to add" in response.content.decode()


def test_geojson_boundaries_for_existing_areas(admin, area):
    v1_ring = square(119.40, 32.50, 0.02)
    response = check(
        admin,
        boundaries=geojson(
            ({"code": "V1"}, v1_ring), ({"name": "第1村第1网格"}, square(119.40, 32.50, 0.01))
        ),
    )
    assert "2 boundaries to set" in response.content.decode()
    admin.post("/areas/import/", {"token": token_of(response)})
    assert Village.objects.get(pk=area.v1.pk).boundary["coordinates"] == [v1_ring]


@pytest.mark.parametrize(
    ("boundaries", "reason"),
    [
        # A bow tie: its edges 1 and 3 cross.
        (
            kml(
                (
                    "新村",
                    [
                        [119.30, 32.40],
                        [119.32, 32.42],
                        [119.32, 32.40],
                        [119.30, 32.42],
                        [119.30, 32.40],
                    ],
                )
            ),
            "crosses itself",
        ),
        # The grid lies 0.02° (about 1.9 km) east of its village.
        (kml(("新村", VILLAGE), ("东片网格", square(119.33, 32.40, 0.01))), "outside 新村 (V03)"),
        (kml(("南片网格", GRID_A)), "No village, grid or micro-grid is named or coded “南片网格”"),
        (kml(("新村", VILLAGE[:3])), "at least 4 points"),
    ],
)
def test_bad_boundaries_are_refused_with_their_reason_and_nothing_is_written(
    admin, area, boundaries, reason
):
    before = counts()
    response = check(admin, SHEET, boundaries, name="areas.kml")
    html = response.content.decode()
    assert reason in html
    assert 'name="token"' not in html
    assert counts() == before
    assert not Village.objects.filter(name="新村").exists()


def test_a_grid_a_few_metres_over_its_village_edge_is_within_tolerance(admin, area):
    # 0.0001° of longitude is about 9 m here: within the 20 m tolerance.
    west = square(119.3101, 32.40, 0.01)
    response = check(admin, SHEET, kml(("新村", VILLAGE), ("西片网格", west)))
    html = response.content.decode()
    assert "2 boundaries to set" in html
    assert 'name="token"' in html
    # 0.001° (about 94 m) is not.
    response = check(
        admin, SHEET, kml(("新村", VILLAGE), ("西片网格", square(119.311, 32.40, 0.01)))
    )
    assert "reaches 94 m outside 新村" in response.content.decode()


def test_overlapping_neighbours_are_reported_but_not_refused(admin, area):
    overlapping = square(119.305, 32.40, 0.01)  # half over 东片网格
    response = check(
        admin, SHEET, kml(("新村", VILLAGE), ("东片网格", GRID_A), ("西片网格", overlapping))
    )
    html = response.content.decode()
    assert "overlap by up to" in html
    assert 'name="token"' in html


def test_an_unknown_area_in_a_malformed_sheet_and_bad_xml_are_refused(admin, area):
    html = check(admin, "村,网格,网格编码\n新村,东片网格,bad code!\n").content.decode()
    assert "Row 2" in html and "Use letters, digits" in html
    html = check(admin, boundaries=b"<kml><Placemark>", name="x.kml").content.decode()
    assert "not well-formed XML" in html
    html = check(
        admin, boundaries=b'<!DOCTYPE x [<!ENTITY a "b">]><kml>&a;</kml>', name="x.kml"
    ).content.decode()
    assert "not well-formed XML" in html
    assert counts() == (2, 4, 8)


def test_a_spent_token_writes_nothing(admin, area):
    response = check(admin, SHEET)
    token = token_of(response)
    admin.post("/areas/import/", {"token": token})
    after = counts()
    again = admin.post("/areas/import/", {"token": token}, follow=True)
    assert "already imported" in again.content.decode()
    assert counts() == after


@pytest.mark.django_db(transaction=True)
def test_the_same_files_imported_twice_at_once_add_each_area_once(area):
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connection

    from grids.area_import import areas_files_import
    from grids.sheets import read_sheet

    rows = read_sheet(SHEET.encode("gbk"), required={"village": ("村",)})
    before = counts()
    start = threading.Barrier(2)
    results: list = []

    def run() -> None:
        try:
            start.wait()
            plan = areas_files_import(town=area.town, rows=rows, features=[])
            results.append(len(plan.new["microgrid"]))
        except ValidationError as error:
            results.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # Both finished (a thread that raised would be missing here): the second took its turn
    # after the first and found nothing left to add.
    assert sorted(results) == [0, 3], results
    assert counts() == (before[0] + 1, before[1] + 2, before[2] + 3)
