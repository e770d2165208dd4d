"""Django admin for configuration only; everyday work happens in Relata's own pages."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from relata.core.models import CrmParameters, Team, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active", "teams")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Relata"), {"fields": ("role", "teams", "phone", "language")}),
    )
    filter_horizontal = ("teams", "groups", "user_permissions")


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ("name", "is_active", "created_at")
    search_fields = ("name",)


@admin.register(CrmParameters)
class CrmParametersAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return not CrmParameters.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.site_header = _("Relata configuration")
admin.site.site_title = "Relata"
admin.site.index_title = _("Configuration")
