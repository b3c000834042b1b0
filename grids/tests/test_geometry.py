"""The boundary checks' geometry: self-crossing rings, containment within the stated
tolerance, overlaps of neighbours, holes."""

import math

from grids import geometry


def square(x0, y0, size, points_per_side=1):
    ring = []
    corners = [(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size)]
    for (ax, ay), (bx, by) in zip(corners, corners[1:] + corners[:1], strict=True):
        for i in range(points_per_side):
            t = i / points_per_side
            ring.append([ax + t * (bx - ax), ay + t * (by - ay)])
    return ring + [ring[0]]


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


def test_a_bow_tie_crosses_itself_and_a_square_does_not():
    bow_tie = [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]
    assert geometry.ring_self_crossing(bow_tie) == 1
    assert geometry.ring_self_crossing(square(0, 0, 1, points_per_side=50)) is None


def test_containment_forgives_twenty_metres_and_not_more():
    village = geometry.Prepared(polygon(square(119.30, 32.40, 0.02)))
    inside = polygon(square(119.30, 32.40, 0.01))
    nine_metres_out = polygon(square(119.3101, 32.40, 0.01))
    ninety_four_metres_out = polygon(square(119.311, 32.40, 0.01))
    assert geometry.farthest_outside_m(inside, village) == 0
    assert geometry.farthest_outside_m(nine_metres_out, village) == 0
    assert round(geometry.farthest_outside_m(ninety_four_metres_out, village)) == 94


def test_neighbours_sharing_an_edge_do_not_overlap_and_overlapping_ones_do():
    west = geometry.Prepared(polygon(square(119.30, 32.40, 0.01, points_per_side=20)))
    east = geometry.Prepared(polygon(square(119.31, 32.40, 0.01, points_per_side=20)))
    over = geometry.Prepared(polygon(square(119.305, 32.40, 0.01)))
    assert geometry.overlap_depth_m(west, east) == 0
    # Half of `over` lies in `west`: its middle is 0.0025° (about 235 m) from the nearest edge.
    assert 200 < geometry.overlap_depth_m(west, over) < 600


def test_a_point_in_a_hole_is_outside():
    ring = square(0, 0, 10)
    hole = square(4, 4, 2)
    shape = geometry.Prepared(polygon(ring, hole))
    assert shape.contains([1, 1])
    assert not shape.contains([5, 5])
    assert not shape.contains([11, 5])


def test_prepared_containment_agrees_with_a_plain_scan():
    n = 400
    ring = [
        [math.cos(2 * math.pi * i / n) * (1 + 0.3 * math.sin(7 * 2 * math.pi * i / n)),
         math.sin(2 * math.pi * i / n) * (1 + 0.3 * math.sin(7 * 2 * math.pi * i / n))]
        for i in range(n)
    ]  # fmt: skip
    ring.append(ring[0])
    shape = geometry.Prepared(polygon(ring))

    def plain(x, y):
        inside = False
        for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:], strict=True):
            if (y1 > y) != (y2 > y) and x1 + (y - y1) * (x2 - x1) / (y2 - y1) > x:
                inside = not inside
        return inside

    grid = [(-1.4 + 0.07 * i, -1.4 + 0.07 * j) for i in range(41) for j in range(41)]
    assert [shape.contains(p) for p in grid] == [plain(*p) for p in grid]
