"""What the staff pages share: the user's town, periods, pages of rows and idempotency keys."""

import datetime
import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Town, Village
from huaisi.access import grant_towns, visible_to
from huaisi.periods import half_start, month_end, month_start, next_half

PAGE_SIZE = 50


def new_key() -> str:
    return uuid.uuid4().hex


def town_for_user(user, town_id: str | None = None) -> Town:
    """The town whose rulebook the user works with: their roles' town (or the one asked for,
    among theirs). A superuser without roles may pick any town."""
    ids = grant_towns(user)
    towns = Town.objects.all() if user.is_superuser and not ids else Town.objects.filter(pk__in=ids)
    if not ids and not user.is_superuser:
        raise PermissionDenied
    if town_id and str(town_id).isdigit():
        town = towns.filter(pk=int(town_id)).first()
    else:
        town = towns.order_by("pk").first()
    if town is None:
        raise Http404
    return town


def villages_for_user(user, capability: str):
    return visible_to(user, Village.objects.all(), capability=capability).order_by("code")


def page_of(request, queryset, size: int = PAGE_SIZE):
    """One page of rows (a count and a slice: two queries, whatever the total)."""
    paginator = Paginator(queryset, size)
    return paginator.get_page(request.GET.get("page"))


@dataclass(frozen=True)
class Period:
    value: str  # as in the query string: 2026-05, 2026H1, 2026
    label: str
    start: datetime.date
    end: datetime.date  # the last day


PERIOD_RE = re.compile(r"^(\d{4})(?:-(\d{2})|H([12]))?$")


def parse_period(text: str | None, *, today: datetime.date | None = None) -> Period:
    """A month (2026-05), a half year (2026H1) or a year (2026); this year when empty or
    unreadable."""
    today = today or timezone.localdate()
    match = PERIOD_RE.match((text or "").strip().upper())
    if match:
        year = int(match.group(1))
        if 2000 <= year <= 2100:
            if match.group(2):
                month = int(match.group(2))
                if 1 <= month <= 12:
                    start = datetime.date(year, month, 1)
                    return Period(f"{start:%Y-%m}", f"{start:%Y-%m}", start, month_end(start))
            elif match.group(3):
                start = datetime.date(year, 1 if match.group(3) == "1" else 7, 1)
                label = (
                    _("%(year)s, first half") if start.month == 1 else _("%(year)s, second half")
                )
                return Period(
                    f"{year}H{match.group(3)}",
                    label % {"year": year},
                    start,
                    next_half(start) - datetime.timedelta(days=1),
                )
            else:
                return Period(
                    str(year), str(year), datetime.date(year, 1, 1), datetime.date(year, 12, 31)
                )
    return Period(
        str(today.year),
        str(today.year),
        datetime.date(today.year, 1, 1),
        datetime.date(today.year, 12, 31),
    )


def period_choices(today: datetime.date | None = None) -> list[Period]:
    """The periods offered in the statement's filter: this and last month, half and year."""
    today = today or timezone.localdate()
    this_month = month_start(today)
    last_month = month_start(this_month - datetime.timedelta(days=1))
    this_half = half_start(today)
    last_half = half_start(this_half - datetime.timedelta(days=1))
    values = [
        str(today.year),
        f"{this_month:%Y-%m}",
        f"{last_month:%Y-%m}",
        f"{this_half.year}H{1 if this_half.month == 1 else 2}",
        f"{last_half.year}H{1 if last_half.month == 1 else 2}",
        str(today.year - 1),
    ]
    return [parse_period(value, today=today) for value in values]
