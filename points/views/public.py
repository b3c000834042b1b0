"""The village notice board (公示栏) and the half-year honour poster (红榜): public pages,
readable without logging in, printable on A4.

What they show: each ranked household's number, its head's name the way Chinese public notices
print names (张*丰: surname and last character), and its points. No ID or phone number, no
address: a page on the open internet should not turn into a directory of the village, and
villagers recognise their neighbours from the number and the name as printed.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from grids.models import Village

from .. import selectors
from ..services import parse_half

BOARD_RANKING_ROWS = 50
# Seconds a kiosk page stays untouched before the screen goes back to its idle notice board;
# here, below the kiosk's module, because the board opened from the kiosk counts them too.
KIOSK_IDLE_SECONDS = 60


def public_name(name: str) -> str:
    """张三丰 → 张*丰, 张三 → 张*: a name as public notices print it."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def half_label(half_start) -> str:
    if half_start.month == 1:
        return _("First half of %(year)d") % {"year": half_start.year}
    return _("Second half of %(year)d") % {"year": half_start.year}


def _public_rows(rows, names: dict[int, str]) -> list[dict]:
    return [
        {
            "rank": row.rank,
            "number": row.household.number,
            "name": public_name(names.get(row.household_id, "")),
            "points": row.points,
        }
        for row in rows
    ]


def board_context(*, village: Village, ranking_limit: int | None) -> dict:
    """What the notice board shows (the kiosk's idle screen shows the same, shorter): the
    latest ranking (its top `ranking_limit` rows) and honour list. At most six queries,
    whatever the number of households."""
    board = selectors.notice_board(village=village, ranking_limit=ranking_limit)
    names = selectors.household_head_names(
        household_ids={r.household_id for r in board.ranking_rows}
        | {r.household_id for r in board.honour_rows}
    )
    ranked = (
        selectors.ranked_count(publication=board.ranking)
        if board.ranking and ranking_limit is not None
        else len(board.ranking_rows)
    )
    return {
        "village": village,
        "ranking": board.ranking,
        "ranking_rows": _public_rows(board.ranking_rows, names),
        "ranked": ranked,
        "honours": board.honours,
        "honours_label": half_label(board.honours.half_start) if board.honours else "",
        "honour_rows": _public_rows(board.honour_rows, names),
    }


@require_GET
def noticeboard(request: HttpRequest, village_id: int) -> HttpResponse:
    """The village's notice board: the latest monthly ranking (top 50, or all with ?all=1)
    and honour list.

    Opened from the kiosk's idle screen (?kiosk=1) it is a kiosk page: the kiosk's frame and
    type size, a big way back to the idle screen, back there on its own after the kiosk's
    idle time, and no link a resident could follow out of the kiosk (the site's header, the
    print button, the honour poster). Without it, the public page printable on A4."""
    village = get_object_or_404(Village.objects.select_related("town"), pk=village_id)
    show_all = request.GET.get("all") == "1"
    context = board_context(village=village, ranking_limit=None if show_all else BOARD_RANKING_ROWS)
    context["show_all"] = show_all
    if request.GET.get("kiosk") == "1":
        return render(
            request,
            "points/kiosk/board.html",
            # The board's parts are the public page's Django templates, given their context.
            context | {"board": context, "idle_seconds": KIOSK_IDLE_SECONDS},
            using="jinja2",
        )
    return render(request, "points/noticeboard/board.html", context)


@require_GET
def noticeboard_honours(request: HttpRequest, village_id: int) -> HttpResponse:
    """The honour list as a poster: the latest half year, or ?half=2026H1."""
    village = get_object_or_404(Village.objects.select_related("town"), pk=village_id)
    error, half = "", None
    if request.GET.get("half"):
        try:
            half = parse_half(request.GET["half"])
        except ValidationError as exc:
            error = exc.messages[0]
    publication, rows = (None, []) if error else selectors.honour_list(village=village, half=half)
    if rows:
        names = selectors.household_head_names(household_ids={r.household_id for r in rows})
        rows = _public_rows(rows, names)
    return render(
        request,
        "points/noticeboard/honours.html",
        {
            "village": village,
            "honours": publication,
            "honours_label": half_label(publication.half_start) if publication else "",
            "honour_rows": rows,
            "error": error,
        },
        status=400 if error else 200,
    )
