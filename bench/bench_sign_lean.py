"""A measured prototype, not the product: how fast a signing path outside Django's request cycle runs.

    python -m bench.bench_sign_lean --seconds 30 --no-crash
    python -m bench.bench_sign_lean                 # 60 s, a worker and the master killed

Issue 7 asks for 500 signatures/s on this 2-core machine; the product's path (Django, gunicorn)
gives about 210/s here and the profile spreads its cost thinly (docs/benchmarks.md). The way out
named there is a signing path that does not go through Django's request cycle, ORM and forms. This
bench measures that option before anyone builds it: `app` below is a plain WSGI callable, served
by the same gunicorn (--preload; by default 2 gthread workers of 8 threads, which keep connections
alive: `--threads 1` for sync workers; `--server granian` for a server whose HTTP handling is
Rust), driven by the same load generator and the same crashes as `bench_signatures` (its `_load`
and `Server`), against PostgreSQL and Redis.

What the prototype does per signature, as the product does: GET the page (a per-process copy of
the page, re-read from PostgreSQL at most once a second, with the visitor's CSRF token and a
signed, expiring proof-of-work challenge put in; the token also as a cookie; the product's
security headers); POST: the Origin checked against the host, the token against the cookie,
the honeypot, name, e-mail and consent checked, the puzzle's signature, age and hash checked,
then ONE Redis pipeline (the IP's, the address's and everyone's counters, and the puzzle's
single-use claim; 429 past a limit) and ONE prepared PostgreSQL statement in autocommit (the
signature and its queued e-mail, ON CONFLICT DO NOTHING: an address that signed before stores
nothing new and gets the same answer), then 302 to the thanks page.

What it leaves out of the product's path, and a real one would have to add: Django's CSRF
token masking (a plain double-submit token here), translation (English only), the campus
versions and attribution fields, the e-mail's confirmation token and the re-send rules for an
address that signed before, the request-id logging, the bound form with its errors (a real
one would hand every request it does not accept to Django's view, which stays the reference).
Its own tables (`lean_signature`, `lean_email`) in a database of its own.
"""

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import sys
import time
from functools import cache
from html import escape
from urllib.parse import parse_qs

from bench import ROOT, pg_recreate

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/cv_bench_sign_lean")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
PATH = "/p/en/bench-petition/"
THANKS = PATH + "thanks/"
POW_MAX_AGE = 600
LIMITS = {"ip": (20, 600), "address": (3, 3600), "global": (1_000_000, 60)}

SCHEMA = """
CREATE TABLE lean_petition (id int PRIMARY KEY, slug text UNIQUE, title text, body text,
    is_open boolean, updated_at timestamptz);
CREATE TABLE lean_signature (id bigserial PRIMARY KEY, petition_id int REFERENCES lean_petition,
    email text, name text, ip_hash text, created_at timestamptz, UNIQUE (petition_id, email));
CREATE TABLE lean_email (id bigserial PRIMARY KEY, signature_id bigint REFERENCES lean_signature,
    created_at timestamptz);
INSERT INTO lean_petition VALUES (1, 'bench-petition', 'A real plan against sexual violence',
    'We ask our university for a confidential reporting office.', true, now());
"""
INSERT = (
    "WITH s AS (INSERT INTO lean_signature (petition_id, email, name, ip_hash, created_at)"
    " VALUES (%s, %s, %s, %s, now()) ON CONFLICT DO NOTHING RETURNING id)"
    " INSERT INTO lean_email (signature_id, created_at) SELECT id, now() FROM s RETURNING signature_id"
)
FRESHNESS = "SELECT id, title, body, is_open, updated_at FROM lean_petition WHERE slug = %s"

HEADERS = [
    ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'self'; form-action 'self'"),
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Content-Language", "en"),
]


# --- the prototype (imported by gunicorn) -----------------------------------------------------


class _Worker:
    """Per-process state, made after the fork: one PostgreSQL and one Redis connection."""

    pid = None
    db = redis = None
    page: tuple[float, bytes] | None = None


@cache
def _key() -> bytes:
    return os.environ["BENCH_LEAN_KEY"].encode()


def _worker() -> type[_Worker]:
    if _Worker.pid != os.getpid():
        import psycopg
        import redis

        _Worker.pid = os.getpid()
        _Worker.db = psycopg.connect(os.environ["BENCH_LEAN_PG"], autocommit=True, prepare_threshold=0)
        _Worker.redis = redis.Redis.from_url(os.environ["BENCH_LEAN_REDIS"])
        _Worker.page = None
    return _Worker


def _page(worker) -> bytes | None:
    """The page with two slots, read again from the database at most once a second."""
    now = time.monotonic()
    if worker.page is None or now - worker.page[0] > 1.0:
        row = worker.db.execute(FRESHNESS, ["bench-petition"], prepare=True).fetchone()
        if row is None or not row[3]:
            return None
        html = (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(row[1])}</title>'
            f'<link rel="stylesheet" href="/static/petitions/public.css"></head><body><main>'
            f"<h1>{escape(row[1])}</h1><p>{escape(row[2])}</p>"
            f'<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="@@TOKEN@@">'
            f'<label>Name <input name="name" required maxlength="200"></label>'
            f'<label>E-mail <input name="email" type="email" required></label>'
            f'<label><input type="checkbox" name="consent" required> Count my name</label>'
            f'<input name="website" hidden><div data-pow-challenge="@@POW@@"></div>'
            f'<button>Sign</button></form><script src="/static/petitions/pow.js"></script></main></body></html>'
        ).encode()
        worker.page = (now, html)
    return worker.page[1]


def _challenge(bits: int) -> str:
    body = f"{secrets.token_hex(8)}.{int(time.time())}.{bits}"
    return body + "." + hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest()[:32]


def _pow_ok(challenge: str, solution: str) -> bool:
    try:
        rand, stamp, bits, mac = challenge.split(".")
        age = time.time() - int(stamp)
        needed = int(bits)
    except ValueError:
        return False
    expected = hmac.new(_key(), f"{rand}.{stamp}.{bits}".encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(mac, expected) or not 0 <= age <= POW_MAX_AGE or len(solution) > 20:
        return False
    digest = hashlib.sha256(f"{challenge}:{solution}".encode()).digest()
    return int.from_bytes(digest[:4]) >> (32 - needed) == 0


def _answer(start_response, status: str, body: bytes = b"", extra: list | None = None):
    start_response(status, [*HEADERS, *(extra or []), ("Content-Length", str(len(body)))])
    return [body]


def _cookie(environ) -> str:
    for part in environ.get("HTTP_COOKIE", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "csrftoken":
            return value
    return ""


def app(environ, start_response):
    path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
    if path == "/health/":
        return _answer(start_response, "200 OK", b"ok")
    if path != PATH:
        return _answer(start_response, "404 Not Found")
    worker = _worker()
    page = _page(worker)
    if page is None:
        return _answer(start_response, "404 Not Found")
    if method == "GET":
        token = _cookie(environ) or secrets.token_urlsafe(32)
        body = page.replace(b"@@TOKEN@@", token.encode()).replace(
            b"@@POW@@", _challenge(int(os.environ["BENCH_LEAN_POW_BITS"])).encode()
        )
        cookie = ("Set-Cookie", f"csrftoken={token}; Path=/; Secure; SameSite=Lax; Max-Age=31449600")
        return _answer(
            start_response,
            "200 OK",
            body,
            [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "private, no-store"), cookie],
        )
    if method != "POST":
        return _answer(start_response, "405 Method Not Allowed", extra=[("Allow", "GET, POST")])
    host = environ.get("HTTP_HOST", "")
    if environ.get("HTTP_ORIGIN") != f"https://{host}":
        return _answer(start_response, "403 Forbidden")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > 10_000:
        return _answer(start_response, "413 Content Too Large")
    form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
    token = _cookie(environ)
    if not token or not hmac.compare_digest(form.get("csrfmiddlewaretoken", ""), token):
        return _answer(start_response, "403 Forbidden")
    done = [("Location", THANKS)]
    if form.get("website"):
        return _answer(start_response, "302 Found", extra=done)  # a bot learns nothing
    name, email = form.get("name", "").strip(), form.get("email", "").strip().lower()
    local, _, domain = email.partition("@")
    if not (0 < len(name) <= 200 and local and "." in domain and len(email) <= 254) or not form.get(
        "consent"
    ):
        return _answer(start_response, "400 Bad Request")  # a real one: Django's view shows the errors
    challenge = form.get("pow_challenge", "")
    if not _pow_ok(challenge, form.get("pow_solution", "")):
        return _answer(start_response, "400 Bad Request")
    forwarded = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR", ""))
    ip = hmac.new(_key(), forwarded.split(",")[-1].strip().encode(), hashlib.sha256).hexdigest()[:32]
    address = hmac.new(_key(), email.encode(), hashlib.sha256).hexdigest()[:32]
    now = time.time()
    pipe = worker.redis.pipeline(transaction=False)
    counters = [("ip", ip), ("address", address), ("global", "all")]
    for scope, key in counters:
        count, seconds = LIMITS[scope]
        name_ = f"lean:{scope}:{key}:{int(now // seconds)}"
        pipe.set(name_, 0, ex=seconds + 1, nx=True)
        pipe.incr(name_)
    pipe.set(
        f"lean:pow:{hashlib.sha256(challenge.encode()).hexdigest()[:32]}", 1, ex=POW_MAX_AGE + 60, nx=True
    )
    answers = pipe.execute()
    totals = answers[1:6:2]
    if any(total > LIMITS[scope][0] for total, (scope, _k) in zip(totals, counters, strict=True)):
        return _answer(start_response, "429 Too Many Requests", extra=[("Retry-After", "60")])
    if not answers[-1]:
        return _answer(start_response, "400 Bad Request")  # the puzzle was used before
    worker.db.execute(INSERT, [1, email, name, ip], prepare=True).fetchall()
    return _answer(start_response, "302 Found", extra=done)


# --- the driver -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    import psycopg
    import redis

    from bench import bench_signatures as signing

    parser = argparse.ArgumentParser(prog="python -m bench.bench_sign_lean")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pow-bits", type=int, default=8)
    parser.add_argument("--no-crash", dest="crash", action="store_false")
    parser.add_argument(
        "--server", choices=("gunicorn", "granian"), default="gunicorn",
        help="granian: a WSGI server whose HTTP handling is Rust (pip install granian; not a dependency)",
    )  # fmt: skip
    parser.add_argument(
        "--threads", type=int, default=8, help="threads per worker (gunicorn: gthread, keep-alive; 1: sync)"
    )
    args = parser.parse_args(argv if argv is not None else [])

    pg_recreate(PG_URL)
    with psycopg.connect(PG_URL, autocommit=True) as connection:
        connection.execute(SCHEMA)
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = os.environ | {
        "BENCH_LEAN_PG": PG_URL,
        "BENCH_LEAN_REDIS": REDIS_URL,
        "BENCH_LEAN_KEY": secrets.token_hex(32),
        "BENCH_LEAN_POW_BITS": str(args.pow_bits),
    }

    if args.server == "granian":
        command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
                   "--workers", str(args.workers), "--blocking-threads", str(args.threads),
                   "--log-level", "warning", "--no-ws", "bench.bench_sign_lean:app"]  # fmt: skip
    else:
        command = [sys.executable, "-m", "gunicorn", "bench.bench_sign_lean:app", f"--workers={args.workers}",
                   "--preload", "--log-level=warning"]  # fmt: skip
        if args.threads > 1:
            command += ["--worker-class=gthread", f"--threads={args.threads}"]

    class Server(signing.Server):
        def start(self) -> None:
            port = (
                ["--port", str(self.port)] if args.server == "granian" else [f"--bind=127.0.0.1:{self.port}"]
            )
            self.process = subprocess.Popen(  # noqa: S603 (our own argv)
                [*command, *port],
                env=self.env,
                cwd=ROOT,
                stdout=self.log,
                stderr=self.log,
                start_new_session=True,
            )

    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    print(f"uptime before: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    server = Server(env, signing._free_port(), args.workers)
    server.start()
    try:
        server.wait_ready()
        stats, elapsed, client_cpu = asyncio.run(signing._load(server, args))
    finally:
        server.stop()
    print(f"uptime after:  {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    with psycopg.connect(PG_URL) as connection:
        stored = dict(
            connection.execute(
                "SELECT s.email, count(e.id) FROM lean_signature s LEFT JOIN lean_email e"
                " ON e.signature_id = s.id GROUP BY s.email"
            ).fetchall()
        )
    acknowledged = stats.successes
    rate = len(acknowledged) / elapsed
    summary = {
        "seconds": round(elapsed, 1),
        "signatures": len(acknowledged),
        "signatures_per_second": round(rate, 1),
        "median_second": sorted(stats.per_second.values())[len(stats.per_second) // 2]
        if stats.per_second
        else 0,
        "post_ms": {f"p{q}": round(signing._pct(stats.post_ms, q), 1) for q in (50, 95, 99)},
        "get_ms": {f"p{q}": round(signing._pct(stats.get_ms, q), 1) for q in (50, 95, 99)},
        "errors": stats.errors,
        "client_cpu_ms_per_signature": round(1000 * client_cpu / max(1, len(acknowledged)), 2),
        "server_cpu_ms_per_signature": round(1000 * stats.server_cpu_used() / max(1, len(acknowledged)), 2),
        "crashes": stats.events,
        "check": {
            "acknowledged_missing": len(acknowledged - stored.keys()),
            "acknowledged_without_one_email": sum(1 for e in acknowledged if stored.get(e) != 1),
            "stored_without_acknowledgement": len(stored.keys() - acknowledged),
        },
    }
    print(json.dumps(summary, indent=2))
    print(f"{rate:.0f} signatures/s (prototype; target 500), POST p99 {summary['post_ms']['p99']} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
