"""Every write to work orders: one function per workflow action (and the board's saved views,
`saved_views`).

Each action
- checks the actor's role for this order (the command centre of the order's town; a handler of
  its lead unit; grid staff of its grid) and raises `NotPermitted` otherwise;
- checks the state it starts from and raises `WrongState` otherwise;
- changes the state with a compare-and-set (`UPDATE … WHERE id = … AND state = <old>`): of two
  people acting at once, one wins and the other gets `WrongState` saying someone else already
  did it — nothing of theirs is written;
- writes one immutable `TimelineEvent` (with the files, if any) and the in-app notifications.
Nothing is written when a check fails: files are checked before the first write, and the whole
action is one transaction.

Deadline decisions (documented here because the issue leaves them open):
- clocks start at dispatch: acceptance within the rule's working hours, the reply within its
  working days, both counted from dispatch; an earlier city-platform deadline wins;
- re-dispatch after a return starts both clocks again for the new unit;
- an approved extension adds working days to the current reply deadline, even past the city
  platform's deadline (the command centre decided it, and agrees it upstream);
- re-handling after a dissatisfied callback gets a fresh reply span from the callback, without
  the city platform's deadline (that was for the first answer);
- 督办 (supervision order) comes when an overdue stage stays overdue for a further span: the
  acceptance time again for acceptance, one working day for the reply.
"""

from .core import (  # noqa: F401 - the package's public names
    DEFAULT_RULES,
    INTAKE_FINGERPRINT,
    NotPermitted,
    UpstreamConflict,
    WrongState,
    can_report_in_grid,
    compute_deadlines,
    deadline_rule_for,
    handles_unit,
    is_command_centre,
    is_supervisor,
    reply_deadlines,
    unit_for,
    units_sync,
)
from .intake import (  # noqa: F401
    order_create,
    order_create_within,
    order_intake_check,
)
from .privacy import (  # noqa: F401
    may_reveal_caller_phone,
    order_caller_phone_reveal,
)
from .saved_views import (  # noqa: F401
    ViewGone,
    ViewNameTaken,
    board_view_delete,
    board_view_rename,
    board_view_save,
    board_view_share,
)
from .supervision import (  # noqa: F401
    order_score,
    supervision_publish_due,
    supervision_report_publish,
)
from .sweep import (  # noqa: F401
    SweepResult,
    deadline_sweep,
    overdue_flags_reference,
    sweep_run,
)
from .workflow import (  # noqa: F401
    notifications_mark_read,
    order_accept,
    order_callback,
    order_claim,
    order_close,
    order_co_opinion,
    order_dispatch,
    order_exclude_from_assessment,
    order_extension_decide,
    order_extension_request,
    order_handled_on_spot,
    order_joint_meeting,
    order_mark_duplicate,
    order_reply,
    order_return,
    order_review,
    order_start,
)
