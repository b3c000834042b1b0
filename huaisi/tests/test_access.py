"""The one scoping function: who sees which rows, by role and scope."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from conftest import make_user
from grids.models import Department, Grid, MicroGrid, Village
from huaisi.access import get_for_user, may_see, user_can, visible_to
from huaisi.models import Role
from huaisi.roles import Capability, RoleKind
from huaisi.selectors import roles_in_force
from huaisi.services import role_assign, role_end


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


@pytest.mark.django_db
class TestVisibleTo:
    def test_town_roles_see_the_whole_town(self, role_users):
        user = role_users[RoleKind.COMMAND_CENTRE]
        assert codes(visible_to(user, Grid.objects.all())) == ["V1G1", "V1G2", "V2G1", "V2G2"]
        assert codes(visible_to(user, Department.objects.all())) == ["D1", "D2"]

    def test_village_clerk_sees_own_village_only(self, role_users):
        user = role_users[RoleKind.VILLAGE_CLERK]
        assert codes(visible_to(user, Village.objects.all())) == ["V1"]
        assert codes(visible_to(user, Grid.objects.all())) == ["V1G1", "V1G2"]
        assert codes(visible_to(user, MicroGrid.objects.all())) == [
            "V1G1M1",
            "V1G1M2",
            "V1G2M1",
            "V1G2M2",
        ]

    def test_grid_leader_sees_own_grid_and_the_village_containing_it(self, role_users):
        user = role_users[RoleKind.GRID_LEADER]
        assert codes(visible_to(user, Grid.objects.all())) == ["V1G1"]
        assert codes(visible_to(user, MicroGrid.objects.all())) == ["V1G1M1", "V1G1M2"]
        assert codes(visible_to(user, Village.objects.all())) == ["V1"]
        assert codes(visible_to(user, Department.objects.all())) == []

    def test_microgrid_worker_sees_own_microgrid_and_its_grid(self, role_users):
        user = role_users[RoleKind.MICROGRID_WORKER]
        assert codes(visible_to(user, MicroGrid.objects.all())) == ["V1G1M1"]
        assert codes(visible_to(user, Grid.objects.all())) == ["V1G1"]

    def test_department_handler_sees_own_department_and_no_area(self, role_users):
        user = role_users[RoleKind.DEPARTMENT_HANDLER]
        assert codes(visible_to(user, Department.objects.all())) == ["D1"]
        assert codes(visible_to(user, Village.objects.all())) == []
        assert codes(visible_to(user, Grid.objects.all())) == []

    def test_user_without_role_sees_nothing(self, town, user_without_role):
        assert codes(visible_to(user_without_role, Village.objects.all())) == []

    def test_several_roles_add_up(self, area):
        user = make_user("two_hats", kind=RoleKind.GRID_LEADER, scope=area.g11)
        role_assign(user=user, kind=RoleKind.MICROGRID_WORKER, scope=area.m211)
        assert codes(visible_to(user, Grid.objects.all())) == ["V1G1", "V2G1"]

    def test_capability_narrows_to_the_roles_holding_it(self, area):
        # A micro-grid worker may view but not export; the grid-leader role may export.
        user = make_user("mixed", kind=RoleKind.MICROGRID_WORKER, scope=area.m211)
        role_assign(user=user, kind=RoleKind.GRID_LEADER, scope=area.g11)
        exportable = visible_to(user, Grid.objects.all(), capability=Capability.EXPORT_AREAS)
        assert codes(exportable) == ["V1G1"]

    def test_ended_and_future_roles_give_nothing(self, area):
        user = make_user("former", kind=RoleKind.GRID_LEADER, scope=area.g11)
        role_end(role=Role.objects.get(user=user), ends_on=datetime.date(2025, 6, 30))
        future = make_user("future")
        role_assign(
            user=future,
            kind=RoleKind.GRID_LEADER,
            scope=area.g12,
            starts_on=datetime.date(2099, 1, 1),
        )
        assert codes(visible_to(user, Grid.objects.all())) == []
        assert codes(visible_to(future, Grid.objects.all())) == []

    def test_inactive_user_sees_nothing(self, role_users):
        user = role_users[RoleKind.COMMAND_CENTRE]
        user.is_active = False
        assert codes(visible_to(user, Grid.objects.all())) == []
        assert not user_can(user, Capability.VIEW_AREAS)

    def test_get_for_user_hides_rows_outside_scope_as_404(self, role_users, area):
        user = role_users[RoleKind.GRID_LEADER]
        assert get_for_user(user, Grid.objects.all(), pk=area.g11.pk) == area.g11
        with pytest.raises(Http404):
            get_for_user(user, Grid.objects.all(), pk=area.g12.pk)

    def test_grants_are_read_once_per_user_object(self, role_users, django_assert_num_queries):
        user = role_users[RoleKind.VILLAGE_CLERK]
        user.__dict__.pop("_huaisi_grants", None)
        with django_assert_num_queries(3):
            list(visible_to(user, Grid.objects.all()))
            list(visible_to(user, Village.objects.all()))
            user_can(user, Capability.EXPORT_AREAS)

    def test_the_role_lookup_of_every_request_equals_the_roster(self, role_users, area):
        # grants_for reads the roles with one hand-written query; it must give what the roster
        # (roles_in_force, the ORM) gives, for every kind of scope, ended and future roles too.
        from huaisi.access import _ANCESTOR_IDS, role_rows

        user = make_user("many_hats", kind=RoleKind.ASSESSOR, scope=area.v2)
        role_assign(user=user, kind=RoleKind.DEPARTMENT_HANDLER, scope=area.d2)
        role_end(
            role=role_assign(
                user=user,
                kind=RoleKind.VOLUNTEER_LEADER,
                scope=area.v1,
                starts_on=datetime.date(2025, 1, 1),
            ),
            ends_on=datetime.date(2025, 6, 30),
        )
        users = [*role_users.values(), user]
        for on in (datetime.date(2025, 6, 30), datetime.date(2025, 7, 1), datetime.date.today()):
            for someone in users:
                expected = list(
                    roles_in_force(on=on)
                    .filter(user=someone)
                    .order_by("pk")
                    .values("kind", *_ANCESTOR_IDS)
                )
                assert role_rows(user_id=someone.pk, on=on) == expected
        assert len(role_rows(user_id=user.pk, on=datetime.date.today())) == 2

    def test_may_see_decides_in_memory_as_visible_to_does_in_sql(
        self, role_users, area, django_assert_num_queries
    ):
        # get_for_user's capability check and the pages' "may edit" links read the grants in
        # memory when the row's areas are loaded; they must agree with the SQL filter.
        from households.models import Household
        from households.tests.factories import HouseholdFactory

        for microgrid in (area.m111, area.m211):
            HouseholdFactory(microgrid=microgrid)
        households = list(Household.objects.select_related("microgrid__grid__village"))
        grids = list(Grid.objects.select_related("village"))
        for user in role_users.values():
            for capability in (Capability.VIEW_RESIDENTS, Capability.EDIT_RESIDENTS):
                for rows, model in ((households, Household), (grids, Grid)):
                    expected = set(
                        visible_to(user, model.objects.all(), capability=capability).values_list(
                            "pk", flat=True
                        )
                    )
                    with django_assert_num_queries(0):
                        seen = {row.pk for row in rows if may_see(user, row, capability=capability)}
                    assert seen == expected, (user.username, capability, model.__name__)
        # Without its areas loaded, a row costs one EXISTS instead of a query per hop.
        bare = Household.objects.get(pk=households[0].pk)
        leader = role_users[RoleKind.GRID_LEADER]
        with django_assert_num_queries(1):
            may_see(leader, bare, capability=Capability.VIEW_RESIDENTS)


@pytest.mark.django_db
class TestRoster:
    def test_new_microgrid_worker_ends_the_previous_assignment(self, area):
        first = make_user("first", kind=RoleKind.MICROGRID_WORKER, scope=area.m111)
        second = make_user("second")
        role_assign(
            user=second,
            kind=RoleKind.MICROGRID_WORKER,
            scope=area.m111,
            starts_on=datetime.date(2026, 3, 1),
        )

        old = Role.objects.get(user=first)
        assert old.ends_on == datetime.date(2026, 2, 28)
        on_feb = roles_in_force(on=datetime.date(2026, 2, 15)).filter(microgrid=area.m111)
        on_mar = roles_in_force(on=datetime.date(2026, 3, 1)).filter(microgrid=area.m111)
        assert [r.user.username for r in on_feb] == ["first"]
        assert [r.user.username for r in on_mar] == ["second"]

    def test_successor_must_start_after_the_current_holder(self, area):
        make_user("holder", kind=RoleKind.GRID_LEADER, scope=area.g11)  # from 2025-01-01
        with pytest.raises(ValidationError):
            role_assign(
                user=make_user("early"),
                kind=RoleKind.GRID_LEADER,
                scope=area.g11,
                starts_on=datetime.date(2025, 1, 1),
            )
        assert (
            Role.objects.filter(grid=area.g11, ends_on__isnull=True).get().user.username == "holder"
        )

    def test_assigning_the_same_role_twice_keeps_one_row(self, area):
        user = make_user("twice", kind=RoleKind.VILLAGE_CLERK, scope=area.v1)
        role_assign(user=user, kind=RoleKind.VILLAGE_CLERK, scope=area.v1)
        assert Role.objects.filter(user=user).count() == 1

    def test_database_refuses_a_role_scoped_to_the_wrong_level(self, area):
        user = make_user("wrong")
        with pytest.raises(IntegrityError), transaction.atomic():
            Role.objects.create(user=user, kind=RoleKind.GRID_LEADER, village=area.v1)

    def test_database_refuses_two_open_leaders_of_one_grid(self, area):
        make_user("a", kind=RoleKind.GRID_LEADER, scope=area.g11)
        with pytest.raises(IntegrityError), transaction.atomic():
            Role.objects.create(user=make_user("b"), kind=RoleKind.GRID_LEADER, grid=area.g11)

    def test_a_role_cannot_end_twice(self, area):
        user = make_user("ending", kind=RoleKind.ASSESSOR, scope=area.v1)
        role = Role.objects.get(user=user)
        role_end(role=role, ends_on=datetime.date(2026, 1, 1))
        with pytest.raises(ValidationError):
            role_end(role=Role.objects.get(pk=role.pk), ends_on=datetime.date(2026, 2, 1))
