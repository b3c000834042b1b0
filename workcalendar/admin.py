"""Read-only admin: the calendar changes through its pages (the services announce each change
to the deadlines that depend on it)."""

from django.contrib import admin

from .models import CalendarYear, SpecialDay


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SpecialDay)
class SpecialDayAdmin(ReadOnlyAdmin):
    list_display = ("date", "kind", "name", "notice")
    list_filter = ("kind",)
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "source", "notice", "entered_at")
