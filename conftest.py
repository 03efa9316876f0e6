"""Project-wide fixtures: one member per role, and a client logged in as each."""

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from campusvoice.accounts.models import Role, User

PASSWORD = "correct horse battery staple"


def _member(role: str, email: str) -> User:
    return User.objects.create_user(email, PASSWORD, role=role, is_superuser=role == Role.ADMIN)


@pytest.fixture
def admin_user(db):
    return _member(Role.ADMIN, "ada.admin@example.org")


@pytest.fixture
def organiser(db):
    return _member(Role.ORGANISER, "olga.organiser@example.org")


@pytest.fixture
def moderator(db):
    return _member(Role.MODERATOR, "mo.moderator@example.org")


@pytest.fixture
def analyst(db):
    return _member(Role.ANALYST, "ann.analyst@example.org")


def login_as(client, user: User):
    """Log in with a verified second factor, as a member who passed the two-factor check."""
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for(client, db):
    """`client_for(role)` returns a test client logged in as a fresh member of that role."""
    emails = {
        Role.ADMIN: "ada.admin",
        Role.ORGANISER: "olga.organiser",
        Role.MODERATOR: "mo.moderator",
        Role.ANALYST: "ann.analyst",
    }

    def make(role: str | None):
        if role is None:
            return client
        user = User.objects.filter(role=role).first() or _member(role, f"{emails[role]}@example.org")
        return login_as(client, user)

    return make
