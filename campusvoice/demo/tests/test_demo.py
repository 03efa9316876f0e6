import json
import re
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from campusvoice.accounts.models import Organisation, Role, User
from campusvoice.demo import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_settings(settings, tmp_path):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    return settings


def demo(*args) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def demo_members():
    return User.objects.filter(email__endswith="@" + services.DOMAIN)


def test_it_loads_one_member_per_role_and_changes_nothing_the_second_time(demo_settings):
    first, _ = demo("load")
    members = {user.email: user.role for user in demo_members()}
    users, organisations, devices = (
        User.objects.count(),
        Organisation.objects.count(),
        TOTPDevice.objects.count(),
    )

    second, _ = demo("load")

    assert sorted(members.values()) == sorted(Role.values)
    assert Organisation.objects.get().name == services.ORGANISATION_NAME
    assert TOTPDevice.objects.get(user__role=Role.ADMIN, confirmed=True)
    assert "Loaded the demo organisation" in first
    assert "already loaded; nothing changed" in second
    assert {user.email: user.role for user in demo_members()} == members
    assert (User.objects.count(), Organisation.objects.count(), TOTPDevice.objects.count()) == (
        users,
        organisations,
        devices,
    )


def test_it_prints_passwords_that_work_and_stores_them_for_the_owner_only(demo_settings, tmp_path):
    output, _ = demo("load")

    path = tmp_path / "demo-passwords.json"
    stored = json.loads(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for user in demo_members():
        assert stored[user.email] in output
        assert user.check_password(stored[user.email])


def test_it_reuses_the_stored_passwords_when_loading_again(demo_settings):
    first, _ = demo("load")
    demo_members().delete()  # as after emptying the database

    second, _ = demo("load")

    printed = re.compile(r"@demo\.campusvoice\.test\s+(\S+)")
    assert printed.findall(second) == printed.findall(first)
    assert len(printed.findall(first)) == len(Role.values)


def test_it_skips_a_loader_module_that_does_not_exist_yet(demo_settings, monkeypatch):
    monkeypatch.setattr(services, "LOADERS", ["campusvoice.nowhere.demo"])

    _, err = demo("load")

    assert "Skipped campusvoice.nowhere.demo" in err
    assert demo_members().count() == len(Role.values)


def test_it_loads_nothing_when_a_loader_fails(demo_settings, monkeypatch):
    monkeypatch.setattr(services, "LOADERS", ["campusvoice.demo.tests.failing_loader"])

    with pytest.raises(RuntimeError):
        demo("load")

    assert not demo_members().exists()
    assert not Organisation.objects.exists()


def test_it_prints_an_admin_code_that_the_log_in_accepts_even_twice_in_a_row(demo_settings):
    demo("load")
    device = TOTPDevice.objects.get(user__email=services.ADMIN_EMAIL)

    code, _ = demo("otp")
    assert re.fullmatch(r"\d{6}\n", code)
    assert device.verify_token(code.strip())

    # A code works once; the next one printed must still let the admin in.
    device.refresh_from_db()
    again, _ = demo("otp")
    assert again != code
    assert device.verify_token(again.strip())


def test_it_refuses_the_otp_code_outside_debug(demo_settings):
    demo("load")
    demo_settings.DEBUG = False

    with pytest.raises(CommandError, match="CAMPUSVOICE_DEBUG=true"):
        demo("otp")


def test_it_refuses_the_otp_code_before_the_demo_is_loaded(demo_settings):
    with pytest.raises(CommandError, match="demo load"):
        demo("otp")


def test_it_refuses_to_load_the_demo_in_production_mode(settings, tmp_path):
    settings.DEBUG = False
    settings.VAR_DIR = tmp_path

    with pytest.raises(CommandError, match="CAMPUSVOICE_DEBUG=true"):
        demo("load")

    assert not demo_members().exists()
    assert not (tmp_path / "demo-passwords.json").exists()
