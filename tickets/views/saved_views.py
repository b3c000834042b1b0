"""The board's saved views: save the board's filters under a name, rename, share or stop
sharing, delete (POST only; the tabs themselves are links drawn by the board).

Each answers an htmx request with the board's saved-views strip, redrawn with what happened
said in it, and a plain form post with a redirect to the board (with the filters it showed, or
the saved view's) and the same words as a message. A view that is not among the user's tabs
(deleted meanwhile in another tab, or never theirs to see) is answered as no longer there; a
colleague's shared view is theirs to use, not to change (403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from huaisi.access import require_capability
from huaisi.edge import text_problem
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .. import selectors, services
from ..board_filters import MAX_VIEW_NAME, BoardFilters, BoardLookups, read_board_filters
from ..forms import BoardViewForm, BoardViewNameForm
from ._common import town_for
from .board import board_lookups, saved_view_tabs, saved_views_context


def _problems(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _answer(
    request: HtmxHttpRequest, *, town, lookups: BoardLookups, shown: BoardFilters, said: str,
    ok: bool, reopen: str = "",
) -> HttpResponse:  # fmt: skip
    """The strip redrawn (htmx) or the board again (a plain post), SAID either way. REOPEN:
    the form ("save" or "change") to show open again with the name as typed, to correct it."""
    if request.htmx:
        tabs = saved_view_tabs(request.user, town, lookups, shown)
        context = {
            **saved_views_context(tabs, shown),
            "said": said,
            "said_ok": ok,
            "reopen": reopen,
            "typed": request.POST.get("name", "")[:MAX_VIEW_NAME],
        }
        return render(request, "tickets/board.html#saved", context)
    (messages.success if ok else messages.error)(request, said)
    return redirect(f"{reverse('order-board')}?{shown.query}")


def _setting(request: HtmxHttpRequest):
    """The town the user dispatches in (403 without the capability), the lookups the filters
    are read with, and the filters the board showed (sent with every form: where to go back)."""
    require_capability(request.user, Capability.DISPATCH_TICKETS)
    town = town_for(request.user, Capability.DISPATCH_TICKETS)
    lookups = board_lookups(request.user, town)
    raw = request.POST.get("filters", "")
    # Where to go back to: a query string no page could be asked with (NUL) goes to the board.
    shown = read_board_filters(QueryDict("" if text_problem(raw) else raw), lookups, [])
    return town, lookups, shown


@require_POST
@login_required
@vary_on_headers("HX-Request")
def board_view_save(request: HtmxHttpRequest) -> HttpResponse:
    town, lookups, shown = _setting(request)
    form = BoardViewForm(request.POST, lookups=lookups)
    if not form.is_valid():
        said = _("The view was not saved: %(problems)s") % {"problems": _problems(form)}
        return _answer(
            request, town=town, lookups=lookups, shown=shown, said=said, ok=False, reopen="save"
        )
    d = form.cleaned_data
    try:
        view, made = services.board_view_save(
            actor=request.user, town=town, name=d["name"], filters=d["filters"], shared=d["shared"]
        )
    except ValidationError as exc:
        said = _("The view was not saved: %(problems)s") % {"problems": " ".join(exc.messages)}
        return _answer(
            request, town=town, lookups=lookups, shown=shown, said=said, ok=False, reopen="save"
        )
    if made:
        said = _("Saved as “%(name)s”: it is a tab above the board now.") % {"name": view.name}
    else:
        said = _("“%(name)s” is saved with these filters already.") % {"name": view.name}
    return _answer(request, town=town, lookups=lookups, shown=d["filters"], said=said, ok=True)


def _change(request: HtmxHttpRequest, pk: int, act) -> HttpResponse:
    """Fetch the user's view PK and ACT on it (a function of the view returning what to say)."""
    town, lookups, shown = _setting(request)
    try:
        view = selectors.board_view_get_for_user(user=request.user, town=town, pk=pk)
    except Http404:
        return _answer(
            request,
            town=town,
            lookups=lookups,
            shown=shown,
            said=" ".join(services.ViewGone().messages),
            ok=False,
        )
    try:
        said = act(view)
    except ValidationError as exc:
        said = " ".join(exc.messages)
        return _answer(
            request, town=town, lookups=lookups, shown=shown, said=said, ok=False, reopen="change"
        )
    return _answer(request, town=town, lookups=lookups, shown=shown, said=said, ok=True)


@require_POST
@login_required
@vary_on_headers("HX-Request")
def board_view_rename(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    def rename(view) -> str:
        form = BoardViewNameForm(request.POST)
        if not form.is_valid():
            raise ValidationError(
                _("The view was not renamed: %(problems)s") % {"problems": _problems(form)}
            )
        old = view.name
        services.board_view_rename(actor=request.user, view=view, name=form.cleaned_data["name"])
        return _("“%(old)s” is now “%(name)s”.") % {"old": old, "name": view.name}

    return _change(request, pk, rename)


@require_POST
@login_required
@vary_on_headers("HX-Request")
def board_view_share(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    def share(view) -> str:
        shared = request.POST.get("shared") == "1"
        services.board_view_share(actor=request.user, view=view, shared=shared)
        if shared:
            return _("“%(name)s” is shared: the town's dispatchers see it as a tab.") % {
                "name": view.name
            }
        return _("“%(name)s” is no longer shared.") % {"name": view.name}

    return _change(request, pk, share)


@require_POST
@login_required
@vary_on_headers("HX-Request")
def board_view_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    def delete(view) -> str:
        services.board_view_delete(actor=request.user, view=view)
        return _("“%(name)s” is deleted.") % {"name": view.name}

    return _change(request, pk, delete)
