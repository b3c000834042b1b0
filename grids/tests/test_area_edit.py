"""Maintaining areas: editing a village or grid, adding grids and micro-grids, as-you-type
checks, and bad input that must change nothing."""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict

from grids.models import Grid, MicroGrid, Village
from huaisi.roles import RoleKind

SQUARE = [[119.34, 32.46], [119.355, 32.46], [119.355, 32.472], [119.34, 32.472], [119.34, 32.46]]
POLYGON = {"type": "Polygon", "coordinates": [SQUARE]}


def village_form(**overrides) -> dict:
    data = {
        "name": "第1村",
        "centre_lat": "32.466",
        "centre_lng": "119.3475",
        "boundary_text": json.dumps(POLYGON),
    }
    data.update(overrides)
    return data


def snapshot(model, **lookup) -> dict:
    return model_to_dict(model.objects.get(**lookup))


@pytest.fixture
def admin(client, role_users):
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    return client


def html_of(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
class TestVillageEdit:
    def test_page_shows_the_current_name_centre_and_boundary(self, admin, area):
        Village.objects.filter(pk=area.v1.pk).update(
            centre_lat=Decimal("32.466"), centre_lng=Decimal("119.3475"), boundary=POLYGON
        )
        html = html_of(admin.get(f"/areas/villages/{area.v1.pk}/edit/"))
        assert "编辑第1村" in html
        assert 'value="32.466"' in html and 'value="119.3475"' in html
        assert "[[[119.34, 32.46]" in html
        assert 'enctype="multipart/form-data"' in html

    def test_saves_name_centre_and_pasted_boundary(self, admin, area):
        response = admin.post(
            f"/areas/villages/{area.v1.pk}/edit/",
            village_form(name=" 新槐泗村 ", centre_lat="32.4661234"),
            follow=True,
        )
        assert response.redirect_chain[-1][0] == f"/areas/villages/{area.v1.pk}/"
        assert "新槐泗村已保存" in html_of(response)
        village = Village.objects.get(pk=area.v1.pk)
        assert village.name == "新槐泗村"
        assert village.centre_lat == Decimal("32.466123")
        assert village.boundary == POLYGON

    def test_uploaded_geojson_feature_collection_replaces_the_text(self, admin, area):
        collection = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "第1村"},
                    "geometry": {"type": "MultiPolygon", "coordinates": [[SQUARE]]},
                }
            ],
        }
        upload = SimpleUploadedFile(
            "v1.geojson", json.dumps(collection).encode(), content_type="application/geo+json"
        )
        response = admin.post(
            f"/areas/villages/{area.v1.pk}/edit/", {**village_form(), "boundary_file": upload}
        )
        assert response.status_code == 302
        boundary = Village.objects.get(pk=area.v1.pk).boundary
        assert boundary == {"type": "MultiPolygon", "coordinates": [[SQUARE]]}

    def test_emptying_the_boundary_removes_it(self, admin, area):
        Village.objects.filter(pk=area.v1.pk).update(boundary=POLYGON)
        admin.post(f"/areas/villages/{area.v1.pk}/edit/", village_form(boundary_text=""))
        assert Village.objects.get(pk=area.v1.pk).boundary is None

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"name": ""}, "这个字段是必填项"),
            ({"centre_lat": "95"}, "纬度应在 -90 到 90 度之间"),
            ({"centre_lng": "东经119"}, "请以十进制度数填写经度"),
            ({"centre_lng": ""}, "请同时填写经度和纬度"),
            ({"boundary_text": "{not json"}, "边界不是有效的 JSON（第 1 行，第 2 列）"),
            ({"boundary_text": '{"type": "Point", "coordinates": [119.3, 32.4]}'}, "不能是 Point"),
            (
                {"boundary_text": json.dumps({"type": "Polygon", "coordinates": [SQUARE[:-1]]})},
                "没有闭合",
            ),
            (
                # Points written [lat, lng], as people often do: the latitude is then 119.
                {
                    "boundary_text": json.dumps(
                        {"type": "Polygon", "coordinates": [[[y, x] for x, y in SQUARE]]}
                    )
                },
                "超出范围",
            ),
            ({"boundary_text": '{"type": "Polygon", "coordinates": [[[NaN, 1]]]}'}, "JSON"),
            (
                {"boundary_text": json.dumps({"type": "FeatureCollection", "features": [{}, {}]})},
                "只能有一个",
            ),
        ],
    )
    def test_bad_input_is_explained_and_changes_nothing(self, admin, area, overrides, message):
        before = snapshot(Village, pk=area.v1.pk)
        response = admin.post(f"/areas/villages/{area.v1.pk}/edit/", village_form(**overrides))
        assert response.status_code == 200
        html = html_of(response)
        assert message in html
        assert "未保存" in html
        assert snapshot(Village, pk=area.v1.pk) == before

    def test_a_taken_name_is_refused_on_the_name_field(self, admin, area):
        before = snapshot(Village, pk=area.v1.pk)
        response = admin.post(f"/areas/villages/{area.v1.pk}/edit/", village_form(name="第2村"))
        html = html_of(response)
        assert "本镇已有同名的村(社区)" in html
        assert snapshot(Village, pk=area.v1.pk) == before
        # The heading still names the village as it is, not as it was typed.
        assert "<h1>编辑第1村" in html

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("v1.txt", json.dumps(POLYGON).encode(), "请上传 .geojson 或 .json 文件"),
            ("v1.geojson", b" " * (1024 * 1024 + 1), "边界超过 1 MB"),
            ("v1.geojson", "多边形".encode("gbk"), "不是 UTF-8"),
        ],
    )
    def test_bad_files_are_refused(self, admin, area, name, content, message):
        before = snapshot(Village, pk=area.v1.pk)
        upload = SimpleUploadedFile(name, content)
        response = admin.post(
            f"/areas/villages/{area.v1.pk}/edit/", {**village_form(), "boundary_file": upload}
        )
        assert message in html_of(response)
        assert snapshot(Village, pk=area.v1.pk) == before

    def test_as_you_type_check_answers_with_the_fields_errors_only(self, admin, area):
        before = snapshot(Village, pk=area.v1.pk)
        response = admin.post(
            f"/areas/villages/{area.v1.pk}/edit/",
            {"centre_lat": "132.5", "centre_lng": "119.3"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TRIGGER_NAME="centre_lat",
        )
        html = html_of(response)
        assert "<html" not in html and "<form" not in html
        assert 'id="id_centre_lat_error"' in html
        assert "纬度应在 -90 到 90 度之间" in html
        assert "HX-Request" in response["Vary"]
        assert snapshot(Village, pk=area.v1.pk) == before

    def test_as_you_type_check_clears_once_the_value_is_right(self, admin, area):
        response = admin.post(
            f"/areas/villages/{area.v1.pk}/edit/",
            {"centre_lat": "32.5", "centre_lng": "119.3"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TRIGGER_NAME="centre_lat",
        )
        html = html_of(response).strip()
        assert html.startswith('<div class="field-errors" id="id_centre_lat_error"')
        assert '<p class="error">' not in html and "纬度" not in html

    def test_fields_carry_their_as_you_type_check(self, admin, area):
        html = html_of(admin.get(f"/areas/villages/{area.v1.pk}/edit/"))
        assert f'hx-post="/areas/villages/{area.v1.pk}/edit/"' in html
        assert 'hx-params="centre_lat,centre_lng"' in html

    @pytest.mark.parametrize("kind", [RoleKind.VILLAGE_CLERK, RoleKind.COMMAND_CENTRE])
    def test_roles_that_see_the_village_but_do_not_maintain_areas_get_403(
        self, client, role_users, area, kind
    ):
        before = snapshot(Village, pk=area.v1.pk)
        client.force_login(role_users[kind])
        url = f"/areas/villages/{area.v1.pk}/edit/"
        assert client.get(url).status_code == 403
        assert client.post(url, village_form(name="改名")).status_code == 403
        assert client.post(url, {"name": "x"}, HTTP_HX_REQUEST="true").status_code == 403
        assert snapshot(Village, pk=area.v1.pk) == before

    def test_edit_links_show_only_to_the_town_administrator(self, client, role_users, area):
        client.force_login(role_users[RoleKind.TOWN_ADMIN])
        assert f"/areas/villages/{area.v1.pk}/edit/" in html_of(
            client.get(f"/areas/villages/{area.v1.pk}/")
        )
        client.force_login(role_users[RoleKind.VILLAGE_CLERK])
        html = html_of(client.get(f"/areas/villages/{area.v1.pk}/"))
        assert f"/areas/villages/{area.v1.pk}/edit/" not in html
        assert f"/areas/villages/{area.v1.pk}/roster/" in html


@pytest.mark.django_db
class TestGridMaintenance:
    def test_adds_a_grid_to_a_village(self, admin, area):
        response = admin.post(
            f"/areas/villages/{area.v1.pk}/grids/new/",
            {"code": "V1G3", "name": "第1村第3网格", "centre_lat": "", "centre_lng": ""},
            follow=True,
        )
        grid = Grid.objects.get(village=area.v1, code="V1G3")
        assert response.redirect_chain[-1][0] == f"/areas/grids/{grid.pk}/"
        assert "已添加网格第1村第3网格" in html_of(response)
        assert "第1村第3网格" in html_of(admin.get(f"/areas/villages/{area.v1.pk}/"))

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"code": "V1G1", "name": "新网格"}, "本村已有使用此编码的网格"),
            ({"code": "V1G9", "name": "第1村第2网格"}, "本村已有同名的网格"),
            ({"code": "V1 G9", "name": "新网格"}, "只能使用字母、数字"),
        ],
    )
    def test_refuses_a_taken_or_malformed_code_or_name(self, admin, area, data, message):
        before = list(Grid.objects.values_list("code", "name").order_by("pk"))
        response = admin.post(f"/areas/villages/{area.v1.pk}/grids/new/", data)
        assert response.status_code == 200
        assert message in html_of(response)
        assert list(Grid.objects.values_list("code", "name").order_by("pk")) == before

    def test_the_same_grid_code_may_be_used_in_another_village(self, admin, area):
        admin.post(f"/areas/villages/{area.v2.pk}/grids/new/", {"code": "V1G1", "name": "借码"})
        assert Grid.objects.filter(village=area.v2, code="V1G1").exists()

    def test_edits_a_grid(self, admin, area):
        response = admin.post(
            f"/areas/grids/{area.g12.pk}/edit/",
            village_form(name="东片网格", boundary_text=json.dumps(POLYGON)),
        )
        assert response.status_code == 302
        grid = Grid.objects.get(pk=area.g12.pk)
        assert (grid.name, grid.code, grid.boundary) == ("东片网格", "V1G2", POLYGON)

    def test_grid_edit_bad_boundary_changes_nothing(self, admin, area):
        before = snapshot(Grid, pk=area.g12.pk)
        response = admin.post(
            f"/areas/grids/{area.g12.pk}/edit/", village_form(boundary_text="[1, 2]")
        )
        assert "不能是" in html_of(response)
        assert snapshot(Grid, pk=area.g12.pk) == before

    def test_adds_a_micro_grid_to_a_grid(self, admin, area):
        response = admin.post(
            f"/areas/grids/{area.g12.pk}/microgrids/new/",
            {"code": "V1G2M3", "name": "第1村第2网格第3微网格"},
            follow=True,
        )
        assert "已添加微网格第1村第2网格第3微网格" in html_of(response)
        assert MicroGrid.objects.filter(grid=area.g12, code="V1G2M3").exists()

    def test_a_taken_micro_grid_code_changes_nothing(self, admin, area):
        count = MicroGrid.objects.count()
        response = admin.post(
            f"/areas/grids/{area.g12.pk}/microgrids/new/", {"code": "V1G2M1", "name": "重复"}
        )
        assert "本网格已有使用此编码的微网格" in html_of(response)
        assert MicroGrid.objects.count() == count

    def test_grid_leader_cannot_reach_another_grids_forms(self, client, role_users, area):
        client.force_login(role_users[RoleKind.GRID_LEADER])
        assert client.get(f"/areas/grids/{area.g12.pk}/edit/").status_code == 404
        assert client.get(f"/areas/grids/{area.g11.pk}/edit/").status_code == 403
        response = client.post(
            f"/areas/grids/{area.g11.pk}/microgrids/new/", {"code": "X", "name": "X"}
        )
        assert response.status_code == 403
        assert not MicroGrid.objects.filter(code="X").exists()

    def test_department_handler_gets_404_for_village_forms(self, client, role_users, area):
        client.force_login(role_users[RoleKind.DEPARTMENT_HANDLER])
        response = client.post(
            f"/areas/villages/{area.v1.pk}/grids/new/", {"code": "X", "name": "X"}
        )
        assert response.status_code == 404
        assert not Grid.objects.filter(code="X").exists()
