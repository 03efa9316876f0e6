"""A worker killed in the middle of a task (kill -9, out of memory) must not leave the task
RUNNING for ever: it runs again, or after repeated deaths shows as failed."""

import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
import time

import pytest
from django.tasks import TaskResultStatus
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from campusvoice.ops import services
from campusvoice.ops.tasks import ops_ping
from campusvoice.ops.tests.conftest import ROOT, campusvoice

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def claimed(result, *worker_ids: str, started: dt.datetime | None = None) -> DBTaskResult:
    row = DBTaskResult.objects.get(pk=result.id)
    row.status = TaskResultStatus.RUNNING
    row.worker_ids = list(worker_ids)
    row.started_at = started or timezone.now()
    row.save()
    return row


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_a_task_whose_worker_on_this_host_died_goes_back_in_the_queue():
    here = services.worker_id_for_this_process().rpartition(":")[0]
    dead = claimed(ops_ping.enqueue("a"), f"{here}:{dead_pid()}")
    alive = claimed(ops_ping.enqueue("b"), services.worker_id_for_this_process())

    assert services.tasks_requeue_orphaned() == {"requeued": 1, "failed": 0}

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == TaskResultStatus.READY
    assert alive.status == TaskResultStatus.RUNNING


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_another_machines_task_is_requeued_only_once_it_is_older_than_the_stale_limit():
    recent = claimed(ops_ping.enqueue("a"), "other-host:12")
    old = claimed(ops_ping.enqueue("b"), "other-host:13", started=timezone.now() - dt.timedelta(hours=3))

    assert services.tasks_requeue_orphaned(stale_after=dt.timedelta(hours=2)) == {"requeued": 1, "failed": 0}

    recent.refresh_from_db()
    old.refresh_from_db()
    assert recent.status == TaskResultStatus.RUNNING
    assert old.status == TaskResultStatus.READY


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_a_task_that_killed_its_worker_three_times_fails_visibly():
    here = services.worker_id_for_this_process().rpartition(":")[0]
    pid = dead_pid()
    row = claimed(ops_ping.enqueue("a"), f"{here}:{pid}", f"{here}:{pid}", f"{here}:{pid}")

    assert services.tasks_requeue_orphaned() == {"requeued": 0, "failed": 1}

    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "campusvoice.ops.services.WorkerLost"


@pytest.mark.django_db(transaction=True)
def test_kill_9_of_a_worker_mid_task_then_a_new_worker_finishes_it(production_env):
    """The real thing: a worker process claims a slow task and is killed with SIGKILL."""
    env = production_env | {"CAMPUSVOICE_TASKS_BACKEND": "db"}
    assert campusvoice("migrate", "--no-input", env=env).returncode == 0
    token = secrets.token_hex(6)
    enqueue = f"from campusvoice.ops.tasks import ops_sleep; print(ops_sleep.enqueue(30, {token!r}).id)"
    result_id = campusvoice("shell", "--no-imports", "-c", enqueue, env=env).stdout.strip()
    status = f"from campusvoice.ops.tasks import ops_sleep; print(ops_sleep.get_result({result_id!r}).status)"

    worker = subprocess.Popen(
        [sys.executable, "-m", "campusvoice", "worker"], env=env, cwd=ROOT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 90
        while campusvoice("shell", "--no-imports", "-c", status, env=env).stdout.strip() != "RUNNING":
            assert time.monotonic() < deadline, "the worker never claimed the task"
            time.sleep(0.5)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)

    assert campusvoice("shell", "--no-imports", "-c", status, env=env).stdout.strip() == "RUNNING"

    # Make the rerun quick: the same task, but the test cannot wait 30 s twice.
    shorten = (
        "from django_tasks_db.models import DBTaskResult; "
        f"r = DBTaskResult.objects.get(pk={result_id!r}); r.args_kwargs['args'][0] = 0; r.save()"
    )
    assert campusvoice("shell", "--no-imports", "-c", shorten, env=env).returncode == 0
    rerun = campusvoice("worker", "--burst", env=env)
    assert rerun.returncode == 0, rerun.stderr
    assert "1 back in the queue" in rerun.stdout
    assert campusvoice("shell", "--no-imports", "-c", status, env=env).stdout.strip() == "SUCCESSFUL"
