import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campusvoice.accounts.models import AuditEvent, Role, User
from campusvoice.accounts.services import user_create, user_update
from conftest import login_as

pytestmark = pytest.mark.django_db


def test_it_creates_a_member_with_a_strong_password(admin_user):
    user = user_create(
        email=" New@Example.org ", password="a long enough passphrase", role="moderator", by=admin_user
    )
    assert user.email == "new@example.org"
    assert user.check_password("a long enough passphrase")
    assert AuditEvent.objects.filter(action="create", object_type="user", object_id=str(user.pk)).exists()


def test_it_rejects_a_weak_password(admin_user):
    with pytest.raises(ValidationError):
        user_create(email="weak@example.org", password="password", role="analyst", by=admin_user)
    assert not User.objects.filter(email="weak@example.org").exists()


def test_it_rejects_the_same_address_in_another_case(admin_user, organiser):
    with pytest.raises(ValidationError) as error:
        user_create(
            email="OLGA.ORGANISER@example.org",
            password="a long enough passphrase",
            role="analyst",
            by=admin_user,
        )
    assert "email" in error.value.message_dict


def test_an_admin_cannot_demote_themself(admin_user):
    with pytest.raises(ValidationError):
        user_update(user=admin_user, by=admin_user, role=Role.ANALYST, full_name="", is_active=True)
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


def test_changing_a_role_is_audited_without_personal_data(admin_user, analyst):
    user_update(user=analyst, by=admin_user, role=Role.MODERATOR, full_name="Ann", is_active=True)
    event = AuditEvent.objects.get(action="change", object_id=str(analyst.pk))
    assert event.detail == {"fields": ["full_name", "role"]}


def test_an_admin_adds_a_member_through_the_page(client, admin_user):
    login_as(client, admin_user)
    response = client.post(
        reverse("accounts:user-create"),
        {
            "email": "mod@example.org",
            "full_name": "Mo",
            "role": "moderator",
            "password": "a long enough passphrase",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="mod@example.org").role == Role.MODERATOR


def test_the_page_shows_why_a_password_is_refused(client, admin_user):
    login_as(client, admin_user)
    response = client.post(
        reverse("accounts:user-create"),
        {"email": "mod@example.org", "role": "moderator", "password": "12345"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
