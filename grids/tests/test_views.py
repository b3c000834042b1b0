"""Village and grid pages: full page, htmx fragment, export, and who may not see what."""

import csv
import io

import pytest

from huaisi.roles import RoleKind


def rows_of_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.django_db
class TestGridList:
    def test_town_role_sees_every_grid_with_its_leader(self, client, role_users, area):
        role_users[RoleKind.GRID_LEADER].first_name = "张网格长"
        role_users[RoleKind.GRID_LEADER].save(update_fields=["first_name"])
        client.force_login(role_users[RoleKind.COMMAND_CENTRE])
        html = client.get("/areas/grids/").content.decode()
        for name in ("第1村第1网格", "第1村第2网格", "第2村第1网格", "第2村第2网格"):
            assert name in html
        assert "张网格长" in html

    def test_grid_leader_sees_only_their_grid(self, client, role_users):
        client.force_login(role_users[RoleKind.GRID_LEADER])
        html = client.get("/areas/grids/").content.decode()
        assert "第1村第1网格" in html
        assert "第1村第2网格" not in html and "第2村第1网格" not in html

    def test_search_cannot_reach_outside_the_scope(self, client, role_users):
        client.force_login(role_users[RoleKind.GRID_LEADER])
        html = client.get("/areas/grids/", {"q": "第2村"}).content.decode()
        assert "第2村" not in html.split('id="grid-results"')[1]
        assert "没有符合条件的网格" in html

    def test_htmx_search_returns_only_the_results_fragment(self, client, role_users):
        client.force_login(role_users[RoleKind.COMMAND_CENTRE])
        response = client.get(
            "/areas/grids/", {"q": "第2村"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="grid-results"
        )
        html = response.content.decode()
        assert "<html" not in html and "<table" in html
        assert "第2村第1网格" in html and "第1村第1网格" not in html
        assert "HX-Request" in response["Vary"]

    def test_query_count_does_not_grow_with_the_number_of_grids(
        self, client, role_users, area, django_assert_num_queries
    ):
        from grids.models import Grid

        client.force_login(role_users[RoleKind.COMMAND_CENTRE])
        client.get("/areas/grids/")  # warm the session cache
        # user + roles + grids (leader and micro-grid count in the same query); the session
        # comes from the Redis cache
        with django_assert_num_queries(3):
            client.get("/areas/grids/")
        for i in range(20):
            Grid.objects.create(village=area.v2, code=f"X{i}", name=f"新网格{i}")
        with django_assert_num_queries(3):
            assert "新网格19" in client.get("/areas/grids/").content.decode()

    def test_department_handler_is_refused(self, client, role_users):
        client.force_login(role_users[RoleKind.DEPARTMENT_HANDLER])
        assert client.get("/areas/grids/").status_code == 403
        assert client.get("/areas/grids/", HTTP_HX_REQUEST="true").status_code == 403


@pytest.mark.django_db
class TestGridDetail:
    def test_shows_microgrids_and_their_workers(self, client, role_users, area):
        worker = role_users[RoleKind.MICROGRID_WORKER]
        worker.first_name = "李微网格员"
        worker.save(update_fields=["first_name"])
        client.force_login(role_users[RoleKind.GRID_LEADER])
        html = client.get(f"/areas/grids/{area.g11.pk}/").content.decode()
        assert "第1村第1网格第1微网格" in html and "第1村第1网格第2微网格" in html
        assert "李微网格员" in html

    def test_microgrid_worker_sees_only_their_own_microgrid(self, client, role_users, area):
        client.force_login(role_users[RoleKind.MICROGRID_WORKER])
        html = client.get(f"/areas/grids/{area.g11.pk}/").content.decode()
        assert "第1村第1网格第1微网格" in html
        assert "第1村第1网格第2微网格" not in html

    def test_another_grid_is_404_for_a_grid_leader(self, client, role_users, area):
        client.force_login(role_users[RoleKind.GRID_LEADER])
        assert client.get(f"/areas/grids/{area.g12.pk}/").status_code == 404
        assert client.get(f"/areas/grids/{area.g21.pk}/").status_code == 404


@pytest.mark.django_db
class TestVillagePages:
    def test_clerk_lists_own_village_with_counts(self, client, role_users):
        client.force_login(role_users[RoleKind.VILLAGE_CLERK])
        html = client.get("/areas/villages/").content.decode()
        assert "第1村" in html and "第2村" not in html

    def test_village_detail_lists_only_visible_grids(self, client, role_users, area):
        client.force_login(role_users[RoleKind.GRID_LEADER])
        html = client.get(f"/areas/villages/{area.v1.pk}/").content.decode()
        assert "第1村第1网格" in html and "第1村第2网格" not in html

    def test_other_village_is_404(self, client, role_users, area):
        client.force_login(role_users[RoleKind.VILLAGE_CLERK])
        assert client.get(f"/areas/villages/{area.v2.pk}/").status_code == 404


@pytest.mark.django_db
class TestExport:
    def test_grid_leader_exports_only_their_grid(self, client, role_users):
        client.force_login(role_users[RoleKind.GRID_LEADER])
        response = client.get("/areas/grids/export.csv")
        assert response["Content-Type"].startswith("text/csv")
        rows = rows_of_csv(response)
        assert rows[0][:3] == ["村(社区)", "网格编码", "网格"]
        assert [row[1] for row in rows[1:]] == ["V1G1"]

    def test_export_follows_the_search(self, client, role_users):
        client.force_login(role_users[RoleKind.COMMAND_CENTRE])
        rows = rows_of_csv(client.get("/areas/grids/export.csv", {"q": "第2村"}))
        assert [row[1] for row in rows[1:]] == ["V2G1", "V2G2"]

    def test_roles_without_export_are_refused(self, client, role_users):
        client.force_login(role_users[RoleKind.MICROGRID_WORKER])
        assert client.get("/areas/grids/export.csv").status_code == 403
