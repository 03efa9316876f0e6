"""Signing, double opt-in and voiding.

Privacy rules this module keeps:

* The page after signing is the same whether the address is new, waiting for confirmation or
  already confirmed: `signature_submit` does comparable work on every path (one token made and
  hashed, one row written) and never says which path it took to the visitor.
* A confirmation token exists only in the e-mail; the database keeps its SHA-256. Tokens are
  single-use and expire after TOKEN_DAYS.
* Opening the link changes nothing (mail scanners open links): only the POST from the page
  behind it confirms.
"""

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.petitions.models import Petition, PetitionVersion, Signature
from campusvoice.petitions.services.mail import outgoing_email_queue
from campusvoice.supporters import services as supporters
from campusvoice.supporters.emails import email_canonical, email_normalise
from campusvoice.supporters.models import ConsentRecord, EngagementEvent

TOKEN_DAYS = 14
ATTRIBUTION_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "ref")


class Outcome(enum.Enum):
    CREATED = "created"
    RESENT = "resent"  # still unconfirmed: a new link went out
    SILENT = "silent"  # confirmed or voided already: nothing sent


@dataclass(frozen=True)
class SubmitResult:
    outcome: Outcome
    signature_id: int | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def signature_submit(
    *,
    petition: Petition,
    version: PetitionVersion | None,
    name: str,
    email: str,
    contact_ok: bool,
    language: str,
    attribution: dict | None = None,
    ip_hash: str = "",
    user_agent_family: str = "",
    send: bool = True,
) -> SubmitResult:
    """Record a signature and e-mail its confirmation link, or re-send the link, or do nothing.

    A new address gets an unconfirmed signature and a confirmation e-mail (queued in this
    transaction). An address that already signed and has not confirmed gets a fresh link (the old
    one stops working); a confirmed or voided one gets nothing. `send=False` (per-address limit
    reached) records nothing new and sends nothing. Raises ValidationError keyed by field when the
    petition is closed or the campus version belongs to another petition.
    """
    if not petition.is_open:
        raise ValidationError({"petition": _("This petition is closed.")})
    if version is not None and version.petition_id != petition.pk:
        raise ValidationError({"version": _("This campus is not part of this petition.")})
    now = timezone.now()
    token, hashed = _new_token()
    canonical = email_canonical(email)
    existing = (
        Signature.objects.select_for_update().filter(petition=petition, email_canonical=canonical).first()
    )
    if existing is None and send:
        attribution = {k: (attribution or {}).get(k, "")[:100] for k in ATTRIBUTION_FIELDS}
        language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        signature = Signature(
            petition=petition,
            version=version,
            university_id=version.university_id if version else None,
            email=email_normalise(email),
            email_canonical=canonical,
            name=" ".join(name.split())[:200],
            language=language,
            contact_ok=contact_ok,
            consent_version=petition.consent_version,
            consent_text_hash=text_hash(petition.consent_text(language)),
            contact_text_hash=text_hash(petition.contact_text(language)),
            token_hash=hashed,
            token_expires_at=now + timedelta(days=TOKEN_DAYS),
            last_attempt_at=now,
            ip_hash=ip_hash,
            user_agent_family=user_agent_family[:40],
            **attribution,
        )
        # The field checks, without a query each: petition and version are rows we hold (checked
        # above), the token is 256 random bits, and the one-per-address rule is the database's
        # (the savepoint below), so the busiest public form costs no extra round trips.
        signature.full_clean(
            exclude=["petition", "version", "university"], validate_unique=False, validate_constraints=False
        )
        try:
            # Two requests with the same address at once: the constraint lets one through.
            with transaction.atomic():
                signature.save()
        except IntegrityError:
            return SubmitResult(Outcome.SILENT, None)
        _confirmation_queue(signature, token)
        return SubmitResult(Outcome.CREATED, signature.pk)
    if existing is None:
        return SubmitResult(Outcome.SILENT, None)
    if existing.status == Signature.Status.UNCONFIRMED and send:
        existing.token_hash, existing.token_expires_at, existing.last_attempt_at = (
            hashed,
            now + timedelta(days=TOKEN_DAYS),
            now,
        )
        existing.save(update_fields=["token_hash", "token_expires_at", "last_attempt_at"])
        _confirmation_queue(existing, token)
        return SubmitResult(Outcome.RESENT, existing.pk)
    Signature.objects.filter(pk=existing.pk).update(last_attempt_at=now)
    return SubmitResult(Outcome.SILENT, existing.pk)


def confirmation_url(*, token: str, language: str) -> str:
    path = reverse("petitions_public:signature-confirm", kwargs={"lang": language, "token": token})
    return settings.SITE_URL.rstrip("/") + path


def _confirmation_queue(signature: Signature, token: str) -> None:
    petition = signature.petition
    with translation.override(signature.language):
        context = {
            "name": signature.name,
            "petition_title": signature.version.title() if signature.version else petition.title(),
            "url": confirmation_url(token=token, language=signature.language),
            "days": TOKEN_DAYS,
            "organisation": settings.ORGANISATION_NAME,
        }
        subject = _("Please confirm your signature: %(title)s") % {"title": context["petition_title"]}
        body_text = render_to_string("petitions/email/confirm.txt", context)
        body_html = render_to_string("petitions/email/confirm.html", context)
    outgoing_email_queue(
        to=signature.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        purpose="signature_confirmation",
        object_type="signature",
        object_id=signature.pk,
    )


def signature_for_token(*, token: str) -> Signature | None:
    """The unconfirmed, unexpired signature this token confirms, or None. Changes nothing."""
    if not token or len(token) > 100:
        return None
    return (
        Signature.objects.select_related("petition", "version")
        .filter(
            token_hash=token_hash(token),
            status=Signature.Status.UNCONFIRMED,
            token_expires_at__gt=timezone.now(),
        )
        .first()
    )


@transaction.atomic
def signature_confirm(*, token: str) -> Signature | None:
    """Confirm the signature behind a token, once. Returns None for an unknown, used or expired token.

    Links the signer to a person (by confirmed e-mail: the same mailbox is the same person),
    records the consent choices with the wording's version and hash, and the events "signed" and
    "confirmed" for the engagement ladder.
    """
    signature = signature_for_token(token=token)
    if signature is None:
        return None
    signature = (
        Signature.objects.select_for_update(of=("self",))
        .select_related("petition", "version")
        .get(pk=signature.pk)
    )
    if signature.status != Signature.Status.UNCONFIRMED:
        return None
    now = timezone.now()
    person = supporters.person_for_confirmed_email(
        email=signature.email,
        name=signature.name,
        campus=signature.version.university if signature.version else None,
        language=signature.language,
    )
    signature.status, signature.confirmed_at = Signature.Status.CONFIRMED, now
    signature.token_hash, signature.token_expires_at, signature.person = None, None, person
    signature.save(update_fields=["status", "confirmed_at", "token_hash", "token_expires_at", "person"])
    source = f"signature:{signature.pk}"
    for purpose, granted, hashed in (
        (ConsentRecord.Purpose.PETITION, True, signature.consent_text_hash),
        (ConsentRecord.Purpose.CONTACT, signature.contact_ok, signature.contact_text_hash),
    ):
        supporters.consent_record(
            person=person,
            purpose=purpose,
            granted=granted,
            text_version=signature.consent_version,
            text_hash=hashed,
            at=signature.created_at,
            source=source,
        )
    for kind, at in (
        (EngagementEvent.Kind.SIGNED, signature.created_at),
        (EngagementEvent.Kind.CONFIRMED, now),
    ):
        supporters.engagement_record(
            person=person, kind=kind, at=at, source_type="signature", source_id=signature.pk
        )
    return signature


@transaction.atomic
def signature_void(*, signature: Signature, reason: str, by: User) -> Signature:
    """Take a signature out of the counts (a fake name, a duplicate); the row stays for the record."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the signature is voided.")})
    signature = Signature.objects.select_for_update().get(pk=signature.pk)
    if signature.status == Signature.Status.VOIDED:
        return signature
    signature.status, signature.voided_at, signature.void_reason = (
        Signature.Status.VOIDED,
        timezone.now(),
        reason[:200],
    )
    signature.token_hash = signature.token_expires_at = None
    signature.save(update_fields=["status", "voided_at", "void_reason", "token_hash", "token_expires_at"])
    audit_record(
        actor=by,
        action=AuditEvent.Action.CHANGE,
        object_type="signature",
        object_id=signature.pk,
        summary="voided",
    )
    return signature
