"""The demo organisation: its members, their throwaway passwords and the admin's second factor.

Everything here is for `make demo` on a laptop. The passwords are printed and kept in
var/demo-passwords.json so they stay the same between runs; they never go to a log.
"""

import importlib
import importlib.util
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from campusvoice.accounts.models import Role, User
from campusvoice.accounts.services import organisation_get, user_create
from campusvoice.demo.loaders import LOADERS
from campusvoice.errors import ApplicationError

ORGANISATION_NAME = "Campus Voices Demo"
DOMAIN = "demo.campusvoice.test"
MEMBERS = [
    (Role.ADMIN, f"admin@{DOMAIN}", "Ada Admin"),
    (Role.ORGANISER, f"organiser@{DOMAIN}", "Olga Organiser"),
    (Role.MODERATOR, f"moderator@{DOMAIN}", "Mo Moderator"),
    (Role.ANALYST, f"analyst@{DOMAIN}", "Ann Analyst"),
]
ADMIN_EMAIL = MEMBERS[0][1]


class DemoError(ApplicationError):
    pass


@dataclass
class DemoLoad:
    created: bool
    skipped_loaders: list[str] = field(default_factory=list)


def passwords_path() -> Path:
    return Path(settings.VAR_DIR) / "demo-passwords.json"


def demo_passwords_get() -> dict[str, str]:
    """The stored demo passwords by e-mail; empty if none were generated yet."""
    path = passwords_path()
    return json.loads(path.read_text()) if path.exists() else {}


def demo_passwords_create() -> dict[str, str]:
    """Generate a password per demo member and store them, readable by the owner only."""
    # Random, not fixed: a demo left running on a reachable address must not open with a known password.
    passwords = {email: secrets.token_urlsafe(12) for _, email, _ in MEMBERS}
    path = passwords_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL and the mode at creation: never readable by others, not even for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(passwords, file, indent=2)
    return passwords


def demo_is_loaded() -> bool:
    return User.objects.filter(email=ADMIN_EMAIL).exists()


@transaction.atomic
def demo_load(*, stdout) -> DemoLoad:
    """Create the demo organisation, one member per role and each app's demo rows; all or nothing.

    Changes nothing if the demo admin already exists. The admin gets a confirmed TOTP device, so
    `campusvoice demo otp` can print the code the log-in asks for.
    """
    if demo_is_loaded():
        return DemoLoad(created=False)

    organisation = organisation_get()
    organisation.name = ORGANISATION_NAME
    organisation.country = "IT"
    organisation.contact_email = f"info@{DOMAIN}"
    organisation.full_clean()
    organisation.save()

    passwords = demo_passwords_get() or demo_passwords_create()
    for role, email, full_name in MEMBERS:
        user_create(email=email, password=passwords[email], role=role, full_name=full_name)
    admin = User.objects.get(email=ADMIN_EMAIL)
    TOTPDevice.objects.create(user=admin, name="demo", confirmed=True)

    skipped = []
    for module_name in LOADERS:
        if not _module_exists(module_name):
            skipped.append(module_name)
            continue
        importlib.import_module(module_name).load(stdout=stdout)
    return DemoLoad(created=True, skipped_loaders=skipped)


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package is missing too
        return False


def demo_admin_otp() -> str:
    """The six digits the demo admin's log-in accepts now.

    A code is accepted once, so after a log-in in the same 30 seconds this is the next step's
    code, which the default tolerance of one step already accepts.
    """
    device = TOTPDevice.objects.filter(user__email=ADMIN_EMAIL, confirmed=True).first()
    if device is None:
        raise DemoError("There is no demo admin yet: run `campusvoice demo load` first.")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if device.last_t >= totp.t():
        totp.time += (device.last_t + 1 - totp.t()) * device.step
    return f"{totp.token():0{device.digits}d}"
