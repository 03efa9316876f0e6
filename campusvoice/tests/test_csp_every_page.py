"""Every page answers with a strict Content-Security-Policy and refuses to be framed.

The pages are the role matrix's (every URL name with its kwargs builder), visited as each role
and anonymously, plus every admin changelist and add page. Only the petition embed may be
framed, and only by the hosts in CAMPUSVOICE_EMBED_ALLOWED_HOSTS.
"""

import re

import pytest
from django.contrib import admin
from django.test import override_settings
from django.urls import reverse

from campusvoice.accounts.tests.test_role_matrix import ANON, KWARGS, MATRIX, ROLES, Objects
from conftest import login_as

pytestmark = pytest.mark.django_db

EMBEDS = {"petitions_public:embed"}
EMBED_HOST = "https://partner.example.org"
# What any directive may name: our own origin, nothing, a per-response nonce; data: for images.
ALLOWED = re.compile(r"^('self'|'none'|'nonce-[A-Za-z0-9+/_=-]+')$")
UNSAFE = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'wasm-unsafe-eval'", "*", "data:", "blob:"}


def _policy(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    assert header, "no Content-Security-Policy header"
    return {parts[0]: parts[1:] for parts in (directive.split() for directive in header.split(";")) if parts}


def problems(response, *, embed: bool = False) -> list[str]:
    """What is wrong with this response's framing and script policy; [] when nothing is."""
    try:
        policy = _policy(response)
    except AssertionError as exc:
        return [str(exc)]
    found = []
    scripts = policy.get("script-src", policy.get("default-src"))
    if not scripts:
        found.append("no script-src nor default-src")
    elif UNSAFE & set(scripts):
        found.append(f"script-src allows {sorted(UNSAFE & set(scripts))}")
    for name in ("default-src", "object-src", "base-uri"):
        if name not in policy:
            found.append(f"no {name}")
    for name, sources in policy.items():
        for source in sources:
            if name == "img-src" and source == "data:":
                continue
            if name == "frame-ancestors" and embed and source == EMBED_HOST:
                continue
            if not ALLOWED.match(source):
                found.append(f"{name} allows {source}")
    ancestors = policy.get("frame-ancestors")
    if not ancestors:
        found.append("no frame-ancestors")
    if embed:
        if response.get("X-Frame-Options"):
            found.append("the embed sends X-Frame-Options and cannot be framed by partners")
    elif response.get("X-Frame-Options") != "DENY":
        found.append(f"X-Frame-Options is {response.get('X-Frame-Options')!r}")
    return found


@pytest.fixture
def members(admin_user, organiser, moderator, analyst):
    return {str(user.role): user for user in (admin_user, organiser, moderator, analyst)}


@pytest.mark.parametrize("who", [ANON, *[str(r) for r in ROLES]])
@override_settings(CAMPUSVOICE_EMBED_ALLOWED_HOSTS=[EMBED_HOST])
def test_every_page_of_the_role_matrix_has_a_strict_policy(client, members, who):
    if who != ANON:
        login_as(client, members[who])
    objects, wrong = Objects(), {}
    for name, row in MATRIX.items():
        kwargs = KWARGS[row.kwargs](objects) if row.kwargs else {}
        response = getattr(client, row.method)(reverse(name, kwargs=kwargs))
        if found := problems(response, embed=name in EMBEDS):
            wrong[f"{name} ({response.status_code})"] = found
        if name == "accounts:logout" and who != ANON:
            login_as(client, members[who])

    assert wrong == {}


def test_every_admin_page_has_a_strict_policy(client, admin_user):
    login_as(client, admin_user)
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
    wrong = {}
    for url in urls:
        response = client.get(url)
        if response.status_code not in (200, 403):
            wrong[url] = [f"status {response.status_code}"]
        elif found := problems(response):
            wrong[url] = found

    assert wrong == {}


def test_the_embed_may_be_framed_only_by_the_allowed_hosts(client):
    from campusvoice.petitions.tests.factories import PetitionFactory

    petition = PetitionFactory()
    url = reverse("petitions_public:embed", kwargs={"slug": petition.slug})

    with override_settings(CAMPUSVOICE_EMBED_ALLOWED_HOSTS=[EMBED_HOST]):
        policy = _policy(client.get(url))
    assert policy["frame-ancestors"] == ["'self'", EMBED_HOST]
    assert _policy(client.get(url))["frame-ancestors"] == ["'self'"]


def test_the_checker_catches_a_weak_policy_and_a_frameable_page(client, settings):
    # Otherwise the tests above would prove nothing.
    settings.SECURE_CSP = {**settings.SECURE_CSP, "script-src": ["'self'", "'unsafe-inline'", "cdn.example"]}
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"

    found = problems(client.get(reverse("accounts:login")))

    assert "script-src allows [\"'unsafe-inline'\"]" in found
    assert "script-src allows cdn.example" in found
    assert "X-Frame-Options is 'SAMEORIGIN'" in found
