from django.contrib import admin

from .models import Department, Grid, MicroGrid, StaffProfile, Town, Village


class ReadOnlyAdmin(admin.ModelAdmin):
    """Areas change only through the product's own pages and services (house rule 4); the
    admin is a read-only window for superusers."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Town)
class TownAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "is_demo"]


@admin.register(Village)
class VillageAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "town"]
    list_filter = ["kind", "town"]
    search_fields = ["name", "code"]


@admin.register(Grid)
class GridAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "village"]
    list_filter = ["village"]
    search_fields = ["name", "code"]


@admin.register(MicroGrid)
class MicroGridAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "grid"]
    search_fields = ["name", "code"]
    list_select_related = ["grid"]


@admin.register(Department)
class DepartmentAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "town", "is_active"]


@admin.register(StaffProfile)
class StaffProfileAdmin(ReadOnlyAdmin):
    list_display = ["user", "phone", "title", "updated_at"]
    search_fields = ["user__username", "user__first_name", "phone"]
    list_select_related = ["user"]
