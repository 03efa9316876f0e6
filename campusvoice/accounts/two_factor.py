"""TOTP two-factor authentication (django-otp): available to all, required for admins."""

from django.conf import settings
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice


def required_for(user) -> bool:
    return user.is_admin and getattr(settings, "CAMPUSVOICE_REQUIRE_ADMIN_2FA", True)


def pending_step(request) -> str | None:
    """What the signed-in user must do before going on: "verify", "setup" or nothing."""
    user = request.user
    if request.user.is_verified():
        return None
    if user_has_device(user, confirmed=True):
        return "verify"
    if required_for(user):
        return "setup"
    return None


def device_start(*, user) -> TOTPDevice:
    """An unconfirmed device for the user to scan; replaces any earlier unconfirmed one."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def device_confirm(*, request, device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    return True


def verify(*, request, token: str) -> bool:
    for device in TOTPDevice.objects.devices_for_user(request.user, confirmed=True):
        if device.verify_token(token):
            otp_login(request, device)
            return True
    return False
