"""The public pages (/p/) served by the handler with the short middleware list
(campusvoice/ops/public_handler.py): every public flow answers as with the whole list."""

import io
import re
import sys

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, override_settings
from django.urls import reverse

from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.ops.public_handler import (
    PUBLIC_MIDDLEWARE,
    PublicPagesHandler,
    dispatching,
    public_middleware,
)
from campusvoice.petitions import public_views, selectors, throttling
from campusvoice.petitions.models import Signature, Story
from campusvoice.petitions.services.signatures import confirmation_token
from campusvoice.petitions.tests.factories import CampaignFactory, PetitionFactory, PetitionVersionFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CHALLENGE = re.compile(r'data-pow-challenge="([^"]+)"')
# Headers whose presence and value the two stacks must agree on (X-Request-ID and the CSP nonce
# differ per request by design; they are compared by shape).
SAME_HEADERS = (
    "Content-Type",
    "Content-Language",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Cache-Control",
    "Retry-After",
    "Location",
)


def _public_client() -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_ORIGIN="http://testserver")
    with override_settings(MIDDLEWARE=PUBLIC_MIDDLEWARE):
        client.handler.load_middleware()
    return client


def _full_client() -> Client:
    return Client(enforce_csrf_checks=True, HTTP_ORIGIN="http://testserver")


def _fresh():
    cache.clear()
    public_views._PAGES.clear()
    selectors._PUBLIC.clear()


def _journey(client: Client, *, petition, version, campaign, email: str) -> list:
    """Every public flow once; what each step answered, as comparable tuples."""
    answers = []

    def record(name, response):
        csp = response.get("Content-Security-Policy", "")
        answers.append(
            (
                name,
                response.status_code,
                {h: response.get(h) for h in SAME_HEADERS},
                re.sub(r"nonce-[^']+", "nonce-N", csp),
                bool(re.fullmatch(r"[0-9a-f]{16}", response.get("X-Request-ID", ""))),
                "sessionid" in response.cookies,
            )
        )
        return response

    page = reverse("petitions_public:petition", kwargs={"lang": "en", "slug": petition.slug})
    got = record("page", client.get(page))
    html = got.content.decode()
    form = {
        "name": "Anna Rossi",
        "email": email,
        "consent": "on",
        "version": version.pk,
        "csrfmiddlewaretoken": TOKEN.search(html).group(1),
    }
    if challenge := CHALLENGE.search(html):
        form |= {
            "pow_challenge": challenge.group(1),
            "pow_solution": throttling.pow_solve(challenge.group(1)),
        }
    no_token = {k: v for k, v in form.items() if k != "csrfmiddlewaretoken"}
    record("post without token", client.post(page, no_token))
    record("post from another site", client.post(page, form, HTTP_ORIGIN="https://evil.example"))
    record("sign", client.post(page, form))
    record("invalid form", client.post(page, {**form, "email": "not an address"}))
    record(
        "version page",
        client.get(
            reverse(
                "petitions_public:version", kwargs={"lang": "it", "slug": petition.slug, "code": version.code}
            )
        ),
    )
    record(
        "thanks", client.get(reverse("petitions_public:thanks", kwargs={"lang": "en", "slug": petition.slug}))
    )
    signature = Signature.objects.get(email=email)
    confirm = reverse(
        "petitions_public:signature-confirm", kwargs={"lang": "en", "token": confirmation_token(signature)}
    )
    got = record("confirm page", client.get(confirm))
    token = TOKEN.search(got.content.decode()).group(1)
    record("confirm", client.post(confirm, {"csrfmiddlewaretoken": token}))
    record("link used", client.get(confirm))
    record(
        "confirmed",
        client.get(reverse("petitions_public:confirmed", kwargs={"lang": "en", "slug": petition.slug})),
    )
    embed = reverse("petitions_public:embed", kwargs={"slug": petition.slug}) + "?lang=it"
    record("embed", client.get(embed))
    record(
        "redirect", client.get(reverse("petitions_public:petition-redirect", kwargs={"slug": petition.slug}))
    )
    record(
        "redirect, Italian browser",
        client.get(
            reverse("petitions_public:petition-redirect", kwargs={"slug": petition.slug}),
            HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9",
        ),
    )
    record("unknown petition", client.get("/p/en/no-such-petition/"))
    record("no trailing slash", client.get(f"/p/en/{petition.slug}"))
    stories = reverse("petitions_public:story-create", kwargs={"lang": "en", "campaign_slug": campaign.slug})
    got = record("story form", client.get(stories))
    token = TOKEN.search(got.content.decode()).group(1)
    record(
        "story",
        client.post(stories, {"kind": "opinion", "text": "We need this.", "csrfmiddlewaretoken": token}),
    )
    return answers


@override_settings(CAMPUSVOICE_POW_AFTER_GLOBAL_PER_MINUTE=3, CAMPUSVOICE_POW_BITS=4)
def test_every_public_flow_answers_as_through_the_whole_middleware_list():
    campaign = CampaignFactory()
    petition = PetitionFactory(campaign=campaign)
    version = PetitionVersionFactory(petition=petition, university=UniversityFactory(name="Ateneo"))

    _fresh()
    full = _journey(
        _full_client(), petition=petition, version=version, campaign=campaign, email="a@example.org"
    )
    _fresh()
    public = _journey(
        _public_client(), petition=petition, version=version, campaign=campaign, email="b@example.org"
    )

    for mine, theirs in zip(public, full, strict=True):
        assert mine == theirs, (
            mine[0],
            [
                (k, a, b)
                for k, a, b in zip(
                    ("status", "headers", "csp", "rid", "session"), mine[1:], theirs[1:], strict=False
                )
                if a != b
            ],
        )
    statuses = {name: status for name, status, *_rest in public}
    assert statuses["post without token"] == statuses["post from another site"] == 403
    assert statuses["sign"] == 302 and statuses["confirm"] == 302 and statuses["link used"] == 410
    assert statuses["no trailing slash"] == 301  # CommonMiddleware's APPEND_SLASH kept
    italian = next(
        headers for name, _status, headers, *_rest in public if name == "redirect, Italian browser"
    )
    assert italian["Location"].startswith("/p/it/")  # LocaleMiddleware kept
    assert Signature.objects.filter(status=Signature.Status.CONFIRMED).count() == 2
    assert Story.objects.count() == 2
    assert not any(session for *_rest, session in public)  # no page starts a session


def test_the_short_list_is_an_ordered_subset_of_the_settings_list(settings):
    assert public_middleware() == PUBLIC_MIDDLEWARE
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "csrf" not in m.lower()]
    with pytest.raises(RuntimeError, match="ordered subset"):
        public_middleware()
    settings.MIDDLEWARE = list(reversed(PUBLIC_MIDDLEWARE))
    with pytest.raises(RuntimeError, match="ordered subset"):
        public_middleware()


def test_only_paths_under_p_go_to_the_public_handler():
    seen = []

    def app(name):
        return lambda environ, start_response: seen.append((name, environ["PATH_INFO"]))

    dispatch = dispatching(app("all"), app("public"))
    for path in ("/p/en/x/", "/p/x/embed/", "/", "/accounts/login/", "/pp/", "/api/v2/"):
        dispatch({"PATH_INFO": path}, None)
    assert seen == [
        ("public", "/p/en/x/"),
        ("public", "/p/x/embed/"),
        ("all", "/"),
        ("all", "/accounts/login/"),
        ("all", "/pp/"),
        ("all", "/api/v2/"),
    ]


def test_the_public_handler_serves_a_petition_page_over_wsgi():
    petition = PetitionFactory()
    handler = PublicPagesHandler()
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": f"/p/en/{petition.slug}/",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    # As Django's test client does: the test's transaction must survive the request's signals.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(handler(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert answer["status"].startswith("200")
    assert petition.title_en.encode() in body
    assert (
        "nonce-" in answer["headers"]["Content-Security-Policy"]
        or "Content-Security-Policy" in answer["headers"]
    )
