"""Accessibility: axe-core (vendored, tests/browser/vendor/axe.min.js) on each role's main page.

Each role logs in through the real form and opens the page its day starts on; axe runs in
Chromium at phone and desktop sizes, and any "serious" or "critical" violation fails the test
with the rule, its help text and the offending elements.
"""

from pathlib import Path

import pytest

from huaisi.roles import RoleKind

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
BLOCKING = {"serious", "critical"}

# The page each role works from.
MAIN_PAGES = {
    RoleKind.TOWN_ADMIN: "/",
    RoleKind.COMMAND_CENTRE: "/orders/board/",
    RoleKind.SUPERVISOR: "/orders/supervision/scoring/",
    RoleKind.DEPARTMENT_HANDLER: "/orders/inbox/",
    RoleKind.VILLAGE_CLERK: "/register/residents/",
    RoleKind.ASSESSOR: "/points/review/",
    RoleKind.GRID_LEADER: "/",
    RoleKind.MICROGRID_WORKER: "/areas/inspections/new/",
    RoleKind.VOLUNTEER_LEADER: "/volunteers/",
}


def axe_violations(page) -> list[str]:
    # Evaluated through the DevTools protocol, not a <script> tag, so the page's
    # Content-Security-Policy stays as strict as users get it.
    page.evaluate(AXE)
    result = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations"""
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']})\n"
        + "\n".join(f"    {node['target']}: {node['html'][:160]}" for node in v["nodes"][:5])
        for v in result
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("kind", list(MAIN_PAGES))
def test_main_page_of_each_role_has_no_serious_violations(page, url, staff, login, kind):
    login(page, staff[kind])
    response = page.goto(url(MAIN_PAGES[kind]))
    assert response.status == 200, f"{kind} cannot open {MAIN_PAGES[kind]}"

    violations = axe_violations(page)

    assert not violations, f"{MAIN_PAGES[kind]} as {kind}:\n" + "\n".join(violations)


def test_login_page_has_no_serious_violations(page, url, db):
    page.goto(url("/accounts/login/"))

    violations = axe_violations(page)

    assert not violations, "\n".join(violations)


def test_kiosk_idle_screen_has_no_serious_violations(page, url, area):
    page.goto(url(f"/kiosk/{area.v1.pk}/"))

    violations = axe_violations(page)

    assert not violations, "\n".join(violations)
