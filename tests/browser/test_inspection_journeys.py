"""Patrol inspections in a phone browser with weak signal: filled offline, kept through a
reload, sent exactly once when the network returns; a reported finding reaches the command
centre's dispatch board."""

import io

import pytest
from django.urls import NoReverseMatch, reverse
from PIL import Image
from playwright.sync_api import expect

from huaisi.roles import RoleKind
from patrols.models import Inspection, InspectionPhoto
from patrols.tests.helpers import categories, households

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": "/media/"},
        },
    }


def _big_photo(path) -> str:
    """A 3000×2000 JPEG, larger than the 2,048 px the phone may send."""
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 2000), (180, 120, 40)).save(buffer, format="JPEG", quality=70)
    path.write_bytes(buffer.getvalue())
    return str(path)


def _unsent(zh, n: int) -> str:
    return zh("{n} unsent").replace("{n}", str(n))


def _open_form(page, url):
    page.goto(url("/areas/inspections/new/"))
    expect(page.locator("#inspection-app[data-ready=true]")).to_have_count(1)
    # The service worker has the form and its files before the network goes.
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")


def _fill(page, zh, *, place: str, finding_type: str, outcome: str, photo: str | None = None):
    page.fill("#id_place", place)
    page.click("#add-finding")
    finding = page.locator("#findings .finding").last
    finding.locator('[data-name="type"]').select_option(finding_type)
    finding.locator('[data-name="description"]').fill("河坡上堆了建筑垃圾")
    if photo:
        finding.locator('[data-name="photos"]').set_input_files(photo)
        expect(finding.locator('[data-role="previews"] img')).to_have_count(1)
    finding.locator(f'[data-name="outcome"][value="{outcome}"]').check()


def test_an_inspection_filled_offline_arrives_exactly_once(
    phone_page, url, login, staff, area, zh, tmp_path, screenshot
):
    page = phone_page
    homes = households(area.m111, 3)
    login(page, staff[RoleKind.GRID_LEADER])
    _open_form(page, url)

    page.context.set_offline(True)
    _fill(page, zh, place="村东河道", finding_type="environment", outcome="fixed",
          photo=_big_photo(tmp_path / "big.jpg"))  # fmt: skip
    page.locator("details.households summary").click()
    page.get_by_label(homes[0].number, exact=False).check()
    page.click("#inspection-form button[type=submit]")
    expect(page.locator("#outbox-count")).to_have_text(_unsent(zh, 1))
    screenshot(page, "inspection-form-offline")

    page.reload()  # still offline: the service worker's copy of the form
    expect(page.locator("#inspection-app[data-ready=true]")).to_have_count(1)
    expect(page.locator("#outbox-count")).to_have_text(_unsent(zh, 1))
    assert Inspection.objects.count() == 0

    page.context.set_offline(False)
    expect(page.locator("#outbox-count")).to_have_text(zh("Everything is sent."), timeout=15_000)
    page.reload()  # the retry on load finds nothing left to send
    expect(page.locator("#outbox-count")).to_have_text(zh("Everything is sent."))

    inspection = Inspection.objects.get()
    assert inspection.place == "村东河道"
    assert list(inspection.households.values_list("pk", flat=True)) == [homes[0].pk]
    photo = InspectionPhoto.objects.get()
    # Scaled in the browser before it left the phone.
    assert (photo.width, photo.height) == (2048, 1365)


def test_a_reported_finding_reaches_the_dispatch_board(
    phone_page, browser, url, login, staff, area, zh, screenshot
):
    from tickets.selectors import dispatch_board

    categories(area.town)
    page = phone_page
    login(page, staff[RoleKind.GRID_LEADER])
    _open_form(page, url)
    _fill(page, zh, place="北圩田埂", finding_type="straw_burning", outcome="report")
    page.click("#inspection-form button[type=submit]")
    # "Everything is sent." also shows before the form goes out (an empty outbox): wait for the
    # sent inspection's link, which appears only once the server has stored it.
    expect(page.locator("#outbox-list a")).to_have_count(1, timeout=15_000)
    expect(page.locator("#outbox-count")).to_have_text(zh("Everything is sent."), timeout=15_000)

    inspection = Inspection.objects.get()
    order = inspection.findings.get().order
    board = dispatch_board(user=staff[RoleKind.COMMAND_CENTRE], town=area.town, view="new")
    assert list(board.values_list("pk", flat=True)) == [order.pk]

    page.locator("#outbox-list a").first.click()
    expect(page.get_by_text(order.number)).to_be_visible()
    screenshot(page, "inspection-detail")

    try:
        board_path = reverse("order-board")
    except NoReverseMatch:
        pytest.skip("the dispatch board page is not installed; checked through its selector")
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    desk = context.new_page()
    try:
        login(desk, staff[RoleKind.COMMAND_CENTRE])
        desk.goto(url(board_path))
        expect(desk.get_by_text(order.number)).to_be_visible()
    finally:
        context.close()


def test_inspection_pages_fit_phone_and_desktop(page, url, login, staff, area, screenshot):
    """The pages as a grid leader sees them, shot at both sizes; nothing scrolls sideways."""
    from patrols.tests.helpers import finding, jpeg, submit

    from .test_phone_layout import OVERFLOW_REPORT

    categories(area.town)
    leader = staff[RoleKind.GRID_LEADER]
    households(area.m111, 12, care_every=3)
    inspection, _ = submit(
        leader,
        area.g11,
        findings=[
            finding(
                outcome="report", type="illegal_construction", photos=[jpeg(), jpeg((9, 9, 9))]
            ),
            finding(fixed_note="已当场劝离"),
        ],
    )
    login(page, leader)
    for name, path in [
        ("inspection-list", "/areas/inspections/"),
        ("inspection-detail", f"/areas/inspections/{inspection.pk}/"),
        ("inspection-form", "/areas/inspections/new/"),
        ("inspection-coverage-list", "/areas/inspections/coverage/"),
        ("inspection-coverage", f"/areas/grids/{area.g11.pk}/coverage/"),
    ]:
        response = page.goto(url(path))
        assert response is not None and response.ok, path
        if name == "inspection-form":
            page.click("#add-finding")
            page.locator("details.households summary").click()
        screenshot(page, name)
        layout = page.evaluate(OVERFLOW_REPORT)
        assert layout["scrollWidth"] <= layout["viewportWidth"], (path, layout["culprits"])


def test_the_village_clerk_sets_the_visit_targets(page, url, login, staff, area, zh, screenshot):
    households(area.m111, 4, care_every=2)
    login(page, staff[RoleKind.VILLAGE_CLERK])
    page.goto(url(f"/areas/grids/{area.g11.pk}/coverage/"))
    page.get_by_text(zh("Change the visit targets")).click()
    page.fill("#id_every_days", "60")
    page.fill("#id_care_every_days", "14")
    page.click(".target-edit button[type=submit]")
    expect(page.locator(".messages")).to_contain_text(area.g11.name)
    assert "60" in page.locator("p.help").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "inspection-coverage-targets")
