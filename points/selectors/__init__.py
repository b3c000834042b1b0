"""Every read of the points app, each returning what its page needs in a fixed number of
queries: the ledger, passbooks and the ledger check (`ledger`), one household's kiosk page and
statement (`household`), rankings, honours and the notice board (`rankings`), the points
supermarket (`store`). The public names are re-exported here."""

from .household import (  # noqa: F401 - the package's public names
    HouseholdPoints,
    KioskBasket,
    KioskEntry,
    KioskGood,
    PublishedRank,
    Statement,
    StatementLine,
    household_points,
    household_rejected_entries,
    household_statement,
    village_standings,
)
from .ledger import (  # noqa: F401
    ENTRY_RELATED,
    account_find_for_user,
    account_get_by_card,
    account_get_for_user,
    accounts_for_user,
    entries_for_user,
    entry_get_for_user,
    household_find_for_user,
    household_get_for_points,
    ledger_differences,
    photo_get_for_user,
    present_heads,
    review_queue_choices,
    review_queue_for_user,
    rule_get_for_user,
    rules_for_town,
)
from .rankings import (  # noqa: F401
    NoticeBoard,
    honour_get_for_user,
    honour_list,
    honour_publications_for_user,
    honour_rows,
    household_head_names,
    notice_board,
    publications_for_user,
    ranked_count,
    ranking_get_for_user,
    ranking_rows,
)
from .store import (  # noqa: F401
    balance_after,
    good_get_for_user,
    goods_of_store,
    redemption_get_for_user,
    redemptions_of_store,
    store_for_village,
    store_get_for_user,
    store_month_report,
    stores_for_user,
)
