"""Outreach in Django's admin (admins only: the access policy guards the whole site).

Letters, deliveries and relationships name people (recipients, contacts, notes), so they are
read-only here: they change through the outreach pages, whose services validate and audit. A
delivery is the record of what we sent and is never deleted, so neither is its letter (deleting
a letter would cascade to its deliveries). No list shows an e-mail address.
"""

from django import forms
from django.contrib import admin

from campusvoice.outreach.models import (
    Article,
    Letter,
    LetterDelivery,
    LetterTemplate,
    Relationship,
    RelationshipEvent,
    WatchedSource,
)
from campusvoice.outreach.services.letters import letter_template_check


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only: no adding, changing or deleting through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LetterTemplateAdminForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["name", "kind", "language", "subject", "body", "is_active"]

    def clean(self):
        cleaned = super().clean()
        # The same sandbox check as the template page, so the admin cannot save a template
        # that every letter would fail on.
        if "subject" in cleaned and "body" in cleaned:
            letter_template_check(subject=cleaned["subject"], body=cleaned["body"])
        return cleaned


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    form = LetterTemplateAdminForm
    list_display = ["name", "kind", "language", "is_active", "updated_at"]
    list_filter = ["kind", "language", "is_active"]
    search_fields = ["name", "subject"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class LetterDeliveryInline(admin.TabularInline):
    model = LetterDelivery
    fields = ["at", "channel", "by", "email"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Letter)
class LetterAdmin(ReadOnlyAdmin):
    # By role and institution: no recipient name or e-mail in the list.
    list_display = ["pk", "campaign", "university", "kind", "language", "status", "rendered_at"]
    list_filter = ["status", "kind", "language", "campaign"]
    search_fields = ["university__name", "recipient_organisation"]
    list_select_related = ["campaign", "university"]
    exclude = ["quoted_comments"]  # comment text stays in the moderators' inbox
    inlines = [LetterDeliveryInline]


@admin.register(LetterDelivery)
class LetterDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["pk", "letter", "channel", "at", "by"]
    list_filter = ["channel"]
    list_select_related = ["letter", "by"]


class RelationshipEventInline(admin.TabularInline):
    model = RelationshipEvent
    fields = ["at", "kind", "from_stage", "to_stage", "letter", "by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Relationship)
class RelationshipAdmin(ReadOnlyAdmin):
    list_display = ["pk", "university", "group", "campaign", "stage", "due_on", "is_overdue", "owner"]
    list_filter = ["stage", "is_overdue", "campaign"]
    search_fields = ["university__name", "group__name"]
    list_select_related = ["university", "group", "campaign", "owner"]
    inlines = [RelationshipEventInline]


@admin.register(RelationshipEvent)
class RelationshipEventAdmin(ReadOnlyAdmin):
    list_display = ["pk", "relationship", "kind", "at", "by"]
    list_filter = ["kind"]
    list_select_related = ["relationship", "by"]


@admin.register(WatchedSource)
class WatchedSourceAdmin(admin.ModelAdmin):
    list_display = ["url", "kind", "newspaper", "is_active", "last_checked_at", "last_status"]
    list_filter = ["kind", "is_active", "last_status"]
    search_fields = ["url", "newspaper__name"]
    list_select_related = ["newspaper"]
    autocomplete_fields = ["newspaper"]
    # What the server told us last time belongs to the fetcher.
    readonly_fields = [
        "etag",
        "last_modified",
        "last_checked_at",
        "last_status",
        "last_error",
        "added_by",
        "created_at",
        "updated_at",
    ]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "newspaper", "university", "campaign", "status", "published_at"]
    list_filter = ["status", "campaign"]
    search_fields = ["title", "url", "newspaper__name", "university__name"]
    list_select_related = ["newspaper", "university", "campaign"]
    autocomplete_fields = ["newspaper", "university", "campaign"]
    raw_id_fields = ["source"]
    readonly_fields = ["match_reasons", "added_by", "reviewed_by", "reviewed_at", "created_at", "updated_at"]
