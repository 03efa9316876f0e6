"""The outgoing-mail queue against a real SMTP server (aiosmtpd on a free port)."""

import datetime as dt
from email import message_from_bytes

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from campusvoice.petitions.models import OutgoingEmail, Signature
from campusvoice.petitions.services import mail
from campusvoice.petitions.services.signatures import signature_submit
from campusvoice.petitions.tests.factories import OutgoingEmailFactory, PetitionFactory

# On-commit sending needs real commits.
pytestmark = pytest.mark.django_db(transaction=True)


def _submit(petition, email="anna@example.org"):
    return signature_submit(
        petition=petition, version=None, name="Anna Rossi", email=email, contact_ok=False, language="en"
    )


def test_a_signature_sends_its_confirmation_through_smtp_after_commit(smtp_server):
    _submit(PetitionFactory())

    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["anna@example.org"]
    message = message_from_bytes(envelope.content)
    assert message["Subject"].startswith("Please confirm your signature")
    assert message.is_multipart()  # text and HTML
    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts, email.object_id) == (
        OutgoingEmail.Status.SENT,
        1,
        str(Signature.objects.get().pk),
    )


def test_an_smtp_outage_delays_the_confirmation_and_recovery_sends_it_exactly_once(smtp_server):
    smtp_server.stop()

    _submit(PetitionFactory())

    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.QUEUED and email.attempts == 1
    assert email.last_error and "anna" not in email.last_error and "example.org" not in email.last_error
    assert email.next_attempt_at > timezone.now()
    assert Signature.objects.get().status == Signature.Status.UNCONFIRMED  # the signature was kept

    # Still down at the next sweep: another attempt, later again.
    with time_machine.travel(email.next_attempt_at + dt.timedelta(seconds=1)):
        call_command("petitions", "send-mail")
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.QUEUED, 2)

    smtp_server.start()
    call_command("petitions", "send-mail")  # not due yet: nothing happens
    assert smtp_server.messages == []
    with time_machine.travel(email.next_attempt_at + dt.timedelta(seconds=1)):
        call_command("petitions", "send-mail")
        call_command("petitions", "send-mail")
        mail.outgoing_email_send(email_id=email.pk)

    assert len(smtp_server.messages) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.SENT, 3)


def test_a_claimed_message_is_not_sent_twice_and_a_stale_claim_is_given_back(smtp_server):
    email = OutgoingEmailFactory(status=OutgoingEmail.Status.SENDING, claimed_at=timezone.now(), attempts=1)

    assert mail.outgoing_emails_send_due()["due"] == 0
    assert smtp_server.messages == []

    OutgoingEmail.objects.filter(pk=email.pk).update(claimed_at=timezone.now() - dt.timedelta(hours=1))
    counts = mail.outgoing_emails_send_due()

    assert counts["reclaimed"] == 1 and counts["sent"] == 1
    assert len(smtp_server.messages) == 1


def test_a_message_fails_for_good_after_the_last_attempt(smtp_server):
    smtp_server.stop()
    email = OutgoingEmailFactory(attempts=mail.MAX_ATTEMPTS - 1, next_attempt_at=timezone.now())

    mail.outgoing_email_send(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED and email.attempts == mail.MAX_ATTEMPTS


@override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}})
def test_the_command_says_what_it_did(capsys):
    OutgoingEmailFactory(next_attempt_at=timezone.now())

    call_command("petitions", "send-mail")

    assert "1 due: 1 sent" in capsys.readouterr().out
