"""The directory's list and detail pages: access per role, content, privacy and languages."""

import pytest
from django.urls import reverse

from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.campuses.models import University
from campusvoice.campuses.tests.factories import (
    CampusGroupFactory,
    ContactFactory,
    IncidentStatisticFactory,
    StudentNewspaperFactory,
    SupportResourceFactory,
    UniversityFactory,
)

pytestmark = pytest.mark.django_db

ROLES = [Role.ADMIN, Role.ORGANISER, Role.MODERATOR, Role.ANALYST]


@pytest.fixture
def campus():
    university = UniversityFactory(
        name="Università di Padova", country="IT", region="Veneto", city="Padova", enrollment_total=12_500
    )
    IncidentStatisticFactory(university=university, year=2022, count=3)
    IncidentStatisticFactory(university=university, year=2021, category="stalking", count=3)
    return university


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_list_and_the_detail(client_for, campus, role):
    client = client_for(role)

    listing = client.get(reverse("campuses:list"))
    detail = client.get(reverse("campuses:detail", args=[campus.pk]))

    assert listing.status_code == detail.status_code == 200
    assert "Università di Padova" in listing.content.decode()
    assert "Università di Padova" in detail.content.decode()


def test_it_sends_anonymous_visitors_to_the_login_page(client, campus):
    for url in (reverse("campuses:list"), reverse("campuses:detail", args=[campus.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_it_says_not_found_for_an_unknown_campus(client_for):
    assert client_for(Role.ANALYST).get(reverse("campuses:detail", args=[999])).status_code == 404


def test_it_lists_with_localised_numbers_and_a_captioned_table(client_for, campus):
    UniversityFactory(name="Big State", enrollment_total=45_000)

    html = client_for(Role.ANALYST).get(reverse("campuses:list")).content.decode()

    assert "<caption>" in html and 'scope="col"' in html
    assert "45,000" in html and "12,500" in html
    assert "4.8" in html  # 6 incidents × 10,000 / 12,500 students


def test_it_filters_the_list_from_the_query_string(client_for, campus):
    UniversityFactory(name="Austin College", country="US", city="Sherman")

    html = (
        client_for(Role.ANALYST)
        .get(reverse("campuses:list"), {"q": "sherman", "country": "US"})
        .content.decode()
    )

    assert "Austin College" in html and "Università di Padova" not in html


def test_it_keeps_the_other_filters_when_one_is_invalid(client_for, campus):
    UniversityFactory(name="Austin College", country="US")

    html = (
        client_for(Role.ANALYST)
        .get(reverse("campuses:list"), {"country": "US", "sort": "bogus"})
        .content.decode()
    )

    assert "Austin College" in html and "Università di Padova" not in html


def test_it_returns_only_the_table_to_htmx(client_for, campus):
    response = client_for(Role.ANALYST).get(
        reverse("campuses:list"),
        {"q": "padova"},
        headers={"HX-Request": "true", "HX-Target": "campus-results"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="campus-results">')
    assert "<html" not in html and "Università di Padova" in html
    assert "HX-Request" in response["Vary"]


def test_it_paginates_the_list(client_for):
    for n in range(55):
        UniversityFactory(name=f"Campus {n:02d}")

    client = client_for(Role.ANALYST)
    first = client.get(reverse("campuses:list")).content.decode()
    second = client.get(reverse("campuses:list"), {"page": 2}).content.decode()

    assert "Page 1 of 2 (55 in all)" in first and 'rel="next"' in first
    assert "Campus 54" in second and "Campus 00" not in second


def test_it_shows_an_empty_state(client_for):
    html = client_for(Role.ORGANISER).get(reverse("campuses:list"), {"q": "nowhere"}).content.decode()

    assert "No campuses match these filters." in html


def test_it_shows_figures_with_their_source_and_year(client_for, campus):
    campus.enrollment_year, campus.enrollment_source = 2021, "MUR USTAT"
    campus.latitude, campus.longitude, campus.coordinates_source = 45.4064, 11.8768, "manual"
    campus.save()

    html = client_for(Role.ANALYST).get(reverse("campuses:detail", args=[campus.pk])).content.decode()

    assert "12,500" in html and "2021" in html and "MUR USTAT" in html
    assert "Clery Act Campus Safety and Security Survey" in html
    assert "4.8" in html
    assert "45.40640" in html and "Set by an organiser" in html


def test_organisers_see_contacts_and_the_view_is_audited(client_for, campus):
    ContactFactory(university=campus, email="rettore@unipd.example.it", phone="+39 049 000 0000")
    client = client_for(Role.ORGANISER)

    html = client.get(reverse("campuses:detail", args=[campus.pk])).content.decode()

    assert "rettore@unipd.example.it" in html and "+39 049 000 0000" in html
    event = AuditEvent.objects.get(object_type="university_contacts")
    assert (event.action, event.object_id, event.actor.role) == ("view", str(campus.pk), Role.ORGANISER)


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MODERATOR])
def test_analysts_and_moderators_see_only_a_count_of_contacts(client_for, campus, role):
    ContactFactory(university=campus, email="rettore@unipd.example.it", phone="+39 049 000 0000")
    ContactFactory(university=campus, email="prorettrice@unipd.example.it", phone="+39 049 111 1111")
    StudentNewspaperFactory(university=campus, editor_name="Eda Editor", editor_email="eda@paper.example.it")
    CampusGroupFactory(university=campus, email="collettivo@example.it")

    html = client_for(role).get(reverse("campuses:detail", args=[campus.pk])).content.decode()

    assert "2 contacts on file." in html
    for secret in ("rettore@", "prorettrice@", "+39 049", "eda@paper", "Eda Editor", "collettivo@"):
        assert secret not in html
    assert not AuditEvent.objects.filter(object_type="university_contacts").exists()


def test_it_shows_groups_newspapers_and_support_resources(client_for, campus):
    CampusGroupFactory(university=campus, name="Collettivo Femminista")
    StudentNewspaperFactory(university=campus, name="Il Bo Live")
    SupportResourceFactory(country="IT", name="1522 Antiviolenza")
    SupportResourceFactory(country="IT", university=campus, kind="campus_office", name="Sportello ascolto")
    SupportResourceFactory(country="US", name="RAINN")

    html = client_for(Role.ANALYST).get(reverse("campuses:detail", args=[campus.pk])).content.decode()

    for text in ("Collettivo Femminista", "Il Bo Live", "1522 Antiviolenza", "Sportello ascolto"):
        assert text in html
    assert "RAINN" not in html


def test_analysts_get_no_edit_links(client_for, campus):
    html = client_for(Role.ANALYST).get(reverse("campuses:detail", args=[campus.pk])).content.decode()

    assert reverse("campuses:group-create", args=[campus.pk]) not in html
    assert reverse("campuses:coordinates-edit", args=[campus.pk]) not in html


@pytest.mark.parametrize("url_name", ["campuses:list", "campuses:detail", "campuses:resource-list"])
def test_the_directory_pages_render_in_italian(client_for, campus, url_name):
    args = [campus.pk] if url_name == "campuses:detail" else []

    response = client_for(Role.ORGANISER).get(reverse(url_name, args=args), headers={"accept-language": "it"})

    assert response.status_code == 200
    assert '<html lang="it">' in response.content.decode()


def test_it_uses_italian_number_formats_in_italian(client_for, campus):
    html = (
        client_for(Role.ANALYST)
        .get(reverse("campuses:list"), headers={"accept-language": "it"})
        .content.decode()
    )

    assert "12.500" in html and "4,8" in html


def test_organisers_set_coordinates_by_hand(client_for, campus):
    response = client_for(Role.ORGANISER).post(
        reverse("campuses:coordinates-edit", args=[campus.pk]),
        {"latitude": "45.4064", "longitude": "11.8768"},
    )

    assert response.status_code == 302
    campus.refresh_from_db()
    assert campus.coordinates_source == University.CoordinatesSource.MANUAL


def test_it_rejects_half_a_coordinate_on_the_form(client_for, campus):
    response = client_for(Role.ORGANISER).post(
        reverse("campuses:coordinates-edit", args=[campus.pk]), {"latitude": "45.4", "longitude": ""}
    )

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MODERATOR])
def test_only_editors_may_set_coordinates(client_for, campus, role):
    url = reverse("campuses:coordinates-edit", args=[campus.pk])

    assert client_for(role).post(url, {"latitude": "1", "longitude": "1"}).status_code == 403
    campus.refresh_from_db()
    assert campus.latitude is None


def test_an_admin_deleting_a_contact_in_the_django_admin_is_audited(client_for, campus):
    contact = ContactFactory(university=campus)
    client = client_for(Role.ADMIN)

    assert client.get(reverse("admin:campuses_contact_changelist")).status_code == 200
    client.post(reverse("admin:campuses_contact_delete", args=[contact.pk]), {"post": "yes"})

    event = AuditEvent.objects.get(object_type="contact")
    assert (event.action, event.object_id, event.detail["via"]) == ("delete", str(contact.pk), "admin")
