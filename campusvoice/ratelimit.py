"""Fixed-window rate limits in Django's cache: the one counter every limited endpoint uses.

The cache is shared by every web process (settings.CACHES), so a limit holds across workers.
The petitions' forms (petitions/throttling.py) name their own keys (already hashed); other
endpoints call `hit`, whose keys hold a keyed hash of what is counted (an IP), never the value.
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def client_ip(request: HttpRequest) -> str:
    """The client's address; behind a trusted proxy (CAMPUSVOICE_BEHIND_PROXY) the address the
    proxy appended last to X-Forwarded-For, which a client cannot forge."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def window(limit: Limit, now: float) -> tuple[int, int]:
    """Start and end (epoch seconds) of the window `now` falls in."""
    start = int(now // limit.seconds * limit.seconds)
    return start, start + limit.seconds


def count(cache_key: str, limit: Limit) -> int:
    """Count one event under `cache_key` (one key per window) and return the window's total.

    incr first: once a window has started (the common case) that is the only cache call.
    Cache errors propagate; the caller decides whether a broken cache refuses or lets through.
    """
    try:
        return cache.incr(cache_key)
    except ValueError:  # the window's first event
        if cache.add(cache_key, 1, timeout=limit.seconds + 1):
            return 1
        return cache.incr(cache_key)  # another process started the window between the two calls


def count_and_claim(
    keys: list[tuple[str, Limit]], claims: list[tuple[str, int]] = ()
) -> tuple[list[int], list[bool]]:
    """`count` for each (key, limit) in `keys`, and `cache.add(key, 1, timeout)` for each (key,
    timeout) in `claims` (True: this call claimed it first): one round trip when the cache is Redis
    (a pipeline of SET NX EX, which starts a window with its expiry, and INCR per key; then SET NX
    EX per claim), one call at a time otherwise. The same keys and values as `count`."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return [count(key, limit) for key, limit in keys], [cache.add(key, 1, timeout=t) for key, t in claims]
    pipeline = backend._cache.get_client(write=True).pipeline(transaction=False)
    for key, limit in keys:
        made = backend.make_and_validate_key(key)
        pipeline.set(made, 0, ex=limit.seconds + 1, nx=True)
        pipeline.incr(made)
    for key, timeout in claims:
        # What cache.add stores (the Redis backend keeps small integers as plain numbers).
        pipeline.set(backend.make_and_validate_key(key), 1, ex=timeout, nx=True)
    answers = pipeline.execute()
    counted = [int(total) for total in answers[1 : 2 * len(keys) : 2]]
    return counted, [bool(answer) for answer in answers[2 * len(keys) :]]


def retry_after(total: int, limit: Limit, now: float) -> int | None:
    """Seconds to wait (for Retry-After) once `total` passes the limit, else None."""
    if total > limit.count:
        return max(1, math.ceil(window(limit, now)[1] - now))
    return None


def hit(*, scope: str, key: str, limit: Limit) -> int | None:
    """Count one event for `key` in `scope`; the seconds to wait once past the limit, else None."""
    now = time.time()
    hashed = salted_hmac(f"campusvoice.ratelimit.{scope}", key, algorithm="sha256").hexdigest()[:32]
    cache_key = f"cv:ratelimit:{scope}:{hashed}:{window(limit, now)[0]}"
    return retry_after(count(cache_key, limit), limit, now)
