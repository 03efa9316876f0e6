from django.contrib import admin

from campusvoice.campaigns.models import (
    Ally,
    AllyItem,
    Campaign,
    ContentHistory,
    ContentItem,
    ContentTemplate,
    ReachSnapshot,
)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "starts_on", "ends_on", "languages"]
    list_filter = ["status"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["universities"]


@admin.register(ContentTemplate)
class ContentTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign", "kind", "language"]
    list_filter = ["kind", "language"]


class ContentHistoryInline(admin.TabularInline):
    model = ContentHistory
    extra = 0
    readonly_fields = ["at", "by", "action", "changes"]


@admin.register(ContentItem)
class ContentItemAdmin(admin.ModelAdmin):
    list_display = ["pk", "campaign", "university", "kind", "language", "status", "scheduled_at"]
    list_filter = ["status", "kind", "language"]
    raw_id_fields = ["university", "template", "ally_item"]
    inlines = [ContentHistoryInline]


@admin.register(Ally)
class AllyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "feed_url", "fetched_at", "fetch_error"]


@admin.register(AllyItem)
class AllyItemAdmin(admin.ModelAdmin):
    list_display = ["title", "ally", "published_at"]


@admin.register(ReachSnapshot)
class ReachSnapshotAdmin(admin.ModelAdmin):
    list_display = [
        "level",
        "source",
        "name",
        "university",
        "date_start",
        "date_stop",
        "reach",
        "impressions",
    ]
    list_filter = ["level", "source"]
