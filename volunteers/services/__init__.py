"""Every write of the volunteers app, one function per action (see each module's docstring
for the invariants it keeps). Views, tasks and the demo import from here."""

from ._common import has_role_in_village, has_team_role
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
    has_town_role,
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
    "has_team_role",
    "has_town_role",
    "has_role_in_village",
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
