"""Household points in the browser: the village-hall kiosk (a big touch screen, landscape or
portrait), the card on a phone, the PIN lockout, the clerk's entry through the assessor's
approval and the Celery worker's ranking to the kiosk, and the supermarket counter."""

import datetime
import re
import uuid
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from households.models import Household
from households.tests.factories import ResidentFactory
from huaisi.periods import previous_half, previous_month
from huaisi.roles import RoleKind
from points import services
from points.models import Entry, Rule

from .test_phone_layout import OVERFLOW_REPORT

pytestmark = pytest.mark.browser

PIN = "2468"
KIOSK_LANDSCAPE = {"width": 1920, "height": 1080}
KIOSK_PORTRAIT = {"width": 1080, "height": 1920}


@contextmanager
def screen_page(browser, viewport: dict, **options):
    """A page at a size the harness does not name (the kiosk's screens), failing on JavaScript
    errors and missing static files as the harness's pages do."""
    context = browser.new_context(
        viewport=viewport, locale="en-US", timezone_id="Asia/Shanghai", **options
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} for {r.url}")
            if r.status >= 400 and "/static/" in r.url
            else None
        ),
    )
    try:
        yield page
    finally:
        context.close()
    assert not problems, "The page had problems a user would see:\n" + "\n".join(problems)


@pytest.fixture
def kiosk_page(browser):
    with screen_page(browser, KIOSK_LANDSCAPE, has_touch=True) as page:
        yield page


def key() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def rulebook(area):
    common = {"town": area.town, "valid_from": datetime.date(2025, 1, 1), "group": "key_work"}
    return {
        "yard": Rule.objects.create(
            code="ZD-07", category="人居环境", title="庭院整洁、物品摆放有序", points=5,
            requires_photo=True, **common,
        ),
        "mediation": Rule.objects.create(
            code="ZD-01", category="矛盾调处", title="主动调解邻里矛盾纠纷", points=10, **common
        ),
        "burning": Rule.objects.create(
            code="ZD-06", category="秸秆禁烧", title="露天焚烧秸秆、垃圾", points=-20, **common
        ),
    }  # fmt: skip


def approved(household, rule, staff, *, day, basis) -> Entry:
    entry = services.entry_record(
        household=household, rule=rule, deed_date=day, basis=basis, method="site_visit",
        recorded_by=staff[RoleKind.VILLAGE_CLERK], idempotency_key=key(),
    )  # fmt: skip
    return services.entry_approve(entry=entry, reviewer=staff[RoleKind.ASSESSOR])


def make_village(area, staff, rulebook, *, publish_last_month: bool = True) -> dict:
    """Village 1: five signed households with points last month and in the last half year
    (钱 30, 孙 20, 欧阳 10, 周 10, 吴 0), the honour list (and last month's ranking) published,
    a store with goods, and the kiosk PIN 2468 on the passbooks of 钱 (points this month too,
    and a basket) and 周."""
    clerk = staff[RoleKind.VILLAGE_CLERK]
    month, half = previous_month(), previous_half()
    families = [("钱多多", 3), ("孙小梅", 2), ("欧阳明月", 1), ("周大勇", 1), ("吴桂英", 0)]
    households = []
    for n, (name, times) in enumerate(families):
        household = Household.objects.create(
            number=f"HS-{n + 1:04d}", microgrid=area.m111, pact_signed_on=datetime.date(2025, 1, 1)
        )
        ResidentFactory(household=household, head=True, name=name, phone=f"1398765432{n}")
        for day in {month + datetime.timedelta(days=4), half + datetime.timedelta(days=4)}:
            for _ in range(times):
                approved(household, rulebook["mediation"], staff, day=day, basis="调解邻里纠纷")
        households.append(household)
    if publish_last_month:
        services.ranking_publish(month=month)
    services.honours_publish(half=half)
    account, second = (
        services.account_set_pin(
            account=services.account_open(household=households[n], by=clerk), pin=PIN, by=clerk
        )
        for n in (0, 3)
    )
    approved(
        households[0], rulebook["mediation"], staff,
        day=datetime.date.today(), basis="调解张家与李家的宅基地边界纠纷，双方签字和解",
    )  # fmt: skip
    store = services.store_open(village=area.v1, name="槐泗村满满加油站", by=clerk)
    goods = {}
    for name, unit, price in (("大米 5kg", "袋", 50), ("食用油 1.8L", "桶", 60), ("牙膏", "支", 6)):
        goods[name] = services.good_create(
            store=store, by=clerk, name=name, unit=unit, price_points=price
        )
        services.stock_receive(good=goods[name], quantity=20, by=clerk, idempotency_key=key())
    services.redemption_create(
        store=store, household=households[0], lines=[(goods["牙膏"].pk, 2)], by=clerk,
        idempotency_key=key(),
    )  # fmt: skip
    account.refresh_from_db()
    return {
        "account": account,
        "second": second,
        "households": households,
        "store": store,
        "goods": goods,
    }


@pytest.fixture
def village(area, staff, rulebook):
    return make_village(area, staff, rulebook)


def kiosk_sign_in(page, passbook: str, pin: str) -> None:
    """Type as a resident would on the screen: tap the fields and the on-screen keypad."""
    form = page.locator("#kiosk-login-form")
    number = form.locator("#id_passbook_number")
    number.click()
    # The field starts with the village code; the keypad adds the digits after it.
    prefix = number.input_value()
    assert passbook.startswith(prefix), (passbook, prefix)
    for digit in passbook[len(prefix) :]:
        form.locator(f'[data-key="{digit}"]').tap()
    form.locator("#id_pin").click()
    for digit in pin:
        form.locator(f'[data-key="{digit}"]').tap()
    form.locator("button[type=submit]").click()


def test_kiosk_resident_checks_points_and_signs_out(kiosk_page, url, area, village, zh, screenshot):
    page = kiosk_page
    account = village["account"]
    page.goto(url(f"/kiosk/{area.v1.pk}/"))
    # The idle screen: the honour list and the ranking, names as notices print them.
    expect(page.locator(".honour-name").first).to_have_text("钱*多")
    expect(page.locator(".kiosk-board")).to_contain_text("欧**月")
    expect(page.locator(".kiosk-board")).not_to_contain_text("钱多多")
    screenshot(page, "kiosk-idle")

    kiosk_sign_in(page, account.passbook_number, PIN)
    expect(page).to_have_url(url("/kiosk/household/"))
    expect(page.get_by_test_id("balance")).to_have_text(str(account.balance))
    expect(page.get_by_test_id("month-points")).to_have_text("10")
    expect(page.get_by_test_id("rank")).to_have_text("1")
    expect(page.locator(".kiosk-entries")).to_contain_text("调解张家与李家的宅基地边界纠纷")
    expect(page.locator("main")).to_contain_text("牙膏 × 2")
    expect(page.locator("main")).to_contain_text("食用油 1.8L")
    assert not re.search(r"\d{11}", page.content()), "a phone-like number is on the kiosk"
    screenshot(page, "kiosk-household")

    page.get_by_role("button", name=zh("Done")).click()
    expect(page).to_have_url(re.compile(rf"/kiosk/{area.v1.pk}/\?ended=done$"))
    expect(page.locator(".kiosk-notice")).to_have_text(zh("You have signed out. Thank you!"))
    # Back does not bring the household back.
    page.go_back()
    expect(page).to_have_url(re.compile(rf"/kiosk/{area.v1.pk}/"))


def test_kiosk_returns_to_the_notice_board_after_a_minute_idle(
    kiosk_page, url, area, village, zh, screenshot
):
    page = kiosk_page
    page.clock.install()
    page.goto(url(f"/kiosk/{area.v1.pk}/"))
    kiosk_sign_in(page, village["account"].passbook_number, PIN)
    expect(page).to_have_url(url("/kiosk/household/"))

    page.clock.run_for(52_000)
    warning = page.locator("#kiosk-idle-warning")
    expect(warning).to_be_visible()
    screenshot(page, "kiosk-idle-warning")
    page.mouse.click(10, 400)  # a touch keeps the session
    expect(warning).to_be_hidden()
    page.clock.run_for(30_000)
    expect(page).to_have_url(url("/kiosk/household/"))

    page.clock.run_for(31_000)
    expect(page).to_have_url(re.compile(rf"/kiosk/{area.v1.pk}/\?ended=idle$"))
    expect(page.locator(".kiosk-notice")).to_have_text(
        zh("Your session ended after a minute without use.")
    )
    page.goto(url("/kiosk/household/"))
    expect(page).to_have_url(re.compile(rf"/kiosk/{area.v1.pk}/"))


def test_pin_lockout_after_five_wrong_pins(kiosk_page, url, area, village, screenshot):
    page = kiosk_page
    account = village["account"]
    page.goto(url(f"/kiosk/{area.v1.pk}/"))
    page.evaluate("() => { window.__noFullReload = true; }")
    for attempt in range(5):
        kiosk_sign_in(page, account.passbook_number, "0000")
        error = page.locator(".kiosk-error")
        if attempt < 4:
            expect(error).to_contain_text(re.compile(".+"))
            expect(error).not_to_contain_text("15")
        # The form is swapped in place (htmx) and the PIN field is empty and focused again.
        expect(page.locator("#id_pin")).to_have_value("")
        expect(page.locator("#id_pin")).to_be_focused()
    expect(page.locator(".kiosk-error")).to_contain_text("15")
    assert page.evaluate("() => window.__noFullReload === true"), "the log-in reloaded the page"
    screenshot(page, "kiosk-lockout")

    kiosk_sign_in(page, account.passbook_number, PIN)  # even the right PIN, while locked
    expect(page.locator(".kiosk-error")).to_contain_text(re.compile(r"1[45]"))
    expect(page).to_have_url(url(f"/kiosk/{area.v1.pk}/"))


def test_kiosk_in_portrait_and_the_card_on_a_phone(
    browser, phone_page, url, area, village, screenshot
):
    account = village["account"]
    with screen_page(browser, KIOSK_PORTRAIT, has_touch=True) as page:
        page.goto(url(f"/kiosk/{area.v1.pk}/"))
        screenshot(page, "kiosk-idle")
        kiosk_sign_in(page, account.passbook_number, PIN)
        expect(page.get_by_test_id("rank")).to_have_text("1")
        screenshot(page, "kiosk-household")

    phone_page.goto(url(f"/kiosk/card/{account.passbook_number}/{account.card_token}/"))
    expect(phone_page).to_have_url(url("/kiosk/household/"))
    expect(phone_page.get_by_test_id("balance")).to_have_text(str(account.balance))
    layout = phone_page.evaluate(OVERFLOW_REPORT)
    assert layout["scrollWidth"] <= layout["viewportWidth"], layout
    screenshot(phone_page, "kiosk-household")
    phone_page.goto(url(f"/kiosk/{area.v1.pk}/"))
    layout = phone_page.evaluate(OVERFLOW_REPORT)
    assert layout["scrollWidth"] <= layout["viewportWidth"], layout
    screenshot(phone_page, "kiosk-idle")


def test_notice_board_and_honour_poster(desktop_page, url, area, village, screenshot):
    page = desktop_page
    page.goto(url(f"/kiosk/{area.v1.pk}/board/"))
    expect(page.locator(".board-table tbody tr")).to_have_count(5)
    expect(page.locator("[data-print]")).to_be_visible()
    screenshot(page, "noticeboard")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("[data-print]")).to_be_hidden()
    screenshot(page, "noticeboard-print")
    page.emulate_media(media="screen")
    page.goto(url(f"/kiosk/{area.v1.pk}/honours/"))
    expect(page.locator(".honour")).to_have_count(4)  # two households share third place
    screenshot(page, "honours-poster")


def evidence_photo(tmp_path):
    from PIL import Image

    path = tmp_path / "庭院.jpg"
    Image.new("RGB", (1600, 1200), (90, 140, 60)).save(path, format="JPEG")
    return path


@pytest.mark.celery_worker
def test_entry_with_photo_approved_published_by_the_worker_shows_on_the_kiosk(
    browser, phone_page, desktop_page, url, login, area, staff, rulebook, zh, screenshot,
    celery_worker, tmp_path,
):  # fmt: skip
    from points.models import RankingRow
    from points.tasks import publish_ranking_task

    data = make_village(area, staff, rulebook, publish_last_month=False)
    zhou = data["second"]  # 周大勇: 10 points last month, tied third with 欧阳明月
    deed = previous_month() + datetime.timedelta(days=19)

    # The clerk, on a phone, records a tidy yard with a photo.
    clerk_page = phone_page
    login(clerk_page, staff[RoleKind.VILLAGE_CLERK])
    clerk_page.goto(url("/points/entries/new/"))
    clerk_page.locator("#household-q").fill(zhou.household.number)
    clerk_page.locator("#household-results .result").first.click()
    expect(clerk_page.locator("#household-chooser .chosen")).to_contain_text(zhou.household.number)
    clerk_page.locator("#id_rule").select_option(str(rulebook["yard"].pk))
    clerk_page.locator("#id_deed_date").fill(deed.isoformat())
    clerk_page.locator("input[name=method][value=photo_record]").check()
    clerk_page.locator("#id_basis").fill("入户走访：庭院干净整洁，物品摆放有序")
    clerk_page.locator("#id_photos").set_input_files(str(evidence_photo(tmp_path)))
    screenshot(clerk_page, "points-entry-form")
    clerk_page.get_by_role("button", name=zh("Record for review")).click()
    expect(clerk_page).to_have_url(re.compile(r"/points/entries/\d+/$"))
    entry = Entry.objects.get(household=zhou.household, rule=rulebook["yard"])
    assert entry.status == Entry.Status.PENDING and entry.photos.count() == 1

    # The assessor, at the office, approves it from the review queue.
    login(desktop_page, staff[RoleKind.ASSESSOR])
    desktop_page.goto(url("/points/review/"))
    item = desktop_page.locator(f"#review-{entry.pk}")
    expect(item.locator("img")).to_have_count(1)
    item.get_by_role("button", name=zh("Approve")).click()
    expect(item.locator(".review-done")).to_be_visible()
    entry.refresh_from_db()
    assert entry.status == Entry.Status.APPROVED and entry.ranking_month == previous_month()

    # On the 1st at 01:00 beat enqueues the publication; here the test does, on the real worker.
    assert publish_ranking_task.delay().get(timeout=60) >= 1
    row = RankingRow.objects.get(publication__month=previous_month(), household=zhou.household)
    assert (row.points, row.rank) == (15, 3)

    # 周's family checks at the village hall.
    zhou.refresh_from_db()
    with screen_page(browser, KIOSK_LANDSCAPE, has_touch=True) as page:
        page.goto(url(f"/kiosk/{area.v1.pk}/"))
        expect(page.locator(".board-table")).to_contain_text("周*勇")
        kiosk_sign_in(page, zhou.passbook_number, PIN)
        expect(page.get_by_test_id("balance")).to_have_text(str(zhou.balance))
        expect(page.get_by_test_id("published-rank")).to_have_text("3")
        expect(page.locator(".kiosk-entries")).to_contain_text(
            "入户走访：庭院干净整洁，物品摆放有序"
        )
        screenshot(page, "kiosk-after-publication")


def test_counter_redeems_a_basket_and_prints_a_receipt(
    page, url, login, area, village, staff, zh, screenshot
):
    store, account = village["store"], village["account"]
    rice, toothpaste = village["goods"]["大米 5kg"], village["goods"]["牙膏"]
    before = account.balance
    login(page, staff[RoleKind.VILLAGE_CLERK])
    page.goto(url(f"/points/stores/{store.pk}/counter/"))
    page.locator("#counter-q").fill(account.passbook_number)
    page.locator("#counter-q").press("Enter")  # as a card scanner types it: opens at once
    expect(page.locator(".counter-household .balance")).to_have_text(str(before))
    page.locator(".offer", has_text=rice.name).click()
    expect(page.locator(".basket-lines")).to_contain_text(rice.name)
    page.locator(".offer", has_text=toothpaste.name).click()
    total = rice.price_points + toothpaste.price_points
    expect(page.locator(".totals strong")).to_have_text(str(total))
    screenshot(page, "points-counter-basket")
    page.locator("button.redeem").click()

    expect(page).to_have_url(re.compile(r"/points/receipts/\d+/$"))
    receipt = page.locator(".receipt")
    expect(receipt).to_contain_text(rice.name)
    expect(receipt).to_contain_text(str(total))
    expect(receipt).to_contain_text(str(before - total))
    expect(page.locator("[data-print]")).to_be_visible()
    screenshot(page, "points-receipt")
    page.emulate_media(media="print")
    expect(page.locator("[data-print]")).to_be_hidden()
    expect(receipt).to_be_visible()
    account.refresh_from_db()
    rice.refresh_from_db()
    assert account.balance == before - total and rice.stock == 19
