"""The directory in Django's admin (admins only: the access policy guards the whole site).

The admin writes rows directly rather than through services, so changes to personal data
(contacts, newspaper editors) are audited here, by id and field name as the services do.
"""

from django.contrib import admin

from campusvoice.accounts.models import AuditEvent
from campusvoice.accounts.services import audit_record
from campusvoice.campuses.models import (
    CampusGroup,
    Contact,
    ImportRun,
    IncidentStatistic,
    Shortlist,
    ShortlistEntry,
    StudentNewspaper,
    SupportResource,
    University,
)


class AuditedAdmin(admin.ModelAdmin):
    """Record creates, changes and deletes of personal data in the audit log."""

    audit_type = ""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.CHANGE if change else AuditEvent.Action.CREATE,
            object_type=self.audit_type,
            object_id=obj.pk,
            detail={"university": obj.university_id, "fields": sorted(form.changed_data), "via": "admin"},
        )

    def delete_model(self, request, obj):
        pk, university_id = obj.pk, obj.university_id
        super().delete_model(request, obj)
        self._audit_delete(request, pk, university_id)

    def delete_queryset(self, request, queryset):
        rows = list(queryset.values_list("pk", "university_id"))
        super().delete_queryset(request, queryset)
        for pk, university_id in rows:
            self._audit_delete(request, pk, university_id)

    def _audit_delete(self, request, pk, university_id):
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.DELETE,
            object_type=self.audit_type,
            object_id=pk,
            detail={"university": university_id, "via": "admin"},
        )


class CampusGroupInline(admin.TabularInline):
    model = CampusGroup
    fields = ["name", "kind", "website"]
    extra = 0
    show_change_link = True


class SupportResourceInline(admin.TabularInline):
    model = SupportResource
    fields = ["kind", "name", "phone", "website"]
    extra = 0


@admin.register(University)
class UniversityAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "region", "country", "enrollment_total", "coordinates_source"]
    list_filter = ["country", "control", "coordinates_source"]
    search_fields = ["name", "short_name", "city", "ipeds_unitid", "mur_code"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [CampusGroupInline, SupportResourceInline]


@admin.register(IncidentStatistic)
class IncidentStatisticAdmin(admin.ModelAdmin):
    list_display = ["university", "year", "category", "location", "count", "source"]
    list_filter = ["year", "category", "location"]
    search_fields = ["university__name"]
    autocomplete_fields = ["university"]
    list_select_related = ["university"]


@admin.register(CampusGroup)
class CampusGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "university"]
    list_filter = ["kind"]
    search_fields = ["name", "university__name"]
    autocomplete_fields = ["university"]
    list_select_related = ["university"]


@admin.register(StudentNewspaper)
class StudentNewspaperAdmin(AuditedAdmin):
    audit_type = "newspaper"
    list_display = ["name", "university", "language"]
    search_fields = ["name", "university__name"]
    autocomplete_fields = ["university"]
    list_select_related = ["university"]


@admin.register(Contact)
class ContactAdmin(AuditedAdmin):
    audit_type = "contact"
    # No e-mail or phone in the list: the change page shows them one person at a time.
    list_display = ["name", "role", "university", "basis"]
    list_filter = ["role", "basis"]
    search_fields = ["name", "university__name"]
    autocomplete_fields = ["university", "group", "newspaper"]
    list_select_related = ["university"]


@admin.register(SupportResource)
class SupportResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "university"]
    list_filter = ["country", "kind"]
    search_fields = ["name", "university__name"]
    autocomplete_fields = ["university"]
    list_select_related = ["university"]


class ShortlistEntryInline(admin.TabularInline):
    model = ShortlistEntry
    fields = ["position", "university", "score", "reason"]
    autocomplete_fields = ["university"]
    extra = 0


@admin.register(Shortlist)
class ShortlistAdmin(admin.ModelAdmin):
    list_display = ["name", "created_by", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    inlines = [ShortlistEntryInline]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """A record of what happened: read-only."""

    list_display = ["started_at", "kind", "file_name", "by", "dry_run", "succeeded", "created", "updated"]
    list_filter = ["kind", "succeeded", "dry_run"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
