"""Is this instance working? Cheap checks for a load balancer, and the admin's status figures.

The checks name their component and say "ok" or "fail", nothing more: the health URL is public,
and an error message can carry a host name or a password from a connection string.
"""

import logging

from django.conf import settings
from django.db import connection
from django.db.models import Count

logger = logging.getLogger(__name__)

OK, FAIL = "ok", "fail"


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def _redis_configured() -> bool:
    cache_backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return settings.TASKS_BACKEND == "rq" or "redis" in cache_backend.lower()


def _redis() -> str:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return OK


def _tasks() -> str:
    """The queue's table answers (database backend); the other backends have no store here."""
    if settings.TASKS_BACKEND == "db":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.only("pk").first()
    return OK


def health_checks() -> dict:
    """{"status": "ok" | "fail", "checks": {name: "ok" | "fail"}}; redis only when it is used."""
    checks = {"database": _database, "tasks": _tasks}
    if _redis_configured():
        checks["redis"] = _redis
    results = {}
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure is a failed check
            # The class only: messages can quote connection strings.
            logger.warning("health check %s failed: %s", name, type(exc).__name__)
            results[name] = FAIL
    return {"status": OK if all(r == OK for r in results.values()) else FAIL, "checks": results}


def status_figures(*, failed_shown: int = 10) -> dict:
    """What the admin's status page shows: queue depth, failures, Meta syncs, mail backlog.

    Task arguments are never read: they are ids, but the rule is not to show them anyway.
    """
    from campusvoice.petitions.models import OutgoingEmail

    figures: dict = {"tasks_backend": settings.TASKS_BACKEND, "tasks": None, "failed_tasks": []}
    if settings.TASKS_BACKEND == "db":
        from django_tasks_db.models import DBTaskResult

        figures["tasks"] = dict(
            DBTaskResult.objects.values_list("status").annotate(n=Count("pk")).order_by("status")
        )
        figures["failed_tasks"] = list(
            DBTaskResult.objects.filter(status="FAILED")
            .order_by("-finished_at")
            .values("id", "task_path", "finished_at", "exception_class_path")[:failed_shown]
        )
        figures["failed_count"] = figures["tasks"].get("FAILED", 0)
    elif settings.TASKS_BACKEND == "rq":
        figures |= _rq_figures(failed_shown=failed_shown)
    figures["mail"] = dict(
        OutgoingEmail.objects.values_list("status").annotate(n=Count("pk")).order_by("status")
    )
    try:
        from campusvoice.integrations.meta.models import MetaConnection
    except ImportError:  # the Meta integration is optional
        figures["meta"] = []
    else:
        figures["meta"] = list(
            MetaConnection.objects.order_by("page_name").values(
                "pk", "page_name", "status", "last_sync_at", "last_error_at"
            )
        )
    return figures


def _rq_figures(*, failed_shown: int) -> dict:
    """The same figures from RQ's queues and registries in Redis; tasks None if Redis is down.

    A task whose worker died, or that raised, is in RQ's failed registry: shown here with its
    exception's class (never its message). The row-based sweeps (mail, webhooks, posts) retry the
    work itself; `rq requeue --all -u $REDIS_URL` runs the failed tasks again.
    """
    import redis
    from rq import Queue
    from rq.job import Job
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        tasks, failed_ids = {"QUEUED": 0, "RUNNING": 0, "SCHEDULED": 0, "FAILED": 0}, []
        for name in settings.TASKS["default"].get("QUEUES") or ["default"]:
            queue = Queue(name, connection=client)
            failed = FailedJobRegistry(queue=queue)
            tasks["QUEUED"] += queue.count
            tasks["RUNNING"] += StartedJobRegistry(queue=queue).count
            tasks["SCHEDULED"] += ScheduledJobRegistry(queue=queue).count
            tasks["FAILED"] += failed.count
            failed_ids += failed.get_job_ids(0, failed_shown - 1)
        failed_tasks = []
        for job in Job.fetch_many(failed_ids[:failed_shown], connection=client):
            if job is None:
                continue
            result = job.latest_result()
            lines = (result.exc_string if result and result.exc_string else "").strip().splitlines()
            failed_tasks.append(
                {
                    "id": job.id,
                    "task_path": job.func_name,
                    "exception_class_path": lines[-1].split(":", 1)[0] if lines else "",
                    "finished_at": job.ended_at,
                }
            )
    except redis.exceptions.RedisError as exc:
        logger.warning("status: the task queue's Redis failed: %s", type(exc).__name__)
        return {"tasks": None, "tasks_unreachable": True}
    finally:
        client.close()
    return {"tasks": tasks, "failed_tasks": failed_tasks, "failed_count": tasks["FAILED"]}
