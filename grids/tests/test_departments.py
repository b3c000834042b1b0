"""Departments (局办): the town administrator's list, adding and editing one, its handlers."""

import pytest
from django.forms.models import model_to_dict

from conftest import make_user
from grids.models import Department
from grids.services import staff_profile_set
from huaisi.models import Role
from huaisi.roles import RoleKind


def html_of(response) -> str:
    return response.content.decode()


def departments() -> list[dict]:
    return [model_to_dict(d) for d in Department.objects.order_by("pk")]


@pytest.fixture
def admin(client, role_users):
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    return client


@pytest.mark.django_db
class TestDepartmentList:
    def test_lists_departments_with_their_handlers_and_phones(self, admin, role_users):
        handler = role_users[RoleKind.DEPARTMENT_HANDLER]
        handler.first_name = "赵敏"
        handler.save(update_fields=["first_name"])
        staff_profile_set(user=handler, phone="17000000021")
        html = html_of(admin.get("/areas/departments/"))
        assert "第1局" in html and "第2局" in html
        assert "赵敏" in html and 'href="tel:17000000021"' in html
        assert "暂无" in html  # the second department has no handler yet

    def test_is_in_the_administrators_and_the_command_centres_navigation(
        self, client, role_users, django_user_model
    ):
        # Twice on the home page: in the menu and as a tile.
        for kind in (RoleKind.TOWN_ADMIN, RoleKind.COMMAND_CENTRE):
            client.force_login(role_users[kind])
            assert html_of(client.get("/")).count('href="/areas/departments/"') == 2
        client.force_login(role_users[RoleKind.DEPARTMENT_HANDLER])
        assert 'href="/areas/departments/"' not in html_of(client.get("/"))
        # Both entries apply to a superuser; the page is listed once.
        client.force_login(django_user_model.objects.create_superuser("root", password="x"))
        assert html_of(client.get("/")).count('href="/areas/departments/"') == 2

    def test_the_command_centre_reads_it_without_changing_it(
        self, client, role_users, area, django_assert_num_queries
    ):
        handler = role_users[RoleKind.DEPARTMENT_HANDLER]
        staff_profile_set(user=handler, phone="17000000021")
        client.force_login(role_users[RoleKind.COMMAND_CENTRE])
        client.get("/areas/departments/")
        with django_assert_num_queries(4):
            html = html_of(client.get("/areas/departments/"))
        assert "第1局" in html and 'href="tel:17000000021"' in html
        assert "/areas/departments/new/" not in html
        assert f"/areas/departments/{area.d1.pk}/edit/" not in html
        assert client.get("/areas/departments/new/").status_code == 403

    def test_query_count_does_not_grow_with_departments(
        self, admin, area, django_assert_num_queries
    ):
        admin.get("/areas/departments/")
        # user, roles, departments, their handlers (with accounts and phones)
        with django_assert_num_queries(4):
            admin.get("/areas/departments/")
        for i in range(10):
            department = Department.objects.create(town=area.town, code=f"X{i}", name=f"新局{i}")
            make_user(f"h{i}", kind=RoleKind.DEPARTMENT_HANDLER, scope=department)
        with django_assert_num_queries(4):
            assert "新局9" in html_of(admin.get("/areas/departments/"))

    @pytest.mark.parametrize("kind", [RoleKind.SUPERVISOR, RoleKind.DEPARTMENT_HANDLER])
    def test_other_roles_are_refused(self, client, role_users, kind):
        client.force_login(role_users[kind])
        assert client.get("/areas/departments/").status_code == 403


@pytest.mark.django_db
class TestDepartmentForms:
    def test_adds_a_department(self, admin, area):
        response = admin.post(
            "/areas/departments/new/",
            {"town": area.town.pk, "code": "D11", "name": "综合行政执法局"},
            follow=True,
        )
        department = Department.objects.get(code="D11")
        assert response.redirect_chain[-1][0] == f"/areas/departments/{department.pk}/edit/"
        assert "已添加部门综合行政执法局" in html_of(response)
        assert department.is_active

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"code": "D1", "name": "新局"}, "本镇已有使用此编码的部门"),
            ({"code": "D9", "name": "第2局"}, "本镇已有同名的部门"),
            ({"code": "D9", "name": ""}, "这个字段是必填项"),
        ],
    )
    def test_refuses_taken_codes_and_names(self, admin, area, data, message):
        before = departments()
        response = admin.post("/areas/departments/new/", {"town": area.town.pk, **data})
        assert message in html_of(response)
        assert departments() == before

    def test_renames_and_closes_a_department(self, admin, area):
        response = admin.post(
            f"/areas/departments/{area.d1.pk}/edit/", {"name": "农业农村局"}, follow=True
        )
        assert response.redirect_chain[-1][0] == "/areas/departments/"
        department = Department.objects.get(pk=area.d1.pk)
        assert (department.name, department.code, department.is_active) == (
            "农业农村局",
            "D1",
            False,
        )
        assert "已关闭" in html_of(response)

    def test_edit_refusal_keeps_the_department(self, admin, area):
        before = departments()
        response = admin.post(
            f"/areas/departments/{area.d1.pk}/edit/", {"name": "第2局", "is_active": "on"}
        )
        html = html_of(response)
        assert "本镇已有同名的部门" in html
        assert "<h1>第1局" in html
        assert departments() == before

    def test_live_code_check_returns_the_fields_errors(self, admin):
        response = admin.post(
            "/areas/departments/new/",
            {"code": "D 1"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TRIGGER_NAME="code",
        )
        html = html_of(response)
        assert "<html" not in html and "只能使用字母、数字" in html

    def test_assigns_a_handler(self, admin, area):
        make_user("handler", first_name="钱多多")
        response = admin.post(
            f"/areas/departments/{area.d2.pk}/handlers/new/",
            {
                "position": f"department_handler:{area.d2.pk}",
                "username": "handler",
                "starts_on": "2025-03-01",
            },
            follow=True,
        )
        assert response.redirect_chain[-1][0] == f"/areas/departments/{area.d2.pk}/edit/"
        assert Role.objects.filter(department=area.d2, user__username="handler").exists()
        assert "钱多多自 2025-03-01 起任第2局的部门经办人" in html_of(response)

    @pytest.mark.parametrize(
        ("kind", "status"),
        [
            (RoleKind.COMMAND_CENTRE, 403),
            (RoleKind.DEPARTMENT_HANDLER, 403),
            (RoleKind.VILLAGE_CLERK, 404),
        ],
    )
    def test_only_the_town_administrator_edits(self, client, role_users, area, kind, status):
        client.force_login(role_users[kind])
        before = departments()
        assert (
            client.post(f"/areas/departments/{area.d1.pk}/edit/", {"name": "改"}).status_code
            == status
        )
        assert client.post("/areas/departments/new/", {"code": "Z", "name": "Z"}).status_code == 403
        assert departments() == before
