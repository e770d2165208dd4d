from django.contrib import admin

from relata.campaigns.models import Campaign


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "starts_on", "ends_on", "is_active")
    search_fields = ("name", "code")
