"""Signing, double opt-in and voiding.

Privacy rules this module keeps:

* The page after signing is the same whether the address is new, waiting for confirmation or
  already confirmed: `signature_submit` does comparable work on every path (one row written)
  and never says which path it took to the visitor.
* A confirmation token is stored nowhere in clear: the database keeps its SHA-256, and the
  e-mail is rendered when it is sent (`confirmation_render`), from a token derived again as a keyed
  hash (SECRET_KEY) of the row's petition, address and link expiry (`confirmation_token`). A new
  link (a resubmission) has a new expiry, so a new token; the old one stops working. Tokens are
  single-use and expire after TOKEN_DAYS.
* Opening the link changes nothing (mail scanners open links): only the POST from the page
  behind it confirms.
"""

import base64
import enum
import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.ops import prepared
from campusvoice.petitions.models import OutgoingEmail, Petition, PetitionVersion, Signature
from campusvoice.petitions.services.mail import outgoing_email_queue, send_soon
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


LINK_SALT = "campusvoice.petitions.confirmation-token"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def confirmation_token(signature: Signature, *, secret: str | None = None) -> str:
    """The token of the signature's current link: 256 bits keyed by SECRET_KEY, never stored.

    Derived from what identifies this link (petition, address, the link's expiry to the
    microsecond), so the e-mail can be rendered when it is sent without the row holding the token.
    """
    expires = (signature.token_expires_at - EPOCH) // timedelta(microseconds=1)
    value = f"{signature.petition_id}:{signature.email_canonical}:{expires}"
    digest = salted_hmac(LINK_SALT, value, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _token_matching(signature: Signature) -> str | None:
    """The derived token whose hash the row keeps (the current key first, then the fallbacks kept
    while SECRET_KEY is rotated), or None if the row holds no link any more."""
    if signature.token_hash is None or signature.token_expires_at is None:
        return None
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])):
        token = confirmation_token(signature, secret=secret)
        if secrets.compare_digest(token_hash(token), signature.token_hash):
            return token
    return None


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


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

    A new address gets an unconfirmed signature and a confirmation e-mail, written together (on
    PostgreSQL in one statement: the busiest public form's whole write). An address that already signed and has not confirmed gets a fresh link (the old
    one stops working); a confirmed or voided one gets nothing. `send=False` (per-address limit
    reached) records nothing new and sends nothing. Raises ValidationError keyed by field when the
    petition is closed or the campus version belongs to another petition.
    """
    if not petition.is_open:
        raise ValidationError({"petition": _("This petition is closed.")})
    if version is not None and version.petition_id != petition.pk:
        raise ValidationError({"version": _("This campus is not part of this petition.")})
    now = timezone.now()
    expires = now + timedelta(days=TOKEN_DAYS)
    canonical = email_canonical(email)
    if send:
        # The common case first: a new address costs one INSERT. An address that signed before
        # fails the one-per-address constraint (after waiting for a concurrent signer's commit), and
        # its row is then locked and read.
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
            token_expires_at=expires,
            last_attempt_at=now,
            ip_hash=ip_hash,
            user_agent_family=user_agent_family[:40],
            **attribution,
        )
        signature.token_hash = token_hash(confirmation_token(signature))
        # The field checks, without a query each: petition and version are rows we hold (checked
        # above), the token is keyed by SECRET_KEY and unique per link, and the one-per-address
        # rule is the database's (ON CONFLICT, or a savepoint), so the busiest public form costs no
        # extra round trips.
        signature.full_clean(
            exclude=["petition", "version", "university"], validate_unique=False, validate_constraints=False
        )
        created = _insert_with_confirmation(signature)
        if created is not None:
            return SubmitResult(Outcome.CREATED, created)
        # The address signed before: its row is locked and read below.
    with transaction.atomic():
        return _submit_again(petition, canonical, send=send, expires=expires, now=now)


def _submit_again(petition: Petition, canonical: str, *, send: bool, expires, now) -> SubmitResult:
    """An address that signed before (or any address past its limit), its row locked and read."""
    existing = (
        Signature.objects.select_for_update().filter(petition=petition, email_canonical=canonical).first()
    )
    if existing is None:
        return SubmitResult(Outcome.SILENT, None)
    if existing.status == Signature.Status.UNCONFIRMED and send:
        existing.token_expires_at, existing.last_attempt_at = expires, now
        existing.token_hash = token_hash(confirmation_token(existing))
        existing.save(update_fields=["token_hash", "token_expires_at", "last_attempt_at"])
        _confirmation_queue(existing)
        return SubmitResult(Outcome.RESENT, existing.pk)
    Signature.objects.filter(pk=existing.pk).update(last_attempt_at=now)
    return SubmitResult(Outcome.SILENT, existing.pk)


@functools.cache
def _insert_sql() -> tuple[str, tuple, tuple]:
    """One statement for a new address (PostgreSQL): the signature and its confirmation e-mail.

    `INSERT … ON CONFLICT DO NOTHING` returns no row when the address signed before, and then the
    e-mail's INSERT, which selects from it, writes nothing either. Table and column names come from
    the models; every value is a parameter.
    """
    connection = connections[Signature.objects.db]
    qn = connection.ops.quote_name
    signature_fields = tuple(f for f in Signature._meta.concrete_fields if not f.primary_key)
    email_fields = tuple(
        f for f in OutgoingEmail._meta.concrete_fields if not f.primary_key and f.name != "object_id"
    )
    values = ", ".join(["%s"] * len(signature_fields))
    sql = f"WITH s AS (INSERT INTO {qn(Signature._meta.db_table)}"
    sql += f" ({', '.join(qn(f.column) for f in signature_fields)}) VALUES ({values})"
    sql += f" ON CONFLICT DO NOTHING RETURNING {qn(Signature._meta.pk.column)} AS id)"
    sql += f" INSERT INTO {qn(OutgoingEmail._meta.db_table)}"
    sql += f" ({', '.join(qn(f.column) for f in email_fields)}, {qn('object_id')})"
    # Typed: a parameter in a SELECT list would otherwise be taken for text.
    typed = ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in email_fields)
    sql += f" SELECT {typed}, CAST(s.id AS varchar) FROM s"  # noqa: S608 - names from the models
    sql += f" RETURNING {qn(OutgoingEmail._meta.pk.column)}, {qn('object_id')}"
    return sql, signature_fields, email_fields


def _insert_with_confirmation(signature: Signature) -> int | None:
    """Write a new address's signature and queue its confirmation e-mail, on PostgreSQL in one
    round trip (in autocommit, its COMMIT included); the signature's id, or None if the address
    signed before. The send task is enqueued after the commit (`send_soon`)."""
    connection = connections[Signature.objects.db]
    now = signature.last_attempt_at
    signature.created_at = now  # auto_now_add, as save() would
    email = OutgoingEmail(
        to=signature.email,
        subject=_confirmation_subject(signature),
        body_text="",  # confirmation_render, at sending time: the token is not stored
        purpose=CONFIRMATION_PURPOSE,
        object_type="signature",
        next_attempt_at=now,
        created_at=now,
    )
    if connection.vendor != "postgresql":  # no INSERT in a WITH: two statements in a transaction
        with transaction.atomic(using=connection.alias):
            try:
                with transaction.atomic(using=connection.alias):
                    signature.save()
            except IntegrityError:
                return None
            email.object_id = str(signature.pk)
            email.save()
        transaction.on_commit(partial(send_soon, email.pk), using=connection.alias, robust=True)
        return signature.pk
    sql, signature_fields, email_fields = _insert_sql()
    params = [f.get_db_prep_save(getattr(signature, f.attname), connection) for f in signature_fields]
    params += [f.get_db_prep_save(getattr(email, f.attname), connection) for f in email_fields]
    row = prepared.fetchone(sql, params, using=connection.alias)
    if row is None:
        return None
    email_id, signature_id = row[0], int(row[1])
    transaction.on_commit(partial(send_soon, email_id), using=connection.alias, robust=True)
    return signature_id


def confirmation_url(*, token: str, language: str) -> str:
    path = reverse("petitions_public:signature-confirm", kwargs={"lang": language, "token": token})
    return settings.SITE_URL.rstrip("/") + path


CONFIRMATION_PURPOSE = "signature_confirmation"


def _confirmation_subject(signature: Signature) -> str:
    title = signature.version.title(signature.language) if signature.version else None
    title = title or signature.petition.title(signature.language)
    with translation.override(signature.language):
        return (_("Please confirm your signature: %(title)s") % {"title": title})[:200]


def _confirmation_queue(signature: Signature) -> None:
    """Queue the confirmation e-mail in this transaction; its body is rendered when it is sent."""
    outgoing_email_queue(
        to=signature.email,
        subject=_confirmation_subject(signature),
        body_text="",  # confirmation_render, at sending time: the token is not stored
        purpose=CONFIRMATION_PURPOSE,
        object_type="signature",
        object_id=signature.pk,
    )


def confirmation_render(email: OutgoingEmail) -> tuple[str, str] | None:
    """(text, HTML) of a queued confirmation e-mail with the signature's current link; None when
    there is nothing to confirm any more (confirmed, voided or deleted meanwhile)."""
    signature = (
        Signature.objects.select_related("petition", "version").filter(pk=email.object_id).first()
        if email.object_id.isdigit()
        else None
    )
    if signature is None or signature.status != Signature.Status.UNCONFIRMED:
        return None
    token = _token_matching(signature)
    if token is None:
        return None
    petition = signature.petition
    with translation.override(signature.language):
        context = {
            "name": signature.name,
            "petition_title": signature.version.title() if signature.version else petition.title(),
            "url": confirmation_url(token=token, language=signature.language),
            "days": TOKEN_DAYS,
            "organisation": settings.ORGANISATION_NAME,
        }
        return (
            render_to_string("petitions/email/confirm.txt", context),
            render_to_string("petitions/email/confirm.html", context),
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
