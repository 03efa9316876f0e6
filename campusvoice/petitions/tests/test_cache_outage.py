"""The shared cache (Redis) restarting must not take the petition form down with it.

Found by `python -m bench faults` (redis scenario; docs/security.md, "Fault tests"): every page
view answered 500 while Redis was stopped. Now the form counts nothing, asks for the puzzle, signs.
"""

import socket

import pytest
from django.test import override_settings
from django.urls import reverse

from campusvoice.petitions import throttling
from campusvoice.petitions.models import Signature
from campusvoice.petitions.tests.factories import PetitionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_down(settings):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }


@override_settings(CAMPUSVOICE_POW_BITS=4)
def test_with_the_cache_down_the_form_asks_for_the_puzzle_and_still_signs(client, cache_down):
    petition = PetitionFactory()
    url = reverse("petitions_public:petition", kwargs={"lang": "en", "slug": petition.slug})
    form = {"name": "Anna Rossi", "email": "anna@example.org", "consent": "on"}

    page = client.get(url)
    assert page.status_code == 200 and page.context["pow_challenge"]

    unsolved = client.post(url, form)
    assert unsolved.status_code == 200 and not Signature.objects.exists()

    challenge = unsolved.context["pow_challenge"]
    solution = throttling.pow_solve(challenge)
    solved = client.post(url, form | {"pow_challenge": challenge, "pow_solution": solution})
    assert solved.status_code == 302
    assert Signature.objects.get().email == "anna@example.org"


def test_with_the_cache_down_limits_count_nothing_rather_than_fail(cache_down):
    assert throttling.hit("ip", "somebody") is None
    assert throttling.seen("ip", "somebody") == 0
    assert throttling.pow_required(ip_key="somebody") is True
