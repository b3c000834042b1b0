"""The board's sort orders: deadline, received (both ways), category, village; stable between
pages, only the offered ones, kept in the paging and view links."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from tickets import services as s
from tickets.tests.conftest import Hotline
from tickets.worktime import TZ

pytestmark = pytest.mark.django_db

# A Tuesday morning in term: working hours, no holiday near.
MORNING = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def numbers(response) -> list[str]:
    body = response.content.decode()
    return re.findall(
        r'<li class="order-row[^"]*" id="order-\d+".*?<span class="mono">(\w+)</span>', body, re.S
    )


@pytest.fixture
def spread(hotline: Hotline):
    """Four orders received an hour apart, in different categories and villages, two of them
    dispatched (so they run to a deadline)."""
    h = hotline
    made = []
    for n, (category, village) in enumerate(
        [(h.roads, h.area.v2), (h.straw, h.area.v1), (h.env, None), (h.roads, h.area.v1)]
    ):
        with time_machine.travel(MORNING + datetime.timedelta(hours=n), tick=False):
            made.append(h.new_order(title=f"工单{n}", category=category, village=village))
    with time_machine.travel(MORNING + datetime.timedelta(hours=5), tick=False):
        # The straw order is urgent by its rule: it falls due before the environment one.
        s.order_dispatch(actor=h.command, order=made[2], lead_unit=h.d1)
        s.order_dispatch(actor=h.command, order=made[1], lead_unit=h.d1)
    return [o.number for o in made]


def board(client, **params):
    return client.get(reverse("order-board"), {"view": "open", **params})


def test_each_sort_order(client, hotline, spread):
    client.force_login(hotline.command)
    o0, o1, o2, o3 = spread
    assert numbers(board(client)) == [o3, o2, o1, o0]  # the view's own: newest first
    assert numbers(board(client, sort="received")) == [o0, o1, o2, o3]
    assert numbers(board(client, sort="-received")) == [o3, o2, o1, o0]
    # Dispatched ones by their reply deadline (straw's urgent rule: one working day), the rest
    # after them, oldest first.
    assert numbers(board(client, sort="deadline")) == [o1, o2, o0, o3]
    # Categories as the lists show them: environment (its sub-category straw after it), roads.
    assert numbers(board(client, sort="category")) == [o2, o1, o0, o3]
    # Villages by code (V1 before V2), orders without a village last.
    assert numbers(board(client, sort="village")) == [o1, o3, o0, o2]


def test_an_unknown_sort_is_said_and_the_usual_order_kept(client, hotline, spread):
    client.force_login(hotline.command)
    response = board(client, sort="title; drop table")
    assert "is not a way to sort the board" in response.content.decode()
    assert numbers(response) == numbers(board(client))


def test_the_sort_is_kept_in_paging_and_view_links_and_stable(client, hotline):
    h = hotline
    with time_machine.travel(MORNING, tick=False):  # every order received at the same instant
        made = [h.new_order(title=f"同刻{n}").number for n in range(53)]
    client.force_login(h.command)
    first = board(client, sort="received")
    body = first.content.decode()
    assert "sort=received&amp;page=2" in body
    assert re.search(r'href="\?[^"]*sort=received[^"]*view=closed"', body)
    second = board(client, sort="received", page=2)
    # Equal keys fall back on the order's id: both pages together list every order once.
    assert numbers(first) + numbers(second) == made
