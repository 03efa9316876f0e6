"""Live-comment latency: from the fake Graph API adding a comment to its row in the database.

The real path: the fake (in this process) adds a comment to the sandbox Page and its relay POSTs
Meta's signed `feed` webhook over HTTP to `campusvoice serve --with-worker` (gunicorn, 2 workers,
the django-tasks-db worker polling every second), which stores the delivery, answers 200 and
enqueues its processing; the worker classifies the comment and writes the row. The bench polls
the database every 20 ms for the row. Comments go one at a time (each waits for the previous).

The relay's 0.2 s "let changes gather" pause, which imitates Meta's batching, is set to 0 here:
the figure is what campusvoice adds. The inbox page itself polls every 12 s (htmx), so a
moderator sees a comment at most that much later than the figure below.

    python -m bench webhook_latency            # BENCH_WEBHOOK_N=40 comments by default
"""

import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "Where is the support desk on campus?",
    "Dove trovo lo sportello antiviolenza?",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("campusvoice serve stopped while starting")
        try:
            opener.open(url, timeout=5)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def main() -> None:
    from django.conf import settings

    from campusvoice.conversations.models import Channel, Comment
    from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_ID, DEMO_PAGE_TOKEN, FakeGraphServer
    from campusvoice.integrations.meta.models import MetaConnection
    from campusvoice.integrations.meta.services import connection_connect

    count = int(os.environ.get("BENCH_WEBHOOK_N", "40"))
    port = _free_port()
    env = dict(os.environ, CAMPUSVOICE_TASKS_BACKEND="db")
    log = ROOT / "var" / "bench" / "webhook_latency_serve.log"
    with log.open("w") as out:
        serve = subprocess.Popen(  # noqa: S603 - our own command line
            [
                sys.executable,
                "-m",
                "campusvoice",
                "serve",
                f"--bind=127.0.0.1:{port}",
                "--workers=2",
                "--with-worker",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    fake = None
    try:
        _wait_for(f"http://127.0.0.1:{port}/accounts/login/", serve)
        fake = FakeGraphServer(
            app_id=settings.CAMPUSVOICE_META_APP_ID,
            app_secret=settings.CAMPUSVOICE_META_APP_SECRET,
            seed="empty",
            webhook_url=f"http://127.0.0.1:{port}/integrations/meta/webhook/",
        ).start()
        relay = next(listener.__self__ for listener in fake.state.listeners)
        relay.delay = 0.0
        MetaConnection.objects.all().delete()
        Channel.objects.filter(platform_id=DEMO_PAGE_ID).delete()
        connection_connect(token=DEMO_PAGE_TOKEN, by=None, graph_url=fake.url)
        post = fake.state.add_post(page_id=DEMO_PAGE_ID, message="Bench post")
        # One comment first, untimed: the worker's first task loads the classifier.
        latencies = []
        for n in range(count + 1):
            started = time.perf_counter()
            comment = fake.state.add_comment(
                post_id=post["id"],
                message=TEXTS[n % len(TEXTS)],
                author={"id": f"6100000000{n:04d}", "name": "Bench reader"},
            )
            while not Comment.objects.filter(platform_id=comment["id"]).exists():
                if time.perf_counter() - started > 60:
                    raise RuntimeError(f"comment {n} did not arrive within 60 s; see {log}")
                time.sleep(0.02)
            if n:
                latencies.append(time.perf_counter() - started)
    finally:
        if fake is not None:
            fake.stop()
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=90)
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}; Python {platform.python_version()}; "
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
    )
    print(
        f"{len(latencies)} comments, fake -> signed webhook -> gunicorn -> db worker -> row: "
        f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms"
    )
