"""Browser journeys: Debian's Chromium, driven by Playwright's sync API, against `live_server`.

Playwright cannot download its own browsers here, so the system Chromium is launched through
`executable_path`. Without a Chromium the journeys skip on a developer's machine and fail in CI
(CI=true), where a silent skip would let the whole layer rot unnoticed.

Fixtures:
    browser          one Chromium for the session
    phone_page       a fresh context at 390x844 (touch, mobile, 2x pixels)
    desktop_page     a fresh context at 1440x900
    page             parametrised over both: the journey runs once per size
    url              url("/areas/grids/") -> absolute URL on the live server
    login            login(page, user) through the real login form
    screenshot       screenshot(page, "grid-list") -> test-artifacts/screenshots/grid-list-phone.png
    zh               zh("Log out") -> what the site shows for that source string in Chinese
    staff            the root `role_users`, given Chinese names as real staff accounts have
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.utils import translation

from conftest import PASSWORD

# Playwright's sync API runs an asyncio event loop in the test thread (inside a greenlet) from
# the moment the session's browser starts until it closes. Django sees that loop and refuses
# every ORM call from this thread (fixtures creating users, assertions reading rows) with
# SynchronousOnlyOperation. The check is a false alarm here: the sync API blocks while the loop
# runs, so no query ever runs concurrently with it. It has to be set at import, before any test,
# because the session-scoped browser outlives the browser tests and the loop with it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"

# The machine's network is closed: without these Chromium keeps dialling out (updates, sync,
# QUIC probes) and fills the logs with refusals.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

VIEWPORTS = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "desktop": {"viewport": {"width": 1440, "height": 900}},
}

# Names as the town's accounts carry them, so pages show CJK names where real ones would.
STAFF_NAMES = {
    "town_admin": "周立新",
    "command_centre": "李娜",
    "supervisor": "陈国强",
    "department_handler": "赵敏",
    "village_clerk": "孙丽",
    "assessor": "吴海峰",
    "grid_leader": "王建国",
    "microgrid_worker": "刘芳",
    "volunteer_leader": "郑晓燕",
}

NAVIGATION_TIMEOUT_MS = 15_000
ACTION_TIMEOUT_MS = 10_000


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def _browser_unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(
            f"{reason}. CI must run the browser journeys: install Debian's chromium "
            "(apt-get install chromium fonts-noto-cjk).",
            pytrace=False,
        )
    pytest.skip(f"{reason}: browser journeys skipped outside CI (CI=true makes this a failure)")


def find_chromium() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    fallback = Path("/usr/bin/chromium")
    if fallback.is_file() and os.access(fallback, os.X_OK):
        return str(fallback)
    return None


@pytest.fixture(scope="session")
def browser():
    executable = find_chromium()
    if executable is None:
        _browser_unavailable(
            "No Chromium found (looked for `chromium` on PATH and /usr/bin/chromium)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_unavailable("The playwright package is not installed (pip install -e '.[dev]')")

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@contextmanager
def _open_page(browser, viewport: str) -> Iterator:
    """A page in a context of its own (no cookies shared between tests) at one viewport.

    Uncaught JavaScript errors, static files that fail to load and Content-Security-Policy
    refusals break pages in ways users see, so any of them fails the test at teardown even
    when every assertion passed.
    """
    context = browser.new_context(
        **VIEWPORTS[viewport],
        # The site must stay Chinese whatever language the phone is set to; an English browser
        # proves the language does not follow Accept-Language.
        locale="en-US",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    # A Content-Security-Policy refusal is a script, style or image that silently did not run.
    page.on(
        "console",
        lambda message: (
            problems.append(f"Content-Security-Policy violation: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} for {response.url}")
            if response.status >= 400 and "/static/" in response.url
            else None
        ),
    )
    try:
        yield page
    finally:
        context.close()
    if problems:
        pytest.fail(
            "The page had problems a user would see:\n" + "\n".join(problems), pytrace=False
        )


@pytest.fixture
def phone_page(browser):
    with _open_page(browser, "phone") as page:
        yield page


@pytest.fixture
def desktop_page(browser):
    with _open_page(browser, "desktop") as page:
        yield page


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser):
    with _open_page(browser, request.param) as page:
        yield page


def viewport_name(page) -> str:
    size = page.viewport_size
    for name, options in VIEWPORTS.items():
        if options["viewport"] == size:
            return name
    return f"{size['width']}x{size['height']}"


@pytest.fixture
def screenshot():
    """screenshot(page, name): a full-page PNG at test-artifacts/screenshots/<name>-<viewport>.png."""

    def take(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{viewport_name(page)}.png"
        # System CJK fonts load lazily; shoot once they are in, not with tofu boxes.
        page.evaluate("() => document.fonts.ready.then(() => true)")
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def url(live_server):
    """url(path): the absolute address of `path` on the live server."""

    def absolute(path: str = "/") -> str:
        return live_server.url + path

    return absolute


@pytest.fixture
def login(url):
    """login(page, user): log in through the real form and land on the home page."""
    from playwright.sync_api import expect

    def log_in(page, user, *, password: str = PASSWORD) -> None:
        page.goto(url("/accounts/login/"))
        page.fill("#id_username", user.get_username())
        page.fill("#id_password", password)
        page.locator("form:has(#id_password) button[type=submit]").click()
        expect(page).to_have_url(url("/"))

    return log_in


@pytest.fixture
def zh():
    """zh(source): what the site shows for an English interface string in Chinese.

    Reads the same catalogues the live server uses (it runs in this process), so assertions
    follow the translators' wording instead of guessing it.
    """

    def chinese(source) -> str:
        with translation.override("zh-hans"):
            return str(translation.gettext(str(source)))

    return chinese


@pytest.fixture
def staff(role_users):
    """The root conftest's `role_users` ({kind: user}), each with a Chinese full name."""
    for kind, user in role_users.items():
        user.first_name = STAFF_NAMES[kind]
        user.save(update_fields=["first_name"])
    return role_users
