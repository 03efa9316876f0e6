import secrets

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.tasks import TaskResultStatus
from django.test import override_settings

from campusvoice.ops.tasks import ops_ping
from campusvoice.ops.tests.conftest import campusvoice

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, flushed by these tests


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}})
def test_it_runs_a_queued_task_with_the_database_worker():
    token = secrets.token_hex(8)
    result = ops_ping.enqueue(token)
    assert result.status == TaskResultStatus.READY

    call_command("worker", "--burst", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == token
    assert cache.get(f"ops:ping:{token}")


@pytest.fixture
def redis_db15():
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.mark.redis
def test_it_runs_a_queued_task_with_the_rq_worker_on_redis(redis_db15, production_env):
    rq = {
        "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
        "RQ_QUEUES": {"default": {"URL": REDIS_URL}},
        "CACHES": {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        },
    }
    token = secrets.token_hex(8)
    with override_settings(**rq):
        result = ops_ping.enqueue(token)
        assert result.status == TaskResultStatus.READY

        # The worker a deployment runs, in a process of its own: RQ forks a work horse per task.
        production_env.update(
            CAMPUSVOICE_TASKS_BACKEND="rq", REDIS_URL=REDIS_URL, CAMPUSVOICE_CACHE_URL=REDIS_URL
        )
        worker = campusvoice("worker", "--burst", env=production_env)
        assert worker.returncode == 0, worker.stderr

        result.refresh()
        assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
        assert result.return_value == token
        assert cache.get(f"ops:ping:{token}")


def test_it_refuses_to_run_a_worker_when_tasks_run_immediately():
    with pytest.raises(CommandError, match="needs no worker"):
        call_command("worker", "--burst")
