"""Subject access, erasure and retention: what the law lets a person ask of us, and what we
promise to forget on our own.

Erasure keeps only what counts: a signature row without anything personal (so a petition's
totals stay right), a comment row without text or author (so the inbox's figures do), the audit
event that says an erasure happened, by whom, with counts. Everything else goes.
"""

import csv
import io
import json
import logging
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.conversations.models import Comment, OutboxAction
from campusvoice.conversations.services.tombstones import tombstones_record
from campusvoice.petitions.models import OutgoingEmail, OutgoingEmailAttachment, Signature
from campusvoice.privacy.selectors import Footprint, person_footprint
from campusvoice.supporters.models import ConsentRecord, EngagementEvent, Person, SavedList
from campusvoice.supporters.spreadsheets import cell_safe

logger = logging.getLogger(__name__)

# What an erased reply's text becomes: a reply must have text (outbox_reply_has_text).
ERASED = "[erased]"
# Never exported: secrets that prove a link, not data about the person.
_SECRET_FIELDS = {"token_hash", "withdrawal_token_hash", "token_encrypted", "idempotency_key"}


# --- subject-access export ---


def _row(obj: models.Model, *, exclude: set[str] = frozenset()) -> dict:
    """Every concrete field of the row by its column name (foreign keys as ids)."""
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in _SECRET_FIELDS and f.name not in exclude
    }


def person_export_data(*, footprint: Footprint) -> dict[str, list[dict]]:
    """The person's data as tables (name → rows), the content of the export."""
    people = Person.objects.filter(pk__in=footprint.people_ids).order_by("pk")
    tags = [
        {"person_id": person.pk, "tag": tag.name}
        for person in people.prefetch_related("tags")
        for tag in person.tags.all()
    ]
    merges = [_row(m, exclude={"moved"}) for m in footprint.merge_records()]
    return {
        "person": [_row(p) for p in people],
        "emails": [_row(e) for e in footprint.emails()],
        "phones": [_row(p) for p in footprint.phones()],
        "identities": [_row(i) for i in footprint.platform_identities()],
        "tags": tags,
        "consents": [_row(c) for c in footprint.consents()],
        "events": [_row(e) for e in footprint.events()],
        "signatures": [_row(s) for s in footprint.signatures()],
        "stories": [_row(s) for s in footprint.stories()],
        # Comment text is theirs: it is in the export. Triage scores are ours, and are not.
        "comments": [
            _row(c, exclude={"scores", "model_flags", "model_version", "assignee"})
            for c in footprint.comments()
        ],
        "replies": [
            _row(c, exclude={"scores", "model_flags", "model_version", "assignee"})
            for c in footprint.replies()
        ]
        + [
            {"comment_id": a.comment_id, "status": a.status, "text": a.text, "requested_at": a.requested_at}
            for a in footprint.outbox_replies()
        ],
        "merges": merges,
    }


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    if rows:
        columns = list(dict.fromkeys(key for row in rows for key in row))
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    # A commenter's text opened in a spreadsheet must not run as a formula.
                    key: cell_safe(
                        json.dumps(value, cls=DjangoJSONEncoder) if isinstance(value, dict | list) else value
                    )
                    for key, value in row.items()
                }
            )
    return out.getvalue()


def person_export(*, person: Person, by: User | None) -> bytes:
    """A ZIP of everything about this person: `person.json` with every table, and one CSV each.

    Audited (export, person). Raises ApplicationError for a person merged into someone else.
    """
    footprint = person_footprint(person=person)
    data = person_export_data(footprint=footprint)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "person.json",
            json.dumps(
                {"exported_at": timezone.now(), "person_id": footprint.person.pk, **data},
                cls=DjangoJSONEncoder,
                ensure_ascii=False,
                indent=2,
            ),
        )
        for name, rows in data.items():
            archive.writestr(f"{name}.csv", _csv(rows))
    audit_record(
        actor=by,
        action=AuditEvent.Action.EXPORT,
        object_type="person",
        object_id=footprint.person.pk,
        summary="subject access export",
        detail={name: len(rows) for name, rows in data.items()},
    )
    return buffer.getvalue()


# --- erasure ---


@dataclass
class ErasureReport:
    person_id: int
    people: int = 0
    emails: int = 0
    phones: int = 0
    identities: int = 0
    consents: int = 0
    events: int = 0
    tags: int = 0
    merge_records: int = 0
    signatures: int = 0
    comments: int = 0
    replies: int = 0
    stories: int = 0
    outgoing_emails: int = 0
    letters: int = 0
    saved_lists: int = 0
    webhook_deliveries: int = 0
    tombstones: int = 0
    counts: dict = field(default_factory=dict)

    def as_counts(self) -> dict[str, int]:
        return {key: value for key, value in asdict(self).items() if key not in ("person_id", "counts")}


def signatures_erase(*, signatures: models.QuerySet) -> int:
    """Blank everything personal on these signatures; the rows stay (status, petition, campus,
    attribution) so that totals stay right. Their queued confirmation e-mails go too."""
    ids = list(signatures.filter(erased_at__isnull=True).values_list("pk", flat=True))
    if not ids:
        return 0
    OutgoingEmail.objects.filter(object_type="signature", object_id__in=[str(pk) for pk in ids]).delete()
    # update(): the blank address would not pass full_clean, and that is the point.
    return Signature.objects.filter(pk__in=ids).update(
        email="",
        email_canonical="",
        name="",
        person=None,
        token_hash=None,
        token_expires_at=None,
        ip_hash="",
        user_agent_family="",
        void_reason="",
        erased_at=timezone.now(),
    )


def _letters_unquote(comment_ids: list[int], quotes: list[str]) -> int:
    """Take these comments out of every letter that quotes them; re-render what was not sent."""
    from campusvoice.outreach.models import Letter
    from campusvoice.outreach.services.letters import letter_render

    through = Letter.quoted_comments.through
    letter_ids = set(through.objects.filter(comment_id__in=comment_ids).values_list("letter_id", flat=True))
    through.objects.filter(comment_id__in=comment_ids).delete()
    for letter in Letter.objects.filter(pk__in=letter_ids):
        if letter.status == Letter.Status.SENT:
            # What was sent stays as sent, but without their words.
            for quote in quotes:
                letter.body = letter.body.replace(quote, ERASED)
            letter.save(update_fields=["body", "updated_at"])
        else:
            letter_render(letter=letter)
    return len(letter_ids)


def _scrub(value, needles: set[str]):
    """`value` (any JSON) with every string that contains one of `needles` emptied."""
    if isinstance(value, dict):
        return {key: _scrub(item, needles) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, needles) for item in value]
    if isinstance(value, str) and any(needle in value.lower() for needle in needles):
        return ""
    return value


def _saved_lists_scrub(needles: set[str]) -> int:
    changed = 0
    for saved in SavedList.objects.all():
        scrubbed = _scrub(saved.filters, needles)
        if scrubbed != saved.filters:
            saved.filters = scrubbed
            saved.save(update_fields=["filters", "updated_at"])
            changed += 1
    return changed


def _webhook_deliveries_forget(scoped_ids: list[str]) -> int:
    """Delete processed webhook bodies that carry one of these authors' comments.

    Pending ones stay: deleting them would lose other people's comments, and they are applied
    (then purged) within minutes.
    """
    from campusvoice.integrations.meta.models import WebhookDelivery

    if not scoped_ids:
        return 0
    needles = [f'"{scoped_id}"'.encode() for scoped_id in scoped_ids]
    doomed = [
        pk
        for pk, body in WebhookDelivery.objects.exclude(status=WebhookDelivery.Status.PENDING)
        .values_list("pk", "body")
        .iterator()
        if any(needle in bytes(body) for needle in needles)
    ]
    WebhookDelivery.objects.filter(pk__in=doomed).delete()
    return len(doomed)


def _reason_scrub(reason: str, footprint: Footprint) -> str:
    """The reason as typed, minus the person's own addresses and names (it goes in the audit log)."""
    for needle in sorted(footprint.addresses | footprint.names, key=len, reverse=True):
        if len(needle) >= 3:
            reason = _replace_ci(reason, needle, "…")
    return reason.strip()[:200]


def _replace_ci(text: str, needle: str, replacement: str) -> str:
    import re

    return re.sub(re.escape(needle), replacement, text, flags=re.IGNORECASE)


@transaction.atomic
def person_erase(*, person: Person, by: User | None, reason: str) -> ErasureReport:
    """Remove this person (and everyone merged into them) from every table, export and index.

    Deletes their addresses, phones, identities, consents, events, tag links, merge records and
    stories; keeps their signatures and comments as anonymous rows (counted, nothing personal);
    blanks the replies to them; deletes e-mail to their addresses and processed webhook bodies
    that carry their comments; takes their comments out of letters. Leaves tombstones (keyed
    hashes of their platform ids and of their comments' and our replies' ids) so that no later
    sync, webhook or file import brings those comments back. The comment search index is
    kept in step by the database (FTS5 triggers on SQLite, an expression index on PostgreSQL).
    Audited (delete, person) with counts only. Raises ApplicationError for a merged person.
    """
    footprint = person_footprint(person=person)
    footprint.names |= {name for name in footprint.signatures().values_list("name", flat=True) if name}
    report = ErasureReport(person_id=footprint.person.pk)

    comments = list(footprint.comments().values_list("pk", "text", "platform_id", "author_platform_id"))
    comment_ids = [row[0] for row in comments]
    quotes = [row[1].strip()[:280] for row in comments if row[1].strip()]
    report.letters = _letters_unquote(comment_ids, quotes)
    replies = list(footprint.replies().values_list("pk", flat=True))
    report.tombstones = tombstones_record(
        author_ids=[scoped for _platform, scoped in footprint.identities] + [row[3] for row in comments],
        comment_ids=[row[2] for row in comments]
        + list(footprint.replies().values_list("platform_id", flat=True)),
    )
    report.replies = Comment.objects.filter(pk__in=replies).update(text="", author_name="")
    outbox = OutboxAction.objects.filter(comment_id__in=comment_ids)
    # A reply not yet sent is not sent at all now; a sent one keeps its row without its words.
    outbox.filter(status=OutboxAction.Status.PENDING).delete()
    report.replies += outbox.filter(kind=OutboxAction.Kind.REPLY).update(text=ERASED, error="")
    outbox.exclude(kind=OutboxAction.Kind.REPLY).update(text="", error="")
    # Updating `text` fires the FTS5 update trigger, which drops the old words from the index.
    report.comments = Comment.objects.filter(pk__in=comment_ids).update(
        text="", author_name="", author_platform_id=""
    )

    report.signatures = signatures_erase(signatures=footprint.signatures())
    report.stories = footprint.stories().delete()[0]
    # delete() counts the attachments it cascades to as well: count the messages only.
    report.outgoing_emails = footprint.outgoing_emails().delete()[1].get("petitions.OutgoingEmail", 0)
    report.webhook_deliveries = _webhook_deliveries_forget(
        [scoped for _platform, scoped in footprint.identities]
    )
    report.saved_lists = _saved_lists_scrub(
        {needle.lower() for needle in footprint.addresses | {n for n in footprint.names if " " in n}}
    )

    report.merge_records = footprint.merge_records().count()
    report.tags = Person.tags.through.objects.filter(person_id__in=footprint.people_ids).count()
    _deleted, per_model = Person.objects.filter(pk__in=footprint.people_ids).delete()
    report.people = per_model.get("supporters.Person", 0)
    report.emails = per_model.get("supporters.EmailAddress", 0)
    report.phones = per_model.get("supporters.Phone", 0)
    report.identities = per_model.get("supporters.PlatformIdentity", 0)
    report.consents = per_model.get("supporters.ConsentRecord", 0)
    report.events = per_model.get("supporters.EngagementEvent", 0)

    audit_record(
        actor=by,
        action=AuditEvent.Action.DELETE,
        object_type="person",
        object_id=report.person_id,
        summary=_reason_scrub(reason, footprint),
        detail=report.as_counts(),
    )
    # Ids and counts only.
    logger.info("person %s erased: %s", report.person_id, report.as_counts())
    return report


# --- retention ---


@dataclass
class RetentionReport:
    dry_run: bool
    unconfirmed_signatures: int = 0
    inactive_people: int = 0
    sent_email_bodies: int = 0
    webhook_bodies: int = 0

    def as_counts(self) -> dict[str, int]:
        return {key: value for key, value in asdict(self).items() if key != "dry_run"}


def _unconfirmed_signatures(now) -> models.QuerySet[Signature]:
    days = getattr(settings, "CAMPUSVOICE_RETENTION_UNCONFIRMED_DAYS", 30)
    return Signature.objects.filter(
        status=Signature.Status.UNCONFIRMED,
        erased_at__isnull=True,
        created_at__lt=now - timedelta(days=days),
    )


def _inactive_people(now) -> models.QuerySet[Person]:
    """People (not merged away) with no event, confirmed signature or consent in M months."""
    months = getattr(settings, "CAMPUSVOICE_RETENTION_INACTIVE_MONTHS", 24)
    cutoff = now - timedelta(days=round(months * 30.44))
    recent_event = EngagementEvent.objects.filter(person=OuterRef("pk"), at__gte=cutoff)
    recent_signature = Signature.objects.filter(
        person=OuterRef("pk"), status=Signature.Status.CONFIRMED, confirmed_at__gte=cutoff
    )
    recent_consent = ConsentRecord.objects.filter(person=OuterRef("pk"), at__gte=cutoff)
    return Person.objects.filter(merged_into__isnull=True, created_at__lt=cutoff).filter(
        ~Exists(recent_event), ~Exists(recent_signature), ~Exists(recent_consent)
    )


def _finished_emails_all(now) -> models.QuerySet[OutgoingEmail]:
    """Sent more than 7 days ago, or given up on (failed) and queued more than 7 days ago."""
    cutoff = now - timedelta(days=7)
    return OutgoingEmail.objects.filter(
        Q(status=OutgoingEmail.Status.SENT, sent_at__lt=cutoff)
        | Q(status=OutgoingEmail.Status.FAILED, created_at__lt=cutoff)
    )


def _sent_emails(now) -> models.QuerySet[OutgoingEmail]:
    return _finished_emails_all(now).exclude(Q(body_text="") & Q(body_html=""))


def _processed_webhooks(now) -> models.QuerySet:
    from campusvoice.integrations.meta.models import WebhookDelivery
    from campusvoice.integrations.meta.webhooks import KEEP_PROCESSED

    return WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.DONE, processed_at__lt=now - KEEP_PROCESSED
    )


def retention_run(*, dry_run: bool = False, now=None) -> RetentionReport:
    """Apply the retention rules, or with `dry_run` only count what they would remove.

    - unconfirmed signatures older than CAMPUSVOICE_RETENTION_UNCONFIRMED_DAYS: erased;
    - people inactive for CAMPUSVOICE_RETENTION_INACTIVE_MONTHS (no event, confirmed signature
      or consent since): erased, as `person_erase` does;
    - bodies and attached files of e-mail sent (or failed for good) more than 7 days ago: blanked;
    - processed Meta webhook bodies: purged by the Meta integration's own sweep.
    """
    now = now or timezone.now()
    report = RetentionReport(
        dry_run=dry_run,
        unconfirmed_signatures=_unconfirmed_signatures(now).count(),
        inactive_people=_inactive_people(now).count(),
        sent_email_bodies=_sent_emails(now).count(),
        webhook_bodies=_processed_webhooks(now).count(),
    )
    if dry_run:
        return report
    with transaction.atomic():
        report.unconfirmed_signatures = signatures_erase(signatures=_unconfirmed_signatures(now))
    erased = 0
    for person in _inactive_people(now).order_by("pk").iterator():
        # One transaction per person: a failure leaves the others done.
        person_erase(person=person, by=None, reason="retention: inactive")
        erased += 1
    report.inactive_people = erased
    report.sent_email_bodies = _sent_emails(now).update(body_text="", body_html="")
    # A failed letter keeps its PDF until here; a sent one lost it when it was sent.
    OutgoingEmailAttachment.objects.filter(email__in=_finished_emails_all(now)).update(content=b"")
    from campusvoice.integrations.meta.webhooks import webhook_deliveries_sweep

    webhook_deliveries_sweep()
    audit_record(
        actor=None,
        action=AuditEvent.Action.DELETE,
        object_type="retention",
        summary="retention rules applied",
        detail=report.as_counts(),
    )
    logger.info("retention applied: %s", report.as_counts())
    return report
