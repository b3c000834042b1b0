"""Plane geometry on boundaries, enough to check what GIS staff send (no PostGIS, no GEOS).

Coordinates are [longitude, latitude] degrees; distances are metres on a local flat
projection (equirectangular at the shape's latitude), which errs by well under 1 % across a
town.

Decision (issue 18): a grid lies within its village (and a micro-grid within its grid) when
no point of its outline lies more than CONTAINMENT_TOLERANCE_M (20 m) outside the parent's
boundary. Boundaries drawn separately by hand or traced off different base maps disagree by
a few metres along shared edges; 20 m forgives that and still catches a grid placed in the
wrong village or drawn on the wrong side of a road. Two neighbours overlap when a point of
one's outline lies more than the same 20 m inside the other: reported, not refused.
"""

import math

CONTAINMENT_TOLERANCE_M = 20.0
EARTH_RADIUS_M = 6_371_000.0


def polygons_of(geometry: dict) -> list[list[list[list[float]]]]:
    """The polygons (each a list of rings) of a GeoJSON Polygon or MultiPolygon."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def outer_points(geometry: dict) -> list[list[float]]:
    return [point for polygon in polygons_of(geometry) for point in polygon[0][:-1]]


def sample_points(geometry: dict) -> list[list[float]]:
    """Each corner of the outer rings and three points along each edge: corners alone miss
    two squares overlapping side by side, whose corners all lie on each other's edges."""
    points = []
    for polygon in polygons_of(geometry):
        ring = polygon[0]
        for a, b in zip(ring[:-1], ring[1:], strict=True):
            for t in (0.0, 0.25, 0.5, 0.75):
                points.append([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])])
    return points


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _segments_cross(p1, p2, q1, q2) -> bool:
    """True when the two segments cross each other properly (a figure-of-eight ring)."""
    d1, d2 = _cross(q1, q2, p1), _cross(q1, q2, p2)
    d3, d4 = _cross(p1, p2, q1), _cross(p1, p2, q2)
    return (d1 > 0 > d2 or d1 < 0 < d2) and (d3 > 0 > d4 or d3 < 0 < d4)


def ring_self_crossing(ring: list[list[float]]) -> int | None:
    """The number (from 1) of the first edge that crosses a later, non-adjacent edge of the
    same ring, or None when the ring is simple. Edges are checked pairwise with a bounding-box
    test first; a village's few thousand points take well under a second."""
    edges = list(zip(ring[:-1], ring[1:], strict=True))
    boxes = [(min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])) for a, b in edges]
    count = len(edges)
    for i in range(count):
        bi = boxes[i]
        for j in range(i + 2, count):
            if i == 0 and j == count - 1:
                continue  # the first and last edges share the ring's closing point
            bj = boxes[j]
            if bj[0] > bi[2] or bj[2] < bi[0] or bj[1] > bi[3] or bj[3] < bi[1]:
                continue
            if _segments_cross(*edges[i], *edges[j]):
                return i + 1
    return None


class Prepared:
    """A boundary made ready for many point questions: its edges sorted into horizontal
    bands, so a point is tested against the few edges of its band instead of all of them (a
    whole town's boundaries check in seconds, not minutes)."""

    def __init__(self, geometry: dict):
        self.geometry = geometry
        self.edges = [
            (a, b)
            for polygon in polygons_of(geometry)
            for ring in polygon
            for a, b in zip(ring[:-1], ring[1:], strict=True)
        ]
        points = [a for a, _b in self.edges]
        self.x0, self.x1 = min(p[0] for p in points), max(p[0] for p in points)
        self.y0, self.y1 = min(p[1] for p in points), max(p[1] for p in points)
        self.count = max(1, 2 * int(math.sqrt(len(self.edges))))
        self.height = (self.y1 - self.y0) / self.count or 1e-12
        self.bands: list[list[int]] = [[] for _ in range(self.count)]
        for index, (a, b) in enumerate(self.edges):
            for band in range(self._band(min(a[1], b[1])), self._band(max(a[1], b[1])) + 1):
                self.bands[band].append(index)

    def _band(self, y: float) -> int:
        return min(self.count - 1, max(0, int((y - self.y0) / self.height)))

    def contains(self, point) -> bool:
        """Inside by the even-odd rule over every ring (holes and several polygons)."""
        x, y = point
        if not (self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1):
            return False
        inside = False
        for index in self.bands[self._band(y)]:
            (x1, y1), (x2, y2) = self.edges[index]
            if (y1 > y) != (y2 > y) and x1 + (y - y1) * (x2 - x1) / (y2 - y1) > x:
                inside = not inside
        return inside

    def _distance(self, point, indexes) -> float:
        best = math.inf
        for index in indexes:
            a, b = self.edges[index]
            ax, ay = _metres(a, point)
            bx, by = _metres(b, point)
            dx, dy = bx - ax, by - ay
            length = dx * dx + dy * dy
            t = 0.0 if length == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length))
            best = min(best, math.hypot(ax + t * dx, ay + t * dy))
        return best

    def _within(self, point, metres: float) -> float:
        """The distance to the nearest edge among the bands within `metres` north or south of
        the point (inf when none): exact whenever it is at most `metres`."""
        reach = metres / (math.radians(1) * EARTH_RADIUS_M)
        if point[1] + reach < self.y0 or point[1] - reach > self.y1:
            return math.inf
        low, high = self._band(point[1] - reach), self._band(point[1] + reach)
        return self._distance(point, {i for band in range(low, high + 1) for i in self.bands[band]})

    def near(self, point, metres: float) -> bool:
        """Whether an edge passes within `metres` of the point."""
        return self._within(point, metres) <= metres

    def distance_m(self, point) -> float:
        """Metres from the point to the nearest edge: bands searched outwards, doubling."""
        metres = 2 * CONTAINMENT_TOLERANCE_M
        while True:
            found = self._within(point, metres)
            if found <= metres or metres > 2 * EARTH_RADIUS_M:
                return found if found < math.inf else self._distance(point, range(len(self.edges)))
            metres *= 2


def _metres(point, origin) -> tuple[float, float]:
    scale = math.radians(1) * EARTH_RADIUS_M
    return (
        (point[0] - origin[0]) * scale * math.cos(math.radians(origin[1])),
        (point[1] - origin[1]) * scale,
    )


def farthest_outside_m(child: dict, parent: Prepared) -> float:
    """How far (metres) the child's outline reaches outside the parent, counting only points
    beyond the tolerance; 0 when it lies within (give or take the tolerance)."""
    outside = [
        point
        for point in sample_points(child)
        if not parent.contains(point) and not parent.near(point, CONTAINMENT_TOLERANCE_M)
    ]
    return max((parent.distance_m(point) for point in _spread(outside)), default=0.0)


def overlap_depth_m(one: Prepared, other: Prepared) -> float:
    """How deep (metres) either outline reaches inside the other beyond the tolerance; 0 when
    they only touch (give or take the tolerance) or lie apart."""
    if one.x1 < other.x0 or other.x1 < one.x0 or one.y1 < other.y0 or other.y1 < one.y0:
        return 0.0
    depth = 0.0
    for a, b in ((one, other), (other, one)):
        inside = [
            point
            for point in sample_points(a.geometry)
            if b.contains(point) and not b.near(point, CONTAINMENT_TOLERANCE_M)
        ]
        depth = max([depth, *(b.distance_m(point) for point in _spread(inside))])
    return depth


# The figure reported (how far out, how deep) is the largest over at most this many of the
# offending points, spread along the outline: enough to say how bad it is, and a shape drawn
# kilometres off costs no more than one drawn a little off.
MEASURED_POINTS = 24


def _spread(points: list) -> list:
    if len(points) <= MEASURED_POINTS:
        return points
    step = len(points) / MEASURED_POINTS
    return [points[int(i * step)] for i in range(MEASURED_POINTS)]


def centre_of(geometry: dict) -> tuple[float, float]:
    """The middle of the bounding box, as (latitude, longitude)."""
    points = outer_points(geometry)
    lngs, lats = [p[0] for p in points], [p[1] for p in points]
    return ((min(lats) + max(lats)) / 2, (min(lngs) + max(lngs)) / 2)
