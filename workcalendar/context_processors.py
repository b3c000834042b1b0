from huaisi.access import user_can
from huaisi.roles import Capability

from .selectors import missing_years


def missing_calendar(request) -> dict:
    """`calendar_missing`: the years whose holiday calendar is not entered (this year, and
    from 1 November the next), for those who keep or read it; empty for everyone else. From
    the cached calendar: no query once it is loaded."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user_can(user, Capability.VIEW_CALENDAR):
        return {"calendar_missing": []}
    return {"calendar_missing": missing_years()}
