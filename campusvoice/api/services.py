"""Writes behind the API: tokens, and the OSDI helpers built on the supporters and petitions services.

The person signup helper and the person update have no service of their own in supporters yet
(supporters only creates people from confirmed e-mail or commenters), so they live here and use the
supporters services for everything they can: addresses (with their merge rules) and tags.
Nothing here logs or puts personal data in exceptions.
"""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.api.models import ApiToken
from campusvoice.petitions.models import Petition, Signature
from campusvoice.petitions.services import signatures as signature_services
from campusvoice.supporters import services as supporters
from campusvoice.supporters.emails import email_canonical
from campusvoice.supporters.models import EmailAddress, Person, Tag

TOKEN_PREFIX = "cv_"  # noqa: S105 - a prefix, not a secret


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, by: User | None = None) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns the row and the token, which exists nowhere else afterwards.

    Raises ValidationError keyed by field for an empty name or an inactive member.
    """
    name = " ".join(name.split())[:100]
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. what will use it.")})
    if not user.is_active:
        raise ValidationError({"user": _("This member is not active.")})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=token_hash(raw), prefix=raw[:8])
    token.full_clean()
    token.save()
    audit_record(
        actor=by or user,
        action=AuditEvent.Action.CREATE,
        object_type="api_token",
        object_id=token.pk,
        detail={"user": user.pk},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Stop a token from working, for good. Revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=by,
        action=AuditEvent.Action.CHANGE,
        object_type="api_token",
        object_id=token.pk,
        summary="revoked",
    )
    return token


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The active token behind this string, with its member, or None; notes when it was last used."""
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # One write a minute at most, however busy the integration is.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# People --------------------------------------------------------------------------------------


def _current(person: Person) -> Person:
    for _step in range(10):
        if person.merged_into_id is None:
            break
        person = person.merged_into
    return person


@transaction.atomic
def person_signup(
    *,
    email: str,
    given_name: str | None = None,
    family_name: str | None = None,
    language: str | None = None,
    tags: list[str] | None = None,
    by: User,
) -> tuple[Person, bool]:
    """Create or update the person who owns this mailbox (OSDI's person signup helper).

    The mailbox is matched however it was typed (emails.email_canonical). Names and language
    given replace the stored ones, as Action Network's helper does; tags are added, never removed.
    A new address is recorded unconfirmed: an API caller cannot vouch for it. Returns the person
    and whether it was created.
    """
    address = (
        EmailAddress.objects.select_for_update()
        .select_related("person")
        .filter(canonical=email_canonical(email))
        .first()
    )
    created = address is None
    if created:
        person = Person(given_name=given_name or "", family_name=family_name or "", language=language or "")
        person.full_clean()
        person.save()
        supporters.person_email_add(person=person, email=email, by=by)
        audit_record(actor=by, action=AuditEvent.Action.CREATE, object_type="person", object_id=person.pk)
    else:
        person = _current(address.person)
        person_update(person=person, given_name=given_name, family_name=family_name, language=language, by=by)
    for name in tags or []:
        supporters.person_tag_add(person=person, name=name, by=by)
    return person, created


@transaction.atomic
def person_update(
    *,
    person: Person,
    given_name: str | None = None,
    family_name: str | None = None,
    language: str | None = None,
    emails: list[str] | None = None,
    by: User,
) -> Person:
    """Change the fields given (None leaves a field alone) and add e-mail addresses, unconfirmed.

    An address another person already has follows supporters' rules: a merge is suggested for
    review, nothing is moved. Raises ValidationError keyed by field.
    """
    changed = []
    for field_name, value in (
        ("given_name", given_name),
        ("family_name", family_name),
        ("language", language),
    ):
        if value is not None and getattr(person, field_name) != value:
            setattr(person, field_name, value)
            changed.append(field_name)
    if changed:
        person.full_clean()
        person.save(update_fields=[*changed, "updated_at"])
    for email in emails or []:
        supporters.person_email_add(person=person, email=email, by=by)
    if changed or emails:
        audit_record(
            actor=by,
            action=AuditEvent.Action.CHANGE,
            object_type="person",
            object_id=person.pk,
            detail={"fields": changed, "emails_added": len(emails or [])},
        )
    return person


def tag_create(*, name: str) -> tuple[Tag, bool]:
    """The tag with this name (any case), created if missing; tags are shared, never per person."""
    name = " ".join(name.split())[:60]
    if not name:
        raise ValidationError({"name": _("Give the tag a name.")})
    existing = Tag.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing, False
    tag = Tag(name=name)
    tag.full_clean()
    tag.save()
    return tag, True


# Signatures ----------------------------------------------------------------------------------


def signature_record(
    *, petition: Petition, name: str, email: str, language: str = "", by: User
) -> tuple[Signature | None, signature_services.Outcome]:
    """Record a signature through the public signing service: double opt-in applies.

    The signature stays unconfirmed and the confirmation e-mail is queued, as for a signature on
    the public page. An address that signed already gets a fresh link (unconfirmed) or nothing
    (confirmed, voided). Raises ValidationError when the petition is closed.
    """
    result = signature_services.signature_submit(
        petition=petition,
        version=None,
        name=name,
        email=email,
        contact_ok=False,
        language=language or "en",
        attribution={"utm_source": "api"},
        user_agent_family="api",
    )
    signature = Signature.objects.filter(pk=result.signature_id).first() if result.signature_id else None
    if signature is not None:
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            object_type="signature",
            object_id=signature.pk,
            summary=f"api {result.outcome.value}",
        )
    return signature, result.outcome
