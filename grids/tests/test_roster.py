"""Village rosters: who held which seat on which day, with work phones; assigning and ending
roles; and refusals that leave the roster as it was."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from conftest import make_user
from grids.models import Grid, MicroGrid, StaffProfile
from grids.services import staff_profile_set
from huaisi.models import Role
from huaisi.roles import RoleKind
from huaisi.services import role_assign

START = datetime.date(2025, 1, 1)


def roster_rows() -> list[tuple]:
    return list(
        Role.objects.order_by("pk").values_list(
            "pk", "user_id", "kind", "village_id", "grid_id", "microgrid_id", "starts_on", "ends_on"
        )
    )


def html_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def named_staff(role_users):
    """The V1-side staff with Chinese names and work phones, as real accounts have them."""
    names = {
        RoleKind.VILLAGE_CLERK: ("孙丽", "17000000011"),
        RoleKind.ASSESSOR: ("吴海峰", "17000000012"),
        RoleKind.VOLUNTEER_LEADER: ("郑晓燕", "17000000013"),
        RoleKind.GRID_LEADER: ("王建国", "17000000014"),
        RoleKind.MICROGRID_WORKER: ("刘芳", "17000000015"),
        RoleKind.TOWN_ADMIN: ("周立新", "17000000016"),
    }
    for kind, (name, phone) in names.items():
        user = role_users[kind]
        user.first_name = name
        user.save(update_fields=["first_name"])
        staff_profile_set(
            user=user, phone=phone, title="村党总支委员" if kind == "assessor" else ""
        )
    return role_users


@pytest.fixture
def admin(client, named_staff):
    client.force_login(named_staff[RoleKind.TOWN_ADMIN])
    return client


@pytest.mark.django_db
class TestRosterPage:
    def test_lists_village_staff_grid_leaders_and_workers_with_full_phones(
        self, client, named_staff, area
    ):
        client.force_login(named_staff[RoleKind.COMMAND_CENTRE])
        html = html_of(client.get(f"/areas/villages/{area.v1.pk}/roster/"))
        for name, phone in [
            ("孙丽", "17000000011"),
            ("吴海峰", "17000000012"),
            ("郑晓燕", "17000000013"),
            ("王建国", "17000000014"),
            ("刘芳", "17000000015"),
        ]:
            assert name in html
            # Staff work phones are official contact numbers: shown in full, tap to call.
            assert f'href="tel:{phone}"' in html
        assert "村党总支委员" in html
        for area_name in ("第1村第1网格", "第1村第2网格", "第1村第1网格第2微网格"):
            assert area_name in html
        # Seats without a holder are shown as vacant, so a printout shows the gaps.
        assert "空缺" in html
        assert "第2村第1网格" not in html

    def test_a_micro_grid_worker_sees_the_village_staff_and_only_their_own_grid(
        self, client, named_staff, area
    ):
        client.force_login(named_staff[RoleKind.MICROGRID_WORKER])
        html = html_of(client.get(f"/areas/villages/{area.v1.pk}/roster/"))
        assert "孙丽" in html and "王建国" in html
        assert "第1村第1网格第1微网格" in html
        assert "第1村第1网格第2微网格" not in html
        assert "第1村第2网格" not in html

    def test_another_village_or_a_department_handler_gets_404(self, client, named_staff, area):
        client.force_login(named_staff[RoleKind.VILLAGE_CLERK])
        assert client.get(f"/areas/villages/{area.v2.pk}/roster/").status_code == 404
        client.force_login(named_staff[RoleKind.DEPARTMENT_HANDLER])
        response = client.get(
            f"/areas/villages/{area.v1.pk}/roster/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="roster"
        )
        assert response.status_code == 404

    def test_past_date_shows_who_held_the_seat_then(self, admin, named_staff, area):
        successor = make_user("successor", first_name="陈新来")
        staff_profile_set(user=successor, phone="17100000001")
        response = admin.post(
            f"/areas/villages/{area.v1.pk}/roster/new/",
            {
                "position": f"microgrid_worker:{area.m111.pk}",
                "username": "successor",
                "starts_on": "2025-07-01",
            },
        )
        assert response.status_code == 302

        before = html_of(admin.get(f"/areas/villages/{area.v1.pk}/roster/?on=2025-06-30"))
        assert "2025-06-30 各岗位人员" in before
        table = before.split('class="table roster"')[1]
        row = table.split("第1村第1网格第1微网格")[1].split("</tr>")[0]
        assert "刘芳" in row and "17000000015" in row and "2025-06-30" in row
        assert "陈新来" not in table

        after = html_of(admin.get(f"/areas/villages/{area.v1.pk}/roster/?on=2025-07-01"))
        table = after.split('class="table roster"')[1]
        row = table.split("第1村第1网格第1微网格")[1].split("</tr>")[0]
        assert "陈新来" in row and "17100000001" in row
        assert "刘芳" not in table

    def test_a_bad_date_says_so_and_shows_today(self, client, named_staff, area):
        client.force_login(named_staff[RoleKind.GRID_LEADER])
        html = html_of(client.get(f"/areas/villages/{area.v1.pk}/roster/?on=2025-02-30"))
        assert "“2025-02-30”不是形如 2025-06-30 的日期，现显示今天的名单" in html
        assert f"{timezone.localdate().isoformat()} 各岗位人员" in html
        assert "王建国" in html

    def test_htmx_date_change_returns_only_the_roster_fragment(self, client, named_staff, area):
        client.force_login(named_staff[RoleKind.VILLAGE_CLERK])
        response = client.get(
            f"/areas/villages/{area.v1.pk}/roster/",
            {"on": "2024-12-31"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="roster",
        )
        html = html_of(response)
        assert "<html" not in html and 'class="table roster"' in html
        # Nobody was on the roster before the roles began.
        assert "孙丽" not in html and "空缺" in html
        assert "HX-Request" in response["Vary"]

    def test_page_is_printable(self, client, named_staff, area):
        client.force_login(named_staff[RoleKind.VILLAGE_CLERK])
        html = html_of(client.get(f"/areas/villages/{area.v1.pk}/roster/"))
        assert "data-print" in html and "print-button.js" in html
        assert 'class="print-only printed-at"' in html

    def test_query_count_does_not_grow_with_grids_and_micro_grids(
        self, client, named_staff, area, django_assert_num_queries
    ):
        client.force_login(named_staff[RoleKind.TOWN_ADMIN])
        url = f"/areas/villages/{area.v1.pk}/roster/"
        client.get(url)  # warm the session cache
        # user, roles, village, grids, micro-grids, the roster's roles (the capability check
        # is decided from the roles in memory)
        with django_assert_num_queries(6):
            client.get(url)
        for g in range(5):
            grid = Grid.objects.create(village=area.v1, code=f"N{g}", name=f"新网格{g}")
            role_assign(
                user=make_user(f"leader{g}"), kind=RoleKind.GRID_LEADER, scope=grid, starts_on=START
            )
            for m in range(4):
                micro = MicroGrid.objects.create(
                    grid=grid, code=f"N{g}M{m}", name=f"新微网格{g}{m}"
                )
                worker = make_user(f"worker{g}{m}")
                staff_profile_set(user=worker, phone=f"171000{g:02d}{m:03d}")
                role_assign(
                    user=worker, kind=RoleKind.MICROGRID_WORKER, scope=micro, starts_on=START
                )
        with django_assert_num_queries(6):
            html = html_of(client.get(url))
        assert "新微网格43" in html and "17100004003" in html


@pytest.mark.django_db
class TestAssign:
    def test_new_worker_ends_the_previous_workers_assignment(self, admin, named_staff, area):
        newcomer = make_user("newcomer", first_name="陈新来")
        response = admin.post(
            f"/areas/villages/{area.v1.pk}/roster/new/",
            {
                "position": f"microgrid_worker:{area.m111.pk}",
                "username": "newcomer",
                "starts_on": "2025-07-01",
            },
            follow=True,
        )
        assert (
            response.redirect_chain[-1][0] == f"/areas/villages/{area.v1.pk}/roster/?on=2025-07-01"
        )
        html = html_of(response)
        assert "陈新来自 2025-07-01 起任第1村第1网格第1微网格的微网格员" in html
        assert "刘芳在该岗位的任期已于 2025-06-30 结束" in html
        old = Role.objects.get(user=named_staff[RoleKind.MICROGRID_WORKER])
        assert old.ends_on == datetime.date(2025, 6, 30)
        new = Role.objects.get(user=newcomer)
        assert (new.kind, new.microgrid_id, new.starts_on, new.ends_on) == (
            RoleKind.MICROGRID_WORKER,
            area.m111.pk,
            datetime.date(2025, 7, 1),
            None,
        )

    @pytest.mark.parametrize("starts_on", ["2025-01-01", "2024-12-01"])
    def test_successor_starting_on_or_before_the_holders_start_is_refused(
        self, admin, named_staff, area, starts_on
    ):
        make_user("newcomer")
        before = roster_rows()
        response = admin.post(
            f"/areas/villages/{area.v1.pk}/roster/new/",
            {
                "position": f"grid_leader:{area.g11.pk}",
                "username": "newcomer",
                "starts_on": starts_on,
            },
        )
        assert response.status_code == 200
        assert "现任人员自 2025-01-01 起任职，接任日期必须晚于该日" in html_of(response)
        assert roster_rows() == before

    def test_refused_assignment_does_not_keep_the_new_account(self, admin, named_staff, area):
        before = roster_rows()
        users = get_user_model().objects.count()
        response = admin.post(
            f"/areas/villages/{area.v1.pk}/roster/new/",
            {
                "position": f"grid_leader:{area.g11.pk}",
                "new_username": "zhang_san",
                "full_name": "张三",
                "phone": "17100000002",
                "password": "槐泗-新同事-2025",
                "starts_on": "2024-06-01",
            },
        )
        assert "接任日期必须晚于该日" in html_of(response)
        assert get_user_model().objects.count() == users
        assert not StaffProfile.objects.filter(phone="17100000002").exists()
        assert roster_rows() == before

    def test_town_admin_creates_an_account_while_assigning(self, admin, named_staff, area, client):
        response = admin.post(
            f"/areas/villages/{area.v1.pk}/roster/new/",
            {
                "position": f"microgrid_worker:{area.m112.pk}",
                "new_username": "zhang_san",
                "full_name": "张三",
                "phone": "+86 171-0000-0003",
                "title": "网格员",
                "password": "槐泗-新同事-2025",
                "starts_on": timezone.localdate().isoformat(),
            },
            follow=True,
        )
        assert response.redirect_chain[-1][0] == f"/areas/villages/{area.v1.pk}/roster/"
        html = html_of(response)
        assert "张三" in html and 'href="tel:17100000003"' in html
        user = get_user_model().objects.get(username="zhang_san")
        assert not user.is_staff and not user.is_superuser
        assert user.staff_profile.phone == "17100000003"
        client.logout()
        assert client.login(username="zhang_san", password="槐泗-新同事-2025")

    @pytest.mark.parametrize(
        ("overrides", "field_message"),
        [
            ({"phone": "1234567"}, "请填写以 1 开头的 11 位手机号"),
            ({"phone": "23912345678"}, "请填写以 1 开头的 11 位手机号"),
            ({"password": "123"}, "密码长度太短，至少需要 8 个字符"),
            ({"new_username": "u_grid_leader"}, "该用户名已被使用"),
            ({"full_name": ""}, "新建账号需要填写此项"),
        ],
    )
    def test_bad_new_account_details_change_nothing(
        self, admin, named_staff, area, overrides, field_message
    ):
        users = get_user_model().objects.count()
        before = roster_rows()
        data = {
            "position": f"microgrid_worker:{area.m112.pk}",
            "new_username": "zhang_san",
            "full_name": "张三",
            "phone": "17100000003",
            "password": "槐泗-新同事-2025",
            "starts_on": "2025-07-01",
            **overrides,
        }
        response = admin.post(f"/areas/villages/{area.v1.pk}/roster/new/", data)
        assert field_message in html_of(response)
        assert get_user_model().objects.count() == users
        assert roster_rows() == before

    def test_both_or_neither_person_is_refused(self, admin, named_staff, area):
        before = roster_rows()
        url = f"/areas/villages/{area.v1.pk}/roster/new/"
        position = f"microgrid_worker:{area.m112.pk}"
        neither = admin.post(url, {"position": position, "starts_on": "2025-07-01"})
        assert "请填写已有账号的用户名，或填写新账号信息" in html_of(neither)
        both = admin.post(
            url,
            {
                "position": position,
                "starts_on": "2025-07-01",
                "username": "u_grid_leader",
                "new_username": "zhang_san",
            },
        )
        assert "不能同时填写" in html_of(both)
        assert roster_rows() == before

    def test_an_earlier_holding_that_runs_past_the_new_start_is_refused(
        self, admin, named_staff, area
    ):
        admin.post(
            f"/areas/roles/{Role.objects.get(grid=area.g11).pk}/end/", {"ends_on": "2025-06-30"}
        )
        make_user("newcomer")
        before = roster_rows()
        response = admin.post(
            f"/areas/villages/{area.v1.pk}/roster/new/",
            {
                "position": f"grid_leader:{area.g11.pk}",
                "username": "newcomer",
                "starts_on": "2025-03-01",
            },
        )
        assert "该岗位此前的任期持续到 2025-06-30，新的任期必须晚于该日开始" in html_of(response)
        assert roster_rows() == before

    def test_position_link_preselects_the_seat_and_names_its_holder(self, admin, area):
        html = html_of(
            admin.get(
                f"/areas/villages/{area.v1.pk}/roster/new/?position=grid_leader:{area.g11.pk}"
            )
        )
        assert (
            f'<option value="grid_leader:{area.g11.pk}" selected>网格长 · 第1村第1网格（现任：王建国）'
            in html
        )

    def test_as_you_type_user_name_check_names_the_account(self, admin, area):
        response = admin.post(
            f"/areas/villages/{area.v1.pk}/roster/new/",
            {"username": "u_grid_leader"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TRIGGER_NAME="username",
        )
        assert "✓ 王建国的账号" in html_of(response)
        response = admin.post(
            f"/areas/villages/{area.v1.pk}/roster/new/",
            {"username": "nobody"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TRIGGER_NAME="username",
        )
        assert "没有使用该用户名的有效账号" in html_of(response)


@pytest.mark.django_db
class TestClerkAssigns:
    @pytest.fixture
    def clerk(self, client, named_staff):
        client.force_login(named_staff[RoleKind.VILLAGE_CLERK])
        return client

    def test_clerk_assigns_a_grid_leader_in_their_village(self, clerk, named_staff, area):
        make_user("newleader", first_name="钱进")
        response = clerk.post(
            f"/areas/villages/{area.v1.pk}/roster/new/",
            {
                "position": f"grid_leader:{area.g12.pk}",
                "username": "newleader",
                "starts_on": "2025-03-01",
            },
        )
        assert response.status_code == 302
        assert (
            Role.objects.get(grid=area.g12, kind=RoleKind.GRID_LEADER).user.username == "newleader"
        )

    def test_clerk_is_offered_only_grid_and_assessment_seats_and_no_new_accounts(self, clerk, area):
        html = html_of(clerk.get(f"/areas/villages/{area.v1.pk}/roster/new/"))
        assert f"grid_leader:{area.g11.pk}" in html and f"assessor:{area.v1.pk}" in html
        assert "village_clerk:" not in html and "volunteer_leader:" not in html
        assert 'name="new_username"' not in html

    def test_clerk_cannot_post_a_seat_they_were_not_offered(self, clerk, named_staff, area):
        make_user("newclerk")
        before = roster_rows()
        response = clerk.post(
            f"/areas/villages/{area.v1.pk}/roster/new/",
            {
                "position": f"village_clerk:{area.v1.pk}",
                "username": "newclerk",
                "starts_on": "2025-03-01",
            },
        )
        assert "请从列出的角色中选择" in html_of(response)
        assert roster_rows() == before

    def test_clerk_cannot_create_accounts_by_posting_the_fields(self, clerk, area):
        users = get_user_model().objects.count()
        response = clerk.post(
            f"/areas/villages/{area.v1.pk}/roster/new/",
            {
                "position": f"grid_leader:{area.g12.pk}",
                "new_username": "sneaky",
                "full_name": "某人",
                "phone": "17100000009",
                "password": "槐泗-新同事-2025",
                "starts_on": "2025-03-01",
            },
        )
        assert "请填写已有账号的用户名" in html_of(response)
        assert get_user_model().objects.count() == users

    def test_clerk_cannot_give_themselves_a_role(self, clerk, area):
        before = roster_rows()
        response = clerk.post(
            f"/areas/villages/{area.v1.pk}/roster/new/",
            {
                "position": f"assessor:{area.v1.pk}",
                "username": "u_village_clerk",
                "starts_on": "2025-03-01",
            },
        )
        assert "不能给自己的账号分配角色" in html_of(response)
        assert roster_rows() == before

    def test_clerk_gets_404_in_another_village(self, clerk, area):
        assert clerk.get(f"/areas/villages/{area.v2.pk}/roster/new/").status_code == 404

    def test_grid_leader_may_not_assign(self, client, named_staff, area):
        client.force_login(named_staff[RoleKind.GRID_LEADER])
        make_user("friend")
        before = roster_rows()
        response = client.post(
            f"/areas/villages/{area.v1.pk}/roster/new/",
            {
                "position": f"microgrid_worker:{area.m112.pk}",
                "username": "friend",
                "starts_on": "2025-03-01",
            },
        )
        assert response.status_code == 403
        assert roster_rows() == before
        roster = html_of(client.get(f"/areas/villages/{area.v1.pk}/roster/"))
        assert "/roster/new/" not in roster


@pytest.mark.django_db
class TestEndRole:
    def test_clerk_ends_a_grid_leaders_role(self, client, named_staff, area):
        client.force_login(named_staff[RoleKind.VILLAGE_CLERK])
        role = Role.objects.get(grid=area.g11, kind=RoleKind.GRID_LEADER)
        page = html_of(client.get(f"/areas/roles/{role.pk}/end/"))
        assert "王建国" in page and "网格长" in page
        response = client.post(
            f"/areas/roles/{role.pk}/end/", {"ends_on": "2025-08-31"}, follow=True
        )
        assert response.redirect_chain[-1][0] == f"/areas/villages/{area.v1.pk}/roster/"
        assert "王建国担任第1村第1网格网格长的任期于 2025-08-31 结束" in html_of(response)
        role.refresh_from_db()
        assert role.ends_on == datetime.date(2025, 8, 31)
        on_sept = html_of(client.get(f"/areas/villages/{area.v1.pk}/roster/?on=2025-09-01"))
        assert "王建国" not in on_sept

    def test_ending_before_the_start_is_refused_and_changes_nothing(self, admin, area):
        role = Role.objects.get(grid=area.g11, kind=RoleKind.GRID_LEADER)
        before = roster_rows()
        response = admin.post(f"/areas/roles/{role.pk}/end/", {"ends_on": "2024-12-31"})
        assert "角色的结束日期不能早于开始日期" in html_of(response)
        assert roster_rows() == before

    def test_an_ended_role_cannot_be_ended_again(self, admin, area):
        role = Role.objects.get(grid=area.g11, kind=RoleKind.GRID_LEADER)
        admin.post(f"/areas/roles/{role.pk}/end/", {"ends_on": "2025-08-31"})
        before = roster_rows()
        assert "该角色已经结束" in html_of(admin.get(f"/areas/roles/{role.pk}/end/"))
        response = admin.post(f"/areas/roles/{role.pk}/end/", {"ends_on": "2025-09-30"})
        assert "该角色已经结束" in html_of(response)
        assert roster_rows() == before

    def test_clerk_may_not_end_a_fellow_clerk_or_another_villages_roles(
        self, client, named_staff, other_role_users, area
    ):
        client.force_login(named_staff[RoleKind.VILLAGE_CLERK])
        colleague = make_user("clerk2", kind=RoleKind.VILLAGE_CLERK, scope=area.v1)
        before = roster_rows()
        colleague_role = Role.objects.get(user=colleague)
        assert (
            client.post(
                f"/areas/roles/{colleague_role.pk}/end/", {"ends_on": "2025-08-31"}
            ).status_code
            == 403
        )
        other = Role.objects.get(user=other_role_users[RoleKind.GRID_LEADER])
        assert client.get(f"/areas/roles/{other.pk}/end/").status_code == 404
        town_role = Role.objects.get(user=named_staff[RoleKind.TOWN_ADMIN])
        assert client.get(f"/areas/roles/{town_role.pk}/end/").status_code == 404
        assert roster_rows() == before
