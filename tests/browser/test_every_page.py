"""Every page of the role matrix, opened in Chromium by a user who may open it: axe-core at phone
(390×844) and desktop (1366×900) widths, and at phone width the layout rules below.

Which pages: every row of `tests/test_role_matrix.MATRIX` (imported, not copied) that answers
200 to somebody, except the rows in NOT_PAGES (files, JSON, images, a PDF, a script: no page
to look at; the test checks each of them really answers something other than HTML, so an HTML
page cannot hide there). A page is opened

- by the anonymous visitor, when it is public (the visitor gets 200: what every role gets too);
- otherwise by the lowest-scoped and by the highest-scoped role that gets 200, in LOW_TO_HIGH
  order: the field worker's version (their buttons, their phone) and the fullest version (the
  most rows and columns);
- also by the roles that act on it, where its forms differ by role (ALSO_BY);
- the home page by every role, as each role's day starts there;
- the kiosk's household page by a resident, signed in with their passbook card's QR link, and
  the notice board as the kiosk shows it (?kiosk=1).

Each viewer logs in once (through the real form) and reuses one page per width.

What fails a page:

- axe-core (vendored): any "serious" or "critical" violation, at both widths.
- Phone width only:
  - sideways scrolling: the document wider than the 390 px screen (`OVERFLOW_REPORT`);
  - touch targets: every main action at least 44×44 CSS px. The main actions are the things a
    thumb presses to get work done: every button (`<button>`, `<input type=submit|button>`),
    every link styled as a button (`.button`) or a tile (`.tile`) and every `<summary>` that
    opens a form or a section, inside the page's content (`<main>`), the main navigation's
    links, and the top bar's buttons (log out). Not main actions: links inside running text and table cells (WCAG 2.5.8 exempts inline
    targets; they are as tall as their line), form fields (the site's CSS gives them 44 px
    anyway), and the footer's language switch;
  - body text: every visible piece of text in `<main>` at least 16 px (20 px on the kiosk's
    screens, `<body class="kiosk">`), except fine print that the page marks as such
    (FINE_PRINT: help texts under fields, badges, tags and status pills, table headers,
    breadcrumbs, meta lines under a row, a map's key, footnotes, `<small>`), which must still be
    at least 12 px (16 px on the kiosk), and paper shown at its printed size (PRINTED_AT_SIZE:
    the passbook card, the receipt).

All problems of all pages are gathered and reported together, each with the page, the viewer
and what to fix.

About 215 pages at two widths: some nine minutes on the project's 2-core machine, most of it in
the town administrator's ~100 pages. EVERY_PAGE_SCREENSHOTS=1 also saves each page to
test-artifacts/screenshots/every-<url name>-<viewer>-<width>.png, to look at.
"""

import os
import time

import pytest

from huaisi.roles import RoleKind
from tests import test_role_matrix as matrix

from .conftest import SCREENSHOTS
from .test_accessibility import axe_violations
from .test_phone_layout import OVERFLOW_REPORT

pytestmark = pytest.mark.browser

PHONE = "phone"
DESKTOP = "desktop"
DESKTOP_SIZE = {"width": 1366, "height": 900}
RESIDENT = "resident"

# Lowest scope first: who works in the field comes before who sees the town.
LOW_TO_HIGH = [
    RoleKind.MICROGRID_WORKER,
    RoleKind.GRID_LEADER,
    RoleKind.VOLUNTEER_LEADER,
    RoleKind.ASSESSOR,
    RoleKind.VILLAGE_CLERK,
    RoleKind.DEPARTMENT_HANDLER,
    RoleKind.SUPERVISOR,
    RoleKind.COMMAND_CENTRE,
    RoleKind.TOWN_ADMIN,
]

# Rows of the matrix that answer 200 with something that is not a page.
NOT_PAGES = {
    "grid-export",  # CSV
    "village-map-data",  # GeoJSON
    "grid-map-data",
    "import-problems",  # CSV
    "import-template",  # XLSX
    "register-export",  # XLSX
    "api-openapi",  # JSON
    "open311-discovery",
    "open311-services",
    "open311-requests",
    "open311-request",
    "inspection-sw",  # the service worker's script
    "inspection-photo",  # images
    "inspection-photo-thumb",
    "entry-photo",
    "volunteer-photo",
    "town-report-pdf",  # PDF
}

# Smaller text a page marks as secondary (see the module docstring): notes under fields,
# badges, tags, status and count pills, table headers, breadcrumbs, the meta line under a list
# row, a map's key, the "data as of" line, a timeline step's time and data, a sheet's or
# poster's footnote.
FINE_PRINT = (
    "small, sub, sup, th, caption, figcaption, footer, .help, .helptext, .muted, .badge, .tag, "
    ".pill, .status, .state, .breadcrumbs, .result-meta, .row-meta, .history-head, .map-legend, "
    ".map-status, .dash-updated, .event-head time, .transition, .event-data, "
    ".sheet-foot, .board-rules"
)
# Paper shown at the size it is printed (the wallet-sized passbook card, the 80 mm receipt): its
# type is the printout's, so the body-text rule leaves it alone.
PRINTED_AT_SIZE = ".passbook-card, .receipt"
MAIN_ACTIONS = (
    "main button, main input[type=submit], main input[type=button], main .button, main .tile, "
    "main summary, .mainnav a, .topbar button"
)
TAP = 44


# Pages whose forms differ by role, also opened by the role that acts there: the department
# handler accepts or returns an order, the command centre dispatches and closes it, the
# supervision team scores it; the assessment group approves an entry; the volunteer leader
# confirms an activity and fulfils a wish; the village clerk moves a project on.
ALSO_BY = {
    "order-detail": [
        RoleKind.DEPARTMENT_HANDLER,
        RoleKind.COMMAND_CENTRE,
        RoleKind.SUPERVISOR,
    ],
    "entry-detail": [RoleKind.ASSESSOR],
    "activity-detail": [RoleKind.VOLUNTEER_LEADER],
    "wish-detail": [RoleKind.VOLUNTEER_LEADER],
    "project-detail": [RoleKind.VILLAGE_CLERK],
}


def _viewers_of(name: str) -> list[str]:
    statuses = matrix.MATRIX[name][1]
    if statuses[matrix.ANON] == 200:
        return [matrix.ANON]
    allowed = [kind for kind in LOW_TO_HIGH if statuses[kind] == 200]
    if name == "home":
        return allowed
    also = ALSO_BY.get(name, [])
    assert all(statuses[kind] == 200 for kind in also), f"{name}: {also} may not open it"
    return list(dict.fromkeys(allowed[:1] + allowed[-1:] + also))


def _pages_by_viewer() -> dict[str, list[tuple[str, str]]]:
    pages: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(matrix.MATRIX):
        if name in NOT_PAGES:
            continue
        for viewer in _viewers_of(name):
            pages.setdefault(viewer, []).append((name, ""))
    # The notice board opened from the kiosk's idle screen is a kiosk page of its own.
    pages[matrix.ANON].append(("noticeboard", "?kiosk=1"))
    pages[RESIDENT] = [("kiosk-household", "")]
    return pages


PAGES = _pages_by_viewer()


def _path(name: str, area, query: str = "") -> str:
    return matrix.MATRIX[name][0](area) + query


SMALL_TEXT = """([min, fineMin, finePrint, printed]) => {
  const main = document.querySelector('main') || document.body;
  const out = new Set();
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || !el.checkVisibility({visibilityProperty: true})) continue;
    if (el.closest('.visually-hidden, script, style, template, noscript')) continue;
    if (el.closest(printed)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    const fine = el.closest(finePrint) !== null;
    if (size + 0.01 < (fine ? fineMin : min)) {
      const name = el.tagName.toLowerCase() + (el.classList.length ? '.' + [...el.classList].join('.') : '');
      out.add(`${name} ${size}px "${node.textContent.trim().slice(0, 20)}"`);
    }
  }
  return [...out].slice(0, 8);
}"""

SMALL_TARGETS = """([selector, tap]) => {
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.width + 0.5 < tap || box.height + 0.5 < tap) {
      const name = el.tagName.toLowerCase() + (el.classList.length ? '.' + [...el.classList].join('.') : '');
      out.push(`${name} "${el.textContent.trim().slice(0, 16)}" ${Math.round(box.width)}×${Math.round(box.height)}`);
    }
  }
  return out.slice(0, 8);
}"""


def _phone_problems(page) -> list[str]:
    problems = []
    layout = page.evaluate(OVERFLOW_REPORT)
    if layout["scrollWidth"] > layout["viewportWidth"]:
        problems.append(
            f"scrolls sideways: {layout['scrollWidth']}px in {layout['viewportWidth']}px; "
            f"sticking out: {', '.join(layout['culprits'])}"
        )
    small = page.evaluate(SMALL_TARGETS, [MAIN_ACTIONS, TAP])
    if small:
        problems.append(f"touch targets under {TAP}×{TAP}px: " + "; ".join(small))
    kiosk = page.evaluate("() => document.body.classList.contains('kiosk')")
    text = page.evaluate(
        SMALL_TEXT, [20 if kiosk else 16, 16 if kiosk else 12, FINE_PRINT, PRINTED_AT_SIZE]
    )
    if text:
        problems.append("text too small: " + "; ".join(text))
    return problems


def _with_personal_numbers(area) -> None:
    """The matrix's resident gets a phone and an ID number, so their page shows the masked
    numbers with the buttons that reveal them (made visible to check their size)."""
    from households.models import Resident

    resident = matrix._register(area).resident
    Resident.objects.filter(pk=resident.pk).update(
        phone="13800138000", id_number="321002198001010011"
    )


def _sign_in(page, viewer, *, login, staff, area, url) -> None:
    if viewer == matrix.ANON:
        return
    if viewer == RESIDENT:
        # The passbook card's QR link opens a kiosk session for its household.
        response = page.goto(url(_path("kiosk-card", area)))
        assert response.ok and page.url == url("/kiosk/household/"), page.url
        return
    login(page, staff[viewer])


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("viewer", list(PAGES))
def test_every_page_passes_axe_and_the_phone_checks(
    request, viewer, width, url, area, staff, login
):
    page = request.getfixturevalue(f"{width}_page")
    _with_personal_numbers(area)
    if width == DESKTOP:
        page.set_viewport_size(DESKTOP_SIZE)
    _sign_in(page, viewer, login=login, staff=staff, area=area, url=url)
    shoot = os.environ.get("EVERY_PAGE_SCREENSHOTS")
    failures: dict[str, list[str]] = {}
    started = time.monotonic()
    for name, query in PAGES[viewer]:
        path = _path(name, area, query)
        response = page.goto(url(path))
        problems: list[str] = []
        if response is None or response.status != 200 or page.url != url(path):
            problems.append(f"answered {response and response.status} at {page.url}")
        elif "text/html" not in (response.headers.get("content-type") or ""):
            problems.append(f"is not a page ({response.headers.get('content-type')})")
        else:
            problems += axe_violations(page)
            if width == PHONE:
                problems += _phone_problems(page)
            if shoot:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(
                    path=str(SCREENSHOTS / f"every-{name}{query}-{viewer}-{width}.png"),
                    full_page=True,
                )
        if problems:
            failures[f"{name} {path}"] = problems
    elapsed = time.monotonic() - started
    print(f"{viewer} {width}: {len(PAGES[viewer])} pages in {elapsed:.1f}s")

    assert not failures, f"as {viewer} at {width} width:\n" + "\n".join(
        f"  {page_}:\n" + "\n".join(f"    {p}" for p in problems)
        for page_, problems in failures.items()
    )


def test_the_rows_left_out_are_not_pages(client, area, role_users):
    """NOT_PAGES hides nothing: each row answers its 200 with a file, data or a script."""
    for name in sorted(NOT_PAGES):
        statuses = matrix.MATRIX[name][1]
        viewer = next(v for v in [matrix.ANON, *LOW_TO_HIGH] if statuses[v] == 200)
        client.logout()
        if viewer != matrix.ANON:
            client.force_login(role_users[viewer])
        response = client.get(_path(name, area))
        assert response.status_code == 200, name
        assert "text/html" not in response["Content-Type"], name
