"""Tasks that exist to prove the task pipeline works end to end."""

from django.core.cache import cache
from django.tasks import task
from django.utils import timezone


@task
def ops_ping(token: str) -> str:
    """Record in the cache (`ops:ping:<token>`) that a worker ran this task; returns the token.

    Enqueue it to prove the workers run tasks, as the tests do for each backend:
    `campusvoice shell -c "from campusvoice.ops.tasks import ops_ping; print(ops_ping.enqueue('x').id)"`.
    """
    cache.set(f"ops:ping:{token}", timezone.now().isoformat(), timeout=3600)
    return token


@task
def tasks_requeue_orphaned() -> dict[str, int]:
    """Requeue tasks whose worker died mid-run (or fail them after repeated deaths)."""
    from campusvoice.ops import services

    return services.tasks_requeue_orphaned()


@task
def ops_sleep(seconds: float, token: str) -> str:
    """Sleep, then record like ops_ping: a task slow enough to kill its worker in the middle of."""
    import time

    time.sleep(seconds)
    return ops_ping.call(token)
