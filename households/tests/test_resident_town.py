"""A resident's town, kept by the database from its household's micro-grid, grid and village
(the register search's indexes lead with it): right on every insert and after every move,
whoever writes, with no audit rows of its own."""

import pytest
from pghistory.models import Events

from conftest import make_user
from households import services
from households.models import Resident
from households.selectors import resident_search_for_user
from households.tests.factories import HouseholdFactory, MicroGridFactory, ResidentFactory
from huaisi.roles import RoleKind

pytestmark = pytest.mark.django_db


def town_of(resident) -> int | None:
    return Resident.objects.values_list("town_id", flat=True).get(pk=resident.pk)


def resident_events(resident) -> int:
    return Events.objects.tracks(resident).count()


@pytest.fixture
def elsewhere():
    """A micro-grid in a town of its own (with its grid and village)."""
    return MicroGridFactory()


def test_a_new_resident_gets_the_town_of_its_household(area, elsewhere):
    assert town_of(ResidentFactory(household=HouseholdFactory(microgrid=area.m211))) == (
        area.town.pk
    )
    assert town_of(ResidentFactory(household=HouseholdFactory(microgrid=elsewhere))) == (
        elsewhere.grid.village.town_id
    )


def test_saving_an_instance_that_never_read_its_town_keeps_it(area):
    resident = ResidentFactory(household=HouseholdFactory(microgrid=area.m111))
    assert resident.town_id is None  # the database set it; this instance never read it back
    resident.note = "复核"
    resident.save()
    assert town_of(resident) == area.town.pk


def test_a_resident_moved_to_a_household_in_another_town_follows_it(area, elsewhere):
    resident = ResidentFactory(household=HouseholdFactory(microgrid=area.m111))
    Resident.objects.filter(pk=resident.pk).update(household=HouseholdFactory(microgrid=elsewhere))
    assert town_of(resident) == elsewhere.grid.village.town_id


def test_a_merge_into_a_household_of_another_town_moves_its_members(area, elsewhere):
    source = HouseholdFactory(microgrid=area.m111)
    target = HouseholdFactory(microgrid=elsewhere)
    ResidentFactory(household=target, head=True)
    member = ResidentFactory(household=source, head=True)

    services.household_merge(source=source, target=target)

    assert town_of(member) == elsewhere.grid.village.town_id


@pytest.mark.parametrize("moved", ["household", "microgrid", "grid", "village"])
def test_residents_follow_their_area_to_another_town(area, elsewhere, moved):
    household = HouseholdFactory(microgrid=area.m111)
    resident = ResidentFactory(household=household)
    neighbour = ResidentFactory(household=HouseholdFactory(microgrid=area.m112))  # same grid
    other_village = ResidentFactory(household=HouseholdFactory(microgrid=area.m211))
    events = resident_events(resident)
    new_town = elsewhere.grid.village.town_id

    if moved == "household":
        household.microgrid = elsewhere
        household.save(update_fields=["microgrid"])
    elif moved == "microgrid":
        area.m111.grid = elsewhere.grid
        area.m111.save(update_fields=["grid"])
    elif moved == "grid":
        area.g11.village = elsewhere.grid.village
        area.g11.save(update_fields=["village"])
    else:
        area.v1.town_id = new_town
        area.v1.save(update_fields=["town"])

    assert town_of(resident) == new_town
    # Only what moved: the micro-grid next door moves with its grid or village, the other
    # village's residents with nothing here.
    assert town_of(neighbour) == (new_town if moved in ("grid", "village") else area.town.pk)
    assert town_of(other_village) == area.town.pk
    # A derived value: the audit trail has the household's or area's change, not the resident's.
    assert resident_events(resident) == events


def test_the_search_finds_a_resident_in_the_town_it_now_lies_in(area, role_users, elsewhere):
    household = HouseholdFactory(microgrid=area.m111)
    ResidentFactory(household=household, name="欧阳明")
    command = role_users[RoleKind.COMMAND_CENTRE]
    assert [r.name for r in resident_search_for_user(user=command, query="欧阳")] == ["欧阳明"]

    household.microgrid = elsewhere
    household.save(update_fields=["microgrid"])

    assert list(resident_search_for_user(user=command, query="欧阳")) == []
    # The new town's command centre finds them: the search reads the new town's index rows.
    their_command = make_user(
        "command-elsewhere", kind=RoleKind.COMMAND_CENTRE, scope=elsewhere.grid.village.town
    )
    found = resident_search_for_user(user=their_command, query="欧阳")
    assert [r.name for r in found] == ["欧阳明"]
