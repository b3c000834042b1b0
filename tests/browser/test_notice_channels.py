"""The notice channels page in Chromium at phone and desktop width."""

import pytest
from playwright.sync_api import expect

from notices.models import Delivery
from notices.tests.conftest import channels, receiver  # noqa: F401 - the fixtures
from tickets.tests.conftest import hotline  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_the_channels_page(page, url, login, hotline, channels, zh, screenshot):  # noqa: F811
    from django.utils import timezone

    Delivery.objects.create(
        channel=channels["wecom"],
        notice="test:x",
        text="{}",
        state=Delivery.State.FAILED,
        attempts=5,
        last_error="HTTP Error 500: Internal Server Error",
        created_at=timezone.now(),
    )
    login(page, hotline.admin)

    page.goto(url("/orders/channels/"))

    expect(page.locator(".channel")).to_have_count(3)
    expect(page.locator(".failures-table")).to_contain_text("HTTP Error 500")
    expect(page.locator("#channel-{} ".format(channels["sms"].pk))).to_contain_text("138****1111")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width
    screenshot(page, "notice-channels")
