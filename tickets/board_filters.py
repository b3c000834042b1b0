"""The dispatch board's filters, read from a query string into typed values, and the rules of the
views a dispatcher saves them under (saved views, issue 19).

The board reads them from its address; a saved view keeps them as the query string
`BoardFilters.query` writes (only the keys in `FILTER_KEYS`, in that order) and reads them
again with the same `read_board_filters` each time its tab is drawn: a category, unit, village
or grid that is gone or no longer the user's drops out, as it would from a link kept by hand.
"""

import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

from huaisi.edge import text_problem
from huaisi.list_filters import AreaChoices, AreaFilter, read_area

from .models import Category, Source, State, Unit
from .selectors.orders import BOARD_SORTS, BOARD_VIEWS

# What a saved view keeps, in the order its query string lists them (the board's other
# parameters, `page` and the poll's `seen`, are not filters).
FILTER_KEYS = ("view", "state", "source", "category", "unit", "village", "grid", "sort", "q")
MAX_QUERY = 40  # characters of the number-or-title search the board uses
MAX_VIEW_NAME = 40
MAX_VIEWS_PER_USER = 20


@dataclass(frozen=True)
class BoardLookups:
    """What the filters' ids are checked against: the town's categories (with their
    sub-categories) and units, and the user's villages and grids."""

    categories: list[Category]
    units: list[Unit]
    areas: AreaChoices

    def category(self, raw: str | None) -> Category | None:
        return self._by_pk(raw, (c for top in self.categories for c in (top, *top.children.all())))

    def unit(self, raw: str | None) -> Unit | None:
        return self._by_pk(raw, self.units)

    @staticmethod
    def _by_pk(raw: str | None, rows):
        text = (raw or "").strip()
        return next((row for row in rows if str(row.pk) == text), None) if text else None


@dataclass(frozen=True)
class BoardFilters:
    view: str = "new"
    state: str = ""
    source: str = ""
    category: Category | None = None
    unit: Unit | None = None
    area: AreaFilter = field(default_factory=AreaFilter)
    sort: str = ""
    q: str = ""

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """The filters that narrow or order the board, as (key, value) in FILTER_KEYS order;
        the view always (it is the tab the board opens on)."""
        values = {
            "view": self.view,
            "state": self.state,
            "source": self.source,
            "category": str(self.category.pk) if self.category else "",
            "unit": str(self.unit.pk) if self.unit else "",
            "village": str(self.area.village_id or ""),
            "grid": str(self.area.grid_id or ""),
            "sort": self.sort,
            "q": self.q,
        }
        return [(key, values[key]) for key in FILTER_KEYS if values[key]]

    @property
    def query(self) -> str:
        """The query string that opens the board with exactly these filters."""
        return urlencode(self.pairs)


def read_board_filters(params, lookups: BoardLookups, notices: list[str]) -> BoardFilters:
    """The board's filters from PARAMS (a QueryDict). A value the board cannot use is left
    out: an unknown view opens 'new'; a state, source, category or unit that is not the
    town's is ignored; an unknown sort or an area outside the user's is said in NOTICES."""
    view = params.get("view", "new")
    state = params.get("state", "")
    source = params.get("source", "")
    sort = params.get("sort", "")
    if sort and sort not in BOARD_SORTS:
        notices.append(
            _("“%(value)s” is not a way to sort the board: shown in the usual order.")
            % {"value": sort[:20]}
        )
        sort = ""
    return BoardFilters(
        view=view if view in BOARD_VIEWS else "new",
        state=state if state in State.values else "",
        source=source if source in Source.values else "",
        category=lookups.category(params.get("category")),
        unit=lookups.unit(params.get("unit")),
        area=read_area(params, lookups.areas, notices),
        sort=sort,
        q=params.get("q", "").strip()[:MAX_QUERY],
    )


def saved_filters(raw: str, lookups: BoardLookups) -> BoardFilters:
    """The filters a view is being saved with (RAW: the board's query string), refused whole
    (ValidationError) when any part of it would not be kept as given: an unknown or repeated
    key, or a value the board would drop or change. What is saved is what the board showed."""
    problem = text_problem(raw)
    if problem:
        raise ValidationError(problem)
    params = QueryDict(raw)
    unknown = sorted(set(params) - set(FILTER_KEYS))
    if unknown:
        raise ValidationError(
            _("These are not filters of the board: %(keys)s.")
            % {"keys": "、".join(key[:20] for key in unknown[:5])}
        )
    given = dict(params.lists())
    if any(len(values) > 1 for values in given.values()):
        raise ValidationError(_("Each filter may be given once."))
    filters = read_board_filters(params, lookups, [])
    kept = dict(filters.pairs)
    dropped = [
        key
        for key, (value,) in given.items()
        if value.strip() and kept.get(key) != (value.strip() if key == "q" else value)
    ]
    if dropped:
        raise ValidationError(
            _("These filters cannot be kept as given: %(keys)s. Filter the board again and save.")
            % {"keys": "、".join(dropped)}
        )
    return filters


def clean_view_name(raw: str) -> str:
    """A saved view's name: spaces trimmed and runs of them made one, 1 to MAX_VIEW_NAME
    characters, no NUL, lone surrogate or other control character."""
    problem = text_problem(raw)
    if problem:
        raise ValidationError(problem)
    name = " ".join(raw.split())
    if not name:
        raise ValidationError(_("Give the view a name."))
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise ValidationError(_("The name must not contain control characters."))
    if len(name) > MAX_VIEW_NAME:
        raise ValidationError(
            _("Keep the name to %(n)s characters or fewer.") % {"n": MAX_VIEW_NAME}
        )
    return name
