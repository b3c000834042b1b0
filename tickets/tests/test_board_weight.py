"""The board's weight: 50 rows waiting for dispatch in a town of ~60 units stay light, because
the unit list is sent once per page (a <template> every row's lists are filled from), not
twice per row."""

import pytest
from django.urls import reverse

from conftest import make_user
from grids.models import Department
from huaisi.roles import RoleKind
from tickets.board_filters import BoardFilters
from tickets.models import Unit
from tickets.services import board_view_save, order_dispatch
from tickets.views._common import PAGE_SIZE

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
BOARD_LIMIT = 40 * 1024


@pytest.fixture(autouse=True)
def _chinese(client, settings):
    # What the command centre reads (Chinese takes more bytes a character than English).
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"


@pytest.fixture
def busy_town(hotline):
    """Hotline's town grown to a realistic size: ~60 units (the town's departments and its
    villages), 55 orders waiting for dispatch (a full page and a next one), and ten units
    holding an open order each (the side panel's load table)."""
    h = hotline
    departments = Department.objects.bulk_create(
        Department(town=h.town, code=f"D{n:02}", name=f"槐泗镇第{n}综合执法中队")
        for n in range(10, 67)
    )
    units = Unit.objects.bulk_create(Unit(town=h.town, department=d) for d in departments)
    for unit in units[:10]:
        order_dispatch(actor=h.command, order=h.new_order(), lead_unit=unit)
    for n in range(PAGE_SIZE + 5):
        h.new_order(title=f"村东河道漂浮垃圾较多第{n}处", address=f"第1村东河{n}号")
    # Saved views as a command centre keeps them: a few of one's own, a few a colleague shares.
    colleague = make_user("u_command2", kind=RoleKind.COMMAND_CENTRE, scope=h.town)
    for owner, names in (
        (h.command, ("本周超期·城管", "河道", "待派·热线")),
        (colleague, ("超期", "回访")),
    ):
        for name in names:
            board_view_save(
                actor=owner,
                town=h.town,
                name=name,
                filters=BoardFilters(view="overdue", sort="deadline"),
                shared=True,
            )
    return h


def test_board_of_fifty_rows_to_dispatch_weighs_at_most_40_kb(
    client, busy_town, django_assert_num_queries
):
    h = busy_town
    units = Unit.objects.filter(town=h.town).count()
    assert units >= 60
    client.force_login(h.command)
    # 13 before saved views; the tabs above the board are one query more (issue 19).
    with django_assert_num_queries(14):
        response = client.get(reverse("order-board"))
    body = response.content.decode()
    assert body.count('<li class="order-row') == PAGE_SIZE
    assert body.count('class="dispatch-form"') == 1
    # Each unit is named once on the page (the one list the unit filter and every row's lists
    # are filled from), not twice per row.
    assert body.count("槐泗镇第66综合执法中队") == 1
    assert body.count("data-dispatch") == PAGE_SIZE
    assert body.count('<a href="?view=overdue&amp;sort=deadline"') == 5  # the saved views' tabs
    assert len(response.content) <= BOARD_LIMIT, len(response.content)
    # The htmx redraw of the live part carries no unit list at all.
    live = client.get(reverse("order-board"), HTTP_HX_TARGET="board-live", **HTMX)
    assert "槐泗镇第66综合执法中队" not in live.content.decode()
    assert len(live.content) < len(response.content)
