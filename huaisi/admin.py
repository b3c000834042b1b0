from django.contrib import admin

from .models import Role


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    """Read-only: roles change through `role_assign` / `role_end`, which keep the rosters true."""

    list_display = ["user", "kind", "starts_on", "ends_on"]
    list_filter = ["kind"]
    search_fields = ["user__username", "user__first_name"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
