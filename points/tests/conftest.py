"""Points fixtures on the shared test town: signed households in V1 and V2, a small rulebook,
and the staff who record and review (two assessors in V1, so one can review the other)."""

import datetime
import itertools
import uuid

import pytest
from django.utils import timezone

from conftest import make_user
from households.models import Household
from huaisi.roles import RoleKind
from points import services
from points.models import Entry, Rule

PACT = datetime.date(2025, 1, 1)
_numbers = itertools.count(1)


def new_household(microgrid, *, pact: datetime.date | None = PACT, number: str | None = None):
    return Household.objects.create(
        number=number or f"PH-{next(_numbers):05d}", microgrid=microgrid, pact_signed_on=pact
    )


def key() -> str:
    return uuid.uuid4().hex


def last_month() -> datetime.date:
    from huaisi.periods import previous_month

    return previous_month()


@pytest.fixture
def rules(area):
    town = area.town
    common = {"town": town, "valid_from": datetime.date(2025, 1, 1)}
    return {
        "mediation": Rule.objects.create(
            code="ZD-01", group="key_work", category="矛盾调处", title="调解邻里纠纷",
            points=10, **common,
        ),
        "burning": Rule.objects.create(
            code="ZD-02", group="key_work", category="秸秆禁烧", title="焚烧秸秆",
            points=-20, **common,
        ),
        "volunteer": Rule.objects.create(
            code="MF-01", group="civil_customs", category="志愿服务", title="参加志愿服务",
            points=5, monthly_cap=10, **common,
        ),
        "photo": Rule.objects.create(
            code="ZD-03", group="key_work", category="人居环境", title="庭院整洁",
            points=3, requires_photo=True, **common,
        ),
    }  # fmt: skip


@pytest.fixture
def staff(role_users, area):
    """clerk, assessor and a second assessor of V1; the V2 assessor."""
    second = make_user("assessor_b", kind=RoleKind.ASSESSOR, scope=area.v1)
    other = make_user("assessor_v2", kind=RoleKind.ASSESSOR, scope=area.v2)
    return {
        "clerk": role_users[RoleKind.VILLAGE_CLERK],
        "assessor": role_users[RoleKind.ASSESSOR],
        "assessor_b": second,
        "assessor_v2": other,
        "grid_leader": role_users[RoleKind.GRID_LEADER],
        "town_admin": role_users[RoleKind.TOWN_ADMIN],
    }


@pytest.fixture
def household(area):
    return new_household(area.m111)


def record(household, rule, staff, *, deed_date=None, basis="依据", **extra) -> Entry:
    return services.entry_record(
        household=household,
        rule=rule,
        deed_date=deed_date or timezone.localdate(),
        basis=basis,
        method=Entry.Method.SITE_VISIT,
        recorded_by=staff["clerk"],
        idempotency_key=extra.pop("idempotency_key", key()),
        **extra,
    )


def earn(household, rule, staff, **kw) -> Entry:
    """An approved entry (clerk records, assessor approves)."""
    return services.entry_approve(
        entry=record(household, rule, staff, **kw), reviewer=staff["assessor"]
    )
