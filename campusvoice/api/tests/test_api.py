"""The OSDI API's wiring: HAL shapes, the helpers, audit, and errors that stay 4xx."""

import json

import pytest
from django.test import override_settings

from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.api.models import ApiToken
from campusvoice.petitions.models import OutgoingEmail, Signature
from campusvoice.petitions.tests.factories import PetitionFactory, SignatureFactory
from campusvoice.supporters.models import EmailAddress, Person, Tag
from campusvoice.supporters.tests.factories import EmailAddressFactory, PersonFactory, TagFactory

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v2/people/"


def post(api, url, body):
    return api.post(url, json.dumps(body), content_type="application/json")


def signup(email="anna@example.org", **person):
    return {"person": {"email_addresses": [{"address": email}], **person}}


# Entry point and resources ---------------------------------------------------------------------


def test_the_entry_point_links_to_the_collections(api):
    body = api.get("/api/v2/").json()

    assert body["_links"]["osdi:people"]["href"] == "http://testserver/api/v2/people"
    assert body["_links"]["osdi:petitions"]["href"] == "http://testserver/api/v2/petitions"
    assert body["_links"]["osdi:tags"]["href"] == "http://testserver/api/v2/tags"
    assert body["max_pagesize"] == body["max_page_size"] == 25


def test_it_answers_in_hal_json(api):
    assert api.get("/api/v2/").headers["Content-Type"] == "application/hal+json"
    assert api.get("/api/v2/", headers={"Accept": "application/json"}).status_code == 200


def test_it_lists_people_in_the_osdi_shape(api):
    person = PersonFactory(given_name="Anna", family_name="Rossi", language="it")
    EmailAddressFactory(person=person, address="anna@example.org")

    body = api.get(PEOPLE).json()

    assert (body["page"], body["per_page"], body["total_pages"], body["total_records"]) == (1, 25, 1, 1)
    [item] = body["_embedded"]["osdi:people"]
    assert item["identifiers"] == [f"campusvoice:{person.pk}"]
    assert item["given_name"] == "Anna" and item["family_name"] == "Rossi"
    assert item["email_addresses"] == [{"address": "anna@example.org", "primary": True}]
    assert item["languages_spoken"] == ["it"]
    assert item["created_date"] and item["modified_date"]
    assert item["_links"]["self"]["href"] == f"http://testserver/api/v2/people/{person.pk}"
    assert body["_links"]["osdi:people"] == [item["_links"]["self"]]


def test_it_pages_by_page_and_per_page(api):
    PersonFactory.create_batch(5)

    body = api.get(PEOPLE, {"page": 2, "per_page": 2}).json()

    assert (body["page"], body["per_page"], body["total_pages"], body["total_records"]) == (2, 2, 3, 5)
    assert len(body["_embedded"]["osdi:people"]) == 2
    assert "page=3" in body["_links"]["next"]["href"] and "page=1" in body["_links"]["previous"]["href"]


def test_it_caps_per_page_at_25(api):
    PersonFactory.create_batch(30)

    body = api.get(PEOPLE, {"per_page": 1000}).json()

    assert body["per_page"] == 25 and len(body["_embedded"]["osdi:people"]) == 25


def test_a_page_past_the_end_is_empty_not_missing(api):
    PersonFactory()

    body = api.get(PEOPLE, {"page": 99999999999999999999}).json()

    assert body["_embedded"]["osdi:people"] == [] and body["total_records"] == 1


@pytest.mark.parametrize(
    "params", [{"page": 0}, {"page": -1}, {"page": "abc"}, {"per_page": 0}, {"page": "1e3"}]
)
def test_it_refuses_bad_page_numbers(api, params):
    response = api.get(PEOPLE, params)

    assert response.status_code == 400
    assert set(response.json()["errors"]) <= {"page", "per_page"}


def test_it_finds_a_person_by_email(api):
    person = PersonFactory()
    EmailAddressFactory(person=person, address="anna.rossi@example.org")
    PersonFactory()

    body = api.get(PEOPLE, {"filter": "email_address eq 'Anna.Rossi@example.org'"}).json()

    assert [p["identifiers"] for p in body["_embedded"]["osdi:people"]] == [[f"campusvoice:{person.pk}"]]
    assert api.get(PEOPLE, {"filter": "given_name eq 'x'"}).status_code == 400


def test_merged_people_are_not_listed_or_found(api):
    kept = PersonFactory()
    merged = PersonFactory(merged_into=kept)

    body = api.get(PEOPLE).json()

    assert body["total_records"] == 1
    assert api.get(f"{PEOPLE}{merged.pk}").status_code == 404


# Audit -----------------------------------------------------------------------------------------


def test_a_list_of_people_is_one_audit_event_with_the_count(api):
    PersonFactory.create_batch(3)

    api.get(PEOPLE)

    [event] = AuditEvent.objects.filter(object_type="person")
    assert event.action == AuditEvent.Action.EXPORT
    assert event.detail["count"] == 3
    assert event.actor.role == Role.ORGANISER


def test_reading_a_person_is_audited(api):
    person = PersonFactory()

    api.get(f"{PEOPLE}{person.pk}")

    assert (
        AuditEvent.objects.filter(action="view", object_type="person", object_id=str(person.pk)).count() == 1
    )


def test_reading_signatures_and_taggings_is_audited(api):
    signature = SignatureFactory(token="t1")
    tag = TagFactory()
    PersonFactory().tags.add(tag)

    api.get(f"/api/v2/petitions/{signature.petition_id}/signatures")
    api.get(f"/api/v2/petitions/{signature.petition_id}/signatures/{signature.pk}")
    api.get(f"/api/v2/tags/{tag.pk}/taggings")

    assert list(AuditEvent.objects.order_by("id").values_list("action", "object_type")) == [
        ("create", "api_token"),
        ("export", "signature"),
        ("view", "signature"),
        ("export", "person"),
    ]


# The person signup helper and updates ----------------------------------------------------------


def test_signup_creates_a_person_with_an_unconfirmed_address_and_tags(api):
    response = post(
        api,
        PEOPLE,
        {
            **signup(given_name="Anna", family_name="Rossi", postal_addresses=[{"postal_code": "40126"}]),
            "add_tags": ["volunteer"],
        },
    )

    assert response.status_code == 201
    person = Person.objects.get()
    assert response.json()["identifiers"] == [f"campusvoice:{person.pk}"]
    assert (person.given_name, person.family_name) == ("Anna", "Rossi")
    assert EmailAddress.objects.get(person=person).verified_at is None
    assert [t.name for t in person.tags.all()] == ["volunteer"]


def test_signup_updates_the_person_who_owns_the_mailbox(api):
    person = PersonFactory(given_name="Anna")
    EmailAddressFactory(person=person, address="anna@example.org")

    response = post(
        api, PEOPLE, {**signup("ANNA@example.org", given_name="Anna Maria"), "add_tags": ["press"]}
    )

    assert response.status_code == 200
    assert Person.objects.count() == 1
    person.refresh_from_db()
    assert person.given_name == "Anna Maria"
    assert person.tags.filter(name="press").exists()


def test_signup_needs_an_email_address(api):
    response = post(api, PEOPLE, {"person": {"given_name": "Anna"}})

    assert response.status_code == 400
    assert "person" in response.json()["errors"]
    assert not Person.objects.exists()


def test_signup_ignores_fields_it_does_not_know(api):
    body = signup(custom_fields={"shirt": "M"}, phone_numbers=[{"number": "123"}])

    response = post(api, PEOPLE, {**body, "triggers": {"autoresponse": {"enabled": True}}})

    assert response.status_code == 201


def test_a_person_can_be_updated(api):
    person = PersonFactory(given_name="Anna")

    response = api.put(
        f"{PEOPLE}{person.pk}",
        json.dumps({"given_name": "Annalisa", "email_addresses": [{"address": "annalisa@example.org"}]}),
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["given_name"] == "Annalisa"
    assert response.json()["email_addresses"] == [{"address": "annalisa@example.org", "primary": True}]
    assert AuditEvent.objects.filter(action="change", object_type="person", object_id=str(person.pk)).exists()


# Petitions and signatures ----------------------------------------------------------------------


def test_it_lists_petitions_with_their_confirmed_count(api):
    petition = PetitionFactory()
    SignatureFactory(petition=petition, token="a", status=Signature.Status.UNCONFIRMED)

    body = api.get("/api/v2/petitions").json()

    [item] = body["_embedded"]["osdi:petitions"]
    assert item["title"] == petition.title_en
    assert item["total_signatures"] == 0
    assert item["_links"]["osdi:signatures"]["href"].endswith(f"/api/v2/petitions/{petition.pk}/signatures")


def test_recording_a_signature_goes_through_double_opt_in(api):
    petition = PetitionFactory()

    response = post(
        api,
        f"/api/v2/petitions/{petition.pk}/signatures/",
        {**signup(given_name="Anna", family_name="Rossi"), "comments": "Please act."},
    )

    assert response.status_code == 201
    signature = Signature.objects.get()
    assert signature.status == Signature.Status.UNCONFIRMED and signature.name == "Anna Rossi"
    assert response.json()["status"] == "unconfirmed"
    assert OutgoingEmail.objects.filter(
        purpose="signature_confirmation", object_id=str(signature.pk)
    ).exists()
    assert "osdi:person" not in response.json()["_links"]  # linked once the signer confirms


def test_recording_a_signature_again_resends_the_link(api):
    petition = PetitionFactory()
    url = f"/api/v2/petitions/{petition.pk}/signatures"
    post(api, url, signup(given_name="Anna"))

    response = post(api, url, signup(given_name="Anna"))

    assert response.status_code == 200
    assert Signature.objects.count() == 1
    assert OutgoingEmail.objects.count() == 2


def test_a_closed_petition_refuses_signatures(api):
    petition = PetitionFactory(is_open=False)

    response = post(api, f"/api/v2/petitions/{petition.pk}/signatures", signup(given_name="Anna"))

    assert response.status_code == 400
    assert "petition" in response.json()["errors"]


# Tags and taggings -----------------------------------------------------------------------------


def test_tags_can_be_created_once(api):
    first = post(api, "/api/v2/tags", {"name": "Volunteer"})
    again = post(api, "/api/v2/tags/", {"name": "volunteer"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert Tag.objects.count() == 1


def test_taggings_can_be_created_listed_and_deleted(api):
    tag, person = TagFactory(), PersonFactory()
    url = f"/api/v2/tags/{tag.pk}/taggings"

    created = post(
        api, url, {"_links": {"osdi:person": {"href": f"http://testserver/api/v2/people/{person.pk}"}}}
    )
    listed = api.get(url).json()
    deleted = api.delete(created.json()["_links"]["self"]["href"])

    assert created.status_code == 201
    assert listed["_embedded"]["osdi:taggings"][0]["_links"]["osdi:person"]["href"].endswith(
        f"/people/{person.pk}"
    )
    assert deleted.status_code == 200
    assert not person.tags.exists()


def test_a_tagging_needs_a_link_to_one_of_our_people(api):
    tag = TagFactory()

    response = post(
        api,
        f"/api/v2/tags/{tag.pk}/taggings",
        {"_links": {"osdi:person": {"href": "http://x.example/people/1"}}},
    )

    assert response.status_code == 400


# Errors ----------------------------------------------------------------------------------------


def test_it_answers_401_without_a_token_or_with_a_bad_one(api_for):
    from django.test import Client

    missing = api_for(None).get(PEOPLE)
    bad = Client(headers={"OSDI-API-Token": "cv_not-a-token"}).get(PEOPLE)

    assert (missing.status_code, bad.status_code) == (401, 401)
    assert missing.headers["WWW-Authenticate"] == "OSDI-API-Token"
    assert "error" in bad.json()


def test_a_revoked_token_stops_working(token_for):
    from django.test import Client

    from campusvoice.api.services import api_token_revoke

    raw = token_for(Role.ORGANISER)
    token = ApiToken.objects.get()
    api_token_revoke(token=token, by=token.user)

    assert Client(headers={"OSDI-API-Token": raw}).get(PEOPLE).status_code == 401


def test_a_token_of_an_inactive_member_stops_working(api):
    ApiToken.objects.get().user.__class__.objects.update(is_active=False)

    assert api.get(PEOPLE).status_code == 401


def test_missing_objects_are_404(api):
    assert api.get(f"{PEOPLE}999999").status_code == 404
    assert api.get("/api/v2/people/99999999999999999999999").status_code == 404
    assert api.get("/api/v2/petitions/999/signatures").status_code == 404
    assert api.get("/api/v2/tags/999/taggings/1").status_code == 404


def test_a_wrong_method_is_405(api):
    response = api.delete(PEOPLE)

    assert response.status_code == 405
    assert "error" in response.json()


def test_a_form_body_is_415(api):
    response = api.post(PEOPLE, {"person": "x"})

    assert response.status_code == 415


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[" * 100_000 + "]" * 100_000,
        '{"person": NaN}',
        "",
    ],
    ids=["junk", "deep", "nan", "empty"],
)
def test_bad_json_is_400(api, body):
    response = api.post(PEOPLE, body, content_type="application/json")

    assert response.status_code == 400
    assert "error" in response.json()


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"person": []},
        {"person": {"given_name": {"a": 1}, "email_addresses": [{"address": "a@example.org"}]}},
        {"person": {"email_addresses": "a@example.org"}},
        {"person": {"email_addresses": [{"address": "not an address"}]}},
        {"person": {"email_addresses": [{"address": "a@example.org"}]}, "add_tags": 5},
        {"person": {"email_addresses": [{"address": "a@example.org"}]}, "add_tags": ["x" * 61]},
        {"person": {"given_name": "A\x00B", "email_addresses": [{"address": "a@example.org"}]}},
        {"person": {"email_addresses": [{"address": f"a{i}@example.org"} for i in range(6)]}},
    ],
    ids=[
        "list",
        "person-list",
        "name-dict",
        "emails-str",
        "bad-email",
        "tags-int",
        "long-tag",
        "nul",
        "too-many",
    ],
)
def test_wrong_types_are_field_errors(api, body):
    response = post(api, PEOPLE, body)

    assert response.status_code == 400
    assert response.json()["errors"]
    assert not Person.objects.exists()


@override_settings(CAMPUSVOICE_API_MAX_BODY_BYTES=1000)
def test_a_huge_body_is_refused(api):
    response = post(api, PEOPLE, signup(given_name="x" * 5000))

    assert response.status_code == 413


@override_settings(CAMPUSVOICE_API_RATE="2/min")
def test_too_many_requests_are_429(api):
    statuses = [api.get("/api/v2/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
