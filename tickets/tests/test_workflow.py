"""The workflow through the services: each action by its role, from its states, recorded on
the timeline; anything else refused with nothing changed."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.utils import translation

from tickets import services as s
from tickets.models import (
    Action,
    Callback,
    ExtensionRequest,
    JointMeeting,
    Notification,
    Satisfaction,
    Source,
    State,
    TimelineEvent,
    WorkOrder,
)
from tickets.services import NotPermitted, WrongState

pytestmark = pytest.mark.django_db


def actions(order):
    return list(order.timeline.order_by("at", "pk").values_list("action", flat=True))


def snapshot(order):
    """What a refused action must leave untouched."""
    order = WorkOrder.objects.get(pk=order.pk)
    return (
        {k: v for k, v in order.__dict__.items() if not k.startswith("_") and k != "updated_at"},
        TimelineEvent.objects.filter(order=order).count(),
        Notification.objects.count(),
    )


def test_full_journey_with_return_extension_rework_and_close(hotline):
    h = hotline
    order = h.new_order()
    assert order.state == State.NEW and order.number.startswith("HS")

    order = s.order_dispatch(actor=h.command, order=order, lead_unit=h.d1, co_units=[h.d2])
    assert order.state == State.DISPATCHED and order.lead_unit == h.d1
    assert order.accept_due < order.reply_due
    assert list(order.co_units.all()) == [h.d2]
    kinds = set(Notification.objects.values_list("user__username", "kind"))
    assert (h.handler.username, "dispatched") in kinds
    assert (h.other_handler.username, "co_handling") in kinds

    with pytest.raises(ValidationError):
        s.order_return(actor=h.handler, order=order, reason="  ")
    order = s.order_return(actor=h.handler, order=order, reason="不属于本部门职责")
    assert order.state == State.RETURNED and order.return_count == 1
    assert Notification.objects.filter(user=h.command, kind="returned").exists()

    order = s.order_dispatch(actor=h.command, order=order, lead_unit=h.v1)
    assert order.lead_unit == h.v1 and not order.co_units.exists()
    order = s.order_accept(actor=h.clerk, order=order)
    assert order.state == State.ACCEPTED and order.accepted_at is not None
    order = s.order_start(actor=h.clerk, order=order)

    request = s.order_extension_request(
        actor=h.clerk, order=order, working_days=3, reason="需协调第三方清运"
    )
    old_due = order.reply_due
    request = s.order_extension_decide(actor=h.command, request=request, approve=True)
    order.refresh_from_db()
    assert request.status == ExtensionRequest.Status.APPROVED
    assert order.reply_due == request.new_due > old_due
    assert request.old_due == old_due

    order = s.order_reply(actor=h.clerk, order=order, text="已组织清理，河道恢复整洁。")
    assert order.state == State.REPLIED and order.replied_on_time is True
    first_reply = order.first_replied_at
    order = s.order_review(actor=h.command, order=order, approve=True)
    assert order.state == State.REVIEWED

    order = s.order_callback(
        actor=h.command, order=order, result=Satisfaction.DISSATISFIED, note="仍有垃圾"
    )
    assert order.state == State.REWORK and order.rework_count == 1
    assert order.lead_unit == h.v1
    assert Notification.objects.filter(user=h.clerk, kind="rework").exists()

    order = s.order_reply(actor=h.clerk, order=order, text="再次清理并安排专人巡查。")
    assert order.first_replied_at == first_reply
    order = s.order_review(actor=h.command, order=order, approve=True)
    order = s.order_callback(actor=h.command, order=order, result=Satisfaction.SATISFIED)
    assert order.state == State.CALLED_BACK
    order = s.order_close(actor=h.command, order=order)
    assert order.state == State.CLOSED and order.closed_at is not None

    assert actions(order) == [
        Action.CREATE,
        Action.DISPATCH,
        Action.RETURN,
        Action.DISPATCH,
        Action.ACCEPT,
        Action.START,
        Action.EXTENSION_REQUEST,
        Action.EXTENSION_APPROVE,
        Action.REPLY,
        Action.REVIEW_APPROVE,
        Action.CALLBACK,
        Action.REPLY,
        Action.REVIEW_APPROVE,
        Action.CALLBACK,
        Action.CLOSE,
    ]
    events = list(order.timeline.order_by("at", "pk"))
    assert events[2].note == "不属于本部门职责" and events[2].actor == h.handler
    assert events[-1].from_state == State.CALLED_BACK and events[-1].to_state == State.CLOSED
    assert list(Callback.objects.filter(order=order).values_list("result", flat=True)) == [
        "dissatisfied",
        "satisfied",
    ]


def test_review_can_send_a_reply_back_with_a_reason(hotline):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1)
    s.order_accept(actor=h.handler, order=order)
    s.order_reply(actor=h.handler, order=order, text="已处理")
    with pytest.raises(ValidationError):
        s.order_review(actor=h.command, order=order, approve=False, note="")
    order = s.order_review(actor=h.command, order=order, approve=False, note="缺少现场照片")
    assert order.state == State.IN_PROGRESS
    assert Notification.objects.filter(user=h.handler, kind="sent_back").exists()


def test_refused_extension_keeps_the_deadline_and_the_history(hotline):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1)
    order = s.order_accept(actor=h.handler, order=order)
    request = s.order_extension_request(actor=h.handler, order=order, working_days=2, reason="等待")
    with pytest.raises(WrongState):
        s.order_extension_request(actor=h.handler, order=order, working_days=1, reason="再等")
    with pytest.raises(ValidationError):
        s.order_extension_decide(actor=h.command, request=request, approve=False, note="")
    request = s.order_extension_decide(
        actor=h.command, request=request, approve=False, note="时限内可办结"
    )
    order.refresh_from_db()
    assert request.status == ExtensionRequest.Status.REFUSED
    assert order.reply_due == request.old_due
    with pytest.raises(WrongState):
        s.order_extension_decide(actor=h.command, request=request, approve=True)
    # A new request after the refusal is allowed; both stay on record.
    s.order_extension_request(actor=h.handler, order=order, working_days=1, reason="仍需时间")
    assert order.extensions.count() == 2


def test_close_without_callback_needs_a_reason(hotline):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1)
    s.order_accept(actor=h.handler, order=order)
    s.order_reply(actor=h.handler, order=order, text="已处理")
    s.order_review(actor=h.command, order=order, approve=True)
    with pytest.raises(ValidationError):
        s.order_close(actor=h.command, order=order)
    order = s.order_close(actor=h.command, order=order, note="来电人电话无法接通")
    assert order.state == State.CLOSED


def test_grid_report_handled_on_the_spot(hotline):
    h = hotline
    order = h.new_order(
        actor=h.leader, source=Source.GRID, grid=h.area.g11, village=None, caller_phone=""
    )
    assert order.village == h.area.v1 and order.created_by == h.leader
    with pytest.raises(NotPermitted):
        s.order_handled_on_spot(actor=h.other_leader, order=order, note="已处置")
    order = s.order_handled_on_spot(actor=h.leader, order=order, note="现场劝离焚烧秸秆人员")
    assert order.state == State.CLOSED and order.handled_on_spot
    assert actions(order) == [Action.CREATE, Action.ON_SPOT]


def test_grid_staff_report_only_in_their_own_grid(hotline):
    h = hotline
    with pytest.raises(NotPermitted):
        h.new_order(actor=h.leader, source=Source.GRID, grid=h.area.g21, village=None)
    with pytest.raises(NotPermitted):
        h.new_order(actor=h.leader, source=Source.HOTLINE, grid=h.area.g11)
    order = h.new_order(actor=h.worker, source=Source.GRID, grid=h.area.g11, village=None)
    assert order.grid == h.area.g11
    assert WorkOrder.objects.count() == 1


def test_on_spot_only_for_grid_reports(hotline):
    h = hotline
    order = h.new_order(grid=h.area.g11)
    with pytest.raises(NotPermitted):
        s.order_handled_on_spot(actor=h.leader, order=order, note="x")


def test_duplicate_points_at_the_original_and_ends_the_order(hotline):
    h = hotline
    first = h.new_order()
    second = h.new_order(title="河道垃圾（重复来电）")
    third = h.new_order(title="又一次来电")
    s.order_mark_duplicate(actor=h.command, order=second, original=first)
    # Marking against a duplicate points at its original: no chains.
    third = s.order_mark_duplicate(actor=h.command, order=third, original=second)
    assert third.duplicate_of == first and third.state == State.DUPLICATE
    with pytest.raises(ValidationError):
        s.order_mark_duplicate(actor=h.command, order=first, original=first)
    with pytest.raises(WrongState):
        s.order_dispatch(actor=h.command, order=third, lead_unit=h.d1)


def test_joint_meeting_names_the_lead_and_dispatches(hotline):
    h = hotline
    order = h.new_order()
    from django.utils import timezone

    with pytest.raises(ValidationError):
        s.order_joint_meeting(
            actor=h.command, order=order, held_at=timezone.now(), units=[h.d1],
            attendee_names="张三", minutes="讨论", decisions="由一局牵头", lead_unit=h.d1,
        )  # fmt: skip
    meeting = s.order_joint_meeting(
        actor=h.command,
        order=order,
        held_at=timezone.now(),
        units=[h.d1, h.d2, h.v1],
        attendee_names="一局李科长、二局王科长、第1村张书记",
        minutes="现场会商河道保洁责任",
        decisions="由第1村牵头，两局配合",
        lead_unit=h.v1,
    )
    order.refresh_from_db()
    assert isinstance(meeting, JointMeeting)
    assert order.state == State.DISPATCHED and order.lead_unit == h.v1
    assert set(order.co_units.all()) == {h.d1, h.d2}
    assert actions(order) == [Action.CREATE, Action.JOINT_MEETING, Action.DISPATCH]


def test_exclusion_from_assessment_keeps_the_reason_once(hotline):
    h = hotline
    order = h.new_order()
    with pytest.raises(NotPermitted):
        s.order_exclude_from_assessment(actor=h.handler, order=order, reason="无理诉求")
    with pytest.raises(ValidationError):
        s.order_exclude_from_assessment(actor=h.command, order=order, reason="")
    order = s.order_exclude_from_assessment(actor=h.command, order=order, reason="诉求明显不合理")
    assert order.excluded_from_assessment and order.exclusion_reason == "诉求明显不合理"
    with pytest.raises(WrongState):
        s.order_exclude_from_assessment(actor=h.command, order=order, reason="again")


@pytest.mark.parametrize(
    "who",
    ["handler", "clerk", "leader", "supervisor", "admin", "other_handler"],
)
def test_only_the_command_centre_dispatches(hotline, who):
    h = hotline
    order = h.new_order()
    before = snapshot(order)
    with pytest.raises(NotPermitted):
        s.order_dispatch(actor=getattr(h, who), order=order, lead_unit=h.d1)
    assert snapshot(order) == before


@pytest.mark.parametrize("who", ["other_handler", "clerk", "command", "supervisor", "leader"])
def test_only_the_lead_units_handler_accepts(hotline, who):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1, co_units=[h.d2])
    before = snapshot(order)
    with pytest.raises(NotPermitted):
        s.order_accept(actor=getattr(h, who), order=order)
    assert snapshot(order) == before


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        (s.order_accept, {}),
        (s.order_start, {}),
        (s.order_reply, {"text": "答复"}),
        (s.order_return, {"reason": "退回"}),
    ],
)
def test_unit_actions_in_the_wrong_state_change_nothing(hotline, action, kwargs):
    h = hotline
    order = h.new_order()  # new: not dispatched to anyone yet
    WorkOrder.objects.filter(pk=order.pk).update(lead_unit=h.d1)
    before = snapshot(order)
    with pytest.raises(WrongState):
        action(actor=h.handler, order=order, **kwargs)
    assert snapshot(order) == before


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        (s.order_review, {"approve": True}),
        (s.order_callback, {"result": "satisfied"}),
        (s.order_close, {"note": "x"}),
    ],
)
def test_command_actions_in_the_wrong_state_change_nothing(hotline, action, kwargs):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1)
    before = snapshot(order)
    with pytest.raises(WrongState) as exc:
        action(actor=h.command, order=order, **kwargs)
    assert "Dispatched" in exc.value.messages[0]
    assert snapshot(order) == before


def test_a_stale_copy_loses_to_the_first_action(hotline):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1)
    stale = WorkOrder.objects.get(pk=order.pk)
    s.order_accept(actor=h.handler, order=order)
    with pytest.raises(WrongState):
        s.order_accept(actor=h.handler, order=stale)
    assert actions(order).count(Action.ACCEPT) == 1


def test_attachments_are_checked_before_anything_is_written(hotline):
    from django.core.files.uploadedfile import SimpleUploadedFile

    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1)
    s.order_accept(actor=h.handler, order=order)
    before = snapshot(order)
    fake = SimpleUploadedFile("scan.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        s.order_reply(actor=h.handler, order=order, text="见附件", files=[fake])
    assert "scan.pdf" in exc.value.message_dict["files"][0]
    assert snapshot(order) == before


def test_timeline_events_cannot_be_changed_or_deleted(hotline):
    h = hotline
    order = h.new_order()
    event = order.timeline.get()
    with pytest.raises(ProgrammingError), transaction.atomic():
        TimelineEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tickets_timelineevent WHERE id = %s", [event.pk])
    assert TimelineEvent.objects.get(pk=event.pk).note == ""


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_one_wins(hotline, role_users):
    from conftest import make_user
    from huaisi.roles import RoleKind

    h = hotline
    second = make_user("command2", kind=RoleKind.COMMAND_CENTRE, scope=h.town)
    order = h.new_order()
    barrier = threading.Barrier(2)
    results = {}

    def dispatch(name, actor, unit):
        translation.activate("en")  # each thread starts in the default language
        try:
            barrier.wait()
            results[name] = s.order_dispatch(actor=actor, order=order, lead_unit=unit).lead_unit_id
        except WrongState as exc:
            results[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=dispatch, args=("a", h.command, h.d1)),
        threading.Thread(target=dispatch, args=("b", second, h.d2)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [v for v in results.values() if not isinstance(v, Exception)]
    losers = [v for v in results.values() if isinstance(v, WrongState)]
    assert len(winners) == 1 and len(losers) == 1
    # Told either way: "someone else already acted" when both read the order before either
    # wrote, or the order's new state when the loser's thread only starts after the winner's
    # commit (a busy machine schedules the threads as it likes).
    assert (
        "Someone else already acted" in losers[0].messages[0]
        or "while the order is “Dispatched”" in losers[0].messages[0]
    )
    order.refresh_from_db()
    assert order.lead_unit_id == winners[0]
    assert order.timeline.filter(action=Action.DISPATCH).count() == 1


# --- Co-handling units' opinions (协办意见) ---------------------------------------------------


def test_a_co_handling_unit_sends_its_opinion_and_the_lead_unit_is_told(hotline):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1, co_units=[h.d2])
    Notification.objects.all().delete()

    event = s.order_co_opinion(actor=h.other_handler, order=order, text="已安排执法队员协助清理。")

    order.refresh_from_db()
    assert order.state == State.DISPATCHED  # the order does not move
    assert event.action == Action.CO_OPINION and event.unit == h.d2
    assert event.actor == h.other_handler and event.note == "已安排执法队员协助清理。"
    assert actions(order)[-1] == Action.CO_OPINION
    assert set(Notification.objects.values_list("user__username", "kind")) == {
        (h.handler.username, "co_opinion")
    }


def test_the_same_opinion_twice_is_refused_and_written_once(hotline):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1, co_units=[h.d2])
    s.order_co_opinion(actor=h.other_handler, order=order, text="已协助清理。")
    before = snapshot(order)

    with pytest.raises(WrongState, match="already sent this opinion"):
        s.order_co_opinion(actor=h.other_handler, order=order, text="  已协助清理。 ")

    assert snapshot(order) == before
    # A further, different opinion is welcome.
    s.order_co_opinion(actor=h.other_handler, order=order, text="河道已清理完毕。")
    assert actions(order).count(Action.CO_OPINION) == 2


@pytest.mark.parametrize("who", ["handler", "command", "clerk", "leader", "superuser", "both"])
def test_only_a_co_handling_unit_sends_an_opinion(hotline, who):
    from conftest import make_user
    from huaisi.roles import RoleKind
    from huaisi.services import role_assign

    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1, co_units=[h.d2])
    if who == "superuser":
        actor = make_user("root", is_superuser=True)
    elif who == "both":  # handles the lead unit as well as a co-handling one
        actor = make_user("both", kind=RoleKind.DEPARTMENT_HANDLER, scope=h.area.d1)
        role_assign(
            user=actor, kind=RoleKind.DEPARTMENT_HANDLER, scope=h.area.d2,
            starts_on=datetime.date(2025, 1, 1),
        )  # fmt: skip
    else:
        actor = getattr(h, who)
    before = snapshot(order)

    with pytest.raises(NotPermitted, match="co-handling unit"):
        s.order_co_opinion(actor=actor, order=order, text="我也说一句。")

    assert snapshot(order) == before


def test_an_opinion_after_the_reply_or_with_no_text_is_refused(hotline):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1, co_units=[h.d2])
    with pytest.raises(ValidationError) as caught:
        s.order_co_opinion(actor=h.other_handler, order=order, text="   ")
    assert caught.value.message_dict == {"text": ["Write your unit's opinion."]}

    order = s.order_accept(actor=h.handler, order=order)
    order = s.order_reply(actor=h.handler, order=order, text="已清理。")
    before = snapshot(order)
    with pytest.raises(WrongState, match="Replied"):
        s.order_co_opinion(actor=h.other_handler, order=order, text="补充意见。")
    assert snapshot(order) == before


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_send_writes_one_opinion(hotline):
    h = hotline
    order = s.order_dispatch(actor=h.command, order=h.new_order(), lead_unit=h.d1, co_units=[h.d2])
    barrier = threading.Barrier(2)
    results = []

    def send():
        translation.activate("en")
        try:
            barrier.wait()
            results.append(s.order_co_opinion(actor=h.other_handler, order=order, text="同意。"))
        except WrongState as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(type(r).__name__ for r in results) == ["TimelineEvent", "WrongState"]
    assert order.timeline.filter(action=Action.CO_OPINION).count() == 1
