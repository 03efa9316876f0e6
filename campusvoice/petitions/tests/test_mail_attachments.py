"""Attachments on the outgoing-mail queue, against a real SMTP server (aiosmtpd on a free port)."""

import datetime as dt
from email import message_from_bytes, policy

import pytest
import time_machine
from django.db import transaction

from campusvoice.errors import ApplicationError
from campusvoice.petitions.models import OutgoingEmail, OutgoingEmailAttachment
from campusvoice.petitions.services import mail

# On-commit sending needs real commits.
pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def _queue(**kwargs):
    with transaction.atomic():
        return mail.outgoing_email_queue(
            to="rector@campus.example.edu",
            subject="Our letter",
            body_text="Please find our letter attached.",
            purpose="outreach_letter",
            attachments=[mail.Attachment("letter.pdf", PDF, "application/pdf")],
            **kwargs,
        )


def _pdf_parts(envelope) -> list:
    message = message_from_bytes(envelope.content, policy=policy.default)
    return [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]


def test_the_attachment_arrives_as_a_pdf_part_with_the_same_bytes(smtp_server):
    email = _queue()

    assert len(smtp_server.messages) == 1
    [part] = _pdf_parts(smtp_server.messages[0])
    assert part.get_filename() == "letter.pdf"
    assert part.get_content() == PDF
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT


def test_a_retry_after_an_outage_sends_the_same_attachment(smtp_server):
    smtp_server.stop()
    email = _queue()
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.QUEUED and email.attempts == 1

    smtp_server.start()
    with time_machine.travel(email.next_attempt_at + dt.timedelta(seconds=1)):
        mail.outgoing_emails_send_due()

    [part] = _pdf_parts(smtp_server.messages[0])
    assert part.get_content() == PDF
    assert len(smtp_server.messages) == 1


def test_once_sent_the_bytes_are_dropped_and_the_name_and_size_stay(smtp_server):
    email = _queue()

    attachment = OutgoingEmailAttachment.objects.get(email=email)
    assert bytes(attachment.content) == b""
    assert (attachment.filename, attachment.size) == ("letter.pdf", len(PDF))


def test_too_large_or_empty_attachments_are_refused_and_nothing_is_queued(monkeypatch):
    monkeypatch.setattr(mail, "MAX_ATTACHMENT_BYTES", 1000)
    with pytest.raises(ApplicationError, match="too large"):
        _queue()
    with pytest.raises(ApplicationError, match="no name or is empty"):
        mail.outgoing_email_queue(
            to="a@example.org",
            subject="s",
            body_text="t",
            purpose="p",
            attachments=[mail.Attachment("empty.pdf", b"", "application/pdf")],
        )

    assert not OutgoingEmail.objects.exists()
    assert not OutgoingEmailAttachment.objects.exists()


def test_deleting_a_queued_message_deletes_its_attachment(smtp_server):
    smtp_server.stop()
    email = _queue()

    OutgoingEmail.objects.filter(pk=email.pk).delete()  # what erasure does to a person's mail

    assert not OutgoingEmailAttachment.objects.exists()
