"""API tokens: stored as hashes, shown once, made on the profile page or by the command."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from campusvoice.accounts.models import Role
from campusvoice.api.models import ApiToken
from campusvoice.api.services import api_token_create
from campusvoice.api.tests.conftest import member

pytestmark = pytest.mark.django_db


def test_only_the_hash_of_a_token_is_stored():
    token, raw = api_token_create(user=member(Role.ORGANISER), name="sync")

    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in set(ApiToken.objects.values_list("token_hash", "prefix", "name")[0])
    assert raw.startswith(token.prefix)


def test_a_member_makes_a_token_on_their_profile_and_sees_it_once(client_for):
    client = client_for(Role.ANALYST)

    response = client.post("/accounts/profile/api-tokens/", {"name": "dashboard"})
    raw = response.context["new_token"]

    assert raw in response.content.decode()
    assert response.headers["Cache-Control"].startswith("max-age=0")
    assert raw not in client.get("/accounts/profile/api-tokens/").content.decode()
    assert Client(headers={"OSDI-API-Token": raw}).get("/api/v2/").status_code == 200


def test_a_member_revokes_their_own_token_only(client_for):
    own, _raw = api_token_create(user=member(Role.ORGANISER), name="own")
    other, _raw = api_token_create(user=member(Role.ADMIN), name="other")
    client = client_for(Role.ORGANISER)

    assert client.post(f"/accounts/profile/api-tokens/{own.pk}/revoke/").status_code == 302
    assert client.post(f"/accounts/profile/api-tokens/{other.pk}/revoke/").status_code == 404
    own.refresh_from_db(), other.refresh_from_db()
    assert own.revoked_at is not None and other.revoked_at is None


def test_the_command_prints_a_new_token_once():
    user = member(Role.ORGANISER)
    out = StringIO()

    call_command(
        "tokens",
        "create",
        "--user",
        user.email.upper(),
        "--name",
        "newsletter",
        stdout=out,
        stderr=StringIO(),
    )

    raw = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.user == user and token.name == "newsletter"
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()


def test_the_command_refuses_an_unknown_member():
    with pytest.raises(CommandError):
        call_command("tokens", "create", "--user", "nobody@example.org")
