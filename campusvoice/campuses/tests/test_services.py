from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from campusvoice.accounts.models import AuditEvent
from campusvoice.campuses import services
from campusvoice.campuses.models import Contact, ShortlistEntry, University
from campusvoice.campuses.priority import Candidate, Weights, priority_score
from campusvoice.campuses.tests.factories import (
    CampusGroupFactory,
    ContactFactory,
    ShortlistEntryFactory,
    ShortlistFactory,
    StudentNewspaperFactory,
    UniversityFactory,
)

pytestmark = pytest.mark.django_db


def events(object_type):
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("id"))


def test_it_sets_coordinates_by_hand_and_marks_them_manual(organiser):
    university = UniversityFactory(country="IT")

    services.university_coordinates_set(
        university=university, latitude=Decimal("44.4949"), longitude=Decimal("11.3426"), by=organiser
    )

    university.refresh_from_db()
    assert (university.latitude, university.longitude) == (Decimal("44.494900"), Decimal("11.342600"))
    assert university.coordinates_source == University.CoordinatesSource.MANUAL


def test_it_clears_coordinates_and_their_source(organiser):
    university = UniversityFactory(latitude=1, longitude=2, coordinates_source="ipeds")

    services.university_coordinates_set(university=university, latitude=None, longitude=None, by=organiser)

    university.refresh_from_db()
    assert (university.latitude, university.coordinates_source) == (None, "")


def test_it_rejects_half_a_coordinate_or_one_out_of_range(organiser):
    university = UniversityFactory()

    with pytest.raises(ValidationError) as half:
        services.university_coordinates_set(
            university=university, latitude=Decimal(1), longitude=None, by=organiser
        )
    with pytest.raises(ValidationError) as out_of_range:
        services.university_coordinates_set(
            university=university, latitude=Decimal(91), longitude=Decimal(0), by=organiser
        )

    assert "longitude" in half.value.message_dict
    assert "latitude" in out_of_range.value.message_dict
    university.refresh_from_db()
    assert university.latitude is None


def test_it_creates_a_contact_and_audits_it_by_id(organiser):
    university = UniversityFactory()

    contact = services.contact_create(
        university=university,
        by=organiser,
        name="Rita Rector",
        role=Contact.Role.PRESIDENT,
        email="rector@uni.example.it",
        basis=Contact.Basis.PUBLIC_ROLE,
    )

    (event,) = events("contact")
    assert (event.action, event.object_id, event.actor_id) == ("create", str(contact.pk), organiser.pk)
    assert event.detail == {"university": university.pk}
    assert "rector@" not in str(event.detail) + event.summary


def test_it_requires_a_consent_date_when_consent_is_the_basis(organiser):
    university = UniversityFactory()

    with pytest.raises(ValidationError) as error:
        services.contact_create(
            university=university, by=organiser, name="Gia Leader", role="group_leader", basis="consent"
        )

    assert "consent_at" in error.value.message_dict
    assert Contact.objects.count() == 0 and events("contact") == []


def test_it_accepts_consent_with_its_date(organiser):
    contact = services.contact_create(
        university=UniversityFactory(),
        by=organiser,
        name="Gia Leader",
        role="group_leader",
        basis="consent",
        consent_at=datetime(2024, 3, 1, 10, 0, tzinfo=UTC),
        consent_text="May be contacted about the campaign.",
    )

    assert contact.pk is not None


def test_it_rejects_a_group_from_another_campus(organiser):
    other_group = CampusGroupFactory()

    with pytest.raises(ValidationError) as error:
        services.contact_create(
            university=UniversityFactory(),
            by=organiser,
            name="Sam",
            role="group_leader",
            basis="public_role",
            group=other_group,
        )

    assert "group" in error.value.message_dict


def test_it_audits_a_contact_change_with_the_changed_fields_only(organiser):
    contact = ContactFactory()

    services.contact_update(
        contact=contact,
        by=organiser,
        name=contact.name,
        role=contact.role,
        email="new@campus.example.edu",
        phone="",
        basis=contact.basis,
    )

    (event,) = events("contact")
    assert event.action == "change"
    assert event.detail["fields"] == ["email", "phone"]
    contact.refresh_from_db()
    assert contact.email == "new@campus.example.edu"


def test_it_writes_no_event_when_nothing_changed(organiser):
    contact = ContactFactory()

    services.contact_update(contact=contact, by=organiser, name=contact.name)

    assert events("contact") == []


def test_it_refuses_to_drop_the_consent_date_of_a_consent_contact(organiser):
    contact = ContactFactory(basis="consent", consent_at=datetime(2024, 1, 1, tzinfo=UTC))

    with pytest.raises(ValidationError):
        services.contact_update(contact=contact, by=organiser, consent_at=None)

    contact.refresh_from_db()
    assert contact.consent_at is not None


def test_it_deletes_a_contact_and_audits_it(organiser):
    contact = ContactFactory()
    pk = contact.pk

    services.contact_delete(contact=contact, by=organiser)

    assert not Contact.objects.filter(pk=pk).exists()
    assert [(e.action, e.object_id) for e in events("contact")] == [("delete", str(pk))]


def test_it_keeps_a_groups_contacts_when_the_group_is_deleted(organiser):
    group = CampusGroupFactory()
    contact = ContactFactory(university=group.university, group=group)

    services.campus_group_delete(group=group, by=organiser)

    contact.refresh_from_db()
    assert contact.group is None


def test_it_validates_a_group(organiser):
    with pytest.raises(ValidationError) as error:
        services.campus_group_create(
            university=UniversityFactory(), by=organiser, name="", website="not a url"
        )

    assert {"name", "website"} <= set(error.value.message_dict)


def test_it_audits_newspaper_editor_changes(organiser):
    newspaper = StudentNewspaperFactory()

    services.newspaper_update(newspaper=newspaper, by=organiser, editor_email="ed@paper.example.edu")

    assert [(e.action, e.detail["fields"]) for e in events("newspaper")] == [("change", ["editor_email"])]


def test_it_gives_a_campus_resource_the_campus_country(organiser):
    university = UniversityFactory(country="IT")

    resource = services.support_resource_create(
        university=university, by=organiser, kind="anti_violence_centre", name="Centro antiviolenza"
    )
    national = services.support_resource_create(by=organiser, country="it", kind="hotline", name="1522")

    assert (resource.country, resource.university) == ("IT", university)
    assert (national.country, national.university) == ("IT", None)


def test_it_saves_a_shortlist_in_order_with_scores_and_reasons(organiser):
    first, second = UniversityFactory(), UniversityFactory()
    scores = priority_score(
        candidates=[
            Candidate(university_id=first.pk, enrollment=1_000, incidents=None),
            Candidate(university_id=second.pk, enrollment=2_000, incidents=None),
        ],
        weights=Weights(1, 0, 0),
    )

    with translation.override("en"):
        shortlist = services.shortlist_create(name=" Autumn ", scores=scores, by=organiser)

    entries = list(shortlist.entries.order_by("position"))
    assert shortlist.name == "Autumn" and shortlist.created_by == organiser
    assert [(e.university_id, e.position, e.score) for e in entries] == [
        (second.pk, 1, 100.0),
        (first.pk, 2, 0.0),
    ]
    assert entries[0].reason.startswith("Score 100.0 = enrollment 2,000")


def test_it_refuses_an_empty_or_unnamed_shortlist(organiser):
    (score,) = priority_score(candidates=[Candidate(UniversityFactory().pk, 1, None)], weights=Weights())

    with pytest.raises(ValidationError) as empty:
        services.shortlist_create(name="Empty", scores=[], by=organiser)
    with pytest.raises(ValidationError) as unnamed:
        services.shortlist_create(name="  ", scores=[score], by=organiser)

    assert "universities" in empty.value.message_dict and "name" in unnamed.value.message_dict


def test_it_moves_and_removes_shortlist_entries():
    shortlist = ShortlistFactory()
    a, b, c = (ShortlistEntryFactory(shortlist=shortlist, position=p) for p in (1, 2, 5))

    services.shortlist_entry_move(entry=c, offset=-1, by=None)
    services.shortlist_entry_move(entry=a, offset=-1, by=None)  # already first: nothing moves

    order = list(shortlist.entries.order_by("position").values_list("pk", "position"))
    assert order == [(a.pk, 1), (c.pk, 2), (b.pk, 3)]

    services.shortlist_entry_remove(entry=ShortlistEntry.objects.get(pk=a.pk), by=None)

    assert list(shortlist.entries.order_by("position").values_list("pk", "position")) == [
        (c.pk, 1),
        (b.pk, 2),
    ]
