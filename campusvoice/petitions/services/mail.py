"""The durable outgoing-mail queue: queue in the caller's transaction, send after commit, retry.

Exactly-once within reason: a sender first claims a row (QUEUED → SENDING in one UPDATE), so the
task and the sweep never send the same message twice. A process that dies between claiming and
recording leaves the row SENDING; the sweep gives it back after CLAIM_TIMEOUT and it is sent again
(the one case of a possible duplicate: better than a lost confirmation).
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from campusvoice.errors import ApplicationError
from campusvoice.petitions.models import OutgoingEmail, OutgoingEmailAttachment

logger = logging.getLogger(__name__)

# Seconds before attempt 2, 3, …: about two days in all, well inside a token's 14 days.
RETRY_DELAYS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
CLAIM_TIMEOUT = timedelta(minutes=15)
# Messages queued with an empty body and rendered by this function (dotted path, called with the
# OutgoingEmail, returns (text, HTML) or None) each time they are sent: their body holds a secret
# the database must not keep in clear (a confirmation link).
RENDERED_AT_SENDING = {
    "signature_confirmation": "campusvoice.petitions.services.signatures.confirmation_render",
}
# Most mail servers refuse messages over 10-25 MB, and base64 adds a third.
MAX_ATTACHMENT_BYTES = 7 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


def outgoing_email_queue(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    purpose: str,
    object_type: str = "",
    object_id: str | int = "",
    attachments: Sequence[Attachment] = (),
) -> OutgoingEmail:
    """Queue one message in the current transaction; it is sent by a task after commit.

    `attachments` are stored with the message, so every retry sends the same bytes. Raises
    ApplicationError, queueing nothing, when they are empty, unnamed or too large together.
    """
    total = sum(len(a.content) for a in attachments)
    if total > MAX_ATTACHMENT_BYTES:
        raise ApplicationError(
            _("The attachments are too large to e-mail (%(mb).1f MB; at most %(max)s MB).")
            % {"mb": total / 1024 / 1024, "max": MAX_ATTACHMENT_BYTES // (1024 * 1024)}
        )
    for attachment in attachments:
        if not attachment.content or not attachment.filename.strip():
            raise ApplicationError(_("An attachment has no name or is empty."))
    email = OutgoingEmail.objects.create(
        to=to,
        subject=subject[:200],
        body_text=body_text,
        body_html=body_html,
        purpose=purpose,
        object_type=object_type,
        object_id=str(object_id),
        next_attempt_at=timezone.now(),
    )
    OutgoingEmailAttachment.objects.bulk_create(
        OutgoingEmailAttachment(
            email=email,
            filename=a.filename.strip()[:200],
            content_type=a.content_type[:100],
            content=a.content,
            size=len(a.content),
        )
        for a in attachments
    )
    if _enqueues_in_the_database() and transaction.get_connection().in_atomic_block:
        # The task's row joins the caller's transaction: the message, what it announces and its
        # send task commit together, in one COMMIT (django-tasks-db's enqueue is an INSERT).
        _send_enqueue(email.pk)
    else:
        # robust: the row is queued whatever happens; if the task queue is down (Redis with the
        # rq backend), the minute's sweep sends it, and the signer gets an answer, not a 500.
        transaction.on_commit(partial(_send_enqueue, email.pk), robust=True)
    return email


# Seconds during which one process sends at most one "send what is due" task instead of one task
# per message (settings.CAMPUSVOICE_MAIL_BATCH_SECONDS; 0: a task per message).
_last_batch = 0.0


def send_soon(email_id: int) -> None:
    """Have a message queued (and committed) just now sent within about a second.

    Under a rush of signatures one task per message would double the writes of the busiest form:
    each process instead enqueues at most one sweep per CAMPUSVOICE_MAIL_BATCH_SECONDS, run that
    long after the first message it is for, so it also finds every message committed meanwhile.
    Where tasks cannot be deferred (or batching is off) the message gets its own task. Either
    way the minute's sweep is the safety net: a lost enqueue delays a message, never loses it.
    """
    global _last_batch
    from campusvoice.petitions import tasks

    seconds = getattr(settings, "CAMPUSVOICE_MAIL_BATCH_SECONDS", 0)
    task = tasks.outgoing_emails_send_due
    if not seconds or not task.get_backend().supports_defer:
        _send_enqueue(email_id)
        return
    now = time.monotonic()
    if now - _last_batch < seconds:
        return  # the sweep this process enqueued runs after this message's commit
    task.using(run_after=timezone.now() + timedelta(seconds=seconds)).enqueue()
    _last_batch = now


def _enqueues_in_the_database() -> bool:
    from django_tasks_db import DatabaseBackend

    from campusvoice.petitions import tasks

    return isinstance(tasks.outgoing_email_send.get_backend(), DatabaseBackend)


def _send_enqueue(email_id: int, *, delay: int = 0) -> None:
    from campusvoice.petitions import tasks

    task = tasks.outgoing_email_send
    if delay:
        if not task.get_backend().supports_defer:
            return  # the sweep will pick it up when it is due
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    task.enqueue(email_id)


def _describe(exc: Exception) -> str:
    """The error's type and SMTP code, never its message: SMTP errors quote addresses."""
    code = getattr(exc, "smtp_code", None)
    if code is None and isinstance(getattr(exc, "recipients", None), dict):
        codes = sorted({str(v[0]) for v in exc.recipients.values() if isinstance(v, tuple) and v})
        code = ",".join(codes) or None
    return f"{type(exc).__name__}" + (f" (SMTP {code})" if code else "")


def outgoing_email_send(*, email_id: int, now=None) -> OutgoingEmail | None:
    """Send one queued message if it is due; idempotent (sent, failed or claimed rows are left alone).

    On failure the message goes back to the queue with the next delay from RETRY_DELAYS; after
    MAX_ATTEMPTS it is FAILED.
    """
    now = now or timezone.now()
    claimed = OutgoingEmail.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=email_id,
        status=OutgoingEmail.Status.QUEUED,
    ).update(status=OutgoingEmail.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return OutgoingEmail.objects.filter(pk=email_id).first()
    email = OutgoingEmail.objects.get(pk=email_id)
    body_text, body_html = email.body_text, email.body_html
    if email.purpose in RENDERED_AT_SENDING and not body_text:
        rendered = import_string(RENDERED_AT_SENDING[email.purpose])(email)
        if rendered is None:  # nothing to say any more (a signature confirmed or voided meanwhile)
            email.status, email.last_error = OutgoingEmail.Status.FAILED, "not needed any more"
            email.save(update_fields=["status", "last_error"])
            return email
        body_text, body_html = rendered  # sent, never stored: it holds a link's token
    message = EmailMultiAlternatives(
        subject=email.subject, body=body_text, from_email=settings.DEFAULT_FROM_EMAIL, to=[email.to]
    )
    if body_html:
        message.attach_alternative(body_html, "text/html")
    attachments = list(email.attachments.all())
    for attachment in attachments:
        message.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    try:
        mailers.default.send_messages([message])
    except Exception as exc:  # noqa: BLE001 - any failure of the mail server means "try again later"
        return _failed(email, _describe(exc), now=now)
    email.status, email.sent_at, email.last_error = OutgoingEmail.Status.SENT, timezone.now(), ""
    email.save(update_fields=["status", "sent_at", "last_error"])
    if attachments:
        # Sent: the bytes are no longer needed here (the name and size stay as a record).
        email.attachments.update(content=b"")
    logger.info("outgoing email %s (%s) sent after %s attempts", email.pk, email.purpose, email.attempts)
    return email


def _failed(email: OutgoingEmail, error: str, *, now) -> OutgoingEmail:
    email.last_error = error[:200]
    if email.attempts >= MAX_ATTEMPTS:
        email.status = OutgoingEmail.Status.FAILED
        logger.error(
            "outgoing email %s failed for good after %s attempts: %s", email.pk, email.attempts, error
        )
    else:
        delay = RETRY_DELAYS[email.attempts - 1]
        email.status = OutgoingEmail.Status.QUEUED
        email.next_attempt_at = now + timedelta(seconds=delay)
        transaction.on_commit(partial(_send_enqueue, email.pk, delay=delay), robust=True)
        logger.warning(
            "outgoing email %s failed (attempt %s): %s; retry in %ss", email.pk, email.attempts, error, delay
        )
    email.save(update_fields=["status", "last_error", "next_attempt_at"])
    return email


def outgoing_emails_send_due(*, now=None, limit: int = 500) -> dict[str, int]:
    """The sweep: give back stale claims, then send every queued message that is due.

    Run it every few minutes (`campusvoice petitions send-mail`, or the task of the same name).
    """
    now = now or timezone.now()
    reclaimed = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
    ).update(status=OutgoingEmail.Status.QUEUED, next_attempt_at=now)
    due = list(
        OutgoingEmail.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), status=OutgoingEmail.Status.QUEUED
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"reclaimed": reclaimed, "due": len(due), "sent": 0, "failed": 0}
    for email_id in due:
        email = outgoing_email_send(email_id=email_id, now=now)
        if email is not None and email.status == OutgoingEmail.Status.SENT:
            counts["sent"] += 1
        else:
            counts["failed"] += 1
    return counts
