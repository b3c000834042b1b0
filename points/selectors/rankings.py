"""Published rankings and honour lists, and the village notice board that shows them."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from huaisi.access import get_for_user, visible_to
from huaisi.roles import Capability

from ..models import (
    HonourPublication,
    HonourRow,
    RankingPublication,
    RankingRow,
)
from .ledger import present_heads


def _rankings() -> QuerySet[RankingPublication]:
    return RankingPublication.objects.select_related("village")


def _honours() -> QuerySet[HonourPublication]:
    return HonourPublication.objects.select_related("village")


def publications_for_user(*, user) -> QuerySet[RankingPublication]:
    return visible_to(user, _rankings(), capability=Capability.VIEW_POINTS).order_by(
        "-month", "village__code"
    )


def ranking_get_for_user(*, user, pk: int) -> RankingPublication:
    return get_for_user(user, _rankings(), pk=pk, capability=Capability.VIEW_POINTS)


def ranking_rows(*, publication: RankingPublication, limit: int | None = None) -> QuerySet:
    rows = (
        RankingRow.objects.filter(publication=publication)
        .select_related("household__house")
        .order_by("rank", "household__number")
    )
    return rows[:limit] if limit else rows


def ranked_count(*, publication: RankingPublication) -> int:
    """How many households a published ranking ranks (the board shows the top of it)."""
    return RankingRow.objects.filter(publication=publication).count()


@dataclass
class NoticeBoard:
    village: object
    ranking: RankingPublication | None
    ranking_rows: list
    honours: HonourPublication | None
    honour_rows: list


def notice_board(*, village, ranking_limit: int = 50) -> NoticeBoard:
    """The village's latest published ranking and honour list (公示栏; public in the village
    hall). Households are shown by number and house, never by ID or phone. Four queries."""
    ranking = RankingPublication.objects.filter(village=village).order_by("-month").first()
    honours = HonourPublication.objects.filter(village=village).order_by("-half_start").first()
    rows = list(ranking_rows(publication=ranking, limit=ranking_limit)) if ranking else []
    honoured = list(honour_rows(publication=honours)) if honours else []
    return NoticeBoard(village, ranking, rows, honours, honoured)


def household_head_names(*, household_ids) -> dict[int, str]:
    """{household id: the present head's name} for the households that have one: the name a
    notice board posts beside the points. One query; reads nothing else of the residents."""
    return dict(
        present_heads()
        .filter(household_id__in=list(household_ids))
        .values_list("household_id", "name")
    )


def honour_publications_for_user(*, user) -> QuerySet[HonourPublication]:
    return visible_to(user, _honours(), capability=Capability.VIEW_POINTS).order_by(
        "-half_start", "village__code"
    )


def honour_get_for_user(*, user, pk: int) -> HonourPublication:
    return get_for_user(user, _honours(), pk=pk, capability=Capability.VIEW_POINTS)


def honour_rows(*, publication: HonourPublication) -> QuerySet[HonourRow]:
    return (
        HonourRow.objects.filter(publication=publication)
        .select_related("household__house")
        .order_by("rank", "household__number")
    )


def honour_list(*, village, half: datetime.date | None = None):
    """(publication, rows) of the village's honour list for the half year starting `half`, or
    the latest; (None, []) when none is published. Two queries."""
    publications = HonourPublication.objects.filter(village=village)
    if half is not None:
        publications = publications.filter(half_start=half)
    publication = publications.order_by("-half_start").first()
    if publication is None:
        return None, []
    return publication, list(honour_rows(publication=publication))
