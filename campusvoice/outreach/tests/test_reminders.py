"""Overdue next steps e-mailed to their owners: one digest per owner per day, in their language."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from campusvoice.accounts.models import Role, User
from campusvoice.campuses.models import Contact
from campusvoice.campuses.tests.factories import CampusGroupFactory, ContactFactory
from campusvoice.outreach import tasks
from campusvoice.outreach.models import Relationship, Stage
from campusvoice.outreach.services.relationships import relationship_reminders_send
from campusvoice.outreach.tests.factories import RelationshipFactory
from campusvoice.petitions.models import OutgoingEmail

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 4, 10)


def _overdue(owner, *, days=3, **kw):
    kw.setdefault("next_step", "Call them")
    return RelationshipFactory(owner=owner, due_on=TODAY - dt.timedelta(days=days), **kw)


def test_each_owner_gets_one_digest_listing_all_their_overdue_steps(
    organiser, admin_user, django_capture_on_commit_callbacks
):
    _overdue(organiser, group=CampusGroupFactory(name="Consent Club"))
    _overdue(organiser, days=1, next_step="Send the posters")
    _overdue(admin_user)
    RelationshipFactory(owner=organiser, due_on=TODAY)  # due today: not late yet
    _overdue(organiser, stage=Stage.PARTNER)  # closed: nothing waits on us
    _overdue(None)  # nobody to tell

    with django_capture_on_commit_callbacks(execute=True):
        counts = relationship_reminders_send(today=TODAY)

    assert counts == {"owners": 2, "queued": 2, "already_sent": 0, "skipped_owners": 0, "unowned": 1}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([organiser.email, admin_user.email])
    digest = next(m for m in mail.outbox if m.to == [organiser.email])
    assert digest.subject == "2 overdue next steps"
    assert "Consent Club" in digest.body and "Call them" in digest.body and "(3 days late)" in digest.body
    assert "(1 day late)" in digest.body
    relationship = Relationship.objects.filter(owner=organiser, next_step="Send the posters").get()
    assert f"/outreach/relationships/{relationship.pk}/" in digest.body
    assert OutgoingEmail.objects.filter(purpose="relationship_reminders").count() == 2


def test_running_again_the_same_day_sends_nothing_more_and_the_next_day_sends_again(
    organiser, django_capture_on_commit_callbacks
):
    _overdue(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        relationship_reminders_send(today=TODAY)
        again = relationship_reminders_send(today=TODAY)
    assert again["queued"] == 0 and again["already_sent"] == 1
    assert len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        relationship_reminders_send(today=TODAY + dt.timedelta(days=1))
    assert len(mail.outbox) == 2


def test_the_digest_is_in_the_owners_language(organiser, django_capture_on_commit_callbacks):
    organiser.language = "it"
    organiser.save()
    contact = ContactFactory(role=Contact.Role.TITLE_IX, title="", name="Maria Verdi")
    _overdue(organiser, group=None, contact=contact, university=contact.university)

    with django_capture_on_commit_callbacks(execute=True):
        relationship_reminders_send(today=TODAY)

    [message] = mail.outbox
    assert "Maria Verdi" not in message.body  # the role and the campus, never the person's name
    assert contact.university.name in message.body
    # Italian where the catalogue has it; at least the date is written the Italian way.
    assert "10 aprile 2026" not in message.body and "7 aprile 2026" in message.body.lower()


def test_inactive_owners_and_owners_without_outreach_rights_get_nothing(django_capture_on_commit_callbacks):
    gone = User.objects.create_user("gone@example.org", "x", role=Role.ORGANISER, is_active=False)
    analyst = User.objects.create_user("ann@example.org", "x", role=Role.ANALYST)
    _overdue(gone)
    _overdue(analyst)

    with django_capture_on_commit_callbacks(execute=True):
        counts = relationship_reminders_send(today=TODAY)

    assert counts["skipped_owners"] == 2 and counts["queued"] == 0
    assert mail.outbox == []


def test_the_task_sends_todays_digest(organiser, django_capture_on_commit_callbacks):
    _overdue(organiser)
    with (
        time_machine.travel(dt.datetime(2026, 4, 10, 9, tzinfo=dt.UTC)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.relationship_reminders_send.enqueue()
        tasks.relationship_reminders_send.enqueue()

    assert [m.to for m in mail.outbox] == [[organiser.email]]
