"""Project-wide fixtures: one member per role, and a client logged in as each."""

import os
from urllib.parse import urlsplit

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from campusvoice.accounts.models import Role, User

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _english_between_tests():
    """A test that renders Italian must not leave Italian active for the next one."""
    from django.utils import translation

    yield
    translation.activate("en")


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


# Browser tests (pytest -m browser): Debian's Chromium driven by Playwright against live_server.

# Playwright's sync API runs an event loop in this thread; the ORM calls in a test (creating its
# members) would otherwise refuse to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
# Headless in a container, and quiet: no Google services, updates or sync that would reach the
# network and spoil the "every request stayed local" check.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(browser, live_server):
    """A fresh page that records what it does; fails the test if any request left this machine.

    `page.requests_seen` lists every URL requested, `page.console_errors` the console's errors and
    `page.csp_violations` the Content-Security-Policy reports.
    """
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.requests_seen, page.console_errors, page.csp_violations = [], [], []
    page.on("request", lambda request: page.requests_seen.append(request.url))

    def on_console(message):
        if "Content Security Policy" in message.text:
            page.csp_violations.append(message.text)
        if message.type == "error":
            page.console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()
    outside = [
        url
        for url in page.requests_seen
        if urlsplit(url).scheme in ("http", "https", "ws", "wss")
        and urlsplit(url).hostname not in LOCAL_HOSTS
    ]
    assert not outside, f"requests left 127.0.0.1: {outside}"


def live_login(page, live_server, user: User, password: str = PASSWORD):
    """Log in through the real form, as a person would; returns the page after the redirect."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    return page
