"""Django admin of the suppression list (addresses added or removed by hand).

Templates are edited on Relata's own pages (they are checked in the sandbox on save).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from relata.mailing.models import Suppression


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ("address", "reason", "source", "created_at")
    list_filter = ("reason",)
    search_fields = ("address",)

    def save_model(self, request: HttpRequest, obj: Suppression, form: Any, change: bool) -> None:
        obj.address = obj.address.strip().lower()  # looked up in lower case
        super().save_model(request, obj, form, change)
