"""个人签收: a handler of the lead unit takes an order on; the unit inbox shows mine, nobody's
yet, or everyone's; of two handlers taking the same order at once, one has it and the other is
told who does."""

import pytest
from django.urls import reverse

from conftest import make_user
from huaisi.roles import RoleKind
from tickets import services as s
from tickets.models import Action, WorkOrder

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def colleague(hotline):
    """A second handler of department 1."""
    return make_user(
        "u_colleague", kind=RoleKind.DEPARTMENT_HANDLER, scope=hotline.area.d1, first_name="钱伟"
    )


def inbox(client, **params) -> str:
    return client.get(reverse("order-inbox"), params).content.decode()


def test_taking_an_order_on_and_the_inbox_filters(client, hotline, colleague):
    h = hotline
    mine = s.order_dispatch(actor=h.command, order=h.new_order(title="我的工单"), lead_unit=h.d1)
    s.order_accept(actor=h.handler, order=mine)
    s.order_dispatch(actor=h.command, order=h.new_order(title="无人的工单"), lead_unit=h.d1)
    client.force_login(h.handler)
    client.post(reverse("order-claim", args=[mine.pk]), {"_row": "inbox", "next": "/orders/inbox/"})
    mine.refresh_from_db()
    assert mine.handler == h.handler
    assert mine.timeline.filter(action=Action.CLAIM, actor=h.handler).count() == 1
    page = client.get(reverse("order-detail", args=[mine.pk])).content.decode()
    assert "Taken on by a handler" in page
    assert reverse("order-claim", args=[mine.pk]) not in page  # taken: no longer offered
    body = inbox(client, who="mine")
    assert "我的工单" in body and "无人的工单" not in body
    body = inbox(client, who="unassigned")
    assert "无人的工单" in body and "我的工单" not in body
    body = inbox(client)
    assert "我的工单" in body and "无人的工单" in body
    # The colleague sees who has it, and nothing of it under "mine".
    client.force_login(colleague)
    assert "我的工单" not in inbox(client, who="mine")
    assert "handled by" in inbox(client, who="all")
    # A return hands the order back: it is nobody's again.
    s.order_return(actor=h.handler, order=mine, reason="不属于本局职责")
    mine.refresh_from_db()
    assert mine.handler is None


def test_two_handlers_take_the_same_order_at_once(client, hotline, colleague):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1)
    s.order_accept(actor=h.handler, order=order)
    # Both read the order while nobody had it.
    first_copy = WorkOrder.objects.get(pk=order.pk)
    second_copy = WorkOrder.objects.get(pk=order.pk)
    s.order_claim(actor=colleague, order=first_copy)
    with pytest.raises(s.WrongState) as lost:
        s.order_claim(actor=h.handler, order=second_copy)
    assert order.number in str(lost.value) and "钱伟" in str(lost.value)
    order.refresh_from_db()
    assert order.handler == colleague
    assert order.timeline.filter(action=Action.CLAIM).count() == 1


def test_the_loser_is_told_in_the_inbox_row(client, hotline, colleague):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1)
    s.order_accept(actor=h.handler, order=order)
    client.force_login(h.handler)
    assert reverse("order-claim", args=[order.pk]) in inbox(client, who="unassigned")
    s.order_claim(actor=colleague, order=order)  # the colleague was quicker
    response = client.post(
        reverse("order-claim", args=[order.pk]),
        {"_row": "inbox", "next": "/orders/inbox/"},
        **HTMX,
    )
    body = response.content.decode()
    assert order.number in body and "钱伟" in body and "nothing was changed" in body
    order.refresh_from_db()
    assert order.handler == colleague


def test_only_the_lead_units_handlers_take_an_order_on(client, hotline):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1)
    with pytest.raises(s.NotPermitted):
        s.order_claim(actor=h.other_handler, order=order)
    order.refresh_from_db()
    assert order.handler is None
