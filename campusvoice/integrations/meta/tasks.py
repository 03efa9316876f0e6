"""Background work for the Meta integration: thin wrappers that load by id and call a service.

Nothing here schedules itself: run `campusvoice meta sync` and `campusvoice meta process-webhooks`
from cron or a systemd timer (every few minutes), as healthchecks runs its loops as commands.
"""

from django.tasks import task


@task
def webhook_delivery_process(delivery_id: int) -> None:
    """Apply one stored webhook delivery's comment changes, each once."""
    from . import webhooks

    webhooks.webhook_delivery_process(delivery_id=delivery_id)


@task
def webhook_deliveries_sweep() -> None:
    """Process deliveries a dead worker left pending; purge old processed bodies."""
    from . import webhooks

    webhooks.webhook_deliveries_sweep()


@task
def connection_sync(connection_id: int, full: bool = False) -> None:
    """Sync one connection's posts and comments into the inbox."""
    from . import sync
    from .models import MetaConnection

    connection = (
        MetaConnection.objects.select_related("channel", "instagram_channel").filter(pk=connection_id).first()
    )
    if connection is not None:
        sync.connection_sync(connection=connection, full=full)
