"""Fixtures for the cross-cutting attack-surface tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate-limit counters live in the cache, keyed by hashed IPs and member ids that repeat
    # between tests.
    cache.clear()
    yield
    cache.clear()


# `campusvoice check --deploy` and friends run in production mode, as ops/tests does.
from campusvoice.ops.tests.conftest import production_env  # noqa: E402, F401
