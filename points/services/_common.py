"""What the points services share: who acts for which village, locks and keys (months and
half years: huaisi.periods)."""

import datetime
import logging

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from huaisi.access import grants_for
from huaisi.roles import CAPABILITIES, Level

# Namespaces of PostgreSQL advisory locks (the first of the two keys).
LOCK_PASSBOOK_SERIAL = 7301  # second key: the village id
LOCK_RANKING_MONTH = 7302  # second key: year * 100 + month
LOCK_HONOURS_HALF = 7303  # second key: year * 10 + half

MAX_KEY_LENGTH = 64

logger = logging.getLogger(__name__)


def has_village_role(user, capability: str, village) -> bool:
    """Whether one of `user`'s roles in force holds `capability` for `village`: a town role
    of its town or a village role of the village itself (finer roles do not act for the
    whole village).

    Unlike `huaisi.access.user_can_in` there is no superuser shortcut: the ledger records
    who scored and who reviewed, and the issue names those roles, so a Django superuser
    without a role does not write points."""
    if not user.is_authenticated or not user.is_active:
        return False
    allowed = CAPABILITIES[capability]
    for grant in grants_for(user):
        if grant.kind not in allowed:
            continue
        if grant.level == Level.TOWN and grant.ancestors[Level.TOWN] == village.town_id:
            return True
        if grant.level == Level.VILLAGE and grant.ancestors[Level.VILLAGE] == village.pk:
            return True
    return False


def advisory_lock(namespace: int, key: int, *, shared: bool = False) -> None:
    """A lock held until the transaction ends."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [namespace, key])


def clean_key(idempotency_key: str) -> str:
    """The key a form or a caller gives each write that a double click or retry could repeat."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationError(
            _("This form has expired. Reload the page and try again."), code="bad_key"
        )
    return key


def replayed_with_other_content() -> ValidationError:
    return ValidationError(
        _(
            "This request was already sent with different content. Reload the page and "
            "enter it again."
        ),
        code="key_reused",
    )


# --- The village's standings this month, cached for the kiosk -------------------------------

# The kiosk's "rank this month" ranks every pact household of the village (one grouped
# statement over the month's approved entries: ~15 ms at full town size), so the standings of
# a village are kept in Redis and shared by every kiosk session. An approval drops them when it
# commits; what else moves a household in or out of the pool (a pact signed, a household moved
# out) shows within STANDINGS_SECONDS.
STANDINGS_SECONDS = 60


def _standings_version_key(village_id: int, month: datetime.date) -> str:
    return f"points:standings-version:{village_id}:{month:%Y-%m}"


def standings_key(*, village_id: int, month: datetime.date) -> str:
    """Where the standings live now. The key carries a version that an approval moves on when
    it commits: standings a reader computed before that (and stores after it) land under the
    old version, which nobody reads any more."""
    version = cache.get(_standings_version_key(village_id, month), 0)
    return f"points:standings:{village_id}:{month:%Y-%m}:v{version}"


def forget_standings(*, village_id: int, month: datetime.date) -> None:
    key = _standings_version_key(village_id, month)
    try:
        cache.add(key, 0, timeout=None)
        cache.incr(key)
    except Exception:  # Redis down: the standings expire by themselves
        logger.warning("could not drop the standings of village %s", village_id, exc_info=True)
