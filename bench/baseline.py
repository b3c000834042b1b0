"""The committed baseline of `make bench`'s ratios, and each row's change against it.

A ratio is a page's p95 over the p95 of the floor of its kind, measured in the same run
(anonymous, signed in, kiosk session: `bench.harness.FLOORS`), so it survives a slower or
busier machine where absolute times do not. `baseline.json` keeps one ratio per row
("<scale> | <path>"); `make bench` prints each row's ratio beside it and flags a row more than
25% worse. `make bench BENCH_ARGS=--write-baseline` replaces the file with the run's ratios
(commit it with a word on why the baseline moved).
"""

import json
from dataclasses import dataclass
from pathlib import Path

BASELINE = Path(__file__).resolve().with_name("baseline.json")
WORSE = 0.25  # a row whose ratio grew by more than this fraction is flagged


def row_key(scale: str, path: str) -> str:
    return f"{scale} | {path}"


@dataclass(frozen=True)
class Change:
    key: str
    ratio: float | None  # this run's
    was: float | None  # the baseline's

    @property
    def change(self) -> float | None:
        """How much the ratio grew (0.3: 30% worse; -0.1: 10% better); None when either
        side is missing."""
        if self.ratio is None or not self.was:
            return None
        return self.ratio / self.was - 1

    @property
    def flagged(self) -> bool:
        change = self.change
        return change is not None and change > WORSE


def compare(ratios: dict[str, float | None], baseline: dict[str, float]) -> list[Change]:
    """Each measured row against the baseline, in the run's order; rows the baseline lacks
    (new pages) are listed with no change."""
    return [Change(key, ratio, baseline.get(key)) for key, ratio in ratios.items()]


def format_changes(changes: list[Change]) -> str:
    lines = ["ratios against bench/baseline.json:"]
    for c in changes:
        now = "—" if c.ratio is None else f"{c.ratio:.2f}×"
        was = "new" if c.was is None else f"{c.was:.2f}×"
        delta = "" if c.change is None else f" ({c.change:+.0%})"
        flag = "  << more than 25% worse" if c.flagged else ""
        lines.append(f"  {c.key}: {now} (baseline {was}){delta}{flag}")
    flagged = sum(c.flagged for c in changes)
    lines.append(f"{flagged} row(s) more than 25% worse than the baseline")
    return "\n".join(lines)


def load(path: Path = BASELINE) -> dict[str, float]:
    if not path.exists():
        return {}
    return json.loads(path.read_text())["ratios"]


def save(ratios: dict[str, float | None], meta: dict, path: Path = BASELINE) -> None:
    kept = {key: round(ratio, 2) for key, ratio in ratios.items() if ratio is not None}
    path.write_text(json.dumps({**meta, "ratios": kept}, ensure_ascii=False, indent=2) + "\n")
