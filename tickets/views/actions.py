"""The workflow actions as the pages offer them: who may see each form, the form, the service.

A form is shown only where the user's role and the order's state allow the action, but the
services decide: a form posted by the wrong person or in a state that has moved on meanwhile
is refused by them (`NotPermitted`, `WrongState`) and nothing changes.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms as djforms
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from huaisi.roles import Capability

from .. import selectors, services
from ..forms import (
    CallbackForm,
    CloseForm,
    CoOpinionForm,
    DispatchForm,
    DuplicateForm,
    ExcludeForm,
    ExtensionDecideForm,
    ExtensionRequestForm,
    MeetingForm,
    NoteForm,
    OnSpotForm,
    ReplyForm,
    ReturnForm,
    ReviewForm,
)
from ..models import (
    CLOCK_STATES,
    CO_OPINION_STATES,
    REPLY_CLOCK_STATES,
    ExtensionRequest,
    Source,
    State,
    Unit,
    WorkOrder,
)


@dataclass
class Roles:
    """What the user is to one order (no queries: the grants are read once per request)."""

    command: bool
    handler: bool
    co_handler: bool  # handles one of the order's co-handling units
    reporter: bool
    supervisor: bool
    pending: ExtensionRequest | None

    @classmethod
    def of(
        cls,
        user,
        order: WorkOrder,
        *,
        co_units: list[Unit],
        pending: ExtensionRequest | None = None,
    ) -> "Roles":
        return cls(
            command=services.is_command_centre(user, order.town_id),
            handler=services.handles_unit(user, order.lead_unit),
            co_handler=any(services.handles_unit(user, unit) for unit in co_units),
            reporter=services.can_report_in_grid(user, order.grid_id),
            supervisor=services.is_supervisor(user, order.town_id),
            pending=pending,
        )


@dataclass(frozen=True)
class Act:
    name: str
    label: str
    capability: str
    # Whether to offer the form: (order, roles) -> bool.
    offered: Callable[[WorkOrder, Roles], bool]
    # (data, files, *, order, user, roles) -> a form.
    form: Callable[..., djforms.Form]
    # (user, order, form) -> what to tell the user on success.
    run: Callable[..., str]
    primary: bool = False

    def make_form(self, data, files, *, order, user, roles) -> djforms.Form:
        """The action's form with element ids of its own ("id_accept_note"): the order page
        shows several forms at once, and each label must point at its own form's field. The
        field names stay plain ("note"), as the board's and the inbox's row buttons post them."""
        form = self.form(data, files, order=order, user=user, roles=roles)
        form.auto_id = f"id_{self.name.replace('-', '_')}_%s"
        return form


def _units(order: WorkOrder):
    return selectors.units_of_town(town=order.town)


def _shown_units(order: WorkOrder) -> list[Unit]:
    """The town's units, read once per request however many of the page's forms offer them."""
    if not hasattr(order, "_town_units"):
        order._town_units = list(_units(order))
    return order._town_units


def _dispatch(user, order, form) -> str:
    order = services.order_dispatch(
        actor=user,
        order=order,
        lead_unit=form.cleaned_data["lead_unit"],
        co_units=list(form.cleaned_data["co_units"]),
        note=form.cleaned_data["note"],
    )
    return _("%(number)s was dispatched to %(unit)s.") % {
        "number": order.number,
        "unit": order.lead_unit,
    }


def _meeting(user, order, form) -> str:
    d = form.cleaned_data
    meeting = services.order_joint_meeting(
        actor=user,
        order=order,
        held_at=d["held_at"],
        units=list(d["units"]),
        attendee_names=d["attendee_names"],
        minutes=d["minutes"],
        decisions=d["decisions"],
        lead_unit=d["lead_unit"],
    )
    return _("The joint meeting was recorded and the order dispatched to %(unit)s.") % {
        "unit": meeting.lead_unit
    }


def _accept(user, order, form) -> str:
    services.order_accept(actor=user, order=order, note=form.cleaned_data["note"])
    return _("%(number)s was accepted.") % {"number": order.number}


def _claim(user, order, form) -> str:
    services.order_claim(actor=user, order=order, note=form.cleaned_data["note"])
    return _("You handle %(number)s now.") % {"number": order.number}


def _start(user, order, form) -> str:
    services.order_start(actor=user, order=order, note=form.cleaned_data["note"])
    return _("Handling of %(number)s has started.") % {"number": order.number}


def _return(user, order, form) -> str:
    services.order_return(actor=user, order=order, reason=form.cleaned_data["reason"])
    return _("%(number)s was returned to the command centre.") % {"number": order.number}


def _extend(user, order, form) -> str:
    services.order_extension_request(
        actor=user,
        order=order,
        working_days=form.cleaned_data["working_days"],
        reason=form.cleaned_data["reason"],
    )
    return _("The extension request was sent to the command centre.")


def _extension_decide(user, order, form) -> str:
    request = order.extensions.filter(pk=form.cleaned_data["request_id"]).first()
    if request is None:
        raise Http404
    approve = form.cleaned_data["decision"] == "approve"
    services.order_extension_decide(
        actor=user, request=request, approve=approve, note=form.cleaned_data["note"]
    )
    return _("The extension was approved.") if approve else _("The extension was refused.")


def _reply(user, order, form) -> str:
    services.order_reply(
        actor=user, order=order, text=form.cleaned_data["text"], files=form.cleaned_data["files"]
    )
    return _("The reply was sent to the command centre.")


def _co_opinion(user, order, form) -> str:
    services.order_co_opinion(
        actor=user, order=order, text=form.cleaned_data["text"], files=form.cleaned_data["files"]
    )
    return _("Your unit's opinion was added to the order; the lead unit was told.")


def _review(user, order, form) -> str:
    approve = form.cleaned_data["decision"] == "approve"
    services.order_review(actor=user, order=order, approve=approve, note=form.cleaned_data["note"])
    return _("The reply was approved.") if approve else _("The reply was sent back to the unit.")


def _callback(user, order, form) -> str:
    order = services.order_callback(
        actor=user, order=order, result=form.cleaned_data["result"], note=form.cleaned_data["note"]
    )
    if order.state == State.REWORK:
        return _("The caller was dissatisfied: the order went back to the unit for re-handling.")
    return _("The callback was recorded.")


def _close(user, order, form) -> str:
    services.order_close(actor=user, order=order, note=form.cleaned_data["note"])
    return _("%(number)s was closed.") % {"number": order.number}


def _on_spot(user, order, form) -> str:
    services.order_handled_on_spot(
        actor=user, order=order, note=form.cleaned_data["note"], files=form.cleaned_data["files"]
    )
    return _("%(number)s was closed as handled on the spot.") % {"number": order.number}


def _duplicate(user, order, form) -> str:
    order = services.order_mark_duplicate(
        actor=user,
        order=order,
        original=form.cleaned_data["original"],
        note=form.cleaned_data["note"],
    )
    return _("%(number)s was marked a duplicate of %(original)s.") % {
        "number": order.number,
        "original": order.duplicate_of.number,
    }


def _exclude(user, order, form) -> str:
    services.order_exclude_from_assessment(
        actor=user, order=order, reason=form.cleaned_data["reason"]
    )
    return _("%(number)s is left out of assessment.") % {"number": order.number}


def _plain(form_class):
    return lambda data, files, *, order, user, roles: form_class(data, files)


def _dispatch_form(data, files, *, order, user, roles):
    shown = _shown_units(order) if data is None else None
    return DispatchForm(data, units=_units(order), shown_units=shown)


def _meeting_form(data, files, *, order, user, roles):
    shown = _shown_units(order) if data is None else None
    return MeetingForm(data, units=_units(order), shown_units=shown)


def _duplicate_form(data, files, *, order, user, roles):
    return DuplicateForm(
        data, orders=selectors.orders_for_user(user=user).filter(town_id=order.town_id)
    )


def _decide_form(data, files, *, order, user, roles):
    initial = {"request_id": roles.pending.pk} if roles.pending else {}
    return ExtensionDecideForm(data, initial=initial)


TO_DISPATCH = (State.NEW, State.RETURNED)
DUPLICABLE = (State.NEW, State.RETURNED, State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS)
DISPATCH = Capability.DISPATCH_TICKETS
HANDLE = Capability.HANDLE_TICKETS

# In the order the page shows them: the step that moves the order on first.
ACTS = [
    Act("accept", _("Accept"), HANDLE, lambda o, r: r.handler and o.state == State.DISPATCHED, _plain(NoteForm), _accept, primary=True),  # noqa: E501
    Act("claim", _("Take it on"), HANDLE, lambda o, r: r.handler and o.state in CLOCK_STATES and o.handler_id is None, _plain(NoteForm), _claim),  # noqa: E501
    Act("start", _("Start handling"), HANDLE, lambda o, r: r.handler and o.state == State.ACCEPTED, _plain(NoteForm), _start, primary=True),  # noqa: E501
    Act("reply", _("Reply"), HANDLE, lambda o, r: r.handler and o.state in REPLY_CLOCK_STATES, _plain(ReplyForm), _reply, primary=True),  # noqa: E501
    Act("opinion", _("Send your unit's opinion"), HANDLE, lambda o, r: r.co_handler and not r.handler and o.state in CO_OPINION_STATES, _plain(CoOpinionForm), _co_opinion, primary=True),  # noqa: E501
    Act("extend", _("Request an extension"), HANDLE, lambda o, r: r.handler and o.state in REPLY_CLOCK_STATES and r.pending is None, _plain(ExtensionRequestForm), _extend),  # noqa: E501
    Act("return", _("Return the order"), HANDLE, lambda o, r: r.handler and o.state in (State.DISPATCHED, State.ACCEPTED), _plain(ReturnForm), _return),  # noqa: E501
    Act("dispatch", _("Dispatch"), DISPATCH, lambda o, r: r.command and o.state in TO_DISPATCH, _dispatch_form, _dispatch, primary=True),  # noqa: E501
    Act("meeting", _("Convene joint handling"), DISPATCH, lambda o, r: r.command and o.state in TO_DISPATCH, _meeting_form, _meeting),  # noqa: E501
    Act("extension-decide", _("Decide the extension request"), DISPATCH, lambda o, r: r.command and r.pending is not None, _decide_form, _extension_decide, primary=True),  # noqa: E501
    Act("review", _("Review the reply"), DISPATCH, lambda o, r: r.command and o.state == State.REPLIED, _plain(ReviewForm), _review, primary=True),  # noqa: E501
    Act("callback", _("Call back the caller"), DISPATCH, lambda o, r: r.command and o.state == State.REVIEWED, _plain(CallbackForm), _callback, primary=True),  # noqa: E501
    Act("close", _("Close"), DISPATCH, lambda o, r: r.command and o.state in (State.CALLED_BACK, State.REVIEWED), _plain(CloseForm), _close, primary=True),  # noqa: E501
    Act("on-spot", _("Handled on the spot"), Capability.REPORT_TICKETS, lambda o, r: r.reporter and o.source == Source.GRID and o.state == State.NEW, _plain(OnSpotForm), _on_spot, primary=True),  # noqa: E501
    Act("duplicate", _("Mark as duplicate"), DISPATCH, lambda o, r: r.command and o.state in DUPLICABLE, _duplicate_form, _duplicate),  # noqa: E501
    Act("exclude", _("Leave out of assessment"), DISPATCH, lambda o, r: r.command and not o.excluded_from_assessment, _plain(ExcludeForm), _exclude),  # noqa: E501
]  # fmt: skip
ACTS_BY_NAME = {act.name: act for act in ACTS}
