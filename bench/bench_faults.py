"""Fault tests (issue 10): crash and starve campusvoice, then count what survived.

After each fault: no acknowledged comment or e-mail lost, none twice, every task finished or
visibly failed. Each scenario prints one PASS/FAIL line with its counts and the machine's load.

    python -m bench faults                                  # every scenario
    python -m bench.bench_faults webhooks mail              # chosen ones
    BENCH_FAULTS_COMMENTS=500 python -m bench.bench_faults sync

Scenarios:

* webhooks: Meta's bad habits against the real view (Django's test client, no server): every
  change of N comments (add, two edits, some deletions) signed and delivered on its own and in
  batches, each body two or three times, shuffled (edits and deletions before the add), with
  entry times 36 hours old; then the worker's job. Exactly one effect each, final text and
  deletions right.
* mail: N petition signatures queue their confirmation e-mail while nothing listens on the SMTP
  port; the periodic sweep (`outgoing_emails_send_due`) fails them all; an SMTP server (aiosmtpd)
  starts; the sweep runs as the scheduler would, a minute later, and again a day later. Every
  message arrives exactly once.
* sync: the fake Graph API (in this process) adds thousands of comments while its webhook relay
  sends them with chaos (each batch twice, reversed) to `campusvoice serve --with-worker`
  (gunicorn + db worker + scheduler); a full sync of the Page runs in the worker. The task worker
  is killed with SIGKILL in the middle of that sync, then the gunicorn master (its orphans killed
  as a supervisor would); `serve` is started again each time. The fake's webhook retry schedule is
  Meta's, compressed to minutes. At the end every comment the fake holds is in the database
  exactly once, no delivery is pending and no task is left RUNNING or due-and-READY.

* postgres, redis: signing and webhooks while PostgreSQL, or Redis as the cache, stops for 30 s.
* rq: the same load with Redis as the task queue (CAMPUSVOICE_TASKS_BACKEND=rq: serve's worker is an
  rq worker) and an SMTP server listening; the private Redis keeps nothing, so a stop loses every
  queued job. Afterwards every acknowledged signature's confirmation arrived exactly once.
* disk: the same load on a second private cluster whose data directory is a small tmpfs (needs
  root to mount), filled to the last byte for 30 s and then freed.

Everything runs on PostgreSQL in a database of its own (BENCH_FAULTS_PG_URL, dropped and made
again): `python -m bench faults` re-runs this module in a child process pointed at it.
"""

import io
import logging
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from bench import pg_recreate

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_FAULTS_PG_URL", "postgres://postgres@127.0.0.1:5432/cv_faults")
LOGS = ROOT / "var" / "bench"
SCENARIOS = ("webhooks", "mail", "sync", "postgres", "redis", "rq", "disk")
# Meta retries a webhook for 36 hours (15 s, 1 min, 5 min, …); the fake does the same, in minutes.
RETRIES = (0, 1, 2, 4, 8, 15, 30, 60, 120, 240)
RESULTS: list[str] = []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _load() -> str:
    return "load " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _report(name: str, ok: bool, counts: dict, seconds: float) -> bool:
    figures = ", ".join(f"{k} {v}" for k, v in counts.items())
    line = f"{'PASS' if ok else 'FAIL'} {name}: {figures}; {seconds:.0f} s; {_load()}"
    RESULTS.append(line)
    print(line, flush=True)
    return ok


def _tasks_left() -> dict:
    """Tasks a worker should have finished: RUNNING ones, and READY ones already due."""
    from django.db.models import Q
    from django.tasks import TaskResultStatus
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    due = Q(run_after__isnull=True) | Q(run_after__lte=timezone.now())
    return {
        "running": DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count(),
        "ready": DBTaskResult.objects.filter(due, status=TaskResultStatus.READY).count(),
        "failed": DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count(),
    }


def _connect(graph_url: str):
    from campusvoice.conversations.models import Channel
    from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_ID, DEMO_PAGE_TOKEN
    from campusvoice.integrations.meta.models import MetaConnection
    from campusvoice.integrations.meta.services import connection_connect

    MetaConnection.objects.all().delete()
    Channel.objects.filter(platform_id=DEMO_PAGE_ID).delete()
    connection, _check = connection_connect(token=DEMO_PAGE_TOKEN, by=None, graph_url=graph_url)
    return connection


def _count_statuses(fake) -> Counter:
    """Wrap the fake's webhook transport to count the answers each attempt got (0: no answer)."""
    statuses: Counter = Counter()
    transport = fake.emitter.transport

    def counting(body: bytes, headers: dict) -> int:
        status = transport(body, headers)
        statuses[status] += 1
        return status

    fake.emitter.transport = counting
    return statuses


def _petition():
    from campusvoice.campaigns.models import Campaign
    from campusvoice.petitions.models import Petition

    campaign = Campaign.objects.create(name="Faults", slug=f"faults-{secrets.token_hex(3)}")
    return Petition.objects.create(
        campaign=campaign,
        slug=f"faults-{secrets.token_hex(3)}",
        title_en="A real plan against sexual violence",
        text_en="We ask our university for a confidential reporting office.",
        target_description="The presidents of our campuses",
        consent_text_en="Count my name and deliver it with the petition.",
        contact_text_en="Send me news about this campaign.",
    )


# --- webhooks: duplicated, reordered, 36 hours late -------------------------------------------


def scenario_webhooks() -> bool:
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from campusvoice.conversations.models import Comment
    from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_ID, FakeGraphServer
    from campusvoice.integrations.meta.fakegraph.webhooks import WebhookEmitter, comment_change, entry
    from campusvoice.integrations.meta.models import WebhookChange, WebhookDelivery

    started = time.perf_counter()
    count = int(os.environ.get("BENCH_FAULTS_WEBHOOK_COMMENTS", "300"))
    fake = FakeGraphServer(
        app_id=settings.CAMPUSVOICE_META_APP_ID, app_secret=settings.CAMPUSVOICE_META_APP_SECRET
    ).start()
    try:
        connection = _connect(fake.url)
    finally:
        fake.stop()
    post_id = f"{DEMO_PAGE_ID}_900000000000000001"
    client = Client(SERVER_NAME="localhost")
    statuses: list[int] = []

    def transport(body: bytes, headers: dict) -> int:
        extra = {k: v for k, v in headers.items() if k != "Content-Type"}
        response = client.post("/integrations/meta/webhook/", body, "application/json", headers=extra)
        statuses.append(response.status_code)
        return response.status_code

    emitter = WebhookEmitter(app_secret=settings.CAMPUSVOICE_META_APP_SECRET, transport=transport)
    t0 = int(time.time()) - 36 * 3600  # every change happened 36 hours before it arrives
    rng = random.Random(10)
    entries, expected_changes = [], 0
    for n in range(count):
        comment_id = f"900000000000000001_{800000 + n}"

        def change(verb, message, *, comment_id=comment_id, created=t0 + n, n=n):
            return comment_change(
                post_id=post_id,
                comment_id=comment_id,
                verb=verb,
                message=message,
                author={"id": f"61{n:011d}", "name": "Bench reader"},
                parent_id="",
                created_time=created,
            )

        entries.append(entry(DEMO_PAGE_ID, [change("add", f"first {n}")], t0 + n + 1))
        entries.append(entry(DEMO_PAGE_ID, [change("edited", f"second {n}")], t0 + n + 60))
        entries.append(entry(DEMO_PAGE_ID, [change("edited", f"final {n}")], t0 + n + 90))
        expected_changes += 3
        if n % 3 == 0:
            entries.append(entry(DEMO_PAGE_ID, [change("remove", None)], t0 + n + 120))
            expected_changes += 1
    bodies = [emitter.body("page", [e]) for e in entries]
    # Meta also batches: the same changes again inside bigger deliveries (other bytes, same changes).
    shuffled = entries[:]
    rng.shuffle(shuffled)
    bodies += [emitter.body("page", shuffled[i : i + 7]) for i in range(0, len(shuffled), 7)]
    bodies = bodies * 2 + rng.sample(bodies, len(bodies) // 3)
    rng.shuffle(bodies)
    for body in bodies:
        emitter.send(body)
    # The worker's part (no worker runs in this process): the sweep processes every pending delivery.
    for _twice in range(2):
        call_command("meta", "process-webhooks", "--all", stdout=io.StringIO())

    comments = Comment.objects.filter(
        channel=connection.channel, platform_id__startswith="900000000000000001_"
    )
    ids = list(comments.values_list("platform_id", flat=True))
    wrong = 0
    for platform_id, text, deleted_at in comments.values_list("platform_id", "text", "deleted_at"):
        n = int(platform_id.rsplit("_", 1)[1]) - 800000
        if text != f"final {n}" or (deleted_at is not None) != (n % 3 == 0):
            wrong += 1
    changes = WebhookChange.objects.filter(comment_id__startswith="900000000000000001_").count()
    pending = WebhookDelivery.objects.exclude(status=WebhookDelivery.Status.DONE).count()
    counts = {
        "posts": len(bodies),
        "non-200": sum(1 for s in statuses if s != 200),
        "comments": f"{len(set(ids))}/{count}",
        "duplicates": len(ids) - len(set(ids)),
        "wrong final state": wrong,
        "changes applied": f"{changes}/{expected_changes}",
        "deliveries not done": pending,
    }
    ok = (
        len(set(ids)) == count == len(ids)
        and not wrong
        and changes == expected_changes
        and not pending
        and not counts["non-200"]
    )
    return _report("webhooks duplicated x2-3, shuffled, 36 h late", ok, counts, time.perf_counter() - started)


# --- mail: the queue fills while SMTP is down -------------------------------------------------


def scenario_mail() -> bool:
    from datetime import timedelta

    from aiosmtpd.controller import Controller
    from django.utils import timezone

    from campusvoice.petitions.models import OutgoingEmail
    from campusvoice.petitions.services import mail
    from campusvoice.petitions.services.signatures import signature_submit

    started = time.perf_counter()
    logging.getLogger("campusvoice.petitions.services.mail").setLevel(logging.ERROR)  # 1 line a failure
    count = int(os.environ.get("BENCH_FAULTS_MAILS", "300"))
    port = int(os.environ["BENCH_FAULTS_SMTP_PORT"])
    petition = _petition()
    for n in range(count):
        signature_submit(
            petition=petition,
            version=None,
            name=f"Signer {n}",
            email=f"signer{n}@example.org",
            contact_ok=False,
            language="en",
        )
    queued = OutgoingEmail.objects.filter(to__endswith="@example.org", status=OutgoingEmail.Status.QUEUED)
    queued_count = queued.count()
    now = timezone.now()
    down = mail.outgoing_emails_send_due(now=now)  # nothing listens: every attempt fails

    received: list[str] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            received.extend(envelope.rcpt_tos)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        up = mail.outgoing_emails_send_due(now=now + timedelta(seconds=61))
        again = mail.outgoing_emails_send_due(now=now + timedelta(days=1))
    finally:
        controller.stop()
    mine = OutgoingEmail.objects.filter(to__endswith="@example.org")
    sent = mine.filter(status=OutgoingEmail.Status.SENT).count()
    counts = {
        "queued": queued_count,
        "failed while down": down["failed"],
        "sent after": up["sent"],
        "sent a day later": again["sent"],
        "received": len(received),
        "distinct": len(set(received)),
        "rows sent": sent,
        "rows not sent": mine.exclude(status=OutgoingEmail.Status.SENT).count(),
    }
    ok = (
        queued_count == count == down["failed"] == up["sent"] == len(received) == len(set(received)) == sent
        and not again["sent"]
    )
    return _report("mail queue while SMTP down", ok, counts, time.perf_counter() - started)


# --- sync: kill -9 the worker mid-sync and the gunicorn master --------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class Serve:
    """`campusvoice serve --with-worker` in its own session; kill -9 its children like an OOM would."""

    def __init__(self, env: dict, port: int):
        self.env, self.port, self.process = env, port, None
        self.log = (LOGS / "faults-serve.log").open("a")
        self.tree: set[int] = set()

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own argv
            [sys.executable, "-m", "campusvoice", "serve", f"--bind=127.0.0.1:{self.port}", "--workers=2"]
            + ["--with-worker"],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            self._remember()
            try:
                opener.open(f"http://127.0.0.1:{self.port}/health/", timeout=5)
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("campusvoice serve did not answer in time; see var/bench/faults-serve.log")

    def _remember(self) -> None:
        stack = [self.process.pid]
        while stack:
            pid = stack.pop()
            self.tree.add(pid)
            stack += _children(pid)

    def child(self, word: str) -> int:
        self._remember()
        return next(pid for pid in _children(self.process.pid) if word in _cmdline(pid))

    def kill(self, word: str) -> None:
        """SIGKILL one child; serve stops the rest; leftovers are killed, as systemd would."""
        os.kill(self.child(word), signal.SIGKILL)
        self.process.wait(timeout=90)
        self.reap()

    def reap(self) -> None:
        for pid in self.tree:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.tree = set()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                pass
        self.reap()


def scenario_sync() -> bool:
    from django.conf import settings
    from django.core.management import call_command
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from campusvoice.conversations.models import Comment
    from campusvoice.integrations.meta import tasks
    from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_ID, FakeGraphServer
    from campusvoice.integrations.meta.models import WebhookDelivery
    from campusvoice.ops.services import tasks_requeue_orphaned

    started = time.perf_counter()
    # Run what earlier scenarios queued (their sweeps already did the work: these are no-ops), so
    # the served worker starts on the sync and can be killed in the middle of it.
    call_command("worker", "--burst", stdout=io.StringIO())
    total = int(os.environ.get("BENCH_FAULTS_COMMENTS", "2000"))
    before = total // 2  # on the Page before the sync starts; the rest arrive during the run
    port = _free_port()
    fake = FakeGraphServer(
        app_id=settings.CAMPUSVOICE_META_APP_ID,
        app_secret=settings.CAMPUSVOICE_META_APP_SECRET,
        port=_free_port(),
        webhook_url=f"http://127.0.0.1:{port}/integrations/meta/webhook/",
        webhook_chaos=True,
    ).start()
    fake.emitter.schedule = RETRIES
    statuses = _count_statuses(fake)
    env = dict(os.environ, CAMPUSVOICE_TASKS_BACKEND="db", CAMPUSVOICE_META_GRAPH_URL=fake.url)
    serve = Serve(env, port)
    posts = [fake.state.add_post(page_id=DEMO_PAGE_ID, message=f"Bench post {n}") for n in range(20)]
    listeners = list(fake.state.listeners)
    fake.state.listeners.clear()  # the first half is already on the Page: only the sync brings it
    for n in range(before):
        fake.state.add_comment(
            post_id=posts[n % len(posts)]["id"],
            message=f"before {n}",
            author={"id": f"62{n:011d}", "name": "R"},
        )
    fake.state.listeners.extend(listeners)
    connection = _connect(fake.url)
    events = []
    adding_done = threading.Event()

    def add_comments() -> None:
        for n in range(before, total):
            fake.state.add_comment(
                post_id=posts[n % len(posts)]["id"],
                message=f"live {n}",
                author={"id": f"62{n:011d}", "name": "R"},
            )
            time.sleep(0.04)
        adding_done.set()

    try:
        serve.start()
        tasks.connection_sync.enqueue(connection.pk, full=True)
        threading.Thread(target=add_comments, daemon=True).start()
        # Kill the worker while it holds the sync (RUNNING), at the latest after 60 s.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if DBTaskResult.objects.filter(
                status=TaskResultStatus.RUNNING, task_path__endswith="connection_sync"
            ).exists():
                time.sleep(1.0)
                break
            time.sleep(0.2)
        in_sync = DBTaskResult.objects.filter(
            status=TaskResultStatus.RUNNING, task_path__endswith="connection_sync"
        ).exists()
        serve.kill("campusvoice worker")
        events.append(f"worker killed {'mid-sync' if in_sync else 'NOT mid-sync'}")
        time.sleep(3)
        serve.start()
        time.sleep(15)
        serve.kill("gunicorn")
        events.append("gunicorn master killed")
        time.sleep(3)
        serve.start()
        adding_done.wait(timeout=300)
        # Let the relay's retries, the worker and the scheduler's sweeps finish.
        expected = set(fake.state.comments)
        deadline = time.monotonic() + float(os.environ.get("BENCH_FAULTS_SETTLE", "420"))
        while time.monotonic() < deadline:
            stored = set(
                Comment.objects.filter(channel=connection.channel).values_list("platform_id", flat=True)
            )
            left = _tasks_left()
            pending = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).count()
            if expected <= stored and not left["running"] and not left["ready"] and not pending:
                break
            time.sleep(2)
    finally:
        serve.stop()
        fake.stop()
    # Counted while it served (left, above). Stopping may catch a periodic task mid-run after the
    # grace period; the next start puts it back, as here.
    after_stop = tasks_requeue_orphaned()
    ids = list(Comment.objects.filter(channel=connection.channel).values_list("platform_id", flat=True))
    sync_results = DBTaskResult.objects.filter(task_path__endswith="connection_sync")
    counts = {
        "fake comments": len(expected),
        "in db": len(set(ids) & expected),
        "missing": len(expected - set(ids)),
        "duplicates": len(ids) - len(set(ids)),
        "webhook answers": dict(statuses),
        "deliveries": WebhookDelivery.objects.count(),
        "pending": WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).count(),
        "tasks running": left["running"],
        "due ready": left["ready"],
        "failed (visible)": left["failed"],
        "requeued after stop": after_stop["requeued"],
        "sync runs": "/".join(
            f"{status} after {len(workers)} workers"
            for status, workers in sync_results.values_list("status", "worker_ids").order_by("enqueued_at")
        ),
        "events": "; ".join(events),
    }
    ok = not counts["missing"] and not counts["duplicates"] and not left["running"] and not left["ready"]
    ok = ok and not counts["pending"] and "NOT" not in counts["events"]
    return _report(
        "comment sync, kill -9 worker + gunicorn master", ok, counts, time.perf_counter() - started
    )


# --- postgres: the database goes away for 30 s -----------------------------------------------


class PrivatePostgres:
    """A PostgreSQL cluster of the bench's own (initdb in a temporary directory), safe to stop.

    The machine's shared PostgreSQL is never touched. As root, the cluster runs as `postgres`.
    """

    def __init__(self, port: int, *, under: Path | None = None, initdb: tuple[str, ...] = ()):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not bins:
            raise RuntimeError("no /usr/lib/postgresql/*/bin/initdb: install PostgreSQL's server package")
        self.bin = bins[-1].parent
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="cv-faults-pg-", dir=under))
        self.url = f"postgres://postgres@127.0.0.1:{port}/cv_faults"
        self.options = " -c max_wal_size=32MB -c min_wal_size=4MB" if initdb else ""  # the small disk
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres", "--no-sync", *initdb
        )

    def running(self) -> bool:
        try:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "status")
        except subprocess.CalledProcessError:
            return False
        return True

    def _run(self, tool: str, *argv: str) -> None:
        command = [str(self.bin / tool), *argv]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.dir)  # noqa: S603

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=60"
        options += self.options
        self._run(
            "pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w", "-o", options, "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Signer:
    """Signs a petition over HTTP in a loop, one new address after each acknowledged signature.

    A failed attempt is retried with the same address (a POST that committed before it failed
    then finds its own signature), so duplicates would show. Acknowledged = 302 to the thanks page.
    """

    def __init__(self, *, port: int, slug: str, prefix: str):
        import requests

        self.prefix = prefix
        self.url = f"http://127.0.0.1:{port}/p/en/{slug}/"
        self.origin = f"https://127.0.0.1:{port}"
        self.session = requests.Session()
        self.session.trust_env = False
        self.acknowledged: list[str] = []
        self.answers: Counter = Counter()
        self.stop = threading.Event()

    def run(self) -> None:
        from bench.bench_signatures import CHALLENGE_RE, TOKEN_RE, _solve

        number = 0
        email = None
        while not self.stop.is_set():
            if email is None:
                number += 1
                email = f"{self.prefix}{number}@example.org"
            headers = {
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": f"10.9.{number // 250}.{number % 250}",
            }
            try:
                page = self.session.get(self.url, headers=headers, timeout=10)
                token = TOKEN_RE.search(page.content)
                if page.status_code != 200 or token is None:
                    self.answers[f"GET {page.status_code}"] += 1
                    time.sleep(0.5)
                    continue
                challenge = CHALLENGE_RE.search(page.content)
                form = {
                    "csrfmiddlewaretoken": token.group(1).decode(),
                    "name": f"Signer {number}",
                    "email": email,
                    "version": "",
                    "consent": "on",
                    "website": "",
                    "pow_challenge": challenge.group(1).decode() if challenge else "",
                    "pow_solution": _solve(challenge.group(1).decode(), 8) if challenge else "",
                }
                headers |= {"Origin": self.origin, "Referer": self.origin + urlsplit(self.url).path}
                posted = self.session.post(
                    self.url, data=form, headers=headers, timeout=10, allow_redirects=False
                )
            except OSError as exc:
                self.answers[type(exc).__name__] += 1
                time.sleep(0.5)
                continue
            self.answers[f"POST {posted.status_code}"] += 1
            if posted.status_code == 302 and "/thanks/" in posted.headers.get("Location", ""):
                self.acknowledged.append(email)
                email = None
            else:
                time.sleep(0.5)


class PrivateRedis:
    """A redis-server of the bench's own on a free port, no persistence: a restart forgets all."""

    def __init__(self, port: int):
        self.port, self.process = port, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own argv
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def scenario_postgres() -> bool:
    if PRIVATE is None:
        return _report("postgres stopped 30 s", False, {"skipped": "BENCH_FAULTS_PG_URL is not private"}, 0)
    return _outage("postgres", PRIVATE, {})


def scenario_redis() -> bool:
    redis = PrivateRedis(_free_port())
    redis.start()
    try:
        return _outage("redis (cache)", redis, {"CAMPUSVOICE_CACHE_URL": redis.url})
    finally:
        redis.stop()


def _rq_tasks_left(url: str):
    """The RQ counterpart of _tasks_left: jobs queued, started, scheduled, and failed (visible)."""

    def count() -> dict:
        import redis
        from rq import Queue
        from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

        client = redis.Redis.from_url(url)
        try:
            queue = Queue("default", connection=client)
            return {
                "running": StartedJobRegistry(queue=queue).count,
                "ready": queue.count,
                "scheduled": ScheduledJobRegistry(queue=queue).count,
                "failed": FailedJobRegistry(queue=queue).count,
            }
        except redis.exceptions.ConnectionError:
            return {"running": -1, "ready": -1, "scheduled": -1, "failed": -1}
        finally:
            client.close()

    return count


def scenario_rq() -> bool:
    """Redis as the task queue (rq worker, scheduler enqueueing into Redis) stops for 30 s."""
    redis = PrivateRedis(_free_port())
    redis.start()
    try:
        env = {"CAMPUSVOICE_TASKS_BACKEND": "rq", "REDIS_URL": redis.url}
        return _outage("redis (rq task queue)", redis, env, tasks_left=_rq_tasks_left(redis.url), smtp=True)
    finally:
        redis.stop()


def _outage(
    label: str, service, extra_env: dict, *, tasks_left=_tasks_left, smtp: bool = False, events=None
) -> bool:
    """Sign and receive webhooks while `service` stops for BENCH_FAULTS_OUTAGE seconds, then count.

    With `smtp`, an SMTP server listens throughout, and every acknowledged signature's confirmation
    must arrive exactly once (otherwise the mails wait, failed, for their retry).
    """
    from django.conf import settings
    from django.db import connections

    from campusvoice.conversations.models import Comment
    from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_ID, FakeGraphServer
    from campusvoice.integrations.meta.models import WebhookDelivery
    from campusvoice.petitions.models import OutgoingEmail, Signature

    started = time.perf_counter()
    outage = float(os.environ.get("BENCH_FAULTS_OUTAGE", "30"))
    port = _free_port()
    fake = FakeGraphServer(
        app_id=settings.CAMPUSVOICE_META_APP_ID,
        app_secret=settings.CAMPUSVOICE_META_APP_SECRET,
        port=_free_port(),
        webhook_url=f"http://127.0.0.1:{port}/integrations/meta/webhook/",
    ).start()
    fake.emitter.schedule = RETRIES
    statuses = _count_statuses(fake)
    petition = _petition()
    env = dict(
        os.environ,
        CAMPUSVOICE_META_GRAPH_URL=fake.url,
        CAMPUSVOICE_BEHIND_PROXY="true",
        FORWARDED_ALLOW_IPS="127.0.0.1",
        CAMPUSVOICE_POW_BITS="8",
        **extra_env,
    )
    serve = Serve(env, port)
    received: Counter = Counter()
    controller = None
    if smtp:
        from aiosmtpd.controller import Controller

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
                received.update(envelope.rcpt_tos)
                return "250 OK"

        controller = Controller(
            Handler(), hostname="127.0.0.1", port=int(os.environ["BENCH_FAULTS_SMTP_PORT"])
        )
        controller.start()
    post = fake.state.add_post(page_id=DEMO_PAGE_ID, message="Bench post during the outage")
    connection = _connect(fake.url)
    signer = Signer(port=port, slug=petition.slug, prefix=f"faults-{secrets.token_hex(3)}-")
    adding = threading.Event()
    events = [] if events is None else events

    def add_comments() -> None:
        n = 0
        while not adding.is_set():
            fake.state.add_comment(
                post_id=post["id"], message=f"pg {n}", author={"id": f"63{n:011d}", "name": "R"}
            )
            n += 1
            time.sleep(0.5)

    try:
        serve.start()
        threads = [
            threading.Thread(target=signer.run, daemon=True),
            threading.Thread(target=add_comments, daemon=True),
        ]
        for thread in threads:
            thread.start()
        time.sleep(15)
        connections.close_all()
        before = dict(signer.answers)
        service.stop()
        events.append(f"{label} stopped" if not isinstance(service, DiskFiller) else "disk full")
        time.sleep(outage)
        during = Counter(signer.answers) - Counter(before)
        service.start()
        events.append(f"started after {outage:.0f} s")
        time.sleep(20)
        events.append("serve still running" if serve.process.poll() is None else "serve HAD STOPPED")
        signer.stop.set()
        adding.set()
        for thread in threads:
            thread.join(timeout=30)
        expected = set(fake.state.comments)
        deadline = time.monotonic() + float(os.environ.get("BENCH_FAULTS_SETTLE", "420"))
        while time.monotonic() < deadline:
            stored = set(
                Comment.objects.filter(channel=connection.channel).values_list("platform_id", flat=True)
            )
            left = tasks_left()
            pending = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).count()
            unsent = smtp and (
                OutgoingEmail.objects.filter(to__in=signer.acknowledged)
                .exclude(status=OutgoingEmail.Status.SENT)
                .exists()
            )
            if (
                expected <= stored
                and not left["running"]
                and not left["ready"]
                and not pending
                and not unsent
            ):
                break
            time.sleep(2)
    finally:
        serve.stop()
        fake.stop()
        if controller is not None:
            controller.stop()
    ids = list(Comment.objects.filter(channel=connection.channel).values_list("platform_id", flat=True))
    acknowledged = set(signer.acknowledged)
    rows = Counter(Signature.objects.filter(petition=petition).values_list("email", flat=True))
    mails = Counter(
        OutgoingEmail.objects.filter(to__startswith=signer.prefix, purpose__icontains="confirm").values_list(
            "to", flat=True
        )
    )
    # `left` was counted while it served (the loop above), before stopping.
    counts = {
        "acknowledged": len(acknowledged),
        "lost": len(acknowledged - set(rows)),
        "signatures twice": sum(1 for n in rows.values() if n > 1),
        "mails per acknowledged": dict(Counter(mails[e] for e in acknowledged)),
        "answers during outage": dict(during),
        "all answers": dict(signer.answers),
        "comments": f"{len(set(ids) & expected)}/{len(expected)}",
        "comment duplicates": len(ids) - len(set(ids)),
        "webhook answers": dict(statuses),
        "tasks running": left["running"],
        "due ready": left["ready"],
        "failed (visible)": left["failed"],
        "events": "; ".join(events),
    }
    if smtp:
        counts["mails received per acknowledged"] = dict(Counter(received[e] for e in acknowledged))
        counts["mail rows"] = dict(
            Counter(
                OutgoingEmail.objects.filter(to__startswith=signer.prefix).values_list("status", flat=True)
            )
        )
    ok = (
        not counts["lost"] and not counts["signatures twice"] and set(counts["mails per acknowledged"]) <= {1}
    )
    ok = ok and (not smtp or set(counts["mails received per acknowledged"]) == {1})
    ok = ok and expected <= set(ids) and not counts["comment duplicates"] and "HAD" not in counts["events"]
    ok = ok and not left["running"] and not left["ready"] and acknowledged
    return _report(f"{label} stopped {outage:.0f} s", ok, counts, time.perf_counter() - started)


# --- disk: PostgreSQL's file system fills up ------------------------------------------------


class DiskFiller:
    """Fills a file system to the last byte (stop) and frees it again (start), like a runaway log.

    After freeing, a PostgreSQL that exited is started again, as its supervisor (systemd's
    Restart=on-failure) would, and that is recorded.
    """

    def __init__(self, mount: Path, postgres: "PrivatePostgres | None" = None):
        self.mount, self.postgres, self.events = mount, postgres, []
        self.file = mount / "filler"

    def stop(self) -> None:
        with self.file.open("wb", buffering=0) as out:
            for size in (1 << 20, 1 << 12, 1):
                try:
                    while True:
                        out.write(b"\0" * size)
                except OSError:
                    pass
        usage = shutil.disk_usage(self.mount)
        self.events.append(f"filled ({usage.free} bytes free)")

    def start(self) -> None:
        self.file.unlink()
        if self.postgres is not None and not self.postgres.running():
            self.events.append("PostgreSQL had exited: started again, as systemd would")
            self.postgres.start()


def scenario_disk() -> bool:
    """PostgreSQL's data directory on a small tmpfs that fills up during signing and webhooks.

    Runs in a child process of its own, whose default database is a second private cluster made on
    the small file system (WAL segments of 1 MB, so it fits); that child runs `_outage` with the
    DiskFiller as the "service" that stops (fills) and starts (frees).
    """
    if PRIVATE is None or os.geteuid() != 0:
        return _report("disk full", False, {"skipped": "needs root (mount) and the private cluster"}, 0)
    started = time.perf_counter()
    mount = Path(tempfile.mkdtemp(prefix="cv-faults-disk-"))
    size = os.environ.get("BENCH_FAULTS_DISK_SIZE", "160m")
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(mount)], check=True)  # noqa: S603, S607
    try:
        postgres = PrivatePostgres(_free_port(), under=mount, initdb=("--wal-segsize=1",))
        postgres.start()
        env = dict(
            os.environ,
            BENCH_FAULTS_PG_URL=postgres.url,
            BENCH_FAULTS_DISK_MOUNT=str(mount),
            BENCH_FAULTS_DISK_PGDIR=str(postgres.dir),
            BENCH_FAULTS_DISK_PGPORT=str(postgres.port),
        )
        child = subprocess.run(  # noqa: S603 - our own argv
            [sys.executable, "-m", "bench.bench_faults", "disk_inner"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        lines = [line for line in child.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
        if child.returncode and not lines:
            tail = (child.stderr or child.stdout)[-300:]
            return _report("disk full", False, {"error": tail}, time.perf_counter() - started)
        for line in lines:
            RESULTS.append(line)
            print(line, flush=True)
        return not child.returncode
    finally:
        from django.db import connections

        connections.close_all()
        try:
            postgres.remove()
        except NameError:
            pass
        subprocess.run(["umount", "-l", str(mount)], check=False)  # noqa: S603, S607
        shutil.rmtree(mount, ignore_errors=True)


def scenario_disk_inner() -> bool:
    postgres = PrivatePostgres.__new__(PrivatePostgres)  # the cluster the parent made: attach to it
    postgres.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))[-1].parent
    postgres.dir = Path(os.environ["BENCH_FAULTS_DISK_PGDIR"])
    postgres.port = int(os.environ["BENCH_FAULTS_DISK_PGPORT"])
    postgres.options = " -c max_wal_size=32MB -c min_wal_size=4MB"
    filler = DiskFiller(Path(os.environ["BENCH_FAULTS_DISK_MOUNT"]), postgres)
    return _outage("disk full (PostgreSQL's file system)", filler, {}, smtp=True, events=filler.events)


# --- running ------------------------------------------------------------------------------------


PRIVATE: PrivatePostgres | None = None


def _prepare_database() -> None:
    pg_recreate(PG_URL)


def run(names: list[str]) -> int:
    unknown = [n for n in names if n not in SCENARIOS and n != "disk_inner"]
    if unknown:
        print(f"unknown scenario: {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}", file=sys.stderr)
        return 2
    LOGS.mkdir(parents=True, exist_ok=True)
    global PG_URL, PRIVATE
    if "BENCH_FAULTS_PG_URL" not in os.environ:
        PRIVATE = PrivatePostgres(_free_port())
        PRIVATE.start()
        PG_URL = PRIVATE.url
    try:
        return _run(names)
    finally:
        if PRIVATE is not None:
            from django.db import connections

            connections.close_all()
            PRIVATE.remove()


def _run(names: list[str]) -> int:
    _prepare_database()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="campusvoice.settings",
        DATABASE_URL=PG_URL,
        CAMPUSVOICE_DEBUG="true",
        CAMPUSVOICE_TASKS_BACKEND="db",
        CAMPUSVOICE_VAR_DIR=str(LOGS / "faults"),
        CAMPUSVOICE_LOG_LEVEL="WARNING",
        BENCH_FAULTS_SMTP_PORT=str(smtp_port := _free_port()),
        CAMPUSVOICE_EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        CAMPUSVOICE_EMAIL_TIMEOUT="5",
    )
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"machine: {os.cpu_count()} cores, {_load()}; database {PG_URL.rsplit('@', 1)[-1]}", flush=True)
    ok = True
    for name in names or SCENARIOS:
        try:
            ok = globals()[f"scenario_{name}"]() and ok
        except Exception as exc:  # noqa: BLE001 - one broken scenario must not hide the others
            ok = _report(name, False, {"error": f"{type(exc).__name__}: {exc}"[:300]}, 0) and False
    return 0 if ok else 1


def main() -> None:
    """`python -m bench faults`: run every scenario in a child process on PostgreSQL."""
    done = subprocess.run([sys.executable, "-m", "bench.bench_faults"], cwd=ROOT, check=False)  # noqa: S603
    if done.returncode:
        raise SystemExit(f"fault scenarios failed (exit status {done.returncode})")


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
