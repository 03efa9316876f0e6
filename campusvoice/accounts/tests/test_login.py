import pytest
from django.urls import reverse

from campusvoice.accounts.models import AuditEvent
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_shows_the_login_page_in_english_and_italian(client):
    assert "Log in" in client.get(reverse("accounts:login")).content.decode()
    response = client.get(reverse("accounts:login"), headers={"accept-language": "it"})
    assert "Accedi" in response.content.decode()


def test_it_logs_a_member_in_with_email_and_password(client, organiser):
    response = client.post(reverse("accounts:login"), {"username": organiser.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action="login", object_id=str(organiser.pk)).exists()


def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get(reverse("campuses:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_locks_out_after_repeated_failures(client, organiser):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": organiser.email, "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": organiser.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed" in response.content.decode()
    assert response["Retry-After"] == str(15 * 60)  # the default cool-off, a quarter of an hour


def test_it_requires_an_admin_to_set_up_two_factor(client, admin_user):
    client.post(reverse("accounts:login"), {"username": admin_user.email, "password": PASSWORD})
    response = client.get(reverse("campuses:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two-factor-setup")
