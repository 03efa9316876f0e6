"""Creating and editing petitions and their campus versions."""

from django.db import transaction

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.petitions.models import Petition, PetitionVersion

CONSENT_FIELDS = ("consent_text_en", "consent_text_it", "contact_text_en", "contact_text_it")


@transaction.atomic
def petition_save(*, petition: Petition, by: User) -> Petition:
    """Create or update a petition (from a bound form's instance); raises ValidationError.

    Changing the words next to a checkbox bumps `consent_version`, so every signature and
    consent record names the wording its signer saw.
    """
    created = petition.pk is None
    if not created:
        before = Petition.objects.get(pk=petition.pk)
        if any(getattr(before, f) != getattr(petition, f) for f in CONSENT_FIELDS):
            petition.consent_version = before.consent_version + 1
    else:
        petition.created_by = by
    petition.full_clean()
    petition.save()
    audit_record(
        actor=by,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.CHANGE,
        object_type="petition",
        object_id=petition.pk,
        detail={"consent_version": petition.consent_version},
    )
    return petition


@transaction.atomic
def petition_version_save(*, version: PetitionVersion, by: User) -> PetitionVersion:
    """Create or update a campus version; raises ValidationError (one version per campus)."""
    created = version.pk is None
    version.full_clean()
    version.save()
    audit_record(
        actor=by,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.CHANGE,
        object_type="petition_version",
        object_id=version.pk,
    )
    return version
