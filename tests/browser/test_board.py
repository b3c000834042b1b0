"""The command centre's dispatch board in Chromium: each row's dispatch controls are copied
from the page's one shared form and unit list, and work as if sent with the row."""

import pytest
from playwright.sync_api import expect

from huaisi.roles import RoleKind
from tickets.models import Category, Source, State, WorkOrder
from tickets.services import order_create, unit_for

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(area, staff):
    class Desk:
        env = Category.objects.create(town=area.town, name="环境保护")
        d1 = unit_for(department=area.d1)
        d2 = unit_for(department=area.d2)
        v1 = unit_for(village=area.v1)
        command = staff[RoleKind.COMMAND_CENTRE]

    def new_order(title: str) -> WorkOrder:
        order, _created = order_create(
            actor=Desk.command, town=area.town, source=Source.HOTLINE, category=Desk.env,
            title=title, description="请处理。", caller_phone="13912345678", village=area.v1,
        )  # fmt: skip
        return order

    Desk.new_order = staticmethod(new_order)
    return Desk


def test_a_row_is_dispatched_from_the_shared_controls(page, url, login, desk, zh, screenshot):
    first = desk.new_order("村东河道漂浮垃圾")
    second = desk.new_order("路灯不亮")
    login(page, desk.command)
    page.goto(url("/orders/board/"))
    row = page.locator(f"#order-{first.pk}")
    lead = row.locator(f"#lead-{first.pk}")
    # The row's lists were filled from the page's one list of units.
    expect(lead.locator("option")).to_have_count(1 + 3)
    expect(row.locator(f"label[for=co-{first.pk}]")).to_have_count(1)
    expect(page.locator(f"#lead-{second.pk} option")).to_have_count(1 + 3)
    screenshot(page, "board-to-dispatch")
    lead.select_option(label=str(desk.d2))
    row.get_by_role("button", name=zh("Dispatch")).click()
    expect(page.locator(f"#order-{first.pk} .row-message")).to_contain_text(first.number)
    first.refresh_from_db()
    assert first.state == State.DISPATCHED and first.lead_unit == desk.d2
    # The other row still has its own form, and the redrawn one none.
    expect(page.locator(f"#order-{first.pk} form.dispatch-form")).to_have_count(0)
    expect(page.locator(f"#order-{second.pk} form.dispatch-form")).to_have_count(1)


def test_chosen_rows_are_dispatched_together(page, url, login, desk, zh, screenshot):
    orders = [desk.new_order(f"批量派单{n}") for n in range(3)]
    login(page, desk.command)
    page.goto(url("/orders/board/"))
    for order in orders[:2]:
        page.get_by_role("checkbox", name=order.number).check()
    expect(page.locator("[data-bulk-count]")).to_have_text("2")
    page.locator("#bulk-unit").select_option(label=str(desk.v1))
    screenshot(page, "board-bulk")
    page.get_by_role("button", name=zh("Dispatch the chosen")).click()
    expect(page.locator(".messages")).to_contain_text(orders[0].number)
    for order in orders:
        order.refresh_from_db()
    assert [o.lead_unit for o in orders] == [desk.v1, desk.v1, None]
    # Only the third is still waiting, with its own controls.
    expect(page.locator("li[data-dispatch]")).to_have_count(1)


def test_a_handler_takes_an_order_on_in_the_inbox(page, url, login, desk, staff, zh, screenshot):
    from tickets.services import order_accept, order_dispatch

    handler = staff[RoleKind.DEPARTMENT_HANDLER]
    order = order_dispatch(actor=desk.command, order=desk.new_order("井盖缺失"), lead_unit=desk.d1)
    order_accept(actor=handler, order=order)
    login(page, handler)
    page.goto(url("/orders/inbox/?who=unassigned"))
    row = page.locator(f"#order-{order.pk}")
    row.get_by_role("button", name=zh("Take it on")).click()
    expect(page.locator(f"#order-{order.pk} .row-message")).to_contain_text(order.number)
    expect(page.locator(f"#order-{order.pk}")).to_contain_text(handler.first_name)
    order.refresh_from_db()
    assert order.handler == handler
    page.goto(url("/orders/inbox/?who=mine"))
    expect(page.locator(f"#order-{order.pk}")).to_be_visible()
    screenshot(page, "inbox-mine")
