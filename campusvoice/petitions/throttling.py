"""Keeping the public forms usable under abuse: rate limits, a proof-of-work puzzle, hashed IPs.

Counters live in Django's cache (fixed windows), which every web process shares: the database
cache by default, Redis when CAMPUSVOICE_CACHE_URL names one (settings.CACHES). Cache keys hold
salted hashes, never an address or an IP.

Proof of work: when one IP, or everyone together, sends more than a threshold, the form asks the
browser to solve a small SHA-256 puzzle (static/petitions/pow.js, WebCrypto) before the server
accepts it. The challenge is signed with django.core.signing, expires, and is single-use.
"""

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac
from redis.exceptions import RedisError

from campusvoice import ratelimit
from campusvoice.ratelimit import Limit
from campusvoice.ratelimit import client_ip as ip_of  # noqa: F401 - the views' name for it

logger = logging.getLogger(__name__)

POW_SALT = "campusvoice.petitions.pow"
POW_MAX_AGE = 600
# The shared cache being unreachable (Redis restarting): the form degrades instead of failing. It
# counts nothing, asks every signer for the puzzle, and cannot hold a puzzle to single use.
CACHE_DOWN = (RedisError, OSError)


def _cache_down(exc: Exception) -> None:
    logger.warning(
        "rate-limit cache unreachable (%s): counting nothing, asking for the puzzle", type(exc).__name__
    )


def _setting(name: str, default):
    return getattr(settings, name, default)


def ip_hash(ip: str) -> str:
    """A keyed hash of the IP that changes every day: enough to count, useless to trace."""
    day = timezone.now().date().isoformat()
    return salted_hmac("campusvoice.petitions.ip", f"{day}:{ip}", algorithm="sha256").hexdigest()


def key_hash(value: str) -> str:
    """A keyed hash for cache keys (e-mail addresses and the like)."""
    return salted_hmac("campusvoice.petitions.key", value, algorithm="sha256").hexdigest()[:32]


def user_agent_family(user_agent: str) -> str:
    """The browser's family only ("Firefox", "Instagram app"), never the full string."""
    ua = user_agent or ""
    checks = [
        ("bot", ("bot", "crawler", "spider", "curl/", "python-requests", "wget/")),
        ("Instagram app", ("Instagram",)),
        ("Facebook app", ("FBAN", "FBAV", "FB_IAB")),
        ("Edge", ("Edg/",)),
        ("Opera", ("OPR/", "Opera")),
        ("Samsung Internet", ("SamsungBrowser",)),
        ("Firefox", ("Firefox/", "FxiOS")),
        ("Chrome", ("Chrome/", "CriOS", "Chromium/")),
        ("Safari", ("Safari/",)),
    ]
    lowered = ua.lower()
    for family, needles in checks:
        if any((n.lower() in lowered) if family == "bot" else (n in ua) for n in needles):
            return family
    return "other" if ua else ""


# Rate limits ----------------------------------------------------------------------------------


def limits() -> dict[str, Limit]:
    """Limits per scope; settings override them (tests use small numbers)."""
    return {
        "ip": Limit(*_setting("CAMPUSVOICE_PUBLIC_FORM_RATE_PER_IP", (20, 600))),
        "address": Limit(*_setting("CAMPUSVOICE_PUBLIC_FORM_RATE_PER_ADDRESS", (3, 3600))),
        "global": Limit(*_setting("CAMPUSVOICE_PUBLIC_FORM_RATE_GLOBAL", (100000, 60))),
    }


def _cache_key(scope: str, key: str, limit: Limit, now: float) -> str:
    return f"cv:rl:{scope}:{key}:{ratelimit.window(limit, now)[0]}"


def hit(scope: str, key: str, *, limit: Limit | None = None) -> int | None:
    """Count one attempt; returns seconds to wait (Retry-After) if the limit is passed, else None."""
    limit = limit or limits()[scope]
    now = time.time()
    try:
        total = ratelimit.count(_cache_key(scope, key, limit, now), limit)
    except CACHE_DOWN as exc:
        _cache_down(exc)
        return None
    return ratelimit.retry_after(total, limit, now)


@dataclass(frozen=True)
class SubmissionCheck:
    """What one cache round trip says of a submission (see `submission_check`)."""

    retry_after: int | None  # the IP is past its limit: answer 429 with this Retry-After
    pow_needed: bool  # the IP or everyone is busy: only a solved puzzle gets through
    pow_solved: bool  # a valid, unexpired solution whose challenge this call used up
    address_wait: int | None  # the address is past its limit: record and send nothing new
    address_key: str = ""  # the address's counter, to give back (`give_back`) if the write fails


def submission_check(
    *, ip_key: str, address: str = "", challenge: str = "", solution: str = ""
) -> SubmissionCheck:
    """Count a submission against its IP's limit and everyone's, and, for a valid form (`address`:
    `key_hash` of its canonical e-mail), against the address's limit and use up its puzzle: one
    cache round trip for the busiest public form instead of three.

    The same counters and keys as `hit`, `pow_required` and `pow_verify`. The puzzle's
    signature, age and hash are checked first, on the CPU; an invalid one claims nothing.
    """
    now = time.time()
    scoped = limits()
    keys = [
        (_cache_key("ip", ip_key, scoped["ip"], now), scoped["ip"]),
        (_cache_key("global", "all", scoped["global"], now), scoped["global"]),
    ]
    address_key = ""
    if address:
        address_key = _cache_key("address", address, scoped["address"], now)
        keys.append((address_key, scoped["address"]))
    valid = _pow_valid(challenge, solution)
    claims = [(_pow_claim_key(challenge), POW_MAX_AGE + 60)] if valid else []
    try:
        totals, claimed = ratelimit.count_and_claim(keys, claims)
    except CACHE_DOWN as exc:
        _cache_down(exc)
        return SubmissionCheck(retry_after=None, pow_needed=True, pow_solved=valid, address_wait=None)
    return SubmissionCheck(
        retry_after=ratelimit.retry_after(totals[0], scoped["ip"], now),
        pow_needed=_pow_needed(totals[0], totals[1]),
        pow_solved=valid and claimed[0],
        address_wait=ratelimit.retry_after(totals[2], scoped["address"], now) if address else None,
        address_key=address_key,
    )


def give_back(cache_key: str) -> None:
    """Uncount an attempt the server refused or failed (a 429, an unsolved puzzle, a failed write):
    it must not use up what the person may still try."""
    if not cache_key:
        return
    try:
        cache.decr(cache_key)
    except Exception as exc:  # noqa: BLE001 - best effort: the count expires with its window anyway
        logger.warning("rate-limit count not given back (%s)", type(exc).__name__)


def seen(scope: str, key: str) -> int:
    """How many attempts this window has counted so far, without counting one."""
    limit = limits()[scope]
    try:
        return cache.get(_cache_key(scope, key, limit, time.time()), 0)
    except CACHE_DOWN as exc:
        _cache_down(exc)
        return 0


# Proof of work --------------------------------------------------------------------------------


def pow_bits() -> int:
    return _setting("CAMPUSVOICE_POW_BITS", 16)


def pow_required(*, ip_key: str) -> bool:
    """Ask for a puzzle once this IP, or everyone together, is busier than the thresholds."""
    now = time.time()
    keys = {
        scope: _cache_key(scope, key, limits()[scope], now)
        for scope, key in (("ip", ip_key), ("global", "all"))
    }
    try:
        counts = cache.get_many(keys.values())  # one round trip for both
    except CACHE_DOWN as exc:
        _cache_down(exc)
        return True
    return _pow_needed(counts.get(keys["ip"], 0), counts.get(keys["global"], 0))


def _pow_needed(ip_total: int, all_total: int) -> bool:
    per_ip = _setting("CAMPUSVOICE_POW_AFTER_PER_IP", 5)
    per_minute = _setting("CAMPUSVOICE_POW_AFTER_GLOBAL_PER_MINUTE", 60)
    return ip_total >= per_ip or all_total >= per_minute


def pow_challenge() -> str:
    """A fresh, signed, time-stamped challenge: {"r": random, "b": difficulty in bits}."""
    return signing.dumps({"r": secrets.token_hex(8), "b": pow_bits()}, salt=POW_SALT, compress=False)


def _leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def pow_solve(challenge: str) -> str:
    """Find a solution in Python (tests and benchmarks; browsers use pow.js)."""
    bits = signing.loads(challenge, salt=POW_SALT)["b"]
    counter = 0
    while _leading_zero_bits(hashlib.sha256(f"{challenge}:{counter}".encode()).digest()) < bits:
        counter += 1
    return str(counter)


def _pow_valid(challenge: str, solution: str) -> bool:
    """A signed, unexpired challenge whose solution has enough leading zero bits (used or not)."""
    if not challenge or not solution or len(solution) > 20:
        return False
    try:
        data = signing.loads(challenge, salt=POW_SALT, max_age=POW_MAX_AGE)
    except signing.BadSignature:
        return False
    digest = hashlib.sha256(f"{challenge}:{solution}".encode()).digest()
    return _leading_zero_bits(digest) >= int(data.get("b", 99))


def _pow_claim_key(challenge: str) -> str:
    return f"cv:pow:{key_hash(challenge)}"


def pow_verify(challenge: str, solution: str) -> bool:
    """True once per valid, unexpired challenge whose solution has enough leading zero bits."""
    if not _pow_valid(challenge, solution):
        return False
    # Single use: the first verification claims the challenge.
    try:
        return cache.add(_pow_claim_key(challenge), 1, timeout=POW_MAX_AGE + 60)
    except CACHE_DOWN as exc:
        _cache_down(exc)
        return True
