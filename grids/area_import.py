"""Areas from files: villages, grids and micro-grids from a sheet (one row per micro-grid, or
per grid or village), boundaries from a GeoJSON or KML file — checked together, then written
in one transaction, or not at all.

Checks: every boundary a valid polygon that does not cross itself; every grid within its
village and micro-grid within its grid (tolerance in grids.geometry); neighbours that overlap
are reported without refusing the file (hand-drawn neighbours always overlap a little).

Decisions: an area the sheet names that exists already (same code, or same name under the same
parent) is left as it is, so re-importing a sheet changes nothing; a blank code is made from
the parent's (V01, V01G01, V01G01M01). A boundary names its area by code, or by name where the
name is unique (村/网格/微网格 paths where it is not).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import geometry
from .boundary_files import BoundaryFeature
from .forms import code_validator
from .models import Grid, MicroGrid, Town, Village
from .sheets import SheetRow

VILLAGE_NAME = ("村", "村(社区)", "村（社区）", "村名", "village")
VILLAGE_CODE = ("村编码", "村代码", "village_code")
VILLAGE_KIND = ("类型", "kind")
GRID_NAME = ("网格", "综合网格", "grid")
GRID_CODE = ("网格编码", "网格代码", "grid_code")
MICRO_NAME = ("微网格", "micro-grid", "microgrid")
MICRO_CODE = ("微网格编码", "微网格代码", "microgrid_code")
REQUIRED_COLUMNS = {"village": VILLAGE_NAME}
PATH_SEPARATORS = ("/", "／", "›", ">", "\\")
LEVELS = ("village", "grid", "microgrid")


@dataclass(eq=False)
class Node:
    level: str
    name: str
    code: str
    parent: "Node | None" = None
    obj: object | None = None  # the row, when it exists already
    kind: str = Village.Kind.VILLAGE
    row: int | None = None  # the sheet row that adds it
    children: list["Node"] = field(default_factory=list)
    boundary: dict | None = None  # a new boundary from the file

    @property
    def effective_boundary(self) -> dict | None:
        return self.boundary or (self.obj.boundary if self.obj is not None else None)

    @property
    def label(self) -> str:
        names = []
        node = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return f"{' › '.join(reversed(names))} ({self.code})"

    def ancestors(self) -> list["Node"]:
        found, node = [], self.parent
        while node is not None:
            found.append(node)
            node = node.parent
        return found


@dataclass
class AreaPlan:
    villages: list[Node] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)
    warnings: list[str] = field(default_factory=list)
    new: dict[str, list[Node]] = field(default_factory=lambda: {lvl: [] for lvl in LEVELS})
    boundaries: list[tuple[BoundaryFeature, Node]] = field(default_factory=list)

    def nodes(self):
        for village in self.villages:
            yield village
            for grid in village.children:
                yield grid
                yield from grid.children


def _tree(town: Town) -> list[Node]:
    """The town's areas as a tree. Read children first: an area another import adds between
    the three reads then comes with its parent (parents are read last), never without it."""
    micros = list(MicroGrid.objects.filter(grid__village__town=town))
    grid_rows = list(Grid.objects.filter(village__town=town))
    villages = {}
    for village in Village.objects.filter(town=town):
        villages[village.pk] = Node("village", village.name, village.code, obj=village)
    grids = {}
    for grid in grid_rows:
        parent = villages[grid.village_id]
        grids[grid.pk] = Node("grid", grid.name, grid.code, parent=parent, obj=grid)
        parent.children.append(grids[grid.pk])
    for micro in micros:
        parent = grids[micro.grid_id]
        parent.children.append(Node("microgrid", micro.name, micro.code, parent=parent, obj=micro))
    return list(villages.values())


def _next_code(prefix: str, letter: str, siblings: list[Node]) -> str:
    taken = {node.code for node in siblings}
    number = len(siblings) + 1
    while f"{prefix}{letter}{number:02d}" in taken:
        number += 1
    return f"{prefix}{letter}{number:02d}"


def _place(plan, siblings, *, level, name, code, parent, row, prefix, letter) -> Node | None:
    """The sibling the row names (by code, else by name), or a new one; None after an error."""
    where = _("Row %(row)s") % {"row": row}
    if code:
        try:
            code_validator(code)
        except ValidationError as error:
            plan.errors.append((where, f"{code}: {' '.join(error.messages)}"))
            return None
        match = next((n for n in siblings if n.code == code), None)
        if match is not None:
            if name and match.name != name:
                plan.errors.append(
                    (
                        where,
                        _("The code %(code)s is already %(name)s, not %(given)s.")
                        % {"code": code, "name": match.label, "given": name},
                    )
                )
                return None
            return match
    elif name:
        match = [n for n in siblings if n.name == name]
        if len(match) > 1:
            plan.errors.append(
                (
                    where,
                    _("%(name)s names %(count)s areas here; give its code.")
                    % {"name": name, "count": len(match)},
                )
            )
            return None
        if match:
            return match[0]
    if not name:
        plan.errors.append((where, _("A new area needs a name.")))
        return None
    node = Node(level, name, code or _next_code(prefix, letter, siblings), parent=parent, row=row)
    siblings.append(node)
    plan.new[level].append(node)
    return node


def _read_sheet(plan: AreaPlan, rows: list[SheetRow]) -> None:
    kinds = {
        "村": Village.Kind.VILLAGE,
        "行政村": Village.Kind.VILLAGE,
        "社区": Village.Kind.COMMUNITY,
    }
    kinds.update({k.value: k for k in Village.Kind})
    for row in rows:
        village = _place(
            plan, plan.villages, level="village", name=row.get(*VILLAGE_NAME),
            code=row.get(*VILLAGE_CODE), parent=None, row=row.number, prefix="", letter="V",
        )  # fmt: skip
        if village is None:
            continue
        kind_text = row.get(*VILLAGE_KIND)
        if kind_text and village.obj is None:
            if kind_text not in kinds:
                plan.errors.append(
                    (
                        _("Row %(row)s") % {"row": row.number},
                        _("The kind “%(kind)s” is neither 村 nor 社区.") % {"kind": kind_text},
                    )
                )
                continue
            village.kind = kinds[kind_text]
        grid_name, grid_code = row.get(*GRID_NAME), row.get(*GRID_CODE)
        if not (grid_name or grid_code):
            continue
        grid = _place(
            plan, village.children, level="grid", name=grid_name, code=grid_code,
            parent=village, row=row.number, prefix=village.code, letter="G",
        )  # fmt: skip
        micro_name, micro_code = row.get(*MICRO_NAME), row.get(*MICRO_CODE)
        if grid is None or not (micro_name or micro_code):
            continue
        _place(
            plan, grid.children, level="microgrid", name=micro_name, code=micro_code,
            parent=grid, row=row.number, prefix=grid.code, letter="M",
        )  # fmt: skip


def _resolve(plan: AreaPlan, feature: BoundaryFeature) -> Node | None:
    nodes = list(plan.nodes())
    where = _("Boundary %(label)s") % {"label": feature.label}
    if feature.code:
        found = [n for n in nodes if n.code == feature.code]
        if len(found) == 1:
            return found[0]
    text = feature.name or feature.code
    parts = [text]
    for separator in PATH_SEPARATORS:
        if separator in text:
            parts = [p.strip() for p in text.split(separator) if p.strip()]
            break
    found = [n for n in nodes if parts[-1] in (n.name, n.code)]
    for upper in parts[:-1]:
        found = [n for n in found if any(upper in (a.name, a.code) for a in n.ancestors())]
    if not found:
        plan.errors.append(
            (
                where,
                _("No village, grid or micro-grid is named or coded “%(text)s”.") % {"text": text},
            )
        )
        return None
    if len(found) > 1:
        plan.errors.append(
            (
                where,
                _("“%(text)s” names %(count)s areas: %(candidates)s. Use the code.")
                % {
                    "text": text,
                    "count": len(found),
                    "candidates": "; ".join(n.label for n in found[:6]),
                },
            )
        )
        return None
    return found[0]


def _check_boundaries(plan: AreaPlan, features: list[BoundaryFeature]) -> None:
    placed: dict[int, BoundaryFeature] = {}
    for feature in features:
        node = _resolve(plan, feature)
        if node is None:
            continue
        where = _("Boundary %(label)s") % {"label": feature.label}
        if id(node) in placed:
            plan.errors.append(
                (
                    where,
                    _("%(area)s already has a boundary earlier in the file (%(other)s).")
                    % {"area": node.label, "other": placed[id(node)].label},
                )
            )
            continue
        crossing = None
        for polygon in geometry.polygons_of(feature.geometry):
            for ring in polygon:
                crossing = crossing or geometry.ring_self_crossing(ring)
        if crossing:
            plan.errors.append(
                (
                    where,
                    _(
                        "The polygon of %(area)s crosses itself (at its edge %(edge)s): it is "
                        "not a valid boundary. Redraw it in your GIS tool."
                    )
                    % {"area": node.label, "edge": crossing},
                )
            )
            continue
        placed[id(node)] = feature
        node.boundary = feature.geometry
        plan.boundaries.append((feature, node))
    tolerance = geometry.CONTAINMENT_TOLERANCE_M
    prepared: dict[int, geometry.Prepared] = {}

    def ready(node: Node) -> geometry.Prepared:
        if id(node) not in prepared:
            prepared[id(node)] = geometry.Prepared(node.effective_boundary)
        return prepared[id(node)]

    for node in plan.nodes():
        mine, parent = node.effective_boundary, node.parent
        if (
            parent is not None
            and mine
            and parent.effective_boundary
            and (node.boundary or parent.boundary)
        ):
            outside = geometry.farthest_outside_m(mine, ready(parent))
            if outside > tolerance:
                plan.errors.append(
                    (
                        node.label,
                        _("It reaches %(metres)s m outside %(parent)s (allowed: %(tolerance)s m).")
                        % {
                            "metres": round(outside),
                            "parent": parent.label,
                            "tolerance": round(tolerance),
                        },
                    )
                )
    siblings_lists = [plan.villages] + [n.children for n in plan.nodes() if n.children]
    for siblings in siblings_lists:
        shaped = [n for n in siblings if n.effective_boundary]
        for i, one in enumerate(shaped):
            for other in shaped[i + 1 :]:
                if not (one.boundary or other.boundary):
                    continue
                depth = geometry.overlap_depth_m(ready(one), ready(other))
                if depth > tolerance:
                    plan.warnings.append(
                        _("%(one)s and %(other)s overlap by up to %(metres)s m.")
                        % {"one": one.label, "other": other.label, "metres": round(depth)}
                    )


def areas_files_check(
    *, town: Town, rows: list[SheetRow] | None, features: list[BoundaryFeature] | None
) -> AreaPlan:
    """What the files would add and set, every refusal with its row or feature; reads only."""
    plan = AreaPlan(villages=_tree(town))
    _read_sheet(plan, rows or [])
    _check_boundaries(plan, features or [])
    return plan


class AreasRefused(ValidationError):
    def __init__(self, plan: AreaPlan):
        super().__init__(
            _("%(count)s rows were refused; nothing was written.") % {"count": len(plan.errors)}
        )
        self.plan = plan


def _centre(node: Node) -> dict:
    lat, lng = geometry.centre_of(node.boundary)
    return {"centre_lat": Decimal(f"{lat:.6f}"), "centre_lng": Decimal(f"{lng:.6f}")}


@transaction.atomic(durable=True)
def areas_files_import(
    *, town: Town, rows: list[SheetRow] | None, features: list[BoundaryFeature] | None
) -> AreaPlan:
    """Check again, then add the new areas and set the boundaries in one transaction; any
    refusal (or an area added by someone else at the same moment) writes nothing. An area
    without a centre gets the middle of its new boundary.

    Two imports into one town take turns (the town's row is locked): the second checks the
    files against what the first added, so the same files imported twice at once add each
    area once and the second adds nothing."""
    Town.objects.select_for_update().only("pk").get(pk=town.pk)
    plan = areas_files_check(town=town, rows=rows, features=features)
    if plan.errors:
        raise AreasRefused(plan)
    try:
        for node in plan.nodes():
            if node.obj is None:
                values = {"name": node.name, "code": node.code}
                if node.boundary:
                    values.update(boundary=node.boundary, **_centre(node))
                if node.level == "village":
                    node.obj = Village.objects.create(town=town, kind=node.kind, **values)
                elif node.level == "grid":
                    node.obj = Grid.objects.create(village=node.parent.obj, **values)
                else:
                    node.obj = MicroGrid.objects.create(grid=node.parent.obj, **values)
            elif node.boundary:
                node.obj.boundary = node.boundary
                fields = ["boundary"]
                if node.obj.centre_lat is None:
                    centre = _centre(node)
                    node.obj.centre_lat, node.obj.centre_lng = (
                        centre["centre_lat"],
                        centre["centre_lng"],
                    )
                    fields += ["centre_lat", "centre_lng"]
                node.obj.save(update_fields=fields)
    except IntegrityError as exc:
        raise ValidationError(
            _("Someone else added areas at the same moment; check the files again.")
        ) from exc
    return plan
