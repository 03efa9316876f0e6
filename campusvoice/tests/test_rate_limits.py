"""Every public endpoint answers a flood with 429 and a Retry-After header.

One parametrised test drives each endpoint past a small limit from one address; the same
address is then refused, and the answer says how long to wait.
"""

import hashlib
import hmac
import json

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from campusvoice import ratelimit
from campusvoice.accounts.models import Role, User
from campusvoice.api import services as api_services
from campusvoice.integrations.meta.models import WebhookDelivery
from campusvoice.petitions.tests.factories import CampaignFactory, PetitionFactory, SignatureFactory
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

IP = "203.0.113.9"
SMALL = {
    "CAMPUSVOICE_PUBLIC_FORM_RATE_PER_IP": (3, 600),
    "CAMPUSVOICE_POW_AFTER_PER_IP": 100,  # the puzzle is not what is tested here
    "CAMPUSVOICE_API_RATE": "3/min",
    "CAMPUSVOICE_META_WEBHOOK_REFUSED_PER_IP": (3, 600),
    "AXES_FAILURE_LIMIT": 3,
}


def _sign(client):
    petition = PetitionFactory()
    url = reverse("petitions_public:petition", kwargs={"lang": "en", "slug": petition.slug})
    counter = iter(range(1000))
    return lambda: client.post(
        url, {"name": "A", "email": f"a{next(counter)}@example.org", "consent": "on"}, REMOTE_ADDR=IP
    )


def _confirm(client):
    SignatureFactory()
    url = reverse("petitions_public:signature-confirm", kwargs={"lang": "en", "token": "not-a-real-token"})
    return lambda: client.post(url, REMOTE_ADDR=IP)


def _story(client):
    url = reverse(
        "petitions_public:story-create", kwargs={"lang": "en", "campaign_slug": CampaignFactory().slug}
    )
    return lambda: client.post(url, {"kind": "opinion", "text": "Consent classes now."}, REMOTE_ADDR=IP)


def _login(client):
    user = User.objects.create_user("olga.organiser@example.org", PASSWORD, role=Role.ORGANISER)
    url = reverse("accounts:login")
    return lambda: client.post(url, {"username": user.email, "password": "wrong"}, REMOTE_ADDR=IP)


def _webhook_post(client):
    url = reverse("meta:webhook")
    return lambda: client.post(
        url,
        data=b"{}",
        content_type="application/json",
        headers={"X-Hub-Signature-256": "sha256=00"},
        REMOTE_ADDR=IP,
    )


def _webhook_verify(client):
    url = reverse("meta:webhook") + "?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1"
    return lambda: client.get(url, REMOTE_ADDR=IP)


def _api(client):
    user = User.objects.create_user("ann.analyst@example.org", PASSWORD, role=Role.ORGANISER)
    token = api_services.api_token_create(user=user, name="tests")[1]
    return lambda: client.get("/api/v2/", headers={"OSDI-API-Token": token}, REMOTE_ADDR=IP)


ENDPOINTS = {
    "sign": _sign,
    "confirm": _confirm,
    "story": _story,
    "log-in": _login,
    "webhook-post": _webhook_post,
    "webhook-verify": _webhook_verify,
    "api": _api,
}


@pytest.mark.parametrize("name", ENDPOINTS)
@override_settings(**SMALL)
def test_each_public_endpoint_answers_a_flood_with_429_and_retry_after(client, name):
    send = ENDPOINTS[name](client)

    statuses = [send().status_code for _ in range(6)]

    # Log-in locks out on the limit'th failure, the others refuse the request after the limit.
    assert 429 not in statuses[:2], f"{name} limited too early: {statuses}"
    assert statuses[-1] == 429, f"{name} never limited: {statuses}"
    response = send()
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600


def _signed(body: bytes) -> dict:
    digest = hmac.new(settings.CAMPUSVOICE_META_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}"}


@override_settings(**SMALL)
def test_metas_signed_deliveries_are_never_limited_even_from_a_flooded_address(client):
    url = reverse("meta:webhook")
    for _ in range(5):
        client.post(url, data=b"{}", content_type="application/json", REMOTE_ADDR=IP)
    assert client.post(url, data=b"{}", content_type="application/json", REMOTE_ADDR=IP).status_code == 429

    body = json.dumps({"object": "page", "entry": []}).encode()
    statuses = [
        client.post(
            url, data=body, content_type="application/json", headers=_signed(body), REMOTE_ADDR=IP
        ).status_code
        for _ in range(10)
    ]

    assert statuses == [200] * 10
    assert WebhookDelivery.objects.count() >= 1


@override_settings(**SMALL)
def test_a_flood_of_forged_webhooks_from_one_address_does_not_limit_another():
    url = reverse("meta:webhook")
    flooder, other = Client(), Client()
    for _ in range(5):
        flooder.post(url, data=b"{}", content_type="application/json", REMOTE_ADDR=IP)

    assert flooder.post(url, data=b"{}", content_type="application/json", REMOTE_ADDR=IP).status_code == 429
    assert (
        other.post(url, data=b"{}", content_type="application/json", REMOTE_ADDR="198.51.100.4").status_code
        == 403
    )


def test_the_shared_limiter_counts_per_window_and_keeps_no_address_in_the_cache():
    limit = ratelimit.Limit(2, 60)
    with time_machine.travel(1_800_000_000, tick=False):
        answers = [ratelimit.hit(scope="probe", key="192.0.2.1", limit=limit) for _ in range(3)]
        assert answers[:2] == [None, None] and answers[2] == 60
        assert ratelimit.hit(scope="probe", key="192.0.2.2", limit=limit) is None
        assert not any("192.0.2" in key for key in cache._cache)  # locmem's own keys
    with time_machine.travel(1_800_000_061, tick=False):
        assert ratelimit.hit(scope="probe", key="192.0.2.1", limit=limit) is None
