"""Running the product: collected static files and the processes behind `campusvoice serve`."""

import datetime as dt
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone

logger = logging.getLogger(__name__)

# gunicorn's own default for the time a worker gets to finish its requests after SIGTERM.
GRACEFUL_TIMEOUT = 30


def static_files_stale() -> bool:
    """True if STATIC_ROOT misses a file the finders know about, or holds an older copy of one.

    In production the manifest (staticfiles.json) must exist too: without it every `{% static %}`
    tag raises, so a missing manifest counts as stale.
    """
    root = Path(settings.STATIC_ROOT)
    if (
        isinstance(staticfiles_storage, ManifestFilesMixin)
        and not (root / staticfiles_storage.manifest_name).exists()
    ):
        return True
    # The patterns collectstatic skips (dot files, editor backups), or they would never be "fresh".
    ignore_patterns = apps.get_app_config("staticfiles").ignore_patterns
    for finder in get_finders():
        for path, storage in finder.list(ignore_patterns):
            source = Path(storage.path(path))
            copy = root / (getattr(storage, "prefix", None) or "") / path
            try:
                if copy.stat().st_mtime < source.stat().st_mtime:
                    return True
            except FileNotFoundError:
                return True
    return False


def static_collect_if_stale(*, stdout) -> bool:
    """Run `collectstatic --noinput` when static_files_stale(); returns whether it ran."""
    if not static_files_stale():
        return False
    stdout.write(f"Collecting static files into {settings.STATIC_ROOT} …")
    call_command("collectstatic", interactive=False, verbosity=0)
    return True


def gunicorn_argv(*, bind: str, workers: int) -> list[str]:
    """The command line for gunicorn serving campusvoice's WSGI application.

    No access log: request lines carry addresses and tokens, and the proxy logs requests anyway.
    gunicorn's own messages go through our log format (campusvoice/ops/gunicorn_logs.py).
    """
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "campusvoice.wsgi:application",
        f"--bind={bind}",
        f"--workers={workers}",
        # Load Django and every view once, in the master, then fork: a worker that dies is
        # replaced at once instead of after ~3 s of CPU importing everything again, and a restart
        # loads once instead of once per worker (nothing opens a connection while loading:
        # ops/tests/test_serve.py). A code upgrade therefore needs a restart, not a HUP.
        "--preload",
        f"--graceful-timeout={GRACEFUL_TIMEOUT}",
        # The runtime control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl), so
        # a second server on the machine would take over the first one's; nothing here uses it.
        "--no-control-socket",
        "--error-logfile=-",
        "--logger-class=campusvoice.ops.gunicorn_logs.Logger",
    ]


def worker_argv() -> list[str]:
    return [sys.executable, "-m", "campusvoice", "worker"]


def scheduler_argv() -> list[str]:
    return [sys.executable, "-m", "campusvoice", "scheduler"]


def fakegraph_argv(*, bind: str, port: int, drip_every: float) -> tuple[str, list[str]]:
    """The fake Graph API for the demo, with its live feed, webhooks to this server; (url, argv)."""
    from django.urls import reverse

    host, _sep, web_port = bind.rpartition(":")
    host = "127.0.0.1" if host in ("", "0.0.0.0", "[::]", "::") else host  # noqa: S104 - a wildcard bind
    webhook_url = f"http://{host}:{web_port}{reverse('meta:webhook')}"
    argv = [sys.executable, "-m", "campusvoice", "fakegraph", f"--port={port}", "--seed=demo"]
    argv += [f"--webhook-url={webhook_url}", "--drip", f"--drip-every={drip_every}"]
    return f"http://127.0.0.1:{port}", argv


def processes_supervise(*, commands: dict[str, list[str]], stdout) -> int:
    """Run the commands side by side until one exits or we receive SIGINT/SIGTERM, then stop all.

    Each child runs in its own session, so a Ctrl+C in the terminal reaches only us and every child
    gets exactly one SIGTERM: gunicorn finishes its requests, the task worker its task in hand.
    Returns 0 after a signal, otherwise the exit status of the child that stopped first.
    """
    received: list[int] = []

    def on_signal(signum, frame):
        received.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    children: dict[str, subprocess.Popen] = {}
    status = 0
    try:
        for name, argv in commands.items():
            children[name] = subprocess.Popen(argv, start_new_session=True)  # noqa: S603 (our own argv)
            stdout.write(f"Started {name} (pid {children[name].pid})")
        while not received:
            ended = [(name, child.returncode) for name, child in children.items() if child.poll() is not None]
            if ended:
                name, status = ended[0]
                stdout.write(f"{name} exited with status {status}; stopping the others.")
                status = status or 1  # a server that stops by itself is a failure
                break
            time.sleep(0.2)
    finally:
        _processes_stop(children.values())
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


def _processes_stop(children) -> None:
    alive = [child for child in children if child.poll() is None]
    for child in alive:
        child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACEFUL_TIMEOUT + 5
    for child in alive:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def process_replace(argv: list[str]) -> None:
    """Become argv (no supervisor left behind), so signals go straight to gunicorn."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)  # noqa: S606 (our own argv)


# Tasks a dead worker left ------------------------------------------------------------------------

# django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again, so a
# worker killed mid-task (kill -9, OOM, a lost machine) leaves it RUNNING for ever. Every task of
# ours is idempotent, so running it again is safe; a task that keeps killing its worker stops
# after MAX_TASK_ATTEMPTS and shows as failed on the status page.
MAX_TASK_ATTEMPTS = 3


class WorkerLost(Exception):
    """Recorded as the failure of a task whose worker died MAX_TASK_ATTEMPTS times."""


def worker_id_for_this_process() -> str:
    """`host:pid`, so a worker on the same host can tell a dead claimer from a live one."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def _claimer_alive(worker_id: str) -> bool | None:
    """True or False for a worker of this host; None (unknown) for another machine's."""
    host, _, pid = worker_id.rpartition(":")
    if host != socket.gethostname()[:40] or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a process with that id exists, owned by someone else
    return True


def tasks_requeue_orphaned(
    *, stale_after: dt.timedelta | None = None, dead_worker_ids: frozenset[str] = frozenset()
) -> dict[str, int]:
    """Put RUNNING tasks whose worker died back in the queue, or fail them after too many deaths.

    A claimer on this host is dead when its process is gone. A claimer on another machine cannot
    be asked, so its task counts as orphaned once it has run longer than `stale_after`
    (CAMPUSVOICE_TASK_STALE_MINUTES): set it above the longest task you expect.
    `dead_worker_ids` are claimers known to have lost their task although their process lives
    (a worker that lost the database mid-task and waited for it).
    """
    from django_tasks_db.models import DBTaskResult

    stale_after = stale_after or dt.timedelta(minutes=settings.CAMPUSVOICE_TASK_STALE_MINUTES)
    too_old = timezone.now() - stale_after
    counts = {"requeued": 0, "failed": 0}
    with transaction.atomic():
        running = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status=TaskResultStatus.RUNNING
        )
        for result in running:
            claimer = result.worker_ids[-1] if result.worker_ids else ""
            alive = False if claimer in dead_worker_ids else _claimer_alive(claimer)
            if alive is None:
                alive = not (result.started_at and result.started_at < too_old)
            if alive:
                continue
            if len(result.worker_ids) >= MAX_TASK_ATTEMPTS:
                result.set_failed(
                    WorkerLost(f"its worker died {len(result.worker_ids)} times while running it")
                )
                counts["failed"] += 1
            else:
                result.status = TaskResultStatus.READY
                result.started_at = None
                result.save(update_fields=["status", "started_at"])
                counts["requeued"] += 1
    if any(counts.values()):
        logger.warning("orphaned tasks: %(requeued)d requeued, %(failed)d failed", counts)
    return counts


def redis_reachable() -> bool:
    """Whether the Redis of the task queue (REDIS_URL) answers a PING within a second."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.exceptions.RedisError:
        return False
    finally:
        client.close()


def redis_wait(*, every: float = 2.0) -> None:
    """Block until the Redis of the task queue answers again (after a restart or a fail-over)."""
    while not redis_reachable():
        time.sleep(every)


def database_wait(*, every: float = 2.0, stdout=None) -> None:
    """Block until the default database answers again (after a restart or a fail-over)."""
    from django.db import OperationalError, connection

    while True:
        connection.close()
        try:
            connection.ensure_connection()
            return
        except OperationalError:
            time.sleep(every)
