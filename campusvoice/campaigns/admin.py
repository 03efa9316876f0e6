from django.contrib import admin

from campusvoice.campaigns.models import Campaign


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "starts_on", "ends_on", "languages"]
    list_filter = ["status"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["universities"]
