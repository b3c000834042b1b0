"""Notices reach each vendor in its format, once, without personal data; failures retry and
are listed for the administrator."""

import pytest

from notices.models import Channel, Delivery, Kind
from notices.services import MAX_ATTEMPTS, backoff, delivery_send, scan_recent_events
from tickets.services import order_dispatch, order_return

pytestmark = pytest.mark.django_db


def dispatch(hotline, order):
    return order_dispatch(actor=hotline.command, order=order, lead_unit=hotline.d1)


def test_a_dispatch_reaches_wecom_dingtalk_and_sms(
    hotline, channels, receiver, eager_tasks, django_capture_on_commit_callbacks
):
    order = hotline.new_order()
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(hotline, order)

    assert receiver.problems == []
    paths = sorted(r["path"] for r in receiver.received)
    assert paths == ["/cgi-bin/webhook/send", "/robot/send", "/sms/send", "/sms/send"]
    assert Delivery.objects.filter(state=Delivery.State.SENT).count() == 3
    ding = next(r for r in receiver.received if r["path"] == "/robot/send")
    assert {"timestamp", "sign", "access_token"} <= set(ding["query"])
    for r in receiver.received:
        text = r["body"]["text"]["content"] if "msgtype" in r["body"] else r["body"]["text"]
        assert order.number in text
        assert "环境保护" in text and "第1村" in text
        # No name, phone, address or free text of the caller.
        for private in ("王先生", "13912345678", "第1村东河", "漂浮垃圾"):
            assert private not in text, (private, text)
        assert f"/orders/{order.pk}/" in text


def test_the_same_event_is_delivered_once(
    hotline, channels, receiver, eager_tasks, django_capture_on_commit_callbacks
):
    order = hotline.new_order()
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(hotline, order)
    with django_capture_on_commit_callbacks(execute=True):
        # The minute scan finds the same dispatch again.
        assert scan_recent_events() == 0

    assert Delivery.objects.count() == 3
    assert len(receiver.received) == 4  # two SMS recipients


def test_a_return_goes_to_the_command_centre_channel(
    hotline, channels, receiver, eager_tasks, django_capture_on_commit_callbacks
):
    centre = Channel.objects.create(
        town=hotline.town,
        kind=Kind.WECOM,
        name="指挥中心群",
        url=f"{receiver.url}/cgi-bin/webhook/send?key=wecom-key",
    )
    order = hotline.new_order()
    dispatch(hotline, order)
    with django_capture_on_commit_callbacks(execute=True):
        order_return(actor=hotline.handler, order=order, reason="不属于本单位职责")

    returned = Delivery.objects.filter(notice__startswith="event:").exclude(
        channel__in=channels.values()
    )
    assert list(returned.values_list("channel", flat=True)) == [centre.pk]
    assert "Order returned" in receiver.received[-1]["body"]["text"]["content"]


def test_a_failing_channel_retries_with_backoff_then_is_listed(
    hotline, receiver, client, eager_tasks, django_capture_on_commit_callbacks
):
    broken = Channel.objects.create(
        town=hotline.town,
        unit=hotline.d1,
        kind=Kind.WECOM,
        name="坏掉的群",
        url=f"{receiver.url}/down",
    )
    order = hotline.new_order()
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(hotline, order)

    delivery = Delivery.objects.get(channel=broken)
    assert delivery.state == Delivery.State.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    assert len(receiver.received) == MAX_ATTEMPTS
    assert [backoff(n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    client.force_login(hotline.admin)
    page = client.get("/orders/channels/").content.decode()
    assert "坏掉的群" in page and order.number in page and "500" in page


def test_a_sent_delivery_is_not_sent_again(hotline, channels, receiver):
    order = hotline.new_order()
    dispatch(hotline, order)  # queued; nothing runs the tasks here
    delivery = Delivery.objects.get(channel=channels["wecom"])

    assert delivery_send(delivery_id=delivery.pk) == Delivery.State.SENT
    assert delivery_send(delivery_id=delivery.pk) == Delivery.State.SENT
    assert len(receiver.received) == 1


def test_a_robot_takes_twenty_messages_a_minute(hotline, channels, receiver):
    from notices.services import RateLimited, channel_test

    for _ in range(21):
        channel_test(channel=channels["wecom"])
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    sent = 0
    with pytest.raises(RateLimited):
        for pk in ids:
            delivery_send(delivery_id=pk)
            sent += 1
    assert sent == 20
    assert Delivery.objects.filter(state=Delivery.State.PENDING).count() == 1
