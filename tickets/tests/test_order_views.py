"""The order page and its actions through the Django test client: what each person sees and may
do, the whole workflow posted from the page, refusals that change nothing, intake forms, files
and the printouts."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from tickets import services as s
from tickets.models import (
    Action,
    ExtensionRequest,
    NoticeKind,
    Phase,
    Source,
    State,
    UrgingNotice,
    WorkOrder,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Pages in English, so assertions read the source strings (Chinese is the default)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def png(name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def page(client, user, order):
    client.force_login(user)
    return client.get(reverse("order-detail", args=[order.pk]))


def post(client, user, order, action, data=None, **extra):
    client.force_login(user)
    return client.post(reverse(f"order-{action}", args=[order.pk]), data or {}, **extra)


def state_of(order) -> str:
    return WorkOrder.objects.get(pk=order.pk).state


def text_of(response) -> str:
    return response.content.decode()


# --- Seeing the page -------------------------------------------------------------------------


def test_order_page_masks_the_phone_and_shows_html_as_text(client, hotline):
    order = hotline.new_order(
        description='<script>alert("x")</script>\n第二行 <b>粗</b>', caller_phone="13912345678"
    )
    body = text_of(page(client, hotline.command, order))
    assert "139****5678" in body
    assert "13912345678" not in body
    assert '<script>alert("x")</script>' not in body
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>第二行 &lt;b&gt;粗&lt;/b&gt;" in body
    )
    assert "第1村东河" in body


def test_who_may_open_an_order(client, hotline, user_without_role, role_users):
    from huaisi.roles import RoleKind

    order = s.order_dispatch(actor=hotline.command, order=hotline.new_order(), lead_unit=hotline.d1)
    url = reverse("order-detail", args=[order.pk])
    for user, status in [
        (hotline.command, 200),
        (hotline.supervisor, 200),
        (hotline.admin, 200),
        (hotline.handler, 200),  # D1 leads it
        (hotline.clerk, 200),  # it lies in V1
        (hotline.leader, 404),  # no grid given: not in grid V1G1's
        (hotline.other_handler, 404),
        (hotline.other_clerk, 404),
        (role_users[RoleKind.ASSESSOR], 403),
        (user_without_role, 403),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_forms_shown_match_role_and_state(client, hotline):
    order = hotline.new_order()
    body = text_of(page(client, hotline.command, order))
    assert reverse("order-dispatch", args=[order.pk]) in body
    assert reverse("order-meeting", args=[order.pk]) in body
    assert reverse("order-accept", args=[order.pk]) not in body
    s.order_dispatch(actor=hotline.command, order=order, lead_unit=hotline.d1)
    body = text_of(page(client, hotline.handler, order))
    assert reverse("order-accept", args=[order.pk]) in body
    assert reverse("order-return", args=[order.pk]) in body
    assert reverse("order-reply", args=[order.pk]) not in body
    assert reverse("order-dispatch", args=[order.pk]) not in body
    # The town administrator reads but does not act.
    body = text_of(page(client, hotline.admin, order))
    assert '<form method="post" action="/orders/' not in body


# --- The workflow from the page ------------------------------------------------------------


def test_whole_workflow_through_the_page(client, hotline):
    h = hotline
    order = h.new_order()
    r = post(client, h.command, order, "dispatch", {"lead_unit": h.d1.pk, "co_units": [h.v1.pk]})
    assert r.status_code == 302
    assert state_of(order) == State.DISPATCHED
    # Returning needs a reason: the form says so and nothing changes.
    r = post(client, h.handler, order, "return", {"reason": "  "})
    assert r.status_code == 200
    assert "Say why the order is returned." in text_of(r)
    assert state_of(order) == State.DISPATCHED
    post(client, h.handler, order, "return", {"reason": "不属于本局职责"})
    assert state_of(order) == State.RETURNED
    post(client, h.command, order, "dispatch", {"lead_unit": h.d1.pk})
    post(client, h.handler, order, "accept")
    post(client, h.handler, order, "start", {"note": "已联系来电人"})
    post(client, h.handler, order, "extend", {"working_days": 3, "reason": "需协调施工队"})
    pending = ExtensionRequest.objects.get(order=order)
    r = post(
        client,
        h.command,
        order,
        "extension-decide",
        {"request_id": pending.pk, "decision": "approve"},
    )
    assert r.status_code == 302
    r = post(client, h.handler, order, "reply", {"text": "已清理河道垃圾", "files": [png()]})
    assert r.status_code == 302, text_of(r)
    assert state_of(order) == State.REPLIED
    post(client, h.command, order, "review", {"decision": "approve"})
    post(client, h.command, order, "callback", {"result": "dissatisfied", "note": "还有垃圾"})
    assert state_of(order) == State.REWORK
    post(client, h.handler, order, "reply", {"text": "再次清理完毕"})
    post(client, h.command, order, "review", {"decision": "approve"})
    post(client, h.command, order, "callback", {"result": "satisfied"})
    r = post(client, h.command, order, "close")
    assert r.status_code == 302
    assert state_of(order) == State.CLOSED

    body = text_of(page(client, h.command, order))
    for action in [
        Action.CREATE, Action.DISPATCH, Action.RETURN, Action.ACCEPT, Action.START,
        Action.EXTENSION_REQUEST, Action.EXTENSION_APPROVE, Action.REPLY, Action.REVIEW_APPROVE,
        Action.CALLBACK, Action.CLOSE,
    ]:  # fmt: skip
        with translation.override("en"):
            assert str(Action(action).label) in body
    assert "不属于本局职责" in body
    assert "Dispatched → Returned" in body
    assert "Returned → Dispatched" in body
    assert "第1村" in body  # co-handling unit named in the dispatch event
    assert "Dissatisfied" in body
    attachment = order.attachments.get()
    assert reverse("order-file", args=[order.pk, attachment.pk]) in body


def test_a_step_in_the_wrong_state_is_refused_with_a_message(client, hotline):
    order = s.order_dispatch(actor=hotline.command, order=hotline.new_order(), lead_unit=hotline.d1)
    events = order.timeline.count()
    r = post(client, hotline.handler, order, "start", follow=True)
    assert "This cannot be done while the order is “Dispatched”." in text_of(r)
    assert state_of(order) == State.DISPATCHED
    assert order.timeline.count() == events


def test_the_loser_of_two_dispatches_is_told(client, hotline):
    order = hotline.new_order()
    post(client, hotline.command, order, "dispatch", {"lead_unit": hotline.d1.pk})
    r = post(client, hotline.command, order, "dispatch", {"lead_unit": hotline.d2.pk}, follow=True)
    assert "This cannot be done while the order is “Dispatched”." in text_of(r)
    assert WorkOrder.objects.get(pk=order.pk).lead_unit == hotline.d1


def test_wrong_role_gets_403_and_other_units_handler_a_message(client, hotline):
    order = s.order_dispatch(actor=hotline.command, order=hotline.new_order(), lead_unit=hotline.d1)
    assert (
        post(client, hotline.leader, order, "dispatch", {"lead_unit": hotline.d2.pk}).status_code
        == 403
    )
    assert (
        post(client, hotline.handler, order, "review", {"decision": "approve"}).status_code == 403
    )
    # A co-handler sees the order but may not accept it for the lead unit.
    order2 = s.order_dispatch(
        actor=hotline.command,
        order=hotline.new_order(),
        lead_unit=hotline.d1,
        co_units=[hotline.d2],
    )
    r = post(client, hotline.other_handler, order2, "accept", follow=True)
    assert "Only a handler of the order&#x27;s lead unit may do this." in text_of(r)
    assert state_of(order2) == State.DISPATCHED
    # Outside one's orders: 404.
    assert post(client, hotline.other_handler, order, "accept").status_code == 404


def test_actions_take_only_post(client, hotline):
    order = hotline.new_order()
    client.force_login(hotline.command)
    assert client.get(reverse("order-dispatch", args=[order.pk])).status_code == 405


def test_duplicate_exclude_and_joint_meeting(client, hotline):
    h = hotline
    first, second, third = h.new_order(), h.new_order(title="又是河道垃圾"), h.new_order()
    r = post(client, h.command, second, "duplicate", {"original": "HS000"})
    assert "No order HS000 that you may see." in text_of(r)
    post(client, h.command, second, "duplicate", {"original": first.number.lower()})
    second.refresh_from_db()
    assert second.state == State.DUPLICATE and second.duplicate_of == first
    r = post(client, h.command, first, "exclude", {"reason": ""})
    assert "Say why the order is left out of assessment." in text_of(r)
    post(client, h.command, first, "exclude", {"reason": "诉求不合理"})
    first.refresh_from_db()
    assert first.excluded_from_assessment and first.exclusion_reason == "诉求不合理"
    r = post(
        client,
        h.command,
        third,
        "meeting",
        {
            "held_at": "2026-01-05T09:30",
            "units": [h.d1.pk, h.d2.pk],
            "attendee_names": "张局长、李站长",
            "minutes": "会商河道治理",
            "decisions": "由第1局牵头",
            "lead_unit": h.d1.pk,
        },
    )
    assert r.status_code == 302, text_of(r)
    third.refresh_from_db()
    assert third.state == State.DISPATCHED and third.lead_unit == h.d1
    body = text_of(page(client, h.command, third))
    assert "会商河道治理" in body and "张局长、李站长" in body


# --- Intake ------------------------------------------------------------------------------


def test_command_centre_records_a_phone_order(client, hotline):
    client.force_login(hotline.command)
    url = reverse("order-create")
    assert client.get(url).status_code == 200
    r = client.post(
        url, {"source": Source.PHONE, "urgency": "normal", "title": "", "description": ""}
    )
    assert "Enter a short title." in text_of(r)
    assert not WorkOrder.objects.exists()
    r = client.post(
        url,
        {
            "source": Source.PHONE,
            "category": hotline.straw.pk,
            "urgency": "urgent",
            "title": "田间焚烧秸秆",
            "description": "浓烟很大",
            "caller_phone": "139 1234 5678",
            "village": hotline.area.v1.pk,
        },
    )
    order = WorkOrder.objects.get()
    assert r["Location"] == reverse("order-detail", args=[order.pk])
    assert order.caller_phone == "13912345678" and order.source == Source.PHONE
    client.force_login(hotline.handler)
    assert client.get(url).status_code == 403


def test_grid_report_handled_on_the_spot(client, hotline):
    client.force_login(hotline.leader)
    url = reverse("grid-report")
    body = text_of(client.get(url))
    assert hotline.area.g11.name in body and hotline.area.g21.name not in body
    data = {
        "grid": hotline.area.g11.pk,
        "category": hotline.env.pk,
        "urgency": "normal",
        "title": "路边垃圾",
        "description": "已清理",
        "handled_on_spot": "on",
    }
    r = client.post(url, data)
    assert "Say what was done on the spot." in text_of(r)
    assert not WorkOrder.objects.exists()
    r = client.post(url, {**data, "on_spot_note": "当场清理干净", "files": [png()]})
    order = WorkOrder.objects.get()
    assert order.state == State.CLOSED and order.handled_on_spot and order.source == Source.GRID
    assert order.attachments.count() == 1
    # Another grid's leader may not report in this grid.
    client.force_login(hotline.other_leader)
    r = client.post(url, {**data, "on_spot_note": "x"})
    assert "Select a valid choice" in text_of(r)
    client.force_login(hotline.command)
    assert client.get(url).status_code == 403


def test_grid_report_sent_on_and_closed_on_the_spot_later(client, hotline):
    client.force_login(hotline.worker)
    client.post(
        reverse("grid-report"),
        {
            "grid": hotline.area.g11.pk,
            "category": hotline.env.pk,
            "urgency": "normal",
            "title": "井盖缺失",
            "description": "危险",
        },
    )
    order = WorkOrder.objects.get()
    assert order.state == State.NEW
    body = text_of(page(client, hotline.worker, order))
    assert reverse("order-on-spot", args=[order.pk]) in body
    post(client, hotline.worker, order, "on-spot", {"note": "已临时围挡"})
    assert state_of(order) == State.CLOSED


# --- Files and printouts -----------------------------------------------------------------


def test_files_only_to_those_who_see_the_order(client, hotline):
    order, _ = s.order_create(
        actor=hotline.command, town=hotline.town, source=Source.PHONE, category=hotline.env,
        title="有照片", description="见照片", village=hotline.area.v1, files=[png()],
    )  # fmt: skip
    attachment = order.attachments.get()
    url = reverse("order-file", args=[order.pk, attachment.pk])
    client.force_login(hotline.clerk)
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert b"".join(r.streaming_content)[:3] == b"\xff\xd8\xff"
    r = client.get(url + "?thumb=1")
    assert r.status_code == 200
    client.force_login(hotline.other_clerk)
    assert client.get(url).status_code == 404


def test_printable_dispatch_form(client, hotline):
    order = s.order_dispatch(
        actor=hotline.command, order=hotline.new_order(), lead_unit=hotline.d1, co_units=[hotline.d2],
        note="请两日内联系来电人",
    )  # fmt: skip
    client.force_login(hotline.handler)
    body = text_of(client.get(reverse("order-print", args=[order.pk])))
    assert "Work order dispatch form" in body
    assert order.number in body and "第1局" in body and "第2局" in body
    assert "请两日内联系来电人" in body
    assert "139****5678" in body and "13912345678" not in body
    assert order.reply_due.astimezone().strftime("%Y") in body
    assert 'class="no-print' in body
    client.force_login(hotline.other_clerk)
    assert client.get(reverse("order-print", args=[order.pk])).status_code == 404


def test_printable_supervision_order(client, hotline):
    from django.utils import timezone

    order = s.order_dispatch(actor=hotline.command, order=hotline.new_order(), lead_unit=hotline.d1)
    url = reverse("order-supervision-print", args=[order.pk])
    client.force_login(hotline.command)
    assert "No supervision order has been issued for this order." in text_of(client.get(url))
    UrgingNotice.objects.create(
        order=order, unit=hotline.d1, kind=NoticeKind.SUPERVISE, phase=Phase.ACCEPT,
        due_at=order.accept_due, issued_at=timezone.now(),
    )  # fmt: skip
    body = text_of(client.get(url))
    assert "is past its deadline despite the urging notices" in body
    assert "第1局" in body and "Supervision order" in body


def test_htmx_row_dispatch_shows_the_outcome_in_the_row(client, hotline):
    order = hotline.new_order()
    r = post(
        client,
        hotline.command,
        order,
        "dispatch",
        {"lead_unit": hotline.d2.pk, "_row": "board"},
        **HTMX,
    )
    body = text_of(r)
    assert r.status_code == 200 and "<html" not in body
    assert f"{order.number} was dispatched to 第2局." in body
    r = post(
        client,
        hotline.command,
        order,
        "dispatch",
        {"lead_unit": hotline.d1.pk, "_row": "board"},
        **HTMX,
    )
    assert "This cannot be done while the order is “Dispatched”." in text_of(r)
    r = post(client, hotline.command, hotline.new_order(), "dispatch", {"_row": "board"}, **HTMX)
    # The row says what was missing, as the order page's form would under its field.
    assert "Nothing was changed: Choose the unit that leads the handling." in text_of(r)


# --- The caller's full number and the action forms' element ids -------------------------------


def test_caller_phone_reveal_is_logged_and_listed(client, hotline):
    h = hotline
    order = s.order_dispatch(
        actor=h.command, order=h.new_order(caller_phone="13912345678"), lead_unit=h.d1
    )
    url = reverse("order-caller-phone", args=[order.pk])
    body = text_of(page(client, h.handler, order))
    assert url in body and "13912345678" not in body
    client.force_login(h.handler)
    r = client.post(url, **HTMX)
    assert '<span class="mono revealed" id="caller-phone">13912345678</span>' in text_of(r)
    client.force_login(h.command)
    r = client.post(url, follow=True)
    assert "Full number: 13912345678 (this view was logged)" in text_of(r)
    assert list(order.phone_reveals.order_by("at").values_list("user", flat=True)) == [
        h.handler.pk,
        h.command.pk,
    ]
    # The page lists who saw it, still masked.
    body = text_of(page(client, h.supervisor, order))
    assert "139****5678" in body and "13912345678" not in body
    name = h.handler.get_full_name() or h.handler.username
    assert f"Revealed by {name} at" in body
    assert url not in body  # no button for the supervisor


def test_caller_phone_reveal_refused_to_others_and_never_on_get(client, hotline):
    h = hotline
    order = s.order_dispatch(
        actor=h.command, order=h.new_order(caller_phone="13912345678"), lead_unit=h.d2
    )
    url = reverse("order-caller-phone", args=[order.pk])
    for user in (h.supervisor, h.admin, h.handler):  # h.handler handles D1, not the lead D2
        client.force_login(user)
        r = client.post(url)
        assert r.status_code in (403, 404), user.username
        assert "13912345678" not in text_of(r)
    client.force_login(h.command)
    assert client.get(url).status_code == 405
    body = text_of(page(client, h.command, order))
    assert "13912345678" not in body
    assert not order.phone_reveals.exists()


def test_action_forms_have_their_own_element_ids(client, hotline):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1)
    body = text_of(page(client, h.handler, order))  # accept (note) and return (reason)
    assert 'id="id_note"' not in body and 'id="id_reason"' not in body
    assert 'for="id_accept_note"' in body and 'id="id_accept_note"' in body
    assert 'for="id_return_reason"' in body and 'id="id_return_reason"' in body
    assert 'name="note"' in body and 'name="reason"' in body  # names unchanged


# --- A co-handling unit's opinion ------------------------------------------------------------


def test_a_co_handling_unit_sends_its_opinion_from_the_order_page(client, hotline):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1, co_units=[h.d2])
    opinion_url = reverse("order-opinion", args=[order.pk])
    # Offered to the co-handling unit's handler only: not to the lead unit, not to the command.
    assert opinion_url in text_of(page(client, h.other_handler, order))
    assert opinion_url not in text_of(page(client, h.handler, order))
    assert opinion_url not in text_of(page(client, h.command, order))

    r = post(client, h.other_handler, order, "opinion", {"text": ""})
    assert r.status_code == 200 and "Write your unit&#x27;s opinion." in text_of(r)
    assert not order.timeline.filter(action=Action.CO_OPINION).exists()

    r = post(
        client,
        h.other_handler,
        order,
        "opinion",
        {"text": "已派执法队员到场协助。", "files": [png("现场.png")]},
        follow=True,
    )
    assert "Your unit&#x27;s opinion was added to the order; the lead unit was told." in text_of(r)
    event = order.timeline.get(action=Action.CO_OPINION)
    assert event.unit == h.d2 and event.attachments.count() == 1
    # The lead unit reads it in the timeline, with the co-handling unit's name.
    body = text_of(page(client, h.handler, order))
    event = re.search(r'<li class="event event-co_opinion">.*?</li>', body, re.S).group(0)
    assert "Co-handling opinion" in event and "已派执法队员到场协助。" in event
    assert "· 第2局" in event  # under the co-handling unit's name
    assert state_of(order) == State.DISPATCHED

    # Sent again (a resend of the form): refused, said, written once.
    r = post(
        client, h.other_handler, order, "opinion", {"text": "已派执法队员到场协助。"}, follow=True
    )
    assert "already sent this opinion" in text_of(r)
    assert order.timeline.filter(action=Action.CO_OPINION).count() == 1


def test_the_lead_unit_cannot_post_a_co_handling_opinion(client, hotline):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1, co_units=[h.d2])
    r = post(client, h.handler, order, "opinion", {"text": "我是主办。"}, follow=True)
    assert "Only a handler of a co-handling unit of this order may do this." in text_of(r)
    assert not order.timeline.filter(action=Action.CO_OPINION).exists()
