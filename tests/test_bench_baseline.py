"""make bench's baseline: each row's ratio against the committed one, rows more than 25% worse
flagged, and the floor each page is compared with."""

import json

from bench import baseline
from bench.__main__ import FLOORS, PAGES, Page, floor_kind
from bench.workorders import history_scale


def test_rows_more_than_a_quarter_worse_are_flagged():
    was = {"town | /a": 2.0, "town | /b": 2.0, "town | /c": 4.0}
    now = {"town | /a": 2.4, "town | /b": 2.6, "town | /c": 3.0, "town | /new": 1.5}
    changes = {c.key: c for c in baseline.compare(now, was)}
    assert not changes["town | /a"].flagged  # 20% worse: within the noise allowed
    assert changes["town | /b"].flagged  # 30% worse
    assert round(changes["town | /b"].change, 2) == 0.3
    assert not changes["town | /c"].flagged and changes["town | /c"].change < 0  # better
    assert changes["town | /new"].was is None and not changes["town | /new"].flagged
    text = baseline.format_changes(list(changes.values()))
    assert "town | /b: 2.60× (baseline 2.00×) (+30%)  << more than 25% worse" in text
    assert "town | /new: 1.50× (baseline new)" in text
    assert text.endswith("1 row(s) more than 25% worse than the baseline")


def test_a_row_without_a_ratio_is_never_flagged():
    [change] = baseline.compare({"town | /x": None}, {"town | /x": 3.0})
    assert change.change is None and not change.flagged


def test_the_baseline_round_trips(tmp_path):
    path = tmp_path / "baseline.json"
    assert baseline.load(path) == {}
    baseline.save({"town | /a": 2.345, "town | /none": None}, {"measured": "x"}, path)
    assert baseline.load(path) == {"town | /a": 2.35}
    assert json.loads(path.read_text())["measured"] == "x"


def test_the_committed_baseline_reads():
    ratios = baseline.load()
    assert all(isinstance(v, float | int) and v > 0 for v in ratios.values())


def test_each_page_has_the_floor_of_its_kind():
    assert floor_kind(Page("/x", "/x")) == "anonymous"
    assert floor_kind(Page("/x", "/x", login="command")) == "signed-in"
    assert floor_kind(Page("/x", "/x", kiosk=lambda: (1, "1"))) == "kiosk"
    assert all(floor in PAGES for floor in FLOORS.values())
    assert {floor_kind(p) for p in PAGES} == set(FLOORS)


def test_the_grown_scale_is_named_by_its_size():
    assert history_scale(1_000_000) == "1M orders"
    assert history_scale(20_000) == "20k orders"
