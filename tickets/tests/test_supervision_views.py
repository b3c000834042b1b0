"""The supervision team's pages: the scoring queue and form, each unit's monthly figures, the
published report (printable) and the list of reports."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from huaisi.periods import previous_month
from tickets import services as s
from tickets.models import SupervisionReport, SupervisionScore, WorkOrder
from tickets.services import supervision_report_publish

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def text(response) -> str:
    return response.content.decode()


def replied(h, title="已答复"):
    order = s.order_dispatch(actor=h.command, order=h.new_order(title=title), lead_unit=h.d1)
    s.order_accept(actor=h.handler, order=order)
    return s.order_reply(actor=h.handler, order=order, text="已处理")


def test_scoring_queue_and_score(client, hotline):
    h = hotline
    order = replied(h)
    client.force_login(h.supervisor)
    body = text(client.get(reverse("scoring-queue")))
    assert order.number in body and reverse("order-score", args=[order.pk]) in body
    r = client.get(reverse("scoring-queue"), HTTP_HX_TARGET="queue-results", **HTMX)
    assert "<html" not in text(r) and order.number in text(r)
    url = reverse("order-score", args=[order.pk])
    items = h.items
    r = client.post(
        url, {f"item_{items[0].pk}": 25, f"item_{items[1].pk}": 50, f"item_{items[2].pk}": 30}
    )
    assert "Give 0 to 20 points." in text(r)
    assert not SupervisionScore.objects.exists()
    r = client.post(
        url, {f"item_{items[0].pk}": 20, f"item_{items[1].pk}": 40, f"item_{items[2].pk}": 15}
    )
    assert r.status_code == 302
    assert SupervisionScore.objects.get(order=order).score == 75
    body = text(client.get(reverse("scoring-queue")))
    assert f"{order.number} was scored." in body
    assert url not in body and "Every replied order has been scored." in body
    # The order page shows the score.
    assert "75.00" in text(client.get(reverse("order-detail", args=[order.pk])))


def test_scoring_is_for_the_supervision_team(client, hotline):
    order = replied(hotline)
    for user in (hotline.command, hotline.handler):
        client.force_login(user)
        assert client.get(reverse("scoring-queue")).status_code == 403
        assert client.get(reverse("order-score", args=[order.pk])).status_code == 403
    client.force_login(hotline.other_clerk)
    assert client.get(reverse("scoring-queue")).status_code == 403


def test_unit_figures_of_this_month(client, hotline):
    h = hotline
    order = replied(h)
    s.order_review(actor=h.command, order=order, approve=True)
    s.order_callback(actor=h.command, order=order, result="satisfied")
    client.force_login(h.command)
    body = text(client.get(reverse("unit-figures")))
    assert "第1局" in body
    assert "100.0%" in body  # satisfied 1 of 1 callbacks
    assert "Publish the report" not in body  # the month is not over; and not the supervisor
    month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    r = client.get(
        reverse("unit-figures"), {"month": f"{month:%Y-%m}"}, HTTP_HX_TARGET="figures", **HTMX
    )
    assert "<html" not in text(r) and "No order was dispatched in this month." in text(r)
    assert client.get(reverse("unit-figures"), {"month": "junk"}).status_code == 200
    for user in (h.handler, h.clerk, h.leader):
        client.force_login(user)
        assert client.get(reverse("unit-figures")).status_code == 403


def test_publish_and_read_the_monthly_report(client, hotline):
    h = hotline
    replied(h)
    # Move this order into last month so the month is over.
    last = previous_month(timezone.localdate())
    WorkOrder.objects.update(
        dispatched_at=timezone.now().replace(year=last.year, month=last.month, day=10)
    )
    client.force_login(h.supervisor)
    body = text(client.get(reverse("unit-figures"), {"month": f"{last:%Y-%m}"}))
    assert "Publish the report for this month" in body
    r = client.post(reverse("report-publish"), {"month": f"{last:%Y-%m}"})
    report = SupervisionReport.objects.get()
    assert r["Location"] == reverse("report-detail", args=[report.pk])
    body = text(client.get(r["Location"]))
    assert f"Work-order supervision report, {last:%Y-%m}" in body and "第1局" in body
    assert "@media print" not in body and "print-sheet" in body
    assert f"{last:%Y-%m}" in text(client.get(reverse("report-list")))
    # Publishing again keeps the first report.
    client.post(reverse("report-publish"), {"month": f"{last:%Y-%m}"})
    assert SupervisionReport.objects.count() == 1
    # This month is not over yet.
    r = client.post(
        reverse("report-publish"), {"month": f"{timezone.localdate():%Y-%m}"}, follow=True
    )
    assert "published once the month is over" in text(r)
    # Only the supervision team publishes; the command centre reads.
    client.force_login(h.command)
    assert client.post(reverse("report-publish"), {"month": f"{last:%Y-%m}"}).status_code == 403
    assert client.get(reverse("report-detail", args=[report.pk])).status_code == 200


def test_reports_are_for_the_town(client, hotline):
    last = previous_month(timezone.localdate())
    report, _ = supervision_report_publish(town=hotline.town, month=last)
    client.force_login(hotline.handler)
    assert client.get(reverse("report-detail", args=[report.pk])).status_code == 404
    assert "No report has been published yet." in text(client.get(reverse("report-list")))
