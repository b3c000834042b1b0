"""Work orders in the browser:

(a) an order arrives from the city platform through the intake API; the command centre
    dispatches it; the department returns it with a reason; it is re-dispatched to another
    department, accepted, an extension is requested and approved, replied, reviewed, called
    back as dissatisfied, handled again, reviewed, called back and closed — the timeline shows
    every step and the platform reads the final reply back through the API;
(b) a grid leader, on a phone, reports a problem fixed on the spot and it closes at once;
(c) the supervision team publishes a month's report whose rates match the hand-computed ones.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from huaisi.roles import RoleKind
from tickets.models import Callback, Category, Source, StandardItem, State, WorkOrder
from tickets.services import order_create, order_exclude_from_assessment, order_score, unit_for
from tickets.services.clients import api_client_create
from tickets.worktime import TZ

pytestmark = pytest.mark.browser

REASON_RETURN = "该事项属于第2局职责范围，请改派"
REASON_EXTEND = "需协调农机部门现场取证"
FIRST_REPLY = "已到现场扑灭明火，并对当事人进行了批评教育。"
SECOND_REPLY = "已再次走访来电人，秸秆已全部清运，并安排网格员每日巡查。"


@pytest.fixture
def city(area, staff, other_role_users):
    """Categories, the units, the city platform's client token, and names for the staff."""

    class City:
        env = Category.objects.create(town=area.town, name="环境保护")
        straw = Category.objects.create(town=area.town, parent=env, name="秸秆焚烧")
        d1 = unit_for(department=area.d1)
        d2 = unit_for(department=area.d2)
        command = staff[RoleKind.COMMAND_CENTRE]
        handler1 = staff[RoleKind.DEPARTMENT_HANDLER]
        handler2 = other_role_users[RoleKind.DEPARTMENT_HANDLER]
        leader = staff[RoleKind.GRID_LEADER]
        supervisor = staff[RoleKind.SUPERVISOR]

    City.handler2.first_name = "钱伟"
    City.handler2.save(update_fields=["first_name"])
    unit_for(village=area.v1)
    _client, City.token = api_client_create(town=area.town, name="扬州12345平台")
    return City


def as_user(page, login, user) -> None:
    page.context.clear_cookies()
    login(page, user)


def open_order(page, url, order) -> None:
    page.goto(url(f"/orders/{order.pk}/"))
    expect(page.locator("h1")).to_contain_text(order.number)


def act(page, name: str, button: str, *, texts=None, radio=None, select=None) -> None:
    """Fill and post the action form `#act-<name>` of the order page, by field names."""
    box = page.locator(f"#act-{name}")
    expect(box).to_be_visible()
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    for field, value in (texts or {}).items():
        box.locator(f"[name={field}]").fill(value)
    if radio:
        field, value = radio
        box.locator(f"input[name={field}][value={value}]").check()
    if select:
        field, label = select
        box.locator(f"select[name={field}]").select_option(label=label)
    box.get_by_role("button", name=button).click()
    expect(page.locator(".message.success")).to_be_visible()


def timeline_actions(page) -> list[str]:
    classes = page.locator("ol.timeline > li").evaluate_all("els => els.map(e => e.className)")
    return [re.search(r"event-(\S+)", c)[1] for c in classes]


def test_an_order_from_the_city_platform_through_every_step(
    desktop_page, url, login, zh, screenshot, city
):
    page = desktop_page
    api = page.request
    auth = {"Authorization": f"Bearer {city.token}"}

    # The city platform posts the order.
    sent = api.post(
        url("/api/hotline/orders"),
        headers=auth,
        data={
            "source": "hotline",
            "upstream_number": "YZ12345-20261127-0042",
            "category": city.straw.pk,
            "urgency": "urgent",
            "title": "田间焚烧秸秆",
            "description": "第1村东侧田里有人焚烧秸秆，浓烟影响行车。",
            "caller_name": "王先生",
            "caller_phone": "13912345678",
            "village": "V1",
            "address": "第1村东侧农田",
        },
    )
    assert sent.status == 201, sent.text()
    number = sent.json()["number"]
    order = WorkOrder.objects.get(number=number)
    assert order.source == Source.HOTLINE and order.state == State.NEW

    # The command centre finds it on the board and dispatches it to department 1.
    as_user(page, login, city.command)
    page.goto(url("/orders/board/"))
    row = page.locator(f"#order-{order.pk}")
    expect(row).to_contain_text(number)
    row.locator("a.row-title").click()
    expect(page.locator("h1")).to_contain_text(number)
    expect(page.locator("dl.facts")).to_contain_text("139****5678")
    act(page, "dispatch", zh("Dispatch"), select=("lead_unit", "第1局"))

    # Department 1 returns it: not theirs.
    as_user(page, login, city.handler1)
    page.goto(url("/orders/inbox/"))
    page.locator(f"#order-{order.pk} a.row-title").click()
    act(page, "return", zh("Return the order"), texts={"reason": REASON_RETURN})
    expect(page.locator("ol.timeline")).to_contain_text(REASON_RETURN)

    # Re-dispatched to department 2, which accepts and asks for three more working days.
    as_user(page, login, city.command)
    open_order(page, url, order)
    act(page, "dispatch", zh("Dispatch"), select=("lead_unit", "第2局"))
    as_user(page, login, city.handler2)
    open_order(page, url, order)
    act(page, "accept", zh("Accept"))
    act(page, "extend", zh("Request an extension"),
        texts={"working_days": "3", "reason": REASON_EXTEND})  # fmt: skip
    due_before = WorkOrder.objects.get(pk=order.pk).reply_due

    # The command centre approves the extension; the department replies.
    as_user(page, login, city.command)
    open_order(page, url, order)
    act(page, "extension-decide", zh("Decide the extension request"), radio=("decision", "approve"))
    assert WorkOrder.objects.get(pk=order.pk).reply_due > due_before
    as_user(page, login, city.handler2)
    open_order(page, url, order)
    act(page, "reply", zh("Reply"), texts={"text": FIRST_REPLY})

    # Reviewed and called back: the caller is not satisfied, so the order goes back.
    as_user(page, login, city.command)
    open_order(page, url, order)
    act(page, "review", zh("Review the reply"), radio=("decision", "approve"))
    act(page, "callback", zh("Call back the caller"), radio=("result", "dissatisfied"),
        texts={"note": "来电人称仍有秸秆堆放"})  # fmt: skip
    assert WorkOrder.objects.get(pk=order.pk).state == State.REWORK

    # Handled again, reviewed, the caller satisfied, closed.
    as_user(page, login, city.handler2)
    open_order(page, url, order)
    act(page, "reply", zh("Reply"), texts={"text": SECOND_REPLY})
    as_user(page, login, city.command)
    open_order(page, url, order)
    act(page, "review", zh("Review the reply"), radio=("decision", "approve"))
    act(page, "callback", zh("Call back the caller"), radio=("result", "satisfied"))
    act(page, "close", zh("Close"))

    assert timeline_actions(page) == [
        "create", "dispatch", "return", "dispatch", "accept", "extension_request",
        "extension_approve", "reply", "review_approve", "callback", "reply", "review_approve",
        "callback", "close",
    ]  # fmt: skip
    timeline = page.locator("ol.timeline")
    for text in (REASON_RETURN, REASON_EXTEND, FIRST_REPLY, SECOND_REPLY, "第1局", "第2局"):
        expect(timeline).to_contain_text(text)
    expect(page.locator(".reply")).to_contain_text(SECOND_REPLY)
    screenshot(page, "tickets-order-closed")
    closed = WorkOrder.objects.get(pk=order.pk)
    assert (closed.state, closed.return_count, closed.rework_count) == (State.CLOSED, 1, 1)
    assert closed.satisfaction == "satisfied"

    # The city platform reads the answer back.
    answer = api.get(url(f"/api/hotline/orders/{number}"), headers=auth)
    assert answer.status == 200
    assert answer.json()["status"] == "closed" and answer.json()["reply"] == SECOND_REPLY
    assert answer.json()["lead_unit"] == "第2局"


def test_a_grid_leader_reports_a_problem_fixed_on_the_spot(
    phone_page, url, login, zh, screenshot, city, area
):
    page = phone_page
    login(page, city.leader)
    page.goto(url("/orders/report/"))
    form = page.locator("main form").last
    form.locator("select[name=category]").select_option(value=str(city.straw.pk))
    form.locator("[name=title]").fill("路边有人焚烧垃圾")
    form.locator("[name=description]").fill("第1村第1网格路口有人焚烧垃圾，已劝阻并扑灭。")
    form.locator("input[name=handled_on_spot]").check()
    form.locator("[name=on_spot_note]").fill("现场劝阻，用灭火器扑灭，已清理灰烬。")
    form.locator("button[type=submit]").click()

    expect(page.locator(".message.success")).to_be_visible()
    order = WorkOrder.objects.get(source=Source.GRID)
    expect(page).to_have_url(url(f"/orders/{order.pk}/"))
    assert (order.state, order.handled_on_spot, order.grid) == (State.CLOSED, True, area.g11)
    assert order.lead_unit is None and order.created_by == city.leader
    assert timeline_actions(page) == ["create", "on_spot"]
    expect(page.locator("ol.timeline")).to_contain_text("用灭火器扑灭")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the order page is {width}px wide"
    screenshot(page, "tickets-on-spot")


# --- (c) A month with known orders ------------------------------------------------------------

OCTOBER = datetime.date(2026, 10, 1)


def _t(day: int, hour: int = 9, month: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=TZ)


def _order(city, unit, n, *, dispatched, accept_due, reply_due, accepted=None, replied=None,
           on_time=None, rework=0, state="in_progress"):  # fmt: skip
    """An order as the workflow would have left it (times set directly: the month is past)."""
    order, _created = order_create(
        actor=None, town=unit.town, source=Source.HOTLINE, category=city.env,
        title=f"十月工单{n}", description="督查样本", upstream_number=f"OCT-{n}",
    )  # fmt: skip
    WorkOrder.objects.filter(pk=order.pk).update(
        state=state, lead_unit=unit, dispatched_at=dispatched, accept_due=accept_due,
        accepted_at=accepted, reply_due=reply_due, first_replied_at=replied, replied_at=replied,
        replied_on_time=on_time, rework_count=rework,
    )  # fmt: skip
    return WorkOrder.objects.get(pk=order.pk)


@pytest.fixture
def october(city):
    """Department 1: five orders that count (two of them still open), scores 100 and 70,
    callbacks 3 of 4 satisfied, one of three replied re-handled, and one order left out of
    assessment; department 2: one perfect order scored 90."""
    c = city
    items = [
        StandardItem.objects.create(town=c.d1.town, title="签收及时", max_points=20, position=1),
        StandardItem.objects.create(town=c.d1.town, title="答复完整", max_points=50, position=2),
        StandardItem.objects.create(town=c.d1.town, title="佐证齐全", max_points=30, position=3),
    ]
    o1 = _order(c, c.d1, 1, dispatched=_t(8), accepted=_t(8, 10), accept_due=_t(8, 11),
                reply_due=_t(15), replied=_t(12), on_time=True, state="closed")  # fmt: skip
    o2 = _order(c, c.d1, 2, dispatched=_t(9), accepted=_t(9, 15), accept_due=_t(9, 11),
                reply_due=_t(16), replied=_t(13), on_time=True, rework=1, state="closed")  # fmt: skip
    o3 = _order(c, c.d1, 3, dispatched=_t(12), accepted=_t(12, 10), accept_due=_t(12, 11),
                reply_due=_t(19), replied=_t(21), on_time=False, state="called_back")  # fmt: skip
    _order(c, c.d1, 4, dispatched=_t(13), accepted=_t(13, 10), accept_due=_t(13, 11),
           reply_due=_t(20))  # fmt: skip
    _order(c, c.d1, 5, dispatched=_t(31, 16), accept_due=_t(2, 10, month=11),
           reply_due=_t(9, 10, month=11), state="dispatched")  # fmt: skip
    left_out = _order(c, c.d1, 6, dispatched=_t(14), accepted=_t(16), accept_due=_t(14, 11),
                      reply_due=_t(15))  # fmt: skip
    order_exclude_from_assessment(actor=c.command, order=left_out, reason="无理诉求")
    d2 = _order(c, c.d2, 7, dispatched=_t(10), accepted=_t(10, 10), accept_due=_t(10, 11),
                reply_due=_t(17), replied=_t(14), on_time=True, state="closed")  # fmt: skip
    for order, result in [(o1, "satisfied"), (o2, "dissatisfied"), (o2, "very_satisfied"),
                          (o3, "satisfied"), (d2, "very_satisfied")]:  # fmt: skip
        Callback.objects.create(
            order=order, unit=order.lead_unit, result=result, by=c.command, at=_t(20)
        )
    for order, values in [(o1, (20, 50, 30)), (o2, (20, 30, 20)), (d2, (20, 40, 30))]:
        order_score(
            actor=c.supervisor,
            order=order,
            points={item.pk: v for item, v in zip(items, values, strict=True)},
        )
    return c


def test_the_supervision_report_of_a_month_matches_the_hand_computed_rates(
    desktop_page, url, login, zh, screenshot, october
):
    page = desktop_page
    login(page, october.supervisor)
    page.goto(url("/orders/supervision/figures/?month=2026-10"))
    page.get_by_role("button", name=zh("Publish the report for this month")).click()
    expect(page.locator(".message.success")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("2026-10")

    rows = page.locator("table.figures tbody tr")
    expect(rows).to_have_count(2)
    # Department 2 first: 100% on time, score 90, all satisfied, nothing re-handled.
    expect(rows.nth(0).locator("td")).to_have_text(
        ["1", "第2局", "1", re.compile(r"100\.0%\s*1/1"), re.compile(r"100\.0%\s*1/1"),
         re.compile(r"90\.0\s*\(1\)"), re.compile(r"100\.0%\s*1/1"), re.compile(r"0\.0%\s*0/1"),
         "98.0"]
    )  # fmt: skip
    # Department 1, by hand, published after 9 November (so order 5, dispatched on the 31st,
    # is late to accept and to reply): acceptance 3/5, reply 2/5, score (100 + 70) / 2,
    # satisfaction 3/4, re-handling 1/3; overall (60 + 40 + 85 + 75 + 66.67) / 5 = 65.33.
    expect(rows.nth(1).locator("td")).to_have_text(
        ["2", "第1局", "5", re.compile(r"60\.0%\s*3/5"), re.compile(r"40\.0%\s*2/5"),
         re.compile(r"85\.0\s*\(2\)"), re.compile(r"75\.0%\s*3/4"), re.compile(r"33\.3%\s*1/3"),
         "65.3"]
    )  # fmt: skip
    screenshot(page, "tickets-supervision-report")
