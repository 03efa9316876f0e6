"""Every API endpoint × every role (by token) × anonymous: the expected status.

Written by hand, independently of access.py, like accounts/tests/test_role_matrix.py (which
holds the session rows for these URLs: a session alone gets 401 from the API).
"""

import pytest
from django.urls import reverse

from campusvoice.accounts.models import Role
from campusvoice.petitions.tests.factories import PetitionFactory, SignatureFactory
from campusvoice.supporters.tests.factories import PersonFactory, TagFactory

pytestmark = pytest.mark.django_db

ADMIN, ORGANISER, MODERATOR, ANALYST = Role.ADMIN, Role.ORGANISER, Role.MODERATOR, Role.ANALYST
ANON = "anonymous"


def _objects():
    person, tag = PersonFactory(), TagFactory()
    person.tags.add(tag)
    petition = PetitionFactory()
    signature = SignatureFactory(petition=petition, token="roles-token")
    tagging = person.tags.through.objects.get(person=person, tag=tag)
    return {
        "person": {"pk": person.pk},
        "petition": {"pk": petition.pk},
        "signatures": {"petition_pk": petition.pk},
        "signature": {"petition_pk": petition.pk, "pk": signature.pk},
        "tag": {"pk": tag.pk},
        "taggings": {"tag_pk": tag.pk},
        "tagging": {"tag_pk": tag.pk, "pk": tagging.pk},
    }


STAFF = {ADMIN: 200, ORGANISER: 200, MODERATOR: 403, ANALYST: 403, ANON: 401}
EVERYONE = {ADMIN: 200, ORGANISER: 200, MODERATOR: 200, ANALYST: 200, ANON: 401}

# (url name, kwargs key, expected by who). Reads only: writes are covered in test_api.py, and
# a write's capability is the same as its read's for every role here.
ROWS = [
    ("api:entry-point", None, EVERYONE),
    ("api:schema", None, {**EVERYONE, ANON: 200}),
    ("api:person-list", None, STAFF),
    ("api:person-detail", "person", STAFF),
    ("api:petition-list", None, STAFF),
    ("api:petition-detail", "petition", STAFF),
    ("api:signature-list", "signatures", STAFF),
    ("api:signature-detail", "signature", STAFF),
    ("api:tag-list", None, STAFF),
    ("api:tag-detail", "tag", STAFF),
    ("api:tagging-list", "taggings", STAFF),
    ("api:tagging-detail", "tagging", STAFF),
]


@pytest.mark.parametrize("who", [ANON, ADMIN, ORGANISER, MODERATOR, ANALYST])
@pytest.mark.parametrize(("name", "kwargs_key", "expected"), ROWS, ids=[row[0] for row in ROWS])
def test_each_role_gets_what_the_table_says(api_for, who, name, kwargs_key, expected):
    objects = _objects()
    url = reverse(name, kwargs=objects[kwargs_key] if kwargs_key else None)

    response = api_for(None if who == ANON else who).get(url)

    assert response.status_code == expected[who]
    if response.status_code in (401, 403):
        assert "error" in response.json()


@pytest.mark.parametrize("who", [MODERATOR, ANALYST])
@pytest.mark.parametrize(
    ("method", "name", "kwargs_key", "body"),
    [
        ("post", "api:person-list", None, {"person": {"email_addresses": [{"address": "a@example.org"}]}}),
        ("put", "api:person-detail", "person", {"given_name": "X"}),
        (
            "post",
            "api:signature-list",
            "signatures",
            {"person": {"email_addresses": [{"address": "a@example.org"}]}},
        ),
        ("post", "api:tag-list", None, {"name": "new"}),
        ("post", "api:tagging-list", "taggings", {"_links": {"osdi:person": {"href": "http://testserver/"}}}),
        ("delete", "api:tagging-detail", "tagging", None),
    ],
)
def test_moderators_and_analysts_cannot_write(api_for, who, method, name, kwargs_key, body):
    objects = _objects()
    url = reverse(name, kwargs=objects[kwargs_key] if kwargs_key else None)

    response = getattr(api_for(who), method)(url, body, content_type="application/json")

    assert response.status_code == 403


def test_a_session_without_a_token_is_not_enough(client_for):
    response = client_for(Role.ADMIN).get(reverse("api:person-list"))

    assert response.status_code == 401
