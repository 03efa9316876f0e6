"""Tasks that exist to prove the task pipeline works end to end."""

from django.core.cache import cache
from django.tasks import task
from django.utils import timezone


@task
def ops_ping(token: str) -> str:
    """Record that a worker ran this task, in the cache under `ops:ping:<token>`; returns the token.

    `campusvoice worker` health checks and the backend tests enqueue it and look for the key.
    """
    cache.set(f"ops:ping:{token}", timezone.now().isoformat(), timeout=3600)
    return token
