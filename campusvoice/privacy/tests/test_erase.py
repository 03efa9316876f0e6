import pytest
from django.apps import apps
from django.db import connection, models
from django.db.models import Q

from campusvoice.accounts.models import AuditEvent
from campusvoice.conversations.models import Comment, OutboxAction
from campusvoice.conversations.search import comments_matching
from campusvoice.errors import ApplicationError
from campusvoice.petitions.models import OutgoingEmail, Signature, Story
from campusvoice.petitions.tests.factories import SignatureFactory
from campusvoice.privacy.services import person_erase
from campusvoice.privacy.tests.conftest import EMAIL, FAMILY, OTHER_EMAIL, PHONE, PHRASE, REPLY, SCOPED_ID
from campusvoice.supporters.emails import email_canonical
from campusvoice.supporters.models import MergeRecord, Person

pytestmark = pytest.mark.django_db

TEXT_FIELDS = (models.CharField, models.TextField, models.EmailField, models.JSONField)


def _hits(needle: str) -> list[str]:
    """Every row of every model, in any text or JSON column, that holds `needle` (any case)."""
    found = []
    for model in apps.get_models():
        columns = [f.name for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        if not columns:
            continue
        condition = Q()
        for column in columns:
            condition |= Q(**{f"{column}__icontains": needle})
        found += [
            f"{model._meta.label}:{pk}"
            for pk in model._base_manager.filter(condition).values_list("pk", flat=True)
        ]
    return found


def test_the_fixture_leaves_traces_to_find(subject):
    # Guards the test below: if the search found nothing before, it would prove nothing after.
    assert _hits(EMAIL) and _hits(OTHER_EMAIL) and _hits(PHRASE) and _hits(FAMILY) and _hits(PHONE)


def test_it_leaves_no_trace_of_the_person_in_any_table(subject, admin_user):
    person_erase(person=subject.person, by=admin_user, reason=f"asked by {EMAIL}")

    for needle in (EMAIL, OTHER_EMAIL, FAMILY, f"Giulia {FAMILY}", PHONE, PHRASE, REPLY, SCOPED_ID):
        assert _hits(needle) == [], needle
    assert comments_matching(Comment.objects.all(), query="lilacwhisperzebra").count() == 0


def test_it_drops_the_words_from_the_sqlite_search_index(subject, admin_user):
    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 table exists on SQLite only; PostgreSQL indexes the column itself")
    sql = "SELECT rowid FROM conversations_comment_fts WHERE conversations_comment_fts MATCH %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, ['"lilacwhisperzebra"'])
        assert [row[0] for row in cursor.fetchall()] == [subject.comment.pk]

    person_erase(person=subject.person, by=admin_user, reason="request")

    with connection.cursor() as cursor:
        cursor.execute(sql, ['"lilacwhisperzebra"'])
        assert cursor.fetchall() == []


def test_it_keeps_anonymous_rows_so_counts_stay_right(subject, admin_user):
    petition = subject.confirmed.petition
    person_erase(person=subject.person, by=admin_user, reason="request")

    confirmed = Signature.objects.get(pk=subject.confirmed.pk)
    assert confirmed.status == Signature.Status.CONFIRMED and confirmed.erased_at is not None
    assert (confirmed.email, confirmed.name, confirmed.ip_hash, confirmed.person_id) == ("", "", "", None)
    assert petition.signatures.filter(status=Signature.Status.CONFIRMED).count() == 1
    unconfirmed = Signature.objects.get(pk=subject.unconfirmed.pk)
    assert unconfirmed.erased_at is not None and unconfirmed.token_hash is None

    comment = Comment.objects.get(pk=subject.comment.pk)
    assert (comment.text, comment.author_name, comment.author_platform_id) == ("", "", "")
    assert Comment.objects.get(pk=subject.reply.pk).text == ""
    assert OutboxAction.objects.get(comment=comment).text == "[erased]"


def test_it_deletes_what_has_no_anonymous_use(subject, admin_user):
    person_erase(person=subject.person, by=admin_user, reason="request")

    assert not Person.objects.filter(pk__in=[subject.person.pk, subject.absorbed.pk]).exists()
    assert not Story.objects.filter(pk=subject.story.pk).exists()
    assert not OutgoingEmail.objects.exists()
    assert not MergeRecord.objects.exists()
    assert not subject.sent_letter.quoted_comments.exists()
    from campusvoice.integrations.meta.models import WebhookDelivery

    assert not WebhookDelivery.objects.exists()  # its body (binary) quoted her comment


def test_it_still_lets_the_same_address_sign_again(subject, admin_user):
    # Two erased rows share a blank address; the one-per-address rule covers live rows only.
    petition = subject.confirmed.petition
    SignatureFactory(petition=petition, email="someone.else@example.org")
    person_erase(person=subject.person, by=admin_user, reason="request")

    again = SignatureFactory(petition=petition, email=EMAIL)
    assert again.email_canonical == email_canonical(EMAIL)
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError, whichever database
        from django.db import transaction

        with transaction.atomic():
            SignatureFactory(petition=petition, email=EMAIL)


def test_it_audits_counts_and_no_personal_data(subject, admin_user):
    report = person_erase(person=subject.person, by=admin_user, reason=f"asked by {EMAIL} (Giulia {FAMILY})")

    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE, object_type="person")
    assert event.object_id == str(subject.person.pk)
    assert event.detail == report.as_counts()
    assert event.detail["signatures"] == 2 and event.detail["comments"] == 1 and event.detail["people"] == 2
    everything = " ".join(f"{e.summary} {e.detail} {e.actor_label}" for e in AuditEvent.objects.all())
    for needle in (EMAIL, FAMILY, PHRASE, REPLY):
        assert needle.lower() not in everything.lower()


def test_it_refuses_a_person_merged_into_someone_else(subject, admin_user):
    with pytest.raises(ApplicationError):
        person_erase(person=subject.absorbed, by=admin_user, reason="request")
    assert Person.objects.filter(pk=subject.absorbed.pk).exists()


def test_it_erases_a_person_with_nothing_else(admin_user):
    from campusvoice.supporters.tests.factories import PersonFactory

    person = PersonFactory()
    report = person_erase(person=person, by=admin_user, reason="request")
    assert report.people == 1 and not Person.objects.filter(pk=person.pk).exists()
