import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from campusvoice.petitions.models import OutgoingEmail, Signature
from campusvoice.petitions.tests.factories import OutgoingEmailFactory, SignatureFactory
from campusvoice.privacy import tasks
from campusvoice.privacy.services import retention_run
from campusvoice.supporters.models import Person
from campusvoice.supporters.tests.factories import ConsentRecordFactory, EngagementEventFactory, PersonFactory

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(days=800)


def _old(factory, **kwargs):
    with time_machine.travel(LONG_AGO, tick=False):
        return factory(**kwargs)


@pytest.fixture
def old_things(db):
    stale_signature = _old(SignatureFactory, email="stale@example.org")
    fresh_signature = SignatureFactory(email="fresh@example.org")
    inactive = _old(PersonFactory)
    _old(EngagementEventFactory, person=inactive, at=LONG_AGO)
    active = _old(PersonFactory)
    EngagementEventFactory(person=active)
    consenting = _old(PersonFactory)
    ConsentRecordFactory(person=consenting)
    sent = OutgoingEmailFactory(status=OutgoingEmail.Status.SENT, sent_at=LONG_AGO, body_html="<p>Hi</p>")
    recent = OutgoingEmailFactory(status=OutgoingEmail.Status.SENT, sent_at=timezone.now())
    return locals()


def test_the_dry_run_counts_and_changes_nothing(old_things):
    report = retention_run(dry_run=True)

    assert report.as_counts() == {
        "unconfirmed_signatures": 1,
        "inactive_people": 1,
        "sent_email_bodies": 1,
        "webhook_bodies": 0,
    }
    assert Signature.objects.filter(erased_at__isnull=False).count() == 0
    assert Person.objects.count() == 3


def test_it_erases_stale_signatures_and_inactive_people_and_blanks_old_mail(old_things):
    retention_run()

    stale = Signature.objects.get(pk=old_things["stale_signature"].pk)
    assert stale.erased_at is not None and stale.email == ""
    assert Signature.objects.get(pk=old_things["fresh_signature"].pk).erased_at is None
    assert set(Person.objects.values_list("pk", flat=True)) == {
        old_things["active"].pk,
        old_things["consenting"].pk,
    }
    sent = OutgoingEmail.objects.get(pk=old_things["sent"].pk)
    assert (sent.body_text, sent.body_html) == ("", "")
    assert OutgoingEmail.objects.get(pk=old_things["recent"].pk).body_text != ""
    assert retention_run(dry_run=True).as_counts() == dict.fromkeys(
        ("unconfirmed_signatures", "inactive_people", "sent_email_bodies", "webhook_bodies"), 0
    )


def test_it_purges_processed_webhook_bodies_through_the_meta_sweep(db):
    from campusvoice.integrations.meta.models import WebhookDelivery

    WebhookDelivery.objects.create(body_sha256="e" * 64, body=b"{}", status="done", processed_at=LONG_AGO)
    assert retention_run(dry_run=True).webhook_bodies == 1
    retention_run()
    assert not WebhookDelivery.objects.exists()


def test_the_task_applies_the_rules(old_things, settings):
    settings.CAMPUSVOICE_RETENTION_UNCONFIRMED_DAYS = 1000
    tasks.retention_run.enqueue()  # ImmediateBackend in tests

    assert Signature.objects.get(pk=old_things["stale_signature"].pk).erased_at is None
    assert not Person.objects.filter(pk=old_things["inactive"].pk).exists()


def test_it_blanks_the_files_of_mail_that_failed_for_good_a_week_ago(db):
    from campusvoice.petitions.models import OutgoingEmailAttachment

    failed = _old(OutgoingEmailFactory, status=OutgoingEmail.Status.FAILED, body_text="Dear Rector")
    pdf = OutgoingEmailAttachment.objects.create(
        email=failed, filename="letter.pdf", content_type="application/pdf", content=b"%PDF-1.7 x", size=10
    )
    queued = OutgoingEmailFactory(status=OutgoingEmail.Status.QUEUED)
    waiting = OutgoingEmailAttachment.objects.create(
        email=queued, filename="letter.pdf", content_type="application/pdf", content=b"%PDF-1.7 y", size=10
    )

    assert retention_run(dry_run=True).sent_email_bodies == 1
    retention_run()

    pdf.refresh_from_db()
    waiting.refresh_from_db()
    assert bytes(pdf.content) == b"" and pdf.filename == "letter.pdf"
    assert OutgoingEmail.objects.get(pk=failed.pk).body_text == ""
    assert bytes(waiting.content) == b"%PDF-1.7 y"  # still to be sent: untouched
