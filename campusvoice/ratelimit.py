"""A fixed-window rate limit in Django's cache, for endpoints outside the petitions' forms.

The cache is shared by every web process (settings.CACHES), so a limit holds across workers.
Keys hold a keyed hash of what is counted (an IP address), never the value itself.
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
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


def hit(*, scope: str, key: str, limit: Limit) -> int | None:
    """Count one event for `key` in `scope`; the seconds to wait (for Retry-After) once the
    window's count passes the limit, else None."""
    now = time.time()
    start = int(now // limit.seconds * limit.seconds)
    hashed = salted_hmac(f"campusvoice.ratelimit.{scope}", key, algorithm="sha256").hexdigest()[:32]
    cache_key = f"cv:ratelimit:{scope}:{hashed}:{start}"
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the window's first event
        if cache.add(cache_key, 1, timeout=limit.seconds + 1):
            count = 1
        else:  # another process started the window between the two calls
            count = cache.incr(cache_key)
    if count > limit.count:
        return max(1, math.ceil(start + limit.seconds - now))
    return None
