"""Read-only admin: orders change only through the services, which keep the state machine and
its timeline (and the database refuses edits of the timeline and its files anyway)."""

from django.contrib import admin

from .models import (
    Category,
    DeadlineRule,
    ExtensionRequest,
    JointMeeting,
    StandardItem,
    SupervisionReport,
    SupervisionScore,
    TimelineEvent,
    Unit,
    UrgingNotice,
    WorkOrder,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "town", "department", "village"]
    list_select_related = ["town", "department", "village"]


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    list_display = ["name", "parent", "town", "position", "is_active"]
    list_filter = ["town", "is_active"]
    list_select_related = ["parent", "town"]


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(ReadOnlyAdmin):
    list_display = ["category", "urgency", "accept_working_hours", "reply_working_days"]
    list_select_related = ["category"]


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "source", "state", "lead_unit", "overdue", "created_at"]
    list_filter = ["state", "source", "overdue", "excluded_from_assessment"]
    search_fields = ["number", "upstream_number", "title"]
    list_select_related = ["lead_unit__department", "lead_unit__village"]
    raw_id_fields = ["category", "village", "grid", "lead_unit", "duplicate_of", "created_by"]
    # Personal data stays out of the admin too: the pages show it masked.
    exclude = ["caller_phone"]
    date_hierarchy = "created_at"


@admin.register(TimelineEvent)
class TimelineEventAdmin(ReadOnlyAdmin):
    list_display = ["order", "action", "actor", "at", "from_state", "to_state"]
    list_filter = ["action"]
    search_fields = ["order__number"]
    list_select_related = ["order", "actor"]
    raw_id_fields = ["order", "actor", "unit"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["order", "unit", "working_days", "status", "requested_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["order", "unit__department", "unit__village"]
    raw_id_fields = ["order", "unit", "requested_by", "decided_by"]


@admin.register(JointMeeting)
class JointMeetingAdmin(ReadOnlyAdmin):
    list_display = ["order", "held_at", "lead_unit"]
    raw_id_fields = ["order", "convened_by", "lead_unit"]


@admin.register(UrgingNotice)
class UrgingNoticeAdmin(ReadOnlyAdmin):
    list_display = ["order", "kind", "phase", "unit", "due_at", "issued_at"]
    list_filter = ["kind", "phase"]
    raw_id_fields = ["order", "unit"]


@admin.register(StandardItem)
class StandardItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "max_points", "town", "position", "is_active"]


@admin.register(SupervisionScore)
class SupervisionScoreAdmin(ReadOnlyAdmin):
    list_display = ["order", "unit", "score", "scored_by", "scored_at"]
    raw_id_fields = ["order", "unit", "scored_by"]


@admin.register(SupervisionReport)
class SupervisionReportAdmin(ReadOnlyAdmin):
    list_display = ["town", "month", "published_at"]
    list_filter = ["town"]
