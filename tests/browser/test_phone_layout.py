"""On a phone nothing scrolls sideways: tables stack, bars wrap."""

import pytest

from huaisi.roles import RoleKind

pytestmark = pytest.mark.browser

# The page's width against the phone's layout viewport, and the elements sticking out past its
# right edge, widest first, to say what to fix. Not `window.innerWidth`: in Chromium's mobile
# emulation (as on real phones) it grows to the content's width when the content overflows,
# so `scrollWidth <= innerWidth` always holds. `documentElement.clientWidth` stays at the
# device width that `<meta name="viewport" content="width=device-width">` asks for.
OVERFLOW_REPORT = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const right = el.getBoundingClientRect().right;
    if (right > width + 0.5) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (el.classList.length ? '.' + [...el.classList].join('.') : '');
      out.push([Math.round(right), name]);
    }
  }
  out.sort((a, b) => b[0] - a[0]);
  return {
    scrollWidth: document.documentElement.scrollWidth,
    viewportWidth: width,
    culprits: out.slice(0, 8).map(([right, name]) => `${name} (right edge ${right}px)`),
  };
}"""


def grid_detail_path(area) -> str:
    return f"/areas/grids/{area.g11.pk}/"


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/",
        "/areas/villages/",
        "/areas/grids/",
        grid_detail_path,
    ],
    ids=["login", "home", "villages", "grids", "grid-detail"],
)
def test_page_does_not_scroll_sideways_on_a_phone(phone_page, url, login, staff, area, path):
    if path != "/accounts/login/":
        # The command centre sees the whole town: the fullest version of each page.
        login(phone_page, staff[RoleKind.COMMAND_CENTRE])
    if callable(path):
        path = path(area)

    response = phone_page.goto(url(path))

    assert response is not None and response.ok, f"{path} answered {response and response.status}"
    assert phone_page.url == url(path), f"{path} redirected to {phone_page.url}"
    layout = phone_page.evaluate(OVERFLOW_REPORT)
    assert layout["viewportWidth"] == phone_page.viewport_size["width"], (
        f"{path} is not laid out at the phone's width (meta viewport missing?): {layout}"
    )
    assert layout["scrollWidth"] <= layout["viewportWidth"], (
        f"{path} scrolls sideways on a phone: {layout['scrollWidth']}px of content in a "
        f"{layout['viewportWidth']}px window; sticking out: {', '.join(layout['culprits'])}"
    )
