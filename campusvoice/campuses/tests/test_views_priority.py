"""The priority ranking and the shortlists saved from it."""

import pytest
from django.urls import reverse

from campusvoice.accounts.models import Role
from campusvoice.campuses.models import Shortlist
from campusvoice.campuses.tests.factories import (
    IncidentStatisticFactory,
    ShortlistEntryFactory,
    ShortlistFactory,
    UniversityFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def campuses():
    small = UniversityFactory(name="Small College", enrollment_total=1_000)
    big = UniversityFactory(name="Big State", enrollment_total=40_000)
    IncidentStatisticFactory(university=small, count=4)
    IncidentStatisticFactory(university=big, count=8)
    UniversityFactory(
        name="Politecnico", country="IT", enrollment_total=None, enrollment_band="da 30.000 a 59.999"
    )
    return small, big


@pytest.mark.parametrize(
    ("role", "status"), [(Role.ADMIN, 200), (Role.ORGANISER, 200), (Role.MODERATOR, 403), (Role.ANALYST, 403)]
)
def test_only_editors_see_the_priorities(client_for, campuses, role, status):
    assert client_for(role).get(reverse("campuses:priority")).status_code == status


def test_it_ranks_and_explains_each_component(client_for, campuses):
    html = client_for(Role.ORGANISER).get(reverse("campuses:priority"), {"country": "US"}).content.decode()

    # Small: 40 per 10k (percentile 1) with weight 2 of 4 -> 50 points; Big: enrollment -> 25 points.
    assert html.index("Small College") < html.index("Big State")
    assert "Politecnico" not in html
    assert "percentile 1.00 → 50.0 pts" in html and "50.0" in html and "25.0" in html
    assert "How the score works" in html


def test_the_weights_change_the_order(client_for, campuses):
    html = (
        client_for(Role.ORGANISER)
        .get(
            reverse("campuses:priority"),
            {"country": "US", "w_enrollment": 5, "w_incidents": 0, "w_relationships": 0},
        )
        .content.decode()
    )

    assert html.index("Big State") < html.index("Small College")


def test_it_estimates_italian_enrollment_from_the_band(client_for, campuses):
    html = (
        client_for(Role.ORGANISER)
        .get(reverse("campuses:priority"), {"min_enrollment": 20_000})
        .content.decode()
    )

    assert "Politecnico" in html and "≈45,000" in html and "Small College" not in html


def test_an_organiser_saves_a_shortlist_from_the_ranking(client_for, campuses):
    small, big = campuses

    response = client_for(Role.ORGANISER).post(
        reverse("campuses:shortlist-create"),
        {
            "country": "US",
            "w_enrollment": 1,
            "w_incidents": 2,
            "w_relationships": 1,
            "name": "Spring",
            "universities": [big.pk, small.pk],
        },
    )

    shortlist = Shortlist.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "campuses:shortlist-detail", args=[shortlist.pk]
    )
    entries = list(shortlist.entries.order_by("position"))
    assert [e.university for e in entries] == [small, big]  # in rank order, not the order posted
    assert [e.score for e in entries] == [50.0, 25.0]
    assert entries[0].reason.startswith("Score 50.0 = ")


def test_it_asks_for_a_campus_and_a_name_before_saving(client_for, campuses):
    response = client_for(Role.ORGANISER).post(reverse("campuses:shortlist-create"), {"name": ""})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose at least one campus for the shortlist." in html and 'role="alert"' in html
    assert not Shortlist.objects.exists()


def test_it_ignores_campuses_outside_the_ranking(client_for, campuses):
    italian = UniversityFactory(country="IT")

    response = client_for(Role.ORGANISER).post(
        reverse("campuses:shortlist-create"),
        {"country": "US", "name": "Sneaky", "universities": [italian.pk]},
    )

    assert response.status_code == 400 and not Shortlist.objects.exists()


def test_an_organiser_renames_reorders_and_removes_entries(client_for):
    shortlist = ShortlistFactory(name="Draft")
    first = ShortlistEntryFactory(shortlist=shortlist, position=1, university__name="First U")
    second = ShortlistEntryFactory(shortlist=shortlist, position=2, university__name="Second U")
    client = client_for(Role.ORGANISER)

    client.post(
        reverse("campuses:shortlist-detail", args=[shortlist.pk]), {"name": "Final", "description": ""}
    )
    client.post(reverse("campuses:shortlist-entry-move", args=[shortlist.pk, second.pk]), {"direction": "up"})
    html = client.get(reverse("campuses:shortlist-detail", args=[shortlist.pk])).content.decode()

    assert "<h1><bdi>Final</bdi></h1>" in html and html.index("Second U") < html.index("First U")
    assert 'data-confirm="Remove First U from this shortlist?"' in html

    client.post(reverse("campuses:shortlist-entry-remove", args=[shortlist.pk, first.pk]))

    assert list(shortlist.entries.values_list("university__name", flat=True)) == ["Second U"]


def test_an_organiser_deletes_a_shortlist_after_confirming(client_for):
    shortlist = ShortlistFactory(name="Old")
    client = client_for(Role.ORGANISER)

    assert (
        "Delete the shortlist Old?"
        in client.get(reverse("campuses:shortlist-delete", args=[shortlist.pk])).content.decode()
    )
    client.post(reverse("campuses:shortlist-delete", args=[shortlist.pk]))

    assert not Shortlist.objects.exists()


def test_it_lists_shortlists_with_an_empty_state(client_for):
    client = client_for(Role.ORGANISER)
    assert "No shortlists yet." in client.get(reverse("campuses:shortlist-list")).content.decode()

    ShortlistEntryFactory(shortlist=ShortlistFactory(name="Autumn"))

    assert "Autumn" in client.get(reverse("campuses:shortlist-list")).content.decode()


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MODERATOR])
def test_others_cannot_touch_shortlists(client_for, role):
    shortlist = ShortlistFactory()
    client = client_for(role)

    assert client.get(reverse("campuses:shortlist-list")).status_code == 403
    assert client.post(reverse("campuses:shortlist-delete", args=[shortlist.pk])).status_code == 403
    assert Shortlist.objects.exists()


@pytest.mark.parametrize("url_name", ["campuses:priority", "campuses:shortlist-list"])
def test_the_priority_pages_render_in_italian(client_for, campuses, url_name):
    client = client_for(Role.ORGANISER)
    client.cookies["django_language"] = "it"

    response = client.get(reverse(url_name))

    assert response.status_code == 200 and '<html lang="it">' in response.content.decode()
