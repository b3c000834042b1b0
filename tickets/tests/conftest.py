"""A small hotline set-up on the shared test town: one category tree with deadline rules, the
units (both departments, village V1), and named staff."""

import pytest

from huaisi.roles import RoleKind
from tickets.models import Category, DeadlineRule, Source, StandardItem, Urgency
from tickets.services import order_create, unit_for


class Hotline:
    pass


@pytest.fixture
def hotline(area, role_users, other_role_users):
    h = Hotline()
    h.area = area
    h.town = area.town
    h.env = Category.objects.create(town=area.town, name="环境保护")
    h.straw = Category.objects.create(town=area.town, parent=h.env, name="秸秆焚烧")
    h.roads = Category.objects.create(town=area.town, name="道路交通")
    DeadlineRule.objects.create(
        category=h.env, urgency=Urgency.NORMAL, accept_working_hours=2, reply_working_days=5
    )
    DeadlineRule.objects.create(
        category=h.straw, urgency=Urgency.URGENT, accept_working_hours=1, reply_working_days=1
    )
    h.d1 = unit_for(department=area.d1)
    h.d2 = unit_for(department=area.d2)
    h.v1 = unit_for(village=area.v1)
    h.command = role_users[RoleKind.COMMAND_CENTRE]
    h.supervisor = role_users[RoleKind.SUPERVISOR]
    h.admin = role_users[RoleKind.TOWN_ADMIN]
    h.handler = role_users[RoleKind.DEPARTMENT_HANDLER]  # D1
    h.other_handler = other_role_users[RoleKind.DEPARTMENT_HANDLER]  # D2
    h.clerk = role_users[RoleKind.VILLAGE_CLERK]  # V1
    h.other_clerk = other_role_users[RoleKind.VILLAGE_CLERK]  # V2
    h.leader = role_users[RoleKind.GRID_LEADER]  # V1G1
    h.worker = role_users[RoleKind.MICROGRID_WORKER]  # V1G1M1
    h.other_leader = other_role_users[RoleKind.GRID_LEADER]  # V2G1
    h.items = [
        StandardItem.objects.create(town=area.town, title="签收及时", max_points=20, position=1),
        StandardItem.objects.create(
            town=area.town, title="答复内容完整", max_points=50, position=2
        ),
        StandardItem.objects.create(
            town=area.town, title="佐证材料齐全", max_points=30, position=3
        ),
    ]

    def new_order(**overrides):
        fields = {
            "actor": h.command,
            "town": h.town,
            "source": Source.HOTLINE,
            "category": h.env,
            "title": "河道有垃圾",
            "description": "村东河道漂浮垃圾较多，请处理。",
            "caller_name": "王先生",
            "caller_phone": "13912345678",
            "village": area.v1,
            "address": "第1村东河",
        }
        fields.update(overrides)
        order, _created = order_create(**fields)
        return order

    h.new_order = new_order
    return h
