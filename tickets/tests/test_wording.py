"""Wording users stumbled on (issue #17), read as the town's staff read it, in Chinese: the
printable 交办单, the state an order reaches when 办结, who took each step of the timeline."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tickets import services as s
from tickets.models import State

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_printout_is_titled_jiaobandan(client, hotline):
    order = s.order_dispatch(actor=hotline.command, order=hotline.new_order(), lead_unit=hotline.d1)
    client.force_login(hotline.command)

    printout = client.get(reverse("order-print", args=[order.pk])).content.decode()
    page = client.get(reverse("order-detail", args=[order.pk])).content.decode()

    assert "<h1>工单交办单</h1>" in printout
    assert "<title>交办单" in printout
    assert ">交办单</a>" in page
    assert "派单表" not in printout + page


def test_a_closed_order_reads_banjie(client, hotline):
    with translation.override("zh-hans"):
        assert str(State.CLOSED.label) == "已办结"
    client.force_login(hotline.command)

    board = text_of(client.get(reverse("order-board")))

    assert "已办结" in board and "已关闭" not in board


def _timeline_heads(client, order) -> list[str]:
    """Each step's head line: who, as whom, and the unit concerned after an arrow."""
    html = client.get(reverse("order-detail", args=[order.pk])).content.decode()
    heads = re.findall(r'<div class="event-head">(.*?)</div>', html, flags=re.S)
    # The state change (已派单 → 已签收) is left out: its arrow is not the unit's.
    heads = [re.sub(r'<span class="transition">.*?</span>', "", h, flags=re.S) for h in heads]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", h)).strip() for h in heads]


def test_timeline_names_each_actor_with_their_own_unit_and_the_unit_concerned(client, hotline):
    hotline.command.first_name = "李秀玉"
    hotline.command.save()
    hotline.handler.first_name = "赵敏"
    hotline.handler.save()
    order = s.order_dispatch(actor=hotline.command, order=hotline.new_order(), lead_unit=hotline.d1)
    order = s.order_accept(actor=hotline.handler, order=order)
    client.force_login(hotline.command)

    created, dispatched, accepted = _timeline_heads(client, order)

    unit = str(hotline.d1)
    # The command centre acts as the command centre, for the unit it hands the order to.
    assert "李秀玉 · 镇指挥中心 → " + unit in dispatched
    assert "李秀玉 · " + unit not in dispatched
    # A handler of the lead unit acts as that unit: no arrow to itself.
    assert "赵敏 · " + unit in accepted
    assert "→" not in accepted
