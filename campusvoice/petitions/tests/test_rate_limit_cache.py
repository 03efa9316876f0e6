"""Rate-limit counters are shared by every web process: the database cache, or Redis.

Each "process" is a thread here: Django gives every thread its own cache client (and, for the
database cache, its own database connection), exactly what a second gunicorn worker has.
"""

import os
import secrets
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connections

from campusvoice.petitions import throttling
from campusvoice.petitions.throttling import Limit

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/14"


def _in_another_process(work):
    """Run `work()` in a thread, with its own cache client and database connection."""
    result = {}

    def run():
        try:
            result["value"] = work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    return result["value"]


def _shares_one_counter(key: str) -> None:
    limit = Limit(3, 600)
    here = caches["default"]

    assert throttling.hit("ip", key, limit=limit) is None
    assert throttling.hit("ip", key, limit=limit) is None
    other = _in_another_process(lambda: (caches["default"], throttling.hit("ip", key, limit=limit)))
    assert other[0] is not here  # a cache client of its own
    assert other[1] is None  # the third attempt, counted by the other process

    # This process sees the other's count: the fourth attempt is refused.
    assert throttling.hit("ip", key, limit=limit) is not None
    assert _in_another_process(lambda: throttling.hit("ip", key, limit=limit)) is not None


@pytest.mark.django_db(transaction=True)
def test_two_processes_share_a_counter_in_the_database_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": django_settings.CACHE_TABLE,
        }
    }
    try:
        _shares_one_counter(f"sign:{secrets.token_hex(8)}")
    finally:
        caches["default"].clear()


@pytest.mark.redis
def test_two_processes_share_a_counter_in_redis(settings):
    settings.CACHES = {
        "default": {"BACKEND": "campusvoice.ops.redis_cache.ReusingRedisCache", "LOCATION": REDIS_URL}
    }
    key = f"sign:{secrets.token_hex(8)}"  # a fresh key, so nothing else in the database is touched
    _shares_one_counter(key)


def test_the_migrations_create_the_cache_table(db):
    with connections["default"].cursor() as cursor:
        tables = connections["default"].introspection.table_names(cursor)
    assert django_settings.CACHE_TABLE in tables


def _caches_for(**environ) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPUSVOICE_", "DJANGO_"))}
    env.update(CAMPUSVOICE_DEBUG="true", CAMPUSVOICE_TESTING="false", **environ)
    done = subprocess.run(
        [sys.executable, "-c", "import campusvoice.settings as s; print(s.CACHES['default']['BACKEND'])"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_settings_use_the_database_cache_by_default_and_redis_when_configured():
    assert _caches_for() == "django.core.cache.backends.db.DatabaseCache"
    assert _caches_for(CAMPUSVOICE_CACHE_URL=REDIS_URL) == "campusvoice.ops.redis_cache.ReusingRedisCache"
