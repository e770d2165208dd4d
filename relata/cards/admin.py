from django.contrib import admin

from relata.cards.models import CardScan


@admin.register(CardScan)
class CardScanAdmin(admin.ModelAdmin):
    list_display = ["id", "original_name", "status", "created_by", "contact", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["created_by", "contact"]
    readonly_fields = ["result", "created_at", "updated_at"]
