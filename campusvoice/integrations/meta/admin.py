from django.contrib import admin

from .models import MetaConnection, WebhookDelivery


@admin.register(MetaConnection)
class MetaConnectionAdmin(admin.ModelAdmin):
    # The encrypted token is not editable and never listed; connect through the Meta page.
    list_display = ["page_name", "page_id", "instagram_account_id", "status", "last_sync_at"]
    exclude = ["token_encrypted"]
    readonly_fields = ["permissions", "last_error", "last_error_at", "last_sync_at", "backfill_done_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    # Bodies hold comment text: list the bookkeeping only.
    list_display = ["pk", "object", "received_at", "times_received", "status", "attempts", "error"]
    exclude = ["body"]
    list_filter = ["status", "object"]
