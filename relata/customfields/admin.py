"""Django admin for custom-field definitions; every change goes through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from relata.core import permissions
from relata.core.types import request_user
from relata.customfields import services
from relata.customfields.models import FieldDefinition


@admin.register(FieldDefinition)
class FieldDefinitionAdmin(SimpleHistoryAdmin):
    list_display = [
        "key",
        "label_en",
        "target",
        "scope",
        "field_type",
        "required",
        "order",
        "is_active",
    ]
    list_filter = ["target", "field_type", "is_active", "show_in_list", "show_in_filters"]
    search_fields = ["key", "label_en", "label_es", "scope"]
    ordering = ["target", "scope", "order", "id"]
    readonly_fields = ["created_at", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        # The key names the stored values and the type decides their form.
        return [*fields, "target", "key", "field_type"] if obj is not None else fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.can_configure(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_configure(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_configure(request.user)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletion deactivates, one field at a time
        return actions

    def save_model(
        self, request: HttpRequest, obj: FieldDefinition, form: Any, change: bool
    ) -> None:
        data = dict(form.cleaned_data)
        if change:
            # The form has already copied its values onto ``obj``; give the service the
            # stored row so that it sees what changes.
            stored = FieldDefinition.objects.get(pk=obj.pk)
            updated = services.field_definition_update(
                user=request_user(request), definition=stored, data=data
            )
            obj.__dict__.update(updated.__dict__)
        else:
            created = services.field_definition_create(
                user=request_user(request),
                **{
                    k: v
                    for k, v in data.items()
                    if k not in ("is_active", "created_at", "updated_at")
                },
            )
            obj.pk = created.pk
            obj.__dict__.update(created.__dict__)

    def delete_model(self, request: HttpRequest, obj: FieldDefinition) -> None:
        services.field_definition_delete(user=request_user(request), definition=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[FieldDefinition]) -> None:
        for definition in queryset:
            services.field_definition_delete(user=request_user(request), definition=definition)
