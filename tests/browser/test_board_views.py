"""Saved views on the dispatch board in Chromium: a dispatcher filters the board, saves the
filters as a named tab, comes back to them with one tap and shares them; a second dispatcher
(another browser) finds the shared tab with the author's name and can use it, not change it."""

import re

import pytest
from playwright.sync_api import expect

from conftest import make_user
from huaisi.roles import RoleKind
from tickets.board_filters import BoardFilters
from tickets.models import BoardView, Category, Source, WorkOrder
from tickets.services import board_view_save, order_create

from .test_accessibility import axe_violations
from .test_phone_layout import OVERFLOW_REPORT

pytestmark = pytest.mark.browser

NAME = "本周超期·城管"


@pytest.fixture
def desk(area, staff):
    class Desk:
        city = Category.objects.create(town=area.town, name="城市管理")
        env = Category.objects.create(town=area.town, name="环境保护")
        command = staff[RoleKind.COMMAND_CENTRE]
        command_town = area.town
        colleague = make_user(
            "u_command2", kind=RoleKind.COMMAND_CENTRE, scope=area.town, first_name="钱伟"
        )

    def new_order(title: str, category: Category) -> WorkOrder:
        order, _created = order_create(
            actor=Desk.command, town=area.town, source=Source.HOTLINE, category=category,
            title=title, description="请处理。", caller_phone="13912345678", village=area.v1,
        )  # fmt: skip
        return order

    Desk.new_order = staticmethod(new_order)
    return Desk


def check_layout(page) -> None:
    """axe finds nothing serious; on a phone the page does not scroll sideways (the tabs scroll
    inside their strip) and every tab and the strip's buttons are thumb-sized."""
    assert axe_violations(page) == []
    layout = page.evaluate(OVERFLOW_REPORT)
    assert layout["scrollWidth"] <= layout["viewportWidth"], layout
    for target in page.locator(".saved-tabs a, .saved-form summary, .saved-form button").all():
        if target.is_visible():
            box = target.bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44, target.inner_text()


def test_a_saved_view_is_a_tab_that_a_colleague_can_use(
    page, desktop_page, url, login, desk, zh, screenshot
):
    if page.viewport_size["width"] > 390:
        page.set_viewport_size({"width": 1366, "height": 900})
    desk.new_order("占道经营", desk.city)
    desk.new_order("河道漂浮垃圾", desk.env)
    rows = page.locator(".order-rows")
    login(page, desk.command)
    page.goto(url("/orders/board/"))
    expect(rows).to_contain_text("河道漂浮垃圾")
    # Filter the board (htmx redraws the list) and save the filters under a name.
    page.locator("#board-category").select_option(label="城市管理")
    expect(rows).not_to_contain_text("河道漂浮垃圾")
    page.locator("#board-sort").select_option("deadline")
    expect(page).to_have_url(re.compile(r"sort=deadline"))  # htmx pushed the filtered address
    page.get_by_text(zh("Save these filters as a view")).click()
    page.locator("#view-name").fill(NAME)
    page.get_by_role("button", name=zh("Save"), exact=True).click()
    current = page.locator(".saved-tabs a[aria-current=page]")
    expect(current).to_have_text(NAME)
    expect(page.locator("#saved-views [role=status]")).to_contain_text(NAME)
    assert BoardView.objects.get().query == f"view=new&category={desk.city.pk}&sort=deadline"

    # The unfiltered board shows every order and the tab, not as the current one.
    page.goto(url("/orders/board/"))
    expect(rows).to_contain_text("河道漂浮垃圾")
    expect(current).to_have_count(0)
    page.get_by_role("link", name=NAME).click()
    expect(rows).to_contain_text("占道经营")
    expect(rows).not_to_contain_text("河道漂浮垃圾")
    expect(current).to_have_text(NAME)
    expect(page.locator("#board-category")).to_have_value(str(desk.city.pk))

    # Share it with the team.
    page.get_by_text(zh("Change “%(name)s”") % {"name": NAME}).click()
    page.get_by_role("button", name=zh("Share with the team")).click()
    expect(current).to_contain_text(zh("shared"))
    expect(page.locator("#saved-views [role=status]")).to_contain_text(NAME)
    assert BoardView.objects.get().shared
    # More tabs than a phone's width: they scroll inside their strip, never the page.
    for owner, name, filters in (
        (desk.command, "河道·环境", BoardFilters(view="open", category=desk.env)),
        (desk.command, "待回访", BoardFilters(view="open", state="reviewed")),
        (desk.colleague, "超期·全部", BoardFilters(view="overdue")),
    ):
        board_view_save(
            actor=owner, town=desk.command_town, name=name, filters=filters, shared=True
        )
    page.reload()
    expect(page.locator(".saved-tabs a")).to_have_count(4)
    expect(current).to_contain_text(NAME)
    check_layout(page)
    screenshot(page, "board-saved-views")

    # A second dispatcher, in a browser of their own, has it as a tab with the author's name.
    other = desktop_page
    login(other, desk.colleague)
    other.goto(url("/orders/board/"))
    by = zh("shared by %(name)s") % {"name": desk.command.first_name}
    tab = other.get_by_role("link", name=f"{NAME} · {by}")
    expect(tab).to_be_visible()
    tab.click()
    expect(other.locator(".order-rows")).not_to_contain_text("河道漂浮垃圾")
    expect(other.locator(".saved-tabs a[aria-current=page]")).to_have_count(1)
    # Theirs to use, not to change.
    expect(other.get_by_text(zh("Change “%(name)s”") % {"name": NAME})).to_have_count(0)
    expect(other.locator(".saved-note")).to_be_visible()
