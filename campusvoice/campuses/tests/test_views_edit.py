"""Adding, editing and deleting groups, newspapers, contacts and support resources."""

import pytest
from django.urls import reverse

from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.campuses.models import CampusGroup, Contact, StudentNewspaper, SupportResource
from campusvoice.campuses.tests.factories import (
    CampusGroupFactory,
    ContactFactory,
    SupportResourceFactory,
    UniversityFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def campus():
    return UniversityFactory(name="Sapienza", country="IT")


def test_an_organiser_adds_a_group(client_for, campus):
    client = client_for(Role.ORGANISER)
    url = reverse("campuses:group-create", args=[campus.pk])

    form = client.get(url)
    response = client.post(url, {"name": "Collettivo", "kind": "feminist", "website": "https://c.example.it"})

    assert form.status_code == 200 and '<label for="id_name">' in form.content.decode()
    assert response.status_code == 302 and response["Location"].endswith("#groups")
    assert CampusGroup.objects.get(university=campus).name == "Collettivo"


def test_it_shows_field_errors_for_an_invalid_group(client_for, campus):
    response = client_for(Role.ORGANISER).post(
        reverse("campuses:group-create", args=[campus.pk]),
        {"name": "", "kind": "feminist", "website": "nope"},
    )

    assert response.status_code == 400
    assert 'class="field has-error"' in response.content.decode()
    assert not CampusGroup.objects.exists()


def test_an_organiser_edits_and_deletes_a_group_after_confirming(client_for, campus):
    group = CampusGroupFactory(university=campus, name="Old name")
    client = client_for(Role.ORGANISER)

    client.post(reverse("campuses:group-update", args=[group.pk]), {"name": "New name", "kind": "other"})
    confirm = client.get(reverse("campuses:group-delete", args=[group.pk]))

    group.refresh_from_db()
    assert group.name == "New name"
    assert confirm.status_code == 200 and "Delete the group New name?" in confirm.content.decode()
    assert CampusGroup.objects.exists()  # asking is not deleting

    client.post(reverse("campuses:group-delete", args=[group.pk]))

    assert not CampusGroup.objects.exists()


def test_an_organiser_adds_a_newspaper(client_for, campus):
    response = client_for(Role.ORGANISER).post(
        reverse("campuses:newspaper-create", args=[campus.pk]), {"name": "Zeta", "language": "it"}
    )

    assert response.status_code == 302
    assert StudentNewspaper.objects.get().university == campus


def test_an_organiser_adds_a_contact_with_its_lawful_basis(client_for, campus):
    response = client_for(Role.ORGANISER).post(
        reverse("campuses:contact-create", args=[campus.pk]),
        {
            "name": "Rita Rettrice",
            "role": "president",
            "email": "rettrice@uniroma1.example.it",
            "basis": "public_role",
        },
    )

    assert response.status_code == 302
    contact = Contact.objects.get()
    assert AuditEvent.objects.filter(
        object_type="contact", action="create", object_id=str(contact.pk)
    ).exists()


def test_it_asks_for_the_consent_date_when_consent_is_the_basis(client_for, campus):
    response = client_for(Role.ORGANISER).post(
        reverse("campuses:contact-create", args=[campus.pk]),
        {"name": "Gia", "role": "group_leader", "basis": "consent"},
    )

    assert response.status_code == 400
    assert "Record when consent was given" in response.content.decode()
    assert not Contact.objects.exists()


def test_it_saves_a_consent_contact_with_its_date(client_for, campus):
    response = client_for(Role.ORGANISER).post(
        reverse("campuses:contact-create", args=[campus.pk]),
        {"name": "Gia", "role": "group_leader", "basis": "consent", "consent_at": "2024-03-01T10:00"},
    )

    assert response.status_code == 302
    assert Contact.objects.get().consent_at.year == 2024


def test_it_offers_only_this_campus_groups_for_a_contact(client_for, campus):
    CampusGroupFactory(university=campus, name="Ours")
    CampusGroupFactory(name="Theirs")

    html = (
        client_for(Role.ORGANISER).get(reverse("campuses:contact-create", args=[campus.pk])).content.decode()
    )

    assert "Ours" in html and "Theirs" not in html


def test_editing_and_deleting_a_contact_is_audited(client_for, campus):
    contact = ContactFactory(university=campus)
    client = client_for(Role.ORGANISER)

    client.post(
        reverse("campuses:contact-update", args=[contact.pk]),
        {"name": contact.name, "role": contact.role, "email": "changed@example.it", "basis": "public_role"},
    )
    client.post(reverse("campuses:contact-delete", args=[contact.pk]))

    actions = list(
        AuditEvent.objects.filter(object_type="contact").order_by("id").values_list("action", "detail")
    )
    assert actions[0] == ("change", {"university": campus.pk, "fields": ["email", "phone"]})
    assert actions[1][0] == "delete"
    assert not Contact.objects.exists()


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MODERATOR])
def test_only_contact_editors_reach_the_contact_forms(client_for, campus, role):
    contact = ContactFactory(university=campus)
    client = client_for(role)

    assert client.get(reverse("campuses:contact-create", args=[campus.pk])).status_code == 403
    assert client.get(reverse("campuses:contact-update", args=[contact.pk])).status_code == 403
    assert client.post(reverse("campuses:contact-delete", args=[contact.pk])).status_code == 403
    assert client.post(reverse("campuses:group-create", args=[campus.pk]), {"name": "x"}).status_code == 403
    assert Contact.objects.count() == 1 and not CampusGroup.objects.exists()


def test_anonymous_visitors_cannot_edit(client, campus):
    response = client.post(reverse("campuses:group-create", args=[campus.pk]), {"name": "x", "kind": "other"})

    assert response.status_code == 302 and not CampusGroup.objects.exists()


def test_an_organiser_adds_campus_and_national_support_resources(client_for, campus):
    client = client_for(Role.ORGANISER)

    client.post(
        reverse("campuses:campus-resource-create", args=[campus.pk]),
        {"kind": "campus_office", "name": "Sportello antiviolenza"},
    )
    client.post(reverse("campuses:resource-create"), {"country": "it", "kind": "hotline", "name": "1522"})

    resources = {r.name: (r.country, r.university_id) for r in SupportResource.objects.all()}
    assert resources == {"Sportello antiviolenza": ("IT", campus.pk), "1522": ("IT", None)}


def test_an_organiser_edits_and_deletes_a_support_resource(client_for):
    resource = SupportResourceFactory(country="US", name="Hotline")
    client = client_for(Role.ORGANISER)

    client.post(
        reverse("campuses:resource-update", args=[resource.pk]),
        {"country": "US", "kind": "hotline", "name": "RAINN"},
    )
    resource.refresh_from_db()
    assert resource.name == "RAINN"

    response = client.post(reverse("campuses:resource-delete", args=[resource.pk]))

    assert response["Location"] == reverse("campuses:resource-list")
    assert not SupportResource.objects.exists()


def test_the_support_list_filters_by_country(client_for):
    SupportResourceFactory(country="US", name="RAINN")
    SupportResourceFactory(country="IT", name="1522")
    UniversityFactory(country="IT")
    UniversityFactory(country="US")

    html = client_for(Role.ANALYST).get(reverse("campuses:resource-list"), {"country": "IT"}).content.decode()

    assert "1522" in html and "RAINN" not in html


@pytest.mark.parametrize(
    "url_name", ["campuses:group-create", "campuses:contact-create", "campuses:campus-resource-create"]
)
def test_the_edit_forms_render_in_italian(client_for, campus, url_name):
    response = client_for(Role.ORGANISER).get(reverse(url_name, args=[campus.pk]), HTTP_ACCEPT_LANGUAGE="it")

    assert response.status_code == 200 and '<html lang="it">' in response.content.decode()
