"""The map's colour classes, taken from the area's own distribution of open orders per grid.

Fixed thresholds (0, 1–2, 3–5, 6 or more) coloured every grid of the demo town red at its
normal load (6+ open orders each), so the map told the command centre nothing (issue #17).
The grids are now split into five quantile classes of their open orders (nearest rank at
20 %, 40 %, 60 %, 80 % and 100 %); the legend prints each class's bounds. Tied counts never
straddle two classes, so a town with few distinct counts gets fewer classes (all grids equal:
one). A grid with no open order is always in the first class.
"""

import math

# Light to dark, readable on the dashboard's dark background: yellow to deep red.
COLOURS = ["#ffe9a8", "#fdc35c", "#f98e3b", "#e8512c", "#b3112b"]
CLASSES = len(COLOURS)


def quantile_classes(counts: list[int], *, classes: int = CLASSES) -> list[dict]:
    """[{"low", "high", "shade", "colour", "grids"}] from the lowest class up; empty without grids."""
    values = sorted(counts)
    if not values:
        return []
    n = len(values)
    uppers: list[int] = []
    for k in range(1, classes + 1):
        upper = values[max(0, math.ceil(k * n / classes) - 1)]
        if not uppers or upper > uppers[-1]:
            uppers.append(upper)
    result = []
    low = values[0]
    for i, high in enumerate(uppers):
        # The colours spread over the whole ramp, whatever the number of classes.
        shade = round(i * (classes - 1) / (len(uppers) - 1)) if len(uppers) > 1 else 0
        result.append(
            {
                "low": low,
                "high": high,
                "shade": shade,
                "colour": COLOURS[shade],
                "grids": sum(1 for v in values if low <= v <= high),
            }
        )
        low = high + 1
    return result


def class_of(count: int, classes: list[dict]) -> int:
    """The index of the class a count falls in (the last one for anything above)."""
    for i, c in enumerate(classes):
        if count <= c["high"]:
            return i
    return len(classes) - 1
