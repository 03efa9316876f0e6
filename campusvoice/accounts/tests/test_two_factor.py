import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _log_in(client, user):
    return client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})


def test_an_admin_cannot_go_on_without_setting_up_two_factor(client, admin_user):
    _log_in(client, admin_user)
    assert client.get(reverse("accounts:user-list"))["Location"] == reverse("accounts:two-factor-setup")
    page = client.get(reverse("accounts:two-factor-setup"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()


def test_an_admin_turns_on_two_factor_with_a_valid_code(client, admin_user):
    _log_in(client, admin_user)
    client.get(reverse("accounts:two-factor-setup"))
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)

    response = client.post(reverse("accounts:two-factor-setup"), {"token": _code(device)})

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("accounts:user-list")).status_code == 200


def test_a_wrong_code_does_not_turn_on_two_factor(client, admin_user):
    _log_in(client, admin_user)
    client.get(reverse("accounts:two-factor-setup"))

    response = client.post(reverse("accounts:two-factor-setup"), {"token": "000000"})

    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=admin_user, confirmed=True).exists()


def test_a_member_with_a_device_must_enter_a_code_after_the_password(client, organiser):
    device = TOTPDevice.objects.create(user=organiser, name="phone", confirmed=True)
    _log_in(client, organiser)

    response = client.get(reverse("campuses:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two-factor-verify"))

    response = client.post(
        reverse("accounts:two-factor-verify"), {"token": _code(device), "next": reverse("campuses:list")}
    )
    assert response["Location"] == reverse("campuses:list")
    assert client.get(reverse("campuses:list")).status_code == 200


def test_two_factor_is_optional_for_other_roles(client, organiser):
    _log_in(client, organiser)
    assert client.get(reverse("campuses:list")).status_code == 200


def test_the_verify_page_ignores_an_offsite_next(client, organiser):
    device = TOTPDevice.objects.create(user=organiser, name="phone", confirmed=True)
    _log_in(client, organiser)
    response = client.post(
        reverse("accounts:two-factor-verify"), {"token": _code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")
