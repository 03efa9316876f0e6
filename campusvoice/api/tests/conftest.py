"""Fixtures for the API: a token per role, and a client that sends it."""

import pytest
from django.core.cache import cache
from django.test import Client

from campusvoice.accounts.models import Role, User
from campusvoice.api import services
from conftest import PASSWORD

EMAILS = {
    Role.ADMIN: "ada.admin@example.org",
    Role.ORGANISER: "olga.organiser@example.org",
    Role.MODERATOR: "mo.moderator@example.org",
    Role.ANALYST: "ann.analyst@example.org",
}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache, keyed by member id; ids repeat between tests."""
    cache.clear()
    yield
    cache.clear()


def member(role: str) -> User:
    return User.objects.filter(email=EMAILS[role]).first() or User.objects.create_user(
        EMAILS[role], PASSWORD, role=role
    )


@pytest.fixture
def token_for(db):
    """`token_for(role)` makes a token for that role's member and returns the raw token."""

    def make(role: str) -> str:
        return services.api_token_create(user=member(role), name="tests")[1]

    return make


@pytest.fixture
def api_for(token_for):
    """`api_for(role)`: a test client that sends that role's token; `api_for(None)` sends none."""

    def make(role: str | None) -> Client:
        if role is None:
            return Client()
        return Client(headers={"OSDI-API-Token": token_for(role)})

    return make


@pytest.fixture
def api(api_for):
    """A client with an organiser's token: may read and write people, petitions and tags."""
    return api_for(Role.ORGANISER)
