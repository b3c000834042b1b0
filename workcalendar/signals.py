"""The calendar's hook for the apps above it (they may not be imported from here).

`working_days_changed` is sent after a change to the calendar commits, when at least one day
turned from working to non-working or back: `changes` lists each such day as a `DayChange`,
`change_id` names the change once and for all (a receiver that records it can tell a repeat).
"""

import datetime
from dataclasses import dataclass

from django.dispatch import Signal

working_days_changed = Signal()


@dataclass(frozen=True)
class DayChange:
    date: datetime.date
    was_working: bool
    is_working: bool

    def as_json(self) -> list:
        return [self.date.isoformat(), self.was_working, self.is_working]

    @classmethod
    def from_json(cls, value: list) -> "DayChange":
        day, was, now = value
        return cls(datetime.date.fromisoformat(day), bool(was), bool(now))
