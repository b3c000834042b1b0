"""A volunteer team in village V1 of the test town, led by the V1 volunteer leader, with two
members: one a resident of a household that signed the civility pact, one a name only; and
the town's "volunteer service" rule."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from households.models import Household, Resident
from points.models import VOLUNTEER_RULE_CODE, Rule
from volunteers.models import Membership, Team, Volunteer

JOINED = datetime.date(2025, 1, 1)


@pytest.fixture
def rule(town):
    return Rule.objects.create(
        town=town,
        code=VOLUNTEER_RULE_CODE,
        group="civil_customs",
        category="志愿服务",
        title="参加志愿服务活动",
        points=5,
        monthly_cap=20,
        valid_from=datetime.date(2025, 1, 1),
    )


@pytest.fixture
def household(area):
    household = Household.objects.create(
        number="VOL-1", microgrid=area.m111, pact_signed_on=datetime.date(2025, 1, 1)
    )
    return household


@pytest.fixture
def resident(household):
    return Resident.objects.create(
        household=household,
        name="李志愿",
        name_initials="lzy",
        name_pinyin="lizhiyuan",
        gender="F",
        birth_date=datetime.date(1980, 5, 1),
        phone="13912345678",
        relation="head",
    )


@pytest.fixture
def team(area, role_users):
    from huaisi.roles import RoleKind

    return Team.objects.create(
        town=area.town,
        village=area.v1,
        name="第1村志愿服务队",
        service_type="general",
        leader=role_users[RoleKind.VOLUNTEER_LEADER],
        leader_name="王队长",
    )


@pytest.fixture
def members(team, area, resident):
    linked = Volunteer.objects.create(
        town=area.town, village=area.v1, name=resident.name, resident=resident, phone=resident.phone
    )
    plain = Volunteer.objects.create(town=area.town, village=area.v1, name="赵热心", phone="")
    for person in (linked, plain):
        Membership.objects.create(team=team, volunteer=person, role="patroller", joined_on=JOINED)
    return {"linked": linked, "plain": plain}


def photo_upload(name: str = "p.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
