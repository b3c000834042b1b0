"""/orders/channels/: the administrator configures channels, sends a test message, sees
failures; /orders/<pk>/deliveries/: what was sent about an order."""

import pytest

from notices.models import Channel, Delivery, Kind

pytestmark = pytest.mark.django_db


def test_the_administrator_adds_a_wecom_a_dingtalk_and_an_sms_channel(client, hotline, receiver):
    client.force_login(hotline.admin)
    for data in (
        {"unit": hotline.d1.pk, "kind": "wecom", "name": "企业微信群",
         "url": f"{receiver.url}/cgi-bin/webhook/send?key=wecom-key"},
        {"unit": hotline.d1.pk, "kind": "dingtalk", "name": "钉钉群",
         "url": f"{receiver.url}/robot/send?access_token=ding-token", "secret": "SECx"},
        {"unit": "", "kind": "sms", "name": "短信", "url": f"{receiver.url}/sms/send",
         "template": "{event} {number} {link}", "signature": "槐泗镇",
         "recipients": "138 0000 1111\n+8613800002222"},
    ):  # fmt: skip
        answer = client.post("/orders/channels/", data)
        assert answer.status_code == 302, answer.content.decode()

    assert sorted(Channel.objects.values_list("kind", flat=True)) == ["dingtalk", "sms", "wecom"]
    sms = Channel.objects.get(kind=Kind.SMS)
    assert sms.unit is None and sms.recipients == "13800001111\n13800002222"
    page = client.get("/orders/channels/").content.decode()
    assert "138****1111" in page and "13800001111" not in page
    assert "SECx" not in page and "wecom-key" not in page


def test_bad_input_is_refused_with_a_message(client, hotline):
    client.force_login(hotline.admin)

    answer = client.post(
        "/orders/channels/",
        {"kind": "sms", "name": "短信", "url": "ftp://example", "template": "{name}",
         "signature": "", "recipients": "12345"},
    )  # fmt: skip

    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Enter the address starting with https://." in page or "Enter a valid URL." in page
    assert "Use only the placeholders listed under the field." in page
    assert "An SMS channel needs a signature." in page
    assert "12345 is not a mobile number." in page
    assert not Channel.objects.exists()


def test_send_a_test_message(
    client, hotline, channels, receiver, eager_tasks, django_capture_on_commit_callbacks
):
    client.force_login(hotline.admin)

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/orders/channels/{channels['dingtalk'].pk}/test/", follow=True)

    assert "A test message is on its way" in answer.content.decode()
    assert receiver.problems == []
    assert [r["path"] for r in receiver.received] == ["/robot/send"]
    assert Delivery.objects.get().state == Delivery.State.SENT


def test_a_paused_channel_gets_nothing(client, hotline, channels, receiver, eager_tasks):
    from tickets.services import order_dispatch

    client.force_login(hotline.admin)
    for channel in channels.values():
        client.post(f"/orders/channels/{channel.pk}/toggle/", {"was": "on"})
    assert not Channel.objects.filter(is_active=True).exists()

    order_dispatch(actor=hotline.command, order=hotline.new_order(), lead_unit=hotline.d1)

    assert not Delivery.objects.exists()


def test_the_order_delivery_log(client, hotline, channels):
    from tickets.services import order_dispatch

    order = hotline.new_order()
    order_dispatch(actor=hotline.command, order=order, lead_unit=hotline.d1)
    client.force_login(hotline.command)
    before = hotline.new_order()
    # The order page leads to its log once dispatched (nothing is sent before).
    log = f'href="/orders/{order.pk}/deliveries/"'
    assert log in client.get(f"/orders/{order.pk}/").content.decode()
    assert "/deliveries/" not in client.get(f"/orders/{before.pk}/").content.decode()

    page = client.get(f"/orders/{order.pk}/deliveries/").content.decode()

    for channel in channels.values():
        assert channel.name in page
    assert "Waiting" in page
    client.force_login(hotline.other_handler)  # D2 does not see D1's order
    assert client.get(f"/orders/{order.pk}/deliveries/").status_code == 404


def test_only_the_town_administrator_configures(client, hotline):
    client.force_login(hotline.command)
    assert client.get("/orders/channels/").status_code == 403
