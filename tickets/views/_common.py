"""What the work-order pages share: the user's town, paging, the list filters."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from grids.models import Town
from grids.selectors import towns_for_user

PAGE_SIZE = 50


def town_for(user, capability: str) -> Town:
    """The town whose orders the user runs with `capability` (a town-level role); 403 without."""
    town = towns_for_user(user=user, capability=capability).first()
    if town is None:
        raise PermissionDenied
    return town


def page_number(params: QueryDict) -> int:
    try:
        return max(1, min(int(params.get("page", "1")), 10_000))
    except ValueError:
        return 1


@dataclass
class Page:
    """One page of a list, read as PAGE_SIZE + 1 rows so "is there more" costs no COUNT."""

    rows: list
    number: int
    has_next: bool

    @classmethod
    def of(cls, queryset, number: int) -> "Page":
        start = (number - 1) * PAGE_SIZE
        rows = list(queryset[start : start + PAGE_SIZE + 1])
        return cls(rows=rows[:PAGE_SIZE], number=number, has_next=len(rows) > PAGE_SIZE)

    @property
    def total(self) -> int | None:
        """How many rows the whole list holds, when this page shows it: the last page, not
        past the end. None when a COUNT is needed."""
        if self.has_next or (not self.rows and self.number > 1):
            return None
        return (self.number - 1) * PAGE_SIZE + len(self.rows)


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def query_without(params: QueryDict, *names: str) -> str:
    """The query string without `names` (for links that change one of them)."""
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()


def unit_options(units) -> SafeString:
    """The units as <option>s, built once per page: every order waiting for dispatch offers
    the same two lists (lead unit, co-handling units), and drawing them through the template
    for each row cost more than the rest of the board together."""
    return format_html_join("", '<option value="{}">{}</option>', ((u.pk, str(u)) for u in units))
