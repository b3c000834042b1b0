"""The map's colour classes follow the area's own spread of open orders per grid (issue #17:
at the demo town's load of 6+ open orders a grid, fixed thresholds coloured every grid red)."""

from dashboard.classes import COLOURS, class_of, quantile_classes


def bounds(classes) -> list[tuple[int, int]]:
    return [(c["low"], c["high"]) for c in classes]


def test_a_busy_town_gets_five_classes_of_its_own_numbers():
    # 20 grids with 6 to 25 open orders each: the old legend made all of them "6 or more".
    counts = list(range(6, 26))

    classes = quantile_classes(counts)

    assert bounds(classes) == [(6, 9), (10, 13), (14, 17), (18, 21), (22, 25)]
    assert [c["grids"] for c in classes] == [4, 4, 4, 4, 4]
    assert [c["colour"] for c in classes] == COLOURS
    assert [class_of(n, classes) for n in (6, 9, 10, 17, 25, 40)] == [0, 0, 1, 2, 4, 4]


def test_ties_never_straddle_two_classes():
    counts = [0, 0, 0, 0, 0, 0, 1, 1, 2, 9]

    classes = quantile_classes(counts)

    # 0 fills the first two quintiles; the classes that remain keep the ramp's ends.
    assert bounds(classes) == [(0, 0), (1, 1), (2, 9)]
    assert classes[0]["colour"] == COLOURS[0] and classes[-1]["colour"] == COLOURS[-1]
    assert sum(c["grids"] for c in classes) == len(counts)


def test_equal_grids_make_one_class_and_no_grids_none():
    assert bounds(quantile_classes([7, 7, 7])) == [(7, 7)]
    assert quantile_classes([]) == []


def test_the_units_chart_shows_the_ten_busiest_units_in_their_ranking_order():
    from dashboard.views import UNITS_IN_CHART, _units_for_chart

    # 25 units in ranking order; unit i handled (i * 7) % 25 orders this month.
    units = [{"unit": f"单位{i}", "orders": (i * 7) % 25} for i in range(25)]

    shown, more = _units_for_chart(units)

    assert UNITS_IN_CHART == 10 and more == 15
    assert sorted(u["orders"] for u in shown) == list(range(15, 25))
    assert shown == [u for u in units if u["orders"] >= 15]  # ranking order kept
    assert _units_for_chart(units[:8]) == (units[:8], 0)
