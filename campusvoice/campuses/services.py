"""Writes for the campus directory: coordinates, groups, newspapers, contacts, support
resources, shortlists and uploads of directory files.

Contacts and newspaper editors are personal data: every create, change and delete of them is
written to the audit log by id, never with the name or address.
"""

import tempfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.campuses.imports import ImportReport, directory_import, directory_upload_check
from campusvoice.campuses.models import (
    CampusGroup,
    Contact,
    Shortlist,
    ShortlistEntry,
    StudentNewspaper,
    SupportResource,
    University,
)
from campusvoice.campuses.priority import Score


def _apply(instance: models.Model, fields: dict) -> list[str]:
    """Set `fields` on a row freshly read from the database; return the names that changed.

    Callers pass a locked copy, so a form that already wrote to its own instance cannot hide a
    change from the audit log.
    """
    changed = sorted(name for name, value in fields.items() if getattr(instance, name) != value)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    return changed


def _locked(instance: models.Model) -> models.Model:
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


# Coordinates ----------------------------------------------------------------------------------


@transaction.atomic
def university_coordinates_set(
    *, university: University, latitude: Decimal | None, longitude: Decimal | None, by: User
) -> University:
    """Set a campus's coordinates by hand (source "manual"), or clear both.

    Raises ValidationError if only one of the two is given or either is out of range.
    """
    if (latitude is None) != (longitude is None):
        raise ValidationError({"longitude": _("Give both latitude and longitude, or neither.")})
    university = _locked(university)
    source = (
        University.CoordinatesSource.MANUAL if latitude is not None else University.CoordinatesSource.NONE
    )
    changed = _apply(university, {"latitude": latitude, "longitude": longitude, "coordinates_source": source})
    university.save(update_fields=["latitude", "longitude", "coordinates_source", "updated_at"])
    if changed:
        audit_record(
            actor=by,
            action=AuditEvent.Action.CHANGE,
            object_type="university",
            object_id=university.pk,
            detail={"fields": changed},
        )
    return university


# Campus groups --------------------------------------------------------------------------------


@transaction.atomic
def campus_group_create(*, university: University, by: User, **fields) -> CampusGroup:
    """Add a student group to a campus. Raises ValidationError keyed by field."""
    group = CampusGroup(university=university, **fields)
    group.full_clean()
    group.save()
    return group


@transaction.atomic
def campus_group_update(*, group: CampusGroup, by: User, **fields) -> CampusGroup:
    group = _locked(group)
    _apply(group, fields)
    group.save()
    return group


@transaction.atomic
def campus_group_delete(*, group: CampusGroup, by: User) -> None:
    """Delete a group; its contacts stay on the campus without a group."""
    group.delete()


# Student newspapers ---------------------------------------------------------------------------


def _audit(*, by: User, action: str, object_type: str, object_id: int, university_id: int, **detail) -> None:
    audit_record(
        actor=by,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail={"university": university_id, **detail},
    )


@transaction.atomic
def newspaper_create(*, university: University, by: User, **fields) -> StudentNewspaper:
    """Add a student newspaper. Its editor's name and e-mail are personal data: audited."""
    newspaper = StudentNewspaper(university=university, **fields)
    newspaper.full_clean()
    newspaper.save()
    _audit(
        by=by,
        action=AuditEvent.Action.CREATE,
        object_type="newspaper",
        object_id=newspaper.pk,
        university_id=university.pk,
    )
    return newspaper


@transaction.atomic
def newspaper_update(*, newspaper: StudentNewspaper, by: User, **fields) -> StudentNewspaper:
    newspaper = _locked(newspaper)
    changed = _apply(newspaper, fields)
    newspaper.save()
    if changed:
        _audit(
            by=by,
            action=AuditEvent.Action.CHANGE,
            object_type="newspaper",
            object_id=newspaper.pk,
            university_id=newspaper.university_id,
            fields=changed,
        )
    return newspaper


@transaction.atomic
def newspaper_delete(*, newspaper: StudentNewspaper, by: User) -> None:
    pk, university_id = newspaper.pk, newspaper.university_id
    newspaper.delete()
    _audit(
        by=by,
        action=AuditEvent.Action.DELETE,
        object_type="newspaper",
        object_id=pk,
        university_id=university_id,
    )


# Contacts -------------------------------------------------------------------------------------


def _contact_check(contact: Contact) -> None:
    errors = {}
    if contact.basis == Contact.Basis.CONSENT and contact.consent_at is None:
        errors["consent_at"] = _("Record when consent was given: consent is the lawful basis.")
    if contact.group_id and contact.group.university_id != contact.university_id:
        errors["group"] = _("Choose a group on this campus.")
    if contact.newspaper_id and contact.newspaper.university_id != contact.university_id:
        errors["newspaper"] = _("Choose a newspaper on this campus.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contact_create(*, university: University, by: User, **fields) -> Contact:
    """Record a person at a campus with the lawful basis for holding their details.

    Consent as the basis needs the date it was given. Audited by id. Raises ValidationError
    keyed by field.
    """
    contact = Contact(university=university, **fields)
    _contact_check(contact)
    contact.full_clean()
    contact.save()
    _audit(
        by=by,
        action=AuditEvent.Action.CREATE,
        object_type="contact",
        object_id=contact.pk,
        university_id=university.pk,
    )
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, by: User, **fields) -> Contact:
    """Change a contact; the audit event names the changed fields, not their values."""
    contact = _locked(contact)
    changed = _apply(contact, fields)
    _contact_check(contact)
    contact.save()
    if changed:
        _audit(
            by=by,
            action=AuditEvent.Action.CHANGE,
            object_type="contact",
            object_id=contact.pk,
            university_id=contact.university_id,
            fields=changed,
        )
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, by: User) -> None:
    pk, university_id = contact.pk, contact.university_id
    contact.delete()
    _audit(
        by=by,
        action=AuditEvent.Action.DELETE,
        object_type="contact",
        object_id=pk,
        university_id=university_id,
    )


# Support resources ----------------------------------------------------------------------------


@transaction.atomic
def support_resource_create(*, university: University | None = None, by: User, **fields) -> SupportResource:
    """Add a support resource for a whole country, or for one campus (its country is the campus's)."""
    if university is not None:
        fields["country"] = university.country
    fields["country"] = fields.get("country", "").upper()
    resource = SupportResource(university=university, **fields)
    resource.full_clean()
    resource.save()
    return resource


@transaction.atomic
def support_resource_update(*, resource: SupportResource, by: User, **fields) -> SupportResource:
    resource = _locked(resource)
    if resource.university_id:
        fields["country"] = resource.university.country
    if "country" in fields:
        fields["country"] = fields["country"].upper()
    _apply(resource, fields)
    resource.save()
    return resource


@transaction.atomic
def support_resource_delete(*, resource: SupportResource, by: User) -> None:
    resource.delete()


# Shortlists -----------------------------------------------------------------------------------


@transaction.atomic
def shortlist_create(*, name: str, description: str = "", scores: Sequence[Score], by: User) -> Shortlist:
    """Save the chosen campuses, in the order given, with each one's score and reason.

    Raises ValidationError if no campus is chosen or the name is missing.
    """
    if not scores:
        raise ValidationError({"universities": _("Choose at least one campus for the shortlist.")})
    shortlist = Shortlist(name=name.strip(), description=description.strip(), created_by=by)
    shortlist.full_clean()
    shortlist.save()
    entries = [
        ShortlistEntry(
            shortlist=shortlist,
            university_id=score.candidate.university_id,
            position=position,
            score=round(score.total, 2),
            reason=score.reason(),
        )
        for position, score in enumerate(scores, start=1)
    ]
    for entry in entries:
        entry.full_clean(exclude=["shortlist"], validate_constraints=False)
    ShortlistEntry.objects.bulk_create(entries)
    return shortlist


@transaction.atomic
def shortlist_update(*, shortlist: Shortlist, name: str, description: str = "", by: User) -> Shortlist:
    shortlist = _locked(shortlist)
    _apply(shortlist, {"name": name.strip(), "description": description.strip()})
    shortlist.save()
    return shortlist


@transaction.atomic
def shortlist_delete(*, shortlist: Shortlist, by: User) -> None:
    shortlist.delete()


def _renumber(shortlist: Shortlist) -> None:
    for position, entry in enumerate(
        shortlist.entries.select_for_update().order_by("position", "pk"), start=1
    ):
        if entry.position != position:
            ShortlistEntry.objects.filter(pk=entry.pk).update(position=position)


@transaction.atomic
def shortlist_entry_move(*, entry: ShortlistEntry, offset: int, by: User) -> None:
    """Move a campus up (offset −1) or down (+1) the shortlist; at either end nothing moves."""
    _renumber(entry.shortlist)
    entry.refresh_from_db()
    target = entry.position + offset
    neighbour = entry.shortlist.entries.filter(position=target).first()
    if neighbour is None:
        return
    ShortlistEntry.objects.filter(pk=neighbour.pk).update(position=entry.position)
    ShortlistEntry.objects.filter(pk=entry.pk).update(position=target)


@transaction.atomic
def shortlist_entry_remove(*, entry: ShortlistEntry, by: User) -> None:
    shortlist = entry.shortlist
    entry.delete()
    shortlist.entries.filter(position__gt=entry.position).update(position=F("position") - 1)


# Imports --------------------------------------------------------------------------------------


def directory_upload_import(*, upload: UploadedFile, kind: str, dry_run: bool, by: User) -> ImportReport:
    """Import an uploaded directory file: copy it to a temporary file and run the importer.

    All rows or none: on any error, a file over CAMPUSVOICE_IMPORT_MAX_UPLOAD_MB included, this
    raises DirectoryImportError (with the file, line and field of each problem) and nothing
    changes. The temporary file is always removed.
    """
    file_name = Path(upload.name or "upload").name
    directory_upload_check(file_name=file_name, size=upload.size)
    suffix = Path(upload.name or "").suffix.lower()
    with tempfile.NamedTemporaryFile(prefix="campusvoice-import-", suffix=suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        return directory_import(
            kind=kind,
            path=Path(handle.name),
            dry_run=dry_run,
            by=by,
            file_name=file_name,
        )
