"""Every write of the volunteers app, one function per action (see each module's docstring
for the invariants it keeps). Views, tasks and the demo import from here."""

from ._common import acts_for_team, acts_in_village
from .activities import (
    activity_confirm,
    activity_confirm_within,
    activity_log,
    certificate_issue,
    confirmed_hours,
    normalise_code,
)
from .projects import (
    decision_record,
    progress_add,
    project_complete,
    project_create,
    project_start,
)
from .teams import (
    TEAM_FIELDS,
    acts_for_town,
    membership_add,
    membership_end,
    team_create,
    team_update,
)
from .wishes import wish_claim, wish_close, wish_fulfil, wish_record

__all__ = [
    "TEAM_FIELDS",
    "activity_confirm",
    "activity_confirm_within",
    "activity_log",
    "acts_for_team",
    "acts_for_town",
    "acts_in_village",
    "certificate_issue",
    "confirmed_hours",
    "decision_record",
    "membership_add",
    "membership_end",
    "normalise_code",
    "progress_add",
    "project_complete",
    "project_create",
    "project_start",
    "team_create",
    "team_update",
    "wish_claim",
    "wish_close",
    "wish_fulfil",
    "wish_record",
]
