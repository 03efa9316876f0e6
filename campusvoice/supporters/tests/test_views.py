import csv
import io

import pytest
from django.urls import reverse

from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.supporters import services
from campusvoice.supporters.models import MergeRecord, SavedList
from campusvoice.supporters.tests.factories import (
    EmailAddressFactory,
    MergeSuggestionFactory,
    PersonFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def test_the_list_searches_and_filters(client_for):
    campus = UniversityFactory()
    anna = PersonFactory(given_name="Anna", campus=campus, ladder_step="active")
    EmailAddressFactory(person=anna, address="anna@example.org")
    PersonFactory(given_name="Bruno", campus=campus, ladder_step="reached")
    tagged = PersonFactory(given_name="Carla")
    tag = TagFactory()
    tagged.tags.add(tag)
    client = client_for(Role.ORGANISER)
    url = reverse("supporters:person-list")

    def names(**params):
        return [p.given_name for p in client.get(url, params).context["page"].object_list]

    assert names(q="anna@example") == ["Anna"]
    assert sorted(names(campus=campus.pk)) == ["Anna", "Bruno"]
    assert names(step="active") == ["Anna"]
    assert names(tag=tag.pk) == ["Carla"]


def test_a_saved_list_keeps_the_filters_not_the_people(client_for):
    client = client_for(Role.ORGANISER)

    client.post(
        reverse("supporters:saved-list-create"), {"name": "Active at Bologna", "step": "active", "q": ""}
    )

    assert SavedList.objects.get().filters == {"step": "active"}
    assert b"Active at Bologna" in client.get(reverse("supporters:person-list")).content


def test_opening_a_person_is_audited_and_shows_the_timeline(client_for, organiser):
    person = PersonFactory(given_name="Anna")
    services.engagement_record(
        person=person, kind="shared", at="2026-01-01T00:00:00Z", source_type="x", source_id=1
    )

    response = client_for(Role.ORGANISER).get(reverse("supporters:person-detail", args=[person.pk]))

    assert response.status_code == 200 and b"Shared" in response.content
    event = AuditEvent.objects.get(action="view", object_type="person")
    assert event.object_id == str(person.pk)


def test_tags_are_added_and_removed(client_for):
    person = PersonFactory()
    client = client_for(Role.ORGANISER)

    client.post(reverse("supporters:person-tag-add", args=[person.pk]), {"name": "  group  leader "})
    tag = person.tags.get()
    assert tag.name == "group leader"
    client.post(reverse("supporters:person-tag-remove", args=[person.pk, tag.pk]))
    assert not person.tags.exists()


def test_a_merge_is_previewed_confirmed_and_undone_through_the_pages(client_for):
    keep, merge = PersonFactory(), PersonFactory()
    MergeSuggestionFactory(person_a=keep, person_b=merge)
    client = client_for(Role.ORGANISER)

    assert b"Preview the merge" in client.get(reverse("supporters:merge-list")).content
    preview = client.get(reverse("supporters:person-merge", args=[keep.pk, merge.pk]))
    assert preview.status_code == 200 and not MergeRecord.objects.exists()

    client.post(reverse("supporters:person-merge", args=[keep.pk, merge.pk]))
    record = MergeRecord.objects.get()
    merge.refresh_from_db()
    assert merge.merged_into == keep

    client.post(reverse("supporters:merge-undo", args=[record.pk]))
    merge.refresh_from_db()
    assert merge.merged_into is None


def test_the_campus_page_shows_who_is_ready_to_be_asked_for_more(client_for):
    campus = UniversityFactory(name="Università di Padova")
    ready = PersonFactory(given_name="Ready", campus=campus)
    for kind, number in [
        ("confirmed", 1),
        ("signed", 2),
        ("commented_on_topic", 3),
        ("commented", 4),
        ("asked_question", 5),
    ]:
        services.engagement_record(
            person=ready, kind=kind, at=ready.created_at, source_type="t", source_id=number
        )
    services.person_score_update(person_id=ready.pk)

    response = client_for(Role.ORGANISER).get(reverse("supporters:campus-overview"))

    [row] = response.context["rows"]
    assert row.campus_name == "Università di Padova"
    assert [person.given_name for person, _ask in row.ready] == ["Ready"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_is_admin_only_audited_and_formula_safe(client_for, fmt):
    person = PersonFactory(given_name="=cmd|' /C calc'!A0", family_name="-2+3")
    EmailAddressFactory(person=person, address="anna@example.org")

    assert client_for(Role.ORGANISER).get(reverse("supporters:person-export", args=[fmt])).status_code == 403
    response = client_for(Role.ADMIN).get(
        reverse("supporters:person-export", args=[fmt]), {"q": "anna@example"}
    )

    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[1][1:4] == ["'=cmd|' /C calc'!A0", "'-2+3", "anna@example.org"]
    event = AuditEvent.objects.get(action="export")
    assert event.detail == {"count": 1, "filters": ["q"]}
    assert "anna" not in str(event.detail) and "anna" not in event.summary
