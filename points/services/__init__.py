"""Every write of the points app, one function per action (see each module's docstring for
the invariants it keeps). Views, tasks and other apps import from here."""

from .accounts import (
    KioskLoginError,
    account_ensure,
    account_for_update,
    account_issue_card,
    account_open,
    account_set_pin,
    kiosk_login,
)
from .ledger import (
    Proposal,
    entry_approve,
    entry_propose,
    entry_record,
    entry_reject,
    entry_reverse,
    ranking_month_for,
    rule_create,
    rule_update,
)
from .publishing import honours_publish, parse_half, ranking_publish, ranking_reference
from .store import (
    good_create,
    good_update,
    redemption_create,
    redemption_refund,
    stock_receive,
    store_open,
)

__all__ = [
    "KioskLoginError",
    "Proposal",
    "account_ensure",
    "account_issue_card",
    "account_open",
    "account_set_pin",
    "entry_approve",
    "entry_propose",
    "entry_record",
    "entry_reject",
    "entry_reverse",
    "good_create",
    "good_update",
    "honours_publish",
    "kiosk_login",
    "account_for_update",
    "parse_half",
    "ranking_month_for",
    "ranking_publish",
    "ranking_reference",
    "redemption_create",
    "redemption_refund",
    "rule_create",
    "rule_update",
    "stock_receive",
    "store_open",
]
