"""Signing under load, served as in production, with crashes: nothing acknowledged may be lost.

Target (issue 7): at least 500 signatures per second for 60 s with p99 latency under 250 ms on
this 2-core machine, while a gunicorn worker and then the gunicorn master are killed with
SIGKILL and the server is restarted; afterwards every signature that got a success answer is in
the database exactly once, its newest queued e-mail holds the link that confirms it, and no
address is stored twice.

    python -m bench signatures
    python -m bench.bench_signatures --seconds 20 --connections 16 --workers 4 --cache db

What runs, and why:

* The server is `campusvoice serve` (gunicorn, sync workers) in production mode: DEBUG off, a
  random secret key, ALLOWED_HOSTS=127.0.0.1, PostgreSQL in a database of its own
  (BENCH_PG_URL, dropped and re-created), the shared cache in Redis database 13 (flushed) or,
  with `--cache db`, the default database cache. The task queue is the database (no worker runs:
  confirmation e-mails stay queued, which is what the check below wants to see).
* The bench plays the reverse proxy that production puts in front (docs/deploy.md):
  CAMPUSVOICE_BEHIND_PROXY=true, `X-Forwarded-Proto: https`, and one `X-Forwarded-For` address
  per signer (10.x.y.z). The per-IP limit therefore counts each simulated signer as production
  counts each real one; nothing is allow-listed.
* Every signature takes the real path: GET the petition page (CSRF token and, under load, a
  proof-of-work challenge), solve the puzzle, POST the form, expect 302 to the thanks page. The
  global threshold (60 submissions a minute) makes every submission need a solved puzzle. The
  one concession: CAMPUSVOICE_POW_BITS=8 (default `--pow-bits`) instead of production's 16,
  because here one process solves every signer's puzzle on the two cores the server needs; at
  16 bits that alone would take about 30 ms of CPU per signature. The server's work (signed,
  expiring, single-use challenge; the hash check) is the same at any difficulty.
* The load generator is asyncio over raw sockets with `--connections` simulated signers, each
  signing in a loop (closed loop, like wrk). It is a few hundred lines of standard library, costs
  far less CPU per request than the server, and can do what wrk's Lua cannot: parse the page for
  the challenge and solve it with hashlib. Its own CPU time is reported. Debian's wrk was not
  used for that reason.
* Crashes: at one third of the run a worker gets SIGKILL (the master starts another); at two
  thirds the master gets SIGKILL, its orphaned workers are killed as a supervisor would, and
  `campusvoice serve` starts again. A signer whose request failed retries the same address once
  the server answers (a POST that committed before the crash then finds its own signature), so
  the duplicate check is meaningful.
"""

import argparse
import asyncio
import hashlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench import pg_recreate, production_env

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/cv_bench_signatures")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SLUG = "bench-petition"
TIMEOUT = 10.0

TOKEN_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CHALLENGE_RE = re.compile(rb'data-pow-challenge="([^"]+)"')
COOKIE_RE = re.compile(rb"csrftoken=([^;]+)")


# --- the server -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env(args) -> dict:
    env = production_env(
        PG_URL,
        CAMPUSVOICE_VAR_DIR=str(ROOT / "var" / "bench" / "signatures"),
        CAMPUSVOICE_TASKS_BACKEND="db",
        CAMPUSVOICE_POW_BITS=str(args.pow_bits),
        FORWARDED_ALLOW_IPS="127.0.0.1",
    )
    if args.cache == "redis":
        env["CAMPUSVOICE_CACHE_URL"] = REDIS_URL
    return env


def _campusvoice(*argv: str, env: dict) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "campusvoice", *argv], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"campusvoice {' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _prepare(env: dict, args) -> None:
    pg_recreate(PG_URL)
    if args.cache == "redis":
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    _campusvoice("migrate", "--no-input", env=env)
    _campusvoice("collectstatic", "--no-input", env=env)
    code = f"""
from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.models import University
from campusvoice.petitions.models import Petition, PetitionVersion
campaign = Campaign.objects.create(name="Bench", slug="bench")
petition = Petition.objects.create(
    campaign=campaign, slug="{SLUG}", title_en="A real plan against sexual violence",
    text_en="We ask our university for a confidential reporting office.",
    target_description="The presidents of our campuses",
    consent_text_en="Count my name and deliver it with the petition.",
    contact_text_en="Send me news about this campaign.",
)
for n in range(3):
    university = University.objects.create(name=f"Bench University {{n}}", country="IT")
    PetitionVersion.objects.create(petition=petition, university=university, code=f"c{{n}}", target="The Rector")
"""
    _campusvoice("shell", "-c", code, env=env)


class Server:
    def __init__(self, env: dict, port: int, workers: int):
        self.env, self.port, self.workers = env, port, workers
        self.process: subprocess.Popen | None = None
        self.log = open(ROOT / "var" / "bench" / "signatures-server.log", "a")  # noqa: SIM115

    def start(self) -> None:
        # `serve` replaces itself with gunicorn, so this pid is the gunicorn master.
        self.process = subprocess.Popen(  # noqa: S603 (our own argv)
            [
                sys.executable,
                "-m",
                "campusvoice",
                "serve",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={self.workers}",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )

    def children(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if self.process and int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def wait_ready(self, timeout: float = 300) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(
                        b"GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
                        b"Connection: close\r\n\r\n"
                    )
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit("the server did not answer /health/ in time; see var/bench/signatures-server.log")

    def cpu_sample(self, seen: dict) -> None:
        """Record the CPU seconds each server process has used so far (killed ones keep their last)."""
        tick = os.sysconf("SC_CLK_TCK")
        for pid in [self.process.pid, *self.children()] if self.process else []:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seen[pid] = (int(fields[11]) + int(fields[12])) / tick

    def kill_master(self) -> None:
        workers = self.children()
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        # Orphaned workers notice their parent is gone; a supervisor (systemd, Docker) kills what
        # is left of the group before it starts the server again, and so do we.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
            time.sleep(0.05)
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()


# --- the load generator -----------------------------------------------------------------------


@dataclass
class Stats:
    successes: set = field(default_factory=set)
    get_ms: list = field(default_factory=list)
    post_ms: list = field(default_factory=list)
    signature_ms: list = field(default_factory=list)
    per_second: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    retried: int = 0
    events: list = field(default_factory=list)
    server_cpu: dict = field(default_factory=dict)  # pid -> CPU seconds
    server_cpu_before: dict = field(default_factory=dict)

    def server_cpu_used(self) -> float:
        """CPU seconds of the server's processes during the run (a restart's boot included)."""
        return sum(self.server_cpu.values()) - sum(self.server_cpu_before.values())

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class Connection:
    """One keep-alive HTTP/1.1 connection that reconnects when the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, dict, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers: dict = {}
        for line in lines[1:]:
            if b":" in line:
                name, value = line.split(b":", 1)
                headers.setdefault(name.strip().lower(), []).append(value.strip())
        length = headers.get(b"content-length")
        body = await (self.reader.readexactly(int(length[0])) if length else self.reader.read())
        if not length or headers.get(b"connection", [b""])[0].lower() == b"close":
            self.close()
        return status, headers, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _solve(challenge: str, bits: int) -> str:
    counter = 0
    while True:
        digest = hashlib.sha256(f"{challenge}:{counter}".encode()).digest()
        value = int.from_bytes(digest[:4])
        if bits <= 32 and value >> (32 - bits) == 0:
            return str(counter)
        counter += 1


async def _signer(number: int, *, port: int, args, stats: Stats, state: dict) -> None:
    path = f"/p/en/{SLUG}/".encode()
    host = f"127.0.0.1:{port}".encode()
    origin = b"https://" + host
    connection = Connection(port)
    cookie = b""
    sequence = 0
    email = None
    while not state["stop"]:
        if email is None:
            sequence += 1
            email = f"s{number}-{sequence}@example.org"
            ip = f"10.{number % 250}.{sequence // 250 % 250}.{sequence % 250 + 1}".encode()
        proxy = b"X-Forwarded-Proto: https\r\nX-Forwarded-For: " + ip + b"\r\n"
        started = time.monotonic()
        try:
            get = b"GET " + path + b" HTTP/1.1\r\nHost: " + host + b"\r\n" + proxy
            get += (b"Cookie: csrftoken=" + cookie + b"\r\n" if cookie else b"") + b"\r\n"
            status, headers, body = await asyncio.wait_for(connection.request(get), TIMEOUT)
            got = time.monotonic()
            for value in headers.get(b"set-cookie", []):
                if match := COOKIE_RE.match(value):
                    cookie = match.group(1)
            token = TOKEN_RE.search(body)
            if status != 200 or token is None:
                stats.error(f"GET {status}")
                await asyncio.sleep(0.05)
                continue
            challenge = CHALLENGE_RE.search(body)
            form = {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "name": f"Signer {number}",
                "email": email,
                "version": "",
                "consent": "on",
                "website": "",
                "pow_challenge": challenge.group(1).decode() if challenge else "",
                "pow_solution": _solve(challenge.group(1).decode(), args.pow_bits) if challenge else "",
            }
            data = urlencode(form).encode()
            post = (
                b"POST " + path + b" HTTP/1.1\r\nHost: " + host + b"\r\n" + proxy
                + b"Origin: " + origin + b"\r\nReferer: " + origin + path + b"\r\n"
                + b"Cookie: csrftoken=" + cookie + b"\r\n"
                + b"Content-Type: application/x-www-form-urlencoded\r\n"
                + b"Content-Length: " + str(len(data)).encode() + b"\r\n\r\n" + data
            )  # fmt: skip
            posted = time.monotonic()
            status, headers, _body = await asyncio.wait_for(connection.request(post), TIMEOUT)
            done = time.monotonic()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
            # Refused, reset or cut off by a crash: try the same address again once it answers.
            connection.close()
            stats.error("connection")
            stats.retried += 1
            await asyncio.sleep(0.2)
            continue
        if status == 302 and b"/thanks/" in headers.get(b"location", [b""])[0]:
            stats.successes.add(email)
            stats.get_ms.append((got - started) * 1000)
            stats.post_ms.append((done - posted) * 1000)
            stats.signature_ms.append((done - started) * 1000)
            second = int(done - state["t0"])
            stats.per_second[second] = stats.per_second.get(second, 0) + 1
            email = None
        else:
            stats.error(f"POST {status}")
            email = None if status == 429 else email


async def _crashes(server: Server, args, stats: Stats, state: dict) -> None:
    third = args.seconds / 3
    await asyncio.sleep(third)
    workers = server.children()
    if workers:
        os.kill(workers[0], signal.SIGKILL)
        stats.events.append(f"{time.monotonic() - state['t0']:.1f} s: SIGKILL worker {workers[0]}")
    await asyncio.sleep(third)
    at = time.monotonic() - state["t0"]
    await asyncio.to_thread(server.kill_master)
    stats.events.append(f"{at:.1f} s: SIGKILL master {server.process.pid}; restarting")
    server.start()
    ready = await asyncio.to_thread(server.wait_ready)
    stats.events.append(f"{time.monotonic() - state['t0']:.1f} s: serving again ({ready:.1f} s to start)")


async def _load(server: Server, args) -> tuple[Stats, float, float]:
    stats = Stats()
    state = {"stop": False, "t0": time.monotonic()}
    cpu = os.times()
    server.cpu_sample(stats.server_cpu_before)
    signers = [
        asyncio.create_task(_signer(n, port=server.port, args=args, stats=stats, state=state))
        for n in range(args.connections)
    ]
    crashes = asyncio.create_task(_crashes(server, args, stats, state)) if args.crash else None
    while time.monotonic() - state["t0"] < args.seconds:
        await asyncio.sleep(1)
        server.cpu_sample(stats.server_cpu)
    state["stop"] = True
    elapsed = time.monotonic() - state["t0"]
    await asyncio.wait(signers, timeout=TIMEOUT + 1)
    if crashes is not None:
        await crashes
    used = os.times()
    return stats, elapsed, (used.user - cpu.user) + (used.system - cpu.system)


# --- the check --------------------------------------------------------------------------------


def _verify(successes: set, env: dict) -> dict:
    """Compare what the signers were told with what the database holds.

    An acknowledged signature must be stored once, and the newest of its queued e-mails must hold
    the link that confirms it (the token whose hash the row keeps). The e-mail's body is rendered
    when it is sent (the token is stored nowhere), so the check renders it as the sender would, in
    a `campusvoice shell` with the server's settings and secret key. A signer who resubmits after
    a crash gets a fresh link by design: such a signature has two e-mails, and is counted as
    "resubmitted".
    """
    code = f"""
import json
from campusvoice.petitions.models import OutgoingEmail, Signature
from campusvoice.petitions.services.signatures import confirmation_render
newest, count = {{}}, {{}}
for email in OutgoingEmail.objects.filter(object_type="signature").order_by("id"):
    newest[email.object_id] = email
    count[email.object_id] = count.get(email.object_id, 0) + 1
rows = []
for s in Signature.objects.filter(petition__slug="{SLUG}"):
    email = newest.get(str(s.pk))
    rendered = confirmation_render(email) if email else None
    rows.append([s.email, s.token_hash, rendered[0] if rendered else "", count.get(str(s.pk), 0)])
print(json.dumps(rows))
"""
    rows = json.loads(_campusvoice("shell", "-c", code, env=env).strip().splitlines()[-1])
    link = re.compile(r"/confirm/([A-Za-z0-9_-]+)/")
    per_address: dict = {}
    working: set = set()
    resubmitted: set = set()
    for email, token_hash, body, mails in rows:
        per_address[email] = per_address.get(email, 0) + 1
        found = link.search(body)
        if found and hashlib.sha256(found.group(1).encode()).hexdigest() == token_hash:
            working.add(email)
        if mails > 1:
            resubmitted.add(email)
    return {
        "rows": len(rows),
        "acknowledged": len(successes),
        "acknowledged_missing": len([e for e in successes if e not in per_address]),
        "addresses_twice": len([e for e, n in per_address.items() if n > 1]),
        "acknowledged_without_a_working_link": len([e for e in successes if e not in working]),
        "resubmitted_after_an_error": len(resubmitted),
        "stored_without_acknowledgement": len([e for e in per_address if e not in successes]),
    }


def _pct(values: list, q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_signatures")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=16, help="simulated signers at once")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--cache", choices=("redis", "db"), default="redis")
    parser.add_argument("--pow-bits", type=int, default=8)
    parser.add_argument("--no-crash", dest="crash", action="store_false")
    args = parser.parse_args(argv if argv is not None else [])

    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    env = _server_env(args)
    print(f"uptime before: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    _prepare(env, args)
    server = Server(env, _free_port(), args.workers)
    server.start()
    try:
        server.wait_ready()
        stats, elapsed, client_cpu = asyncio.run(_load(server, args))
    finally:
        server.stop()
    print(f"uptime after:  {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    check = _verify(stats.successes, env)
    rate = len(stats.successes) / elapsed
    steady = sorted(stats.per_second.items())
    summary = {
        "seconds": round(elapsed, 1),
        "connections": args.connections,
        "workers": args.workers,
        "cache": args.cache,
        "pow_bits": args.pow_bits,
        "signatures": len(stats.successes),
        "signatures_per_second": round(rate, 1),
        "best_second": max((n for _s, n in steady), default=0),
        "median_second": statistics.median([n for _s, n in steady]) if steady else 0,
        "post_ms": {f"p{q}": round(_pct(stats.post_ms, q), 1) for q in (50, 95, 99)},
        "get_ms": {f"p{q}": round(_pct(stats.get_ms, q), 1) for q in (50, 95, 99)},
        "get_and_post_ms": {f"p{q}": round(_pct(stats.signature_ms, q), 1) for q in (50, 95, 99)},
        "errors": stats.errors,
        "retried_after_error": stats.retried,
        "client_cpu_seconds": round(client_cpu, 1),
        # gunicorn's own processes only; PostgreSQL and Redis come on top.
        "server_cpu_seconds": round(stats.server_cpu_used(), 1),
        "server_cpu_ms_per_signature": round(
            1000 * stats.server_cpu_used() / max(1, len(stats.successes)), 1
        ),
        "crashes": stats.events,
        "check": check,
    }
    print(json.dumps(summary, indent=2))
    ok = (
        check["acknowledged_missing"] == 0
        and check["addresses_twice"] == 0
        and check["acknowledged_without_a_working_link"] == 0
    )
    print(
        f"{rate:.0f} signatures/s (target 500), POST p99 {summary['post_ms']['p99']} ms (target 250); "
        f"durability check {'passed' if ok else 'FAILED'}"
    )
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
