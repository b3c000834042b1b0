"""Reads for the map: an area's boundaries and the houses in it, as GeoJSON.

What leaves here is what a map needs and nothing personal: positions, addresses, the house's
use, a colour category and the ids of the households living there. Never names, ID numbers or
phone numbers; the household page behind the link applies its own checks.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import CharField, F, Func, Model, OuterRef, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from grids.models import Grid, MicroGrid, Village
from huaisi.access import get_for_user, visible_to
from huaisi.roles import Capability

from ..models import CareTag, House, Household, Resident


@dataclass(frozen=True)
class MarkerCategory:
    key: str
    label: str | Promise
    colour: str


# Highest priority first: a house shows the most pressing need among those who live there.
# Colours from the Okabe-Ito palette, told apart with the common colour-vision deficiencies.
MARKER_CATEGORIES = (
    MarkerCategory(CareTag.ELDERLY_ALONE, CareTag.ELDERLY_ALONE.label, "#d55e00"),
    MarkerCategory(CareTag.DISABLED, CareTag.DISABLED.label, "#cc79a7"),
    MarkerCategory(CareTag.LOW_INCOME, CareTag.LOW_INCOME.label, "#e69f00"),
    MarkerCategory(CareTag.LEFT_BEHIND_CHILD, CareTag.LEFT_BEHIND_CHILD.label, "#0072b2"),
    MarkerCategory("other", _("Other care tag"), "#009e73"),
    MarkerCategory("none", _("No care tag"), "#8a94a0"),
)
_RANKED_TAGS = [c.key for c in MARKER_CATEGORIES[:4]]
_RANK = {c.key: rank for rank, c in enumerate(MARKER_CATEGORIES)}


def marker_category(tags: Iterable[str]) -> str:
    """The colour category of a house whose present residents carry `tags`."""
    present = set(tags)
    for tag in _RANKED_TAGS:
        if tag in present:
            return tag
    return "other" if present else "none"


def _point(lng, lat) -> dict:
    return {"type": "Point", "coordinates": [float(lng), float(lat)]}


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _area_feature(
    area: Model, *, kind: str, parent: Model | None = None, url: str = ""
) -> dict | None:
    if not area.boundary:
        return None
    # On the map a child is labelled without its parent's name (槐泗村第1网格 → 第1网格):
    # the full names of nine micro-grids side by side do not fit a phone.
    label = area.name.removeprefix(parent.name) if parent else area.name
    properties = {
        "id": area.pk,
        "kind": kind,
        "name": area.name,
        "label": label or area.name,
        "code": area.code,
    }
    if url:
        properties["url"] = url
    return {"type": "Feature", "geometry": area.boundary, "properties": properties}


def _centre(area: Model) -> list[float] | None:
    if area.centre_lat is None:
        return None
    return [float(area.centre_lat), float(area.centre_lng)]


def _houses_with_tags(*, user, houses: QuerySet[House]) -> QuerySet[House]:
    """`houses` the user may see, each with the distinct care tags of the present residents of
    the active households living there, and those households' ids: one query for any number
    of houses (two correlated ARRAY subqueries)."""
    households = visible_to(
        user,
        Household.objects.filter(house=OuterRef("pk"), status=Household.Status.ACTIVE),
        capability=Capability.VIEW_RESIDENTS,
    )
    residents = visible_to(
        user,
        Resident.objects.filter(
            household__house=OuterRef("pk"),
            household__status=Household.Status.ACTIVE,
            moved_out=False,
            deceased=False,
        ),
        capability=Capability.VIEW_RESIDENTS,
    )
    tags = (
        residents.annotate(tag=Func(F("care_tags"), function="unnest", output_field=CharField()))
        .values("tag")
        .distinct()
    )
    return (
        visible_to(user, houses, capability=Capability.VIEW_RESIDENTS)
        .annotate(
            tags=ArraySubquery(tags),
            household_ids=ArraySubquery(households.order_by("pk").values("pk")),
        )
        .only("pk", "address", "use", "lat", "lng")
        .order_by("pk")
    )


def _house_features(*, user, houses: QuerySet[House]) -> tuple[list[dict], int]:
    """The houses with a position as GeoJSON points, and how many have none yet."""
    uses = dict(House.Use.choices)
    features, unplaced = [], 0
    for house in _houses_with_tags(user=user, houses=houses):
        if house.lat is None:
            unplaced += 1
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": _point(house.lng, house.lat),
                "properties": {
                    "id": house.pk,
                    "address": house.address,
                    "use": house.use,
                    "use_label": str(uses.get(house.use, house.use)),
                    "category": marker_category(house.tags),
                    "url": reverse("house-detail", args=[house.pk]),
                    "households": [
                        {"id": pk, "url": reverse("household-detail", args=[pk])}
                        for pk in house.household_ids
                    ],
                },
            }
        )
    # Where markers overlap, the most pressing need is drawn last, on top.
    features.sort(key=lambda f: -_RANK[f["properties"]["category"]])
    return features, unplaced


def _map_data(*, area: Model, kind: str, children: list[dict], houses: tuple) -> dict:
    features, unplaced = houses
    outline = _area_feature(area, kind=kind)
    return {
        "area": _collection([outline] if outline else []),
        "children": _collection(children),
        "houses": _collection(features),
        "unplaced": unplaced,
        "centre": _centre(area),
    }


def village_map_data(*, user, village: Village) -> dict:
    """The village, the grids of it the user may see, and the houses they may see in it."""
    grids = visible_to(
        user, Grid.objects.filter(village=village), capability=Capability.VIEW_RESIDENTS
    ).order_by("code")
    children = [
        feature
        for grid in grids
        if (
            feature := _area_feature(
                grid, kind="grid", parent=village, url=reverse("grid-map", args=[grid.pk])
            )
        )
    ]
    houses = House.objects.filter(village=village)
    return _map_data(
        area=village,
        kind="village",
        children=children,
        houses=_house_features(user=user, houses=houses),
    )


def grid_map_data(*, user, grid: Grid) -> dict:
    """The grid, its micro-grids the user may see, and the houses they may see in it."""
    microgrids = visible_to(
        user, MicroGrid.objects.filter(grid=grid), capability=Capability.VIEW_RESIDENTS
    ).order_by("code")
    children = [
        feature
        for micro in microgrids
        if (feature := _area_feature(micro, kind="microgrid", parent=grid))
    ]
    houses = House.objects.filter(microgrid__grid=grid)
    return _map_data(
        area=grid,
        kind="grid",
        children=children,
        houses=_house_features(user=user, houses=houses),
    )


def village_get_for_map(*, user, pk: int) -> Village:
    """A village the user may see (404 otherwise) and whose register they may read (403)."""
    return get_for_user(
        user, Village.objects.select_related("town"), pk=pk, capability=Capability.VIEW_RESIDENTS
    )


def grid_get_for_map(*, user, pk: int) -> Grid:
    return get_for_user(
        user, Grid.objects.select_related("village"), pk=pk, capability=Capability.VIEW_RESIDENTS
    )
