import pytest
from django.utils import timezone

from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.conversations.models import Channel
from campusvoice.conversations.tests.factories import ChannelFactory, CommentFactory, PostFactory
from campusvoice.errors import ApplicationError
from campusvoice.petitions.tests.factories import SignatureFactory
from campusvoice.supporters import services
from campusvoice.supporters.models import (
    EmailAddress,
    EngagementEvent,
    MergeRecord,
    MergeSuggestion,
    Person,
    PlatformIdentity,
)
from campusvoice.supporters.tests.factories import (
    ConsentRecordFactory,
    EmailAddressFactory,
    EngagementEventFactory,
    MergeSuggestionFactory,
    PersonFactory,
    PhoneFactory,
    PlatformIdentityFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

K = EngagementEvent.Kind


def test_a_commenter_becomes_a_person_with_an_event_per_thing_they_did(django_capture_on_commit_callbacks):
    campus = UniversityFactory()
    post = PostFactory(channel=ChannelFactory(kind=Channel.Kind.INSTAGRAM))
    post.universities.add(campus)
    comment = CommentFactory(post=post, on_topic=True, question=True, first_reply_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        person = services.person_from_commenter(comment=comment)

    identity = person.identities.get()
    assert (identity.platform, identity.scoped_id, identity.display_name) == (
        "instagram",
        comment.author_platform_id,
        "Test Commenter",
    )
    assert person.campus == campus and person.given_name == ""
    assert set(person.events.values_list("kind", flat=True)) == {
        K.COMMENTED,
        K.COMMENTED_ON_TOPIC,
        K.ASKED_QUESTION,
        K.WAS_ANSWERED,
    }
    person.refresh_from_db()
    assert person.score > 0 and person.ladder_step == "engaged"


def test_processing_a_comment_twice_adds_nothing():
    comment = CommentFactory(on_topic=True)
    services.person_from_commenter(comment=comment)

    again = services.person_from_commenter(comment=comment)
    second_comment = services.person_from_commenter(
        comment=CommentFactory(
            author_platform_id=comment.author_platform_id, channel=comment.channel, post=comment.post
        )
    )

    assert again == second_comment
    assert Person.objects.count() == 1 and PlatformIdentity.objects.count() == 1
    assert again.events.count() == 3  # commented + on topic, then commented on the second comment


@pytest.mark.parametrize(
    "flags",
    [
        {"disclosure": True},
        {"spam": True},
        {"hostile": True},
        {"is_from_page": True},
        {"author_platform_id": ""},
    ],
)
def test_disclosures_spam_hostility_and_our_own_page_put_nobody_on_the_list(flags):
    assert services.person_from_commenter(comment=CommentFactory(**flags)) is None
    assert not Person.objects.exists()


def test_a_commenter_merged_into_someone_else_is_followed_to_them():
    comment = CommentFactory()
    person = services.person_from_commenter(comment=comment)
    keep = PersonFactory()
    services.people_merge(keep=keep, merge=person, by=None)

    later = CommentFactory(
        author_platform_id=comment.author_platform_id, channel=comment.channel, post=comment.post
    )
    assert services.person_from_commenter(comment=later) == keep


def test_a_confirmed_address_typed_another_way_finds_the_same_person():
    campus = UniversityFactory()
    first = services.person_for_confirmed_email(
        email="Anna.Rossi@gmail.com", name="Anna Rossi", campus=campus
    )

    second = services.person_for_confirmed_email(email="annarossi+x@gmail.com", name="Someone Else")

    assert first == second
    second.refresh_from_db()
    assert (second.given_name, second.family_name) == ("Anna", "Rossi")  # never overwritten


def test_adding_an_address_another_person_confirmed_merges_automatically_when_confirmed_too():
    older = EmailAddressFactory(address="anna@example.org").person
    newer = PersonFactory()

    services.person_email_add(person=newer, email="ANNA@example.org", verified=True)

    newer.refresh_from_db()
    assert newer.merged_into == older
    record = MergeRecord.objects.get()
    assert record.automatic and (record.kept, record.merged) == (older, newer)


def test_an_unconfirmed_address_only_suggests_a_merge():
    owner = EmailAddressFactory(address="anna@example.org").person
    other = PersonFactory()

    services.person_email_add(person=other, email="anna@example.org", verified=False)

    assert not MergeRecord.objects.exists()
    suggestion = MergeSuggestion.objects.get()
    assert {suggestion.person_a, suggestion.person_b} == {owner, other}


def test_a_merge_moves_everything_and_its_undo_restores_everything(admin_user):
    campus = UniversityFactory()
    keep = PersonFactory(given_name="", family_name="", campus=None)
    merge = PersonFactory(given_name="Anna", family_name="Rossi", campus=campus)
    shared_tag, own_tag = TagFactory(), TagFactory()
    keep.tags.add(shared_tag)
    merge.tags.add(shared_tag, own_tag)
    email = EmailAddressFactory(person=merge)
    phone = PhoneFactory(person=merge)
    identity = PlatformIdentityFactory(person=merge)
    consent = ConsentRecordFactory(person=merge)
    event = EngagementEventFactory(person=merge, kind=K.SHARED, source_id="1")
    duplicate = EngagementEventFactory(person=merge, kind=K.COMMENTED, source_type="comment", source_id="9")
    EngagementEventFactory(person=keep, kind=K.COMMENTED, source_type="comment", source_id="9")
    signature = SignatureFactory(person=merge)
    suggestion = MergeSuggestionFactory(person_a=keep, person_b=merge)

    preview = services.people_merge_preview(keep=keep, merge=merge)
    assert preview.stays == {"engagement events": 1}
    assert preview.moves["engagement events"] == 1 and preview.moves["signatures"] == 1
    assert preview.fills == {"given_name": "Anna", "family_name": "Rossi", "campus_id": campus.pk}
    assert preview.tags_added == 1

    record = services.people_merge(keep=keep, merge=merge, by=admin_user)

    keep.refresh_from_db()
    merge.refresh_from_db()
    assert merge.merged_into == keep
    assert (keep.given_name, keep.campus) == ("Anna", campus)
    for row in (email, phone, identity, consent, event, signature):
        row.refresh_from_db()
        assert row.person == keep
    duplicate.refresh_from_db()
    assert duplicate.person == merge  # stayed behind rather than counted twice
    assert set(keep.tags.all()) == {shared_tag, own_tag}
    suggestion.refresh_from_db()
    assert suggestion.status == "merged"

    services.merge_undo(record=record, by=admin_user)

    keep.refresh_from_db()
    merge.refresh_from_db()
    assert merge.merged_into is None
    assert (keep.given_name, keep.family_name, keep.campus) == ("", "", None)
    for row in (email, phone, identity, consent, event, signature, duplicate):
        row.refresh_from_db()
        assert row.person == merge
    assert set(keep.tags.all()) == {shared_tag}
    assert set(merge.tags.all()) == {shared_tag, own_tag}
    suggestion.refresh_from_db()
    assert suggestion.status == "pending"
    record.refresh_from_db()
    assert record.undone_by == admin_user
    with pytest.raises(ApplicationError):
        services.merge_undo(record=record, by=admin_user)


def test_people_cannot_be_merged_with_themselves_or_twice():
    person, other = PersonFactory(), PersonFactory()
    with pytest.raises(ApplicationError):
        services.people_merge(keep=person, merge=person, by=None)
    services.people_merge(keep=person, merge=other, by=None)
    with pytest.raises(ApplicationError):
        services.people_merge(keep=PersonFactory(), merge=other, by=None)


def test_an_undo_waits_for_a_later_merge_of_the_kept_person():
    a, b, c = PersonFactory(), PersonFactory(), PersonFactory()
    first = services.people_merge(keep=a, merge=b, by=None)
    services.people_merge(keep=c, merge=a, by=None)

    with pytest.raises(ApplicationError):
        services.merge_undo(record=first, by=None)


def test_same_name_on_the_same_campus_is_suggested_once():
    campus = UniversityFactory()
    PersonFactory(given_name="Giulia", family_name="Esempio", campus=campus)
    PersonFactory(given_name="giulia", family_name="ESEMPIO", campus=campus)
    PersonFactory(given_name="Giulia", family_name="Esempio", campus=UniversityFactory())

    assert services.merge_suggestions_find() == 1
    assert services.merge_suggestions_find() == 0


def test_a_score_update_uses_the_events(django_capture_on_commit_callbacks):
    person = PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.engagement_record(
            person=person, kind=K.CONFIRMED, at=timezone.now(), source_type="x", source_id=1
        )
        assert (
            services.engagement_record(
                person=person, kind=K.CONFIRMED, at=timezone.now(), source_type="x", source_id=1
            )
            is None
        )

    person.refresh_from_db()
    assert (person.score, person.ladder_step) == (3.0, "supporter")
    assert person.score_updated_at is not None
    assert EmailAddress.objects.count() == 0
