"""Frictions users met (issue #17), fixed and checked as people see them in Chromium: the
yellow badges readable (WCAG AA), the inspection form hiding what does not apply, 走访 from a
household's page, photos shown whole."""

import io
import re

import pytest
from playwright.sync_api import expect

from huaisi.roles import RoleKind
from tests.browser.test_accessibility import axe_violations

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


def _orders_with_badges(area, staff):
    """Three dispatched orders of department D1: one overdue and urged, one due soon and
    urged, one supervised; the badges the sweep and the supervisors put on them."""
    from tickets.models import Category, Source, WorkOrder
    from tickets.services import order_create, order_dispatch, unit_for

    category = Category.objects.create(town=area.town, name="环境保护")
    unit = unit_for(department=area.d1)
    made = []
    for i in range(3):
        order, _ = order_create(
            actor=staff[RoleKind.COMMAND_CENTRE], town=area.town, source=Source.HOTLINE,
            category=category, title=f"河道垃圾 {i}", description="请处理", village=area.v1,
        )  # fmt: skip
        made.append(
            order_dispatch(actor=staff[RoleKind.COMMAND_CENTRE], order=order, lead_unit=unit)
        )
    WorkOrder.objects.filter(pk=made[0].pk).update(overdue=True, due_soon=True, urge_count=2)
    WorkOrder.objects.filter(pk=made[1].pk).update(due_soon=True, urge_count=1)
    WorkOrder.objects.filter(pk=made[2].pk).update(overdue=True, supervise_count=1)
    return made


@pytest.mark.parametrize(
    ("kind", "path", "badge"),
    [
        (RoleKind.DEPARTMENT_HANDLER, "/orders/inbox/", ".badge-yellow"),
        (RoleKind.COMMAND_CENTRE, "/orders/board/?view=overdue", ".due-red"),
        (RoleKind.COMMAND_CENTRE, "/orders/board/?view=due_soon", ".due-yellow"),
    ],
)
def test_urged_and_due_soon_badges_pass_colour_contrast(
    page, url, login, staff, area, screenshot, kind, path, badge
):
    _orders_with_badges(area, staff)
    login(page, staff[kind])
    page.goto(url(path))
    expect(page.locator(badge).first).to_be_visible()
    expect(page.locator(".badge-yellow").first).to_be_visible()
    screenshot(page, "frictions-badges-" + path.strip("/").replace("/", "-").replace("?view=", "-"))

    violations = axe_violations(page)

    assert not violations, f"{path}:\n" + "\n".join(violations)


def test_reporting_a_finding_hides_what_was_done(phone_page, url, login, staff, area, zh):
    page = phone_page
    login(page, staff[RoleKind.GRID_LEADER])
    page.goto(url("/areas/inspections/new/"))
    expect(page.locator("#inspection-app[data-ready=true]")).to_have_count(1)
    page.click("#add-finding")
    finding = page.locator("#findings .finding").last
    note = finding.get_by_label(zh("What was done"))
    expect(note).to_be_visible()

    finding.locator('[data-name="outcome"][value="report"]').check()

    expect(note).to_be_hidden()
    finding.locator('[data-name="outcome"][value="fixed"]').check()
    expect(note).to_be_visible()


def test_the_household_page_opens_the_inspection_form_for_that_household(
    page, url, login, staff, area, zh, screenshot
):
    from patrols.tests.helpers import households

    homes = households(area.m111, 3)
    login(page, staff[RoleKind.GRID_LEADER])
    page.goto(url(f"/register/{homes[1].pk}/"))
    screenshot(page, "frictions-household-visit")

    page.get_by_role("link", name=zh("Visit / new inspection")).click()

    expect(page.locator("#inspection-app[data-ready=true]")).to_have_count(1)
    expect(page.locator(f'input[name="households"][value="{homes[1].pk}"]')).to_be_checked()
    expect(page.locator(f'input[name="households"][value="{homes[0].pk}"]')).not_to_be_checked()
    expect(page.locator("#household-count")).to_contain_text("1")
    expect(page.locator("#id_grid")).to_have_value(str(area.g11.pk))
    screenshot(page, "frictions-inspection-preselected")


def test_a_household_page_offers_no_visit_to_those_who_do_not_patrol(
    desktop_page, url, login, staff, area, zh
):
    from patrols.tests.helpers import households

    home = households(area.m111, 1)[0]
    login(desktop_page, staff[RoleKind.ASSESSOR])
    desktop_page.goto(url(f"/register/{home.pk}/"))
    expect(desktop_page.locator("h1")).to_be_visible()
    expect(desktop_page.get_by_role("link", name=zh("Visit / new inspection"))).to_have_count(0)


def _portrait_inspection(area, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from patrols.tests.helpers import finding, submit

    buffer = io.BytesIO()
    Image.new("RGB", (600, 1200), (30, 90, 160)).save(buffer, format="JPEG")
    photo = SimpleUploadedFile("tall.jpg", buffer.getvalue(), content_type="image/jpeg")
    inspection, _ = submit(
        staff[RoleKind.GRID_LEADER], area.g11, findings=[finding(photos=[photo])]
    )
    return inspection


def test_a_portrait_photo_is_shown_whole(page, url, login, staff, area, screenshot):
    inspection = _portrait_inspection(area, staff)
    login(page, staff[RoleKind.GRID_LEADER])
    page.goto(url(f"/areas/inspections/{inspection.pk}/"))
    thumb = page.locator(".photo-strip img").first
    expect(thumb).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    screenshot(page, "frictions-portrait-photo")

    shown = thumb.evaluate(
        """img => {
            const box = img.getBoundingClientRect();
            const scale = Math.min(box.width / img.naturalWidth, box.height / img.naturalHeight);
            return {fit: getComputedStyle(img).objectFit, w: img.naturalWidth * scale,
                    h: img.naturalHeight * scale, boxW: box.width, boxH: box.height};
        }"""
    )

    # The whole picture fits in its tile: contained, taller than wide, nothing cut off.
    assert shown["fit"] == "contain"
    assert shown["h"] > shown["w"]
    assert shown["h"] <= shown["boxH"] + 0.5 and shown["w"] <= shown["boxW"] + 0.5


def test_the_review_queue_filters_by_recorder(page, url, login, staff, area, zh, screenshot):
    import datetime

    from django.utils import timezone

    from conftest import make_user
    from points.models import Entry, Rule
    from points.services import entry_record
    from points.tests.conftest import new_household

    rule = Rule.objects.create(
        town=area.town, code="ZD-01", group="key_work", category="矛盾调处",
        title="调解邻里纠纷", points=10, valid_from=datetime.date(2025, 1, 1),
    )  # fmt: skip
    other = make_user("assessor_b", kind=RoleKind.ASSESSOR, scope=area.v1)
    other.first_name = "钱多多"
    other.save()
    for i, recorder in enumerate([staff[RoleKind.VILLAGE_CLERK], other, other]):
        entry_record(
            household=new_household(area.m111), rule=rule, deed_date=timezone.localdate(),
            basis=f"调解纠纷 {i}", method=Entry.Method.SITE_VISIT, recorded_by=recorder,
            idempotency_key=f"k{i}",
        )  # fmt: skip
    login(page, staff[RoleKind.ASSESSOR])
    page.goto(url("/points/review/"))
    expect(page.locator(".review-item")).to_have_count(3)

    page.select_option("#review-recorder", label="钱多多 (2)")

    expect(page.locator(".review-item")).to_have_count(2)
    expect(page).to_have_url(re.compile(rf"recorder={other.pk}"))
    screenshot(page, "frictions-review-filtered")


def _square(x: float, y: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]],
    }


def test_the_town_map_is_coloured_by_the_towns_own_spread(
    page, url, login, staff, area, screenshot
):
    """Grids with 6, 9 and 14 open orders (the old legend: all "6 or more", all red)."""
    import json

    from django.core.cache import cache

    from dashboard.classes import COLOURS
    from tickets.models import Category, Source
    from tickets.services import order_create

    category = Category.objects.create(town=area.town, name="环境保护")
    for n, grid in enumerate([area.g11, area.g12, area.g21]):
        grid.boundary = _square(119.37 + n * 0.012, 32.47)
        grid.save(update_fields=["boundary"])
        for _ in range((6, 9, 14)[n]):
            order_create(
                actor=staff[RoleKind.COMMAND_CENTRE], town=area.town, source=Source.PHONE,
                category=category, title="路灯不亮", description="请处理", village=grid.village,
                grid=grid,
            )  # fmt: skip
    cache.clear()
    login(page, staff[RoleKind.COMMAND_CENTRE])
    page.goto(url("/dashboard/"))
    expect(page.locator("#dash-map path.leaflet-interactive")).to_have_count(3)
    screenshot(page, "frictions-dashboard-map")

    legend = page.locator("#map-legend .range").all_inner_texts()
    fills = page.locator("#dash-map path.leaflet-interactive").evaluate_all(
        "paths => paths.map(p => p.getAttribute('fill'))"
    )
    counts = json.loads(page.locator("#map-counts").get_attribute("data-counts"))

    drawn = {str(g.pk): counts[str(g.pk)] for g in (area.g11, area.g12, area.g21)}
    assert drawn == {str(area.g11.pk): 6, str(area.g12.pk): 9, str(area.g21.pk): 14}
    assert sorted(counts.values()) == [0, 6, 9, 14]  # the town's fourth grid: none open
    # Quantiles of the town's own counts, the legend printing each class's bounds; the three
    # grids drawn each wear a colour of their own instead of the same red.
    assert legend == ["0", "1–6", "7–9", "10–14"]
    assert fills == [COLOURS[1], COLOURS[3], COLOURS[4]]


def test_the_timeline_shows_who_acted_as_whom(page, url, login, staff, area, zh, screenshot):
    from tickets.models import Category, Source
    from tickets.services import order_accept, order_create, order_dispatch, unit_for

    category = Category.objects.create(town=area.town, name="环境保护")
    order, _ = order_create(
        actor=staff[RoleKind.COMMAND_CENTRE], town=area.town, source=Source.PHONE,
        category=category, title="河道垃圾", description="请处理", village=area.v1,
    )  # fmt: skip
    unit = unit_for(department=area.d1)
    order = order_dispatch(actor=staff[RoleKind.COMMAND_CENTRE], order=order, lead_unit=unit)
    order = order_accept(actor=staff[RoleKind.DEPARTMENT_HANDLER], order=order)
    login(page, staff[RoleKind.COMMAND_CENTRE])
    page.goto(url(f"/orders/{order.pk}/"))
    dispatched = page.locator(".event-dispatch .event-head")
    accepted = page.locator(".event-accept .event-head")

    expect(dispatched.locator(".event-actor")).to_have_text(f"李娜 · {zh('Command centre')}")
    expect(dispatched.locator(".event-unit")).to_have_text(f"→ {unit}")
    expect(accepted.locator(".event-actor")).to_have_text(f"赵敏 · {unit}")
    expect(accepted.locator(".event-unit")).to_have_count(0)
    screenshot(page, "frictions-order-timeline")
    page.goto(url(f"/orders/{order.pk}/print/"))
    expect(page.locator("h1")).to_have_text(zh("Work order dispatch form"))
    screenshot(page, "frictions-order-print")
