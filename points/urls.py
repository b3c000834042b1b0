"""Staff pages of the points programme (the kiosk and the notice board are in kiosk_urls)."""

from django.urls import path

from .views import ledger, passbooks, rankings, rules, statements, store

urlpatterns = [
    # The rulebook
    path("rules/", rules.rule_list, name="rule-list"),
    path("rules/print/", rules.rule_print, name="rule-print"),
    path("rules/new/", rules.rule_create, name="rule-create"),
    path("rules/<int:pk>/edit/", rules.rule_edit, name="rule-edit"),
    # The ledger and its review
    path("entries/", ledger.entry_list, name="entry-list"),
    path("entries/new/", ledger.entry_create, name="entry-create"),
    path("entries/<int:pk>/", ledger.entry_detail, name="entry-detail"),
    path("entries/<int:pk>/approve/", ledger.entry_approve, name="entry-approve"),
    path("entries/<int:pk>/reject/", ledger.entry_reject, name="entry-reject"),
    path("entries/<int:pk>/reverse/", ledger.entry_reverse, name="entry-reverse"),
    path("photos/<int:pk>/<str:size>/", ledger.entry_photo, name="entry-photo"),
    path("review/", ledger.review_queue, name="review-queue"),
    # Households: statements and passbooks
    path("households/", statements.household_list, name="household-points-list"),
    path("households/<int:pk>/", statements.household_points, name="household-points"),
    path(
        "households/<int:pk>/statement/",
        statements.household_statement_print,
        name="household-statement-print",
    ),
    path("households/<int:pk>/passbook/open/", passbooks.passbook_open, name="passbook-open"),
    path("households/<int:pk>/passbook/pin/", passbooks.passbook_pin, name="passbook-pin"),
    path("households/<int:pk>/passbook/card/", passbooks.passbook_card, name="passbook-card"),
    path(
        "households/<int:pk>/passbook/card/new/",
        passbooks.passbook_card_issue,
        name="passbook-card-issue",
    ),
    # The points supermarket
    path("stores/", store.store_list, name="store-list"),
    path("stores/new/", store.store_open, name="store-open"),
    path("stores/<int:pk>/", store.store_detail, name="store-detail"),
    path("stores/<int:pk>/goods/new/", store.good_create, name="good-create"),
    path("stores/<int:pk>/counter/", store.store_counter, name="store-counter"),
    path("stores/<int:pk>/counter/redeem/", store.redemption_create, name="redemption-create"),
    path("stores/<int:pk>/receipts/", store.redemption_list, name="redemption-list"),
    path("stores/<int:pk>/report/", store.store_report, name="store-report"),
    path("goods/<int:pk>/edit/", store.good_edit, name="good-edit"),
    path("goods/<int:pk>/receive/", store.stock_receive, name="stock-receive"),
    path("receipts/<int:pk>/", store.redemption_detail, name="redemption-detail"),
    path("receipts/<int:pk>/refund/", store.redemption_refund, name="redemption-refund"),
    # Rankings and honour lists
    path("rankings/", rankings.ranking_list, name="ranking-list"),
    path("rankings/<int:pk>/", rankings.ranking_detail, name="ranking-detail"),
    path("honours/<int:pk>/", rankings.honour_detail, name="honour-detail"),
]
