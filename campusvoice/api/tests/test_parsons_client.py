"""A real Action Network client, parsons' ActionNetwork (PyPI: parsons), against live_server.

Only its base URL changes (the module's API_URL, which its constructor reads). Two places where
the client, not campusvoice, parts from Action Network's documentation are pinned below.
"""

import json
import warnings

import pytest
import requests

from campusvoice.accounts.models import Role
from campusvoice.petitions.models import OutgoingEmail, Signature
from campusvoice.petitions.tests.factories import PetitionFactory
from campusvoice.supporters.models import EmailAddress, Person, Tag

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # parsons warns, once, that its install became slimmer
    from parsons.action_network import action_network

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def an(live_server, token_for, monkeypatch):
    monkeypatch.setattr(action_network, "API_URL", f"{live_server.url}/api/v2")
    return action_network.ActionNetwork(api_token=token_for(Role.ORGANISER))


def _id(resource: dict) -> str:
    return resource["identifiers"][0].removeprefix("campusvoice:")


def test_it_signs_people_up_reads_and_updates_them(an):
    created = an.upsert_person(
        email_address="anna@example.org",
        given_name="Anna",
        family_name="Rossi",
        tags=["volunteer"],
        postal_addresses=[{"postal_code": "40126"}],
        shirt_size="M",
    )
    again = an.upsert_person(email_address="ANNA@example.org", given_name="Annalisa")
    an.update_person(_id(created), family_name="Bianchi")

    person = Person.objects.get()
    assert _id(created) == _id(again) == str(person.pk)
    assert (person.given_name, person.family_name) == ("Annalisa", "Bianchi")
    assert EmailAddress.objects.get().verified_at is None
    assert [t.name for t in person.tags.all()] == ["volunteer"]
    assert an.get_person(person.pk)["family_name"] == "Bianchi"
    people = an.get_people()
    assert people.num_rows == 1 and people[0]["given_name"] == "Annalisa"


def test_it_pages_through_people_until_an_empty_page(an):
    for n in range(30):
        an.upsert_person(email_address=f"p{n}@example.org")

    assert an.get_people().num_rows == 30
    assert an.get_people(limit=7).num_rows == 7
    assert len(an.get_people(page=2)["_embedded"]["osdi:people"]) == 5


def test_it_reads_petitions_and_records_signatures_with_double_opt_in(an):
    petition = PetitionFactory()
    payload = {
        "person": {
            "given_name": "Anna",
            "family_name": "Rossi",
            "email_addresses": [{"address": "anna@example.org"}],
        },
        "comments": "Please act.",
    }

    listed = an.get_petitions()
    got = an.get_petition(petition.pk)
    # parsons' create_signature sends its payload as query parameters (below), so the helper is
    # called through the client's own connector, as Action Network documents it.
    recorded = an.api.post_request(url=f"petitions/{petition.pk}/signatures", data=json.dumps(payload))

    assert listed.num_rows == 1 and got["title"] == petition.title_en
    signature = Signature.objects.get()
    assert recorded["status"] == "unconfirmed" == signature.status
    assert OutgoingEmail.objects.filter(
        purpose="signature_confirmation", object_id=str(signature.pk)
    ).exists()
    assert an.get_petition_signatures(petition.pk).num_rows == 1
    assert an.get_petition_signature(petition.pk, signature.pk)["status"] == "unconfirmed"


def test_parsons_create_signature_sends_no_body_and_is_refused(an):
    petition = PetitionFactory()

    with pytest.raises(requests.HTTPError):
        an.create_signature(petition.pk, {"person": {"email_addresses": [{"address": "a@example.org"}]}})
    assert not Signature.objects.exists()


def test_it_creates_tags_and_taggings(an):
    person = an.upsert_person(email_address="anna@example.org")

    # parsons' add_tag creates the tag, then looks for an "action_network:" identifier to log.
    with pytest.raises(IndexError):
        an.add_tag("press")
    tag = Tag.objects.get(name="press")
    tagging = an.create_tagging(tag.pk, {"_links": {"osdi:person": person["_links"]["self"]}})
    taggings = an.get_taggings(tag.pk)
    an.delete_tagging(tag.pk, _id(tagging))

    assert an.get_tag(tag.pk)["name"] == "press"
    assert an.get_tags().num_rows == 1
    assert taggings.num_rows == 1
    assert not Person.objects.get().tags.exists()


def test_a_moderator_token_is_refused_people(live_server, token_for, monkeypatch):
    monkeypatch.setattr(action_network, "API_URL", f"{live_server.url}/api/v2")
    an = action_network.ActionNetwork(api_token=token_for(Role.MODERATOR))

    with pytest.raises(requests.HTTPError, match="403"):
        an.get_people()
