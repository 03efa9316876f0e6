"""Admin for support staff: structure and status, not a reading room for comment text."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from campusvoice.conversations.models import (
    Channel,
    Comment,
    ModeratorLabel,
    OutboxAction,
    Post,
    ReplyTemplate,
    TriageModelVersion,
)
from campusvoice.errors import ApplicationError


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "platform_id"]
    list_filter = ["kind"]
    search_fields = ["name", "platform_id"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["platform_id", "channel", "kind", "campaign", "is_question", "published_at"]
    list_filter = ["kind", "channel", "is_question"]
    search_fields = ["platform_id"]
    raw_id_fields = ["campaign"]
    filter_horizontal = ["universities"]


class ModeratorLabelInline(admin.TabularInline):
    model = ModeratorLabel
    extra = 0
    readonly_fields = ["by", "at"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    # No text or author in the list: a disclosure should be read in the inbox, by someone trained.
    list_display = [
        "platform_id",
        "post",
        "status",
        "priority",
        "language",
        "disclosure",
        "is_hidden",
        "deleted_at",
    ]
    list_filter = [
        "status",
        "language",
        "disclosure",
        "question",
        "hostile",
        "spam",
        "is_hidden",
        "is_placeholder",
    ]
    search_fields = ["platform_id", "parent_platform_id"]
    raw_id_fields = ["post", "parent", "assignee", "channel"]
    readonly_fields = [
        "platform_id",
        "received_at",
        "last_event_time",
        "hidden_event_time",
        "scores",
        "model_flags",
        "model_version",
        "triaged_at",
    ]
    inlines = [ModeratorLabelInline]
    list_per_page = 50


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "language", "is_active"]
    list_filter = ["kind", "language", "is_active"]
    search_fields = ["name"]


@admin.register(OutboxAction)
class OutboxActionAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "status", "attempts", "requested_by", "requested_at", "done_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["comment", "template"]
    readonly_fields = [
        "idempotency_key",
        "platform_id",
        "attempts",
        "error",
        "requested_by",
        "requested_at",
        "done_at",
    ]


@admin.register(TriageModelVersion)
class TriageModelVersionAdmin(admin.ModelAdmin):
    """Which triage model serves, each retraining's decision, and a way back to an earlier version."""

    list_display = [
        "version",
        "source",
        "decision",
        "is_active",
        "compared_with",
        "moderator_labels",
        "created_at",
    ]
    list_filter = ["source", "decision", "is_active"]
    readonly_fields = [
        "version",
        "source",
        "decision",
        "compared_with",
        "comparison",
        "moderator_labels",
        "is_active",
        "created_at",
        "activated_at",
        "created_by",
    ]
    exclude = ["artefact", "meta"]
    actions = ["make_active"]

    def has_add_permission(self, request):
        return False  # versions come from retraining (campusvoice classifier retrain) or a restore

    @admin.action(description=_("Make the selected version serve (and re-score comments)"))
    def make_active(self, request, queryset):
        from campusvoice.conversations.services.retraining import classifier_restore

        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one version."), messages.ERROR)
            return
        try:
            row = classifier_restore(version=queryset.get().version, by=request.user)
        except ApplicationError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(
            request, _("%(version)s now serves; comments are being re-scored.") % {"version": row.version}
        )
