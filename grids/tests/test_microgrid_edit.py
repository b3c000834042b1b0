"""The micro-grid edit page: name, centre and boundary; the code stays."""

import json

import pytest
from django.forms.models import model_to_dict

from grids.models import MicroGrid
from huaisi.roles import RoleKind

pytestmark = pytest.mark.django_db

SQUARE = [[119.34, 32.46], [119.345, 32.46], [119.345, 32.465], [119.34, 32.465], [119.34, 32.46]]


@pytest.fixture
def admin(client, role_users):
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    return client


def form(**overrides) -> dict:
    data = {
        "name": "东头微网格",
        "centre_lat": "32.4625",
        "centre_lng": "119.3425",
        "boundary_text": json.dumps({"type": "Polygon", "coordinates": [SQUARE]}),
    }
    data.update(overrides)
    return data


def test_the_grid_page_links_each_micro_grid_to_its_edit_page(admin, area):
    html = admin.get(f"/areas/grids/{area.g11.pk}/").content.decode()
    assert f"/areas/microgrids/{area.m111.pk}/edit/" in html
    assert f"/areas/microgrids/{area.m112.pk}/edit/" in html


def test_saves_name_centre_and_boundary_and_keeps_the_code(admin, area):
    response = admin.post(f"/areas/microgrids/{area.m111.pk}/edit/", form())

    assert response.status_code == 302
    assert response["Location"] == f"/areas/grids/{area.g11.pk}/"
    micro = MicroGrid.objects.get(pk=area.m111.pk)
    assert (micro.name, micro.code, str(micro.centre_lat)) == ("东头微网格", "V1G1M1", "32.462500")
    assert micro.boundary == {"type": "Polygon", "coordinates": [SQUARE]}
    assert "东头微网格" in admin.get(f"/areas/grids/{area.g11.pk}/").content.decode()


@pytest.mark.parametrize(
    "overrides",
    [{"name": "  "}, {"centre_lat": "95"}, {"boundary_text": '{"type": "Point"}'}],
)
def test_bad_input_changes_nothing(admin, area, overrides):
    before = model_to_dict(MicroGrid.objects.get(pk=area.m111.pk))
    response = admin.post(f"/areas/microgrids/{area.m111.pk}/edit/", form(**overrides))
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert model_to_dict(MicroGrid.objects.get(pk=area.m111.pk)) == before


def test_only_area_managers_edit_and_others_areas_are_hidden(client, role_users, area):
    worker = role_users[RoleKind.MICROGRID_WORKER]
    client.force_login(worker)
    assert client.get(f"/areas/microgrids/{area.m111.pk}/edit/").status_code == 403
    assert client.post(f"/areas/microgrids/{area.m111.pk}/edit/", form()).status_code == 403
    assert client.get(f"/areas/microgrids/{area.m211.pk}/edit/").status_code == 404
    assert MicroGrid.objects.get(pk=area.m111.pk).name != "东头微网格"
    html = client.get(f"/areas/grids/{area.g11.pk}/").content.decode()
    assert "/edit/" not in html
