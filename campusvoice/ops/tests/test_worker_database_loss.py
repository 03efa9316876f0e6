"""A db worker that loses the database (restart, fail-over) waits for it instead of exiting, and the
task it held runs again. Exiting would stop `campusvoice serve --with-worker` altogether; found by
`python -m bench faults` (docs/security.md, "Fault tests")."""

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.tasks import TaskResultStatus
from django.test import override_settings
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from campusvoice.ops import services
from campusvoice.ops.tasks import ops_ping

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_a_live_worker_that_lost_its_task_gets_it_requeued():
    me = services.worker_id_for_this_process()
    result = ops_ping.enqueue("a")
    DBTaskResult.objects.filter(pk=result.id).update(status=TaskResultStatus.RUNNING, worker_ids=[me])

    assert services.tasks_requeue_orphaned() == {"requeued": 0, "failed": 0}  # alive: left alone
    assert services.tasks_requeue_orphaned(dead_worker_ids=frozenset({me})) == {"requeued": 1, "failed": 0}
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.READY


@pytest.mark.django_db(transaction=True)  # waiting for the database closes the connection
@override_settings(TASKS=DB_TASKS)
def test_the_worker_waits_for_the_database_and_requeues_the_task_it_held(monkeypatch, signals_kept):
    result = ops_ping.enqueue("a")
    runs = []

    def run(worker):
        runs.append(DBTaskResult.objects.get(pk=result.id).status)
        if len(runs) == 1:
            # Claimed, then the database goes away mid-task (as psycopg reports a stopped server).
            DBTaskResult.objects.filter(pk=result.id).update(
                status=TaskResultStatus.RUNNING, worker_ids=[worker.worker_id]
            )
            raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(db_worker.Worker, "run", run)

    call_command("worker")

    assert runs == [TaskResultStatus.READY, TaskResultStatus.READY]  # back in the queue, once


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_a_burst_worker_still_stops_when_the_database_goes_away(monkeypatch, signals_kept):
    def run(worker):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(db_worker.Worker, "run", run)

    with pytest.raises(OperationalError):
        call_command("worker", "--burst")
