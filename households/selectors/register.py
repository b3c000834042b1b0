"""The register's reads: search and the household, house and resident pages, scoped to what
the user may see and edit."""

import re

from django.db.models import Case, Prefetch, Q, QuerySet, When

from grids.models import Town
from huaisi.access import get_for_user, grant_towns, visible_to
from huaisi.roles import Capability

from ..models import SEARCH_EXPRESSIONS, CareTag, House, Household, Resident, RevealLog

ID_TAIL_RE = re.compile(r"^\d{3,17}[\dXx]?$")
INITIALS_RE = re.compile(r"^[A-Za-z]+$")
SEARCH_LIMIT = 50


def _towns_of_grants(user, capability: str) -> Q:
    """The towns of `user`'s grants with CAPABILITY, as a condition on the resident's own
    `town`. It repeats part of what `visible_to` decides through the household's micro-grid,
    grid and village, so that the search's indexes, which lead with the town, read only the
    rows of those towns (a constant: no query). A superuser sees every town: their ids are
    read first (one small query), as a list lets PostgreSQL read the index town by town, where
    a subquery had it scan every resident (1 s at 100 towns)."""
    if user.is_superuser:
        return Q(town_id__in=list(Town.objects.values_list("pk", flat=True)))
    return Q(town_id__in=grant_towns(user, capability))


def resident_search_for_user(
    *,
    user,
    query: str = "",
    care_tag: str = "",
    include_gone: bool = False,
    village_id: int | None = None,
    grid_id: int | None = None,
) -> QuerySet[Resident]:
    """Residents the user may see matching `query`: the start or the end of the name (王 → 王小明,
    小明 → 王小明), the start of the pinyin initials or full pinyin (zsf / zhangsanfeng → 张三丰),
    or the tail of the ID number (4+ digits).

    Every branch matches at the start of an indexed value (see `models.SEARCH_EXPRESSIONS`), so
    a search costs an index range scan at town and at district scale. The price: a fragment from
    the middle of a three-character name (三 in 张三丰) is not found; its start or end is."""
    residents = Resident.objects.select_related("household__microgrid__grid__village")
    if not include_gone:
        residents = residents.filter(moved_out=False, deceased=False)
    query = query.strip()
    if query:
        residents = residents.alias(**SEARCH_EXPRESSIONS)
        if INITIALS_RE.match(query):
            lowered = query.lower()
            condition = (
                Q(name_initials__startswith=lowered)
                | Q(initials_2__startswith=lowered)
                | Q(initials_3__startswith=lowered)
                | Q(name_pinyin__startswith=lowered)
            )
        elif ID_TAIL_RE.match(query) and len(query) >= 4:
            condition = Q(id_reversed__startswith=query.upper()[::-1])
        else:
            condition = Q(name__startswith=query) | Q(name_reversed__startswith=query[::-1])
        residents = residents.filter(condition)
    if care_tag in CareTag.values:
        residents = residents.filter(care_tags__contains=[care_tag])
    if village_id is not None:
        residents = residents.filter(household__microgrid__grid__village_id=village_id)
    if grid_id is not None:
        residents = residents.filter(household__microgrid__grid_id=grid_id)
    residents = residents.filter(_towns_of_grants(user, Capability.VIEW_RESIDENTS))
    return visible_to(user, residents, capability=Capability.VIEW_RESIDENTS).order_by(
        "name_pinyin", "pk"
    )


def resident_get_for_user(*, user, pk: int) -> Resident:
    return get_for_user(
        user,
        Resident.objects.select_related("household__microgrid__grid__village", "household__house"),
        pk=pk,
        capability=Capability.VIEW_RESIDENTS,
    )


def household_get_for_user(*, user, pk: int) -> Household:
    # The head first, then the others oldest first ("relation" sorts by its code: child < head).
    head_first = Case(When(relation=Resident.Relation.HEAD, then=0), default=1)
    members = Resident.objects.order_by("moved_out", "deceased", head_first, "birth_date")
    return get_for_user(
        user,
        Household.objects.select_related(
            "microgrid__grid__village", "house", "split_from", "merged_into"
        ).prefetch_related(Prefetch("residents", queryset=members)),
        pk=pk,
        capability=Capability.VIEW_RESIDENTS,
    )


def house_get_for_editor(*, user, pk: int) -> House:
    """A house the user may change: 404 outside their areas, 403 where they only read."""
    return get_for_user(
        user,
        House.objects.select_related("village", "microgrid__grid"),
        pk=pk,
        capability=Capability.EDIT_RESIDENTS,
    )


def household_get_for_editor(*, user, pk: int) -> Household:
    """A household the user may change: 404 outside their areas, 403 where they only read."""
    return get_for_user(
        user,
        Household.objects.select_related("microgrid__grid__village", "house"),
        pk=pk,
        capability=Capability.EDIT_RESIDENTS,
    )


def house_get_for_user(*, user, pk: int) -> House:
    return get_for_user(
        user,
        House.objects.select_related("village", "microgrid__grid"),
        pk=pk,
        capability=Capability.VIEW_RESIDENTS,
    )


def reveals_of_resident(*, resident: Resident, limit: int = 20) -> QuerySet[RevealLog]:
    return (
        RevealLog.objects.filter(resident=resident)
        .select_related("user")
        .order_by("-revealed_at")[:limit]
    )
