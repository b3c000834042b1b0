"""Read-only admin: points change only through the services, which keep the balances and the
ledger's rules (and the database refuses edits of the ledger anyway)."""

from django.contrib import admin

from .models import Entry, Good, PointsAccount, RankingPublication, Redemption, Rule, Store


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rule)
class RuleAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "category", "points", "monthly_cap", "valid_from", "valid_to"]
    list_filter = ["group", "town"]
    search_fields = ["code", "title"]


@admin.register(PointsAccount)
class PointsAccountAdmin(ReadOnlyAdmin):
    list_display = ["passbook_number", "household", "balance", "locked_until"]
    search_fields = ["passbook_number", "household__number"]
    list_select_related = ["household"]
    exclude = ["pin_hash", "card_token"]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["pk", "household", "rule", "points", "deed_date", "status", "ranking_month"]
    list_filter = ["status", "source"]
    search_fields = ["household__number", "idempotency_key"]
    list_select_related = ["household", "rule"]
    raw_id_fields = ["household", "rule", "reverses", "recorded_by", "reviewed_by"]


@admin.register(Store)
class StoreAdmin(ReadOnlyAdmin):
    list_display = ["name", "village"]


@admin.register(Good)
class GoodAdmin(ReadOnlyAdmin):
    list_display = ["name", "store", "unit", "price_points", "stock", "is_active"]
    list_filter = ["store"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["receipt_number", "household", "total_points", "redeemed_at"]
    search_fields = ["receipt_number", "household__number"]
    list_select_related = ["household"]
    raw_id_fields = ["household", "reverses", "redeemed_by"]


@admin.register(RankingPublication)
class RankingPublicationAdmin(ReadOnlyAdmin):
    list_display = ["village", "month", "published_at"]
    list_filter = ["month"]
