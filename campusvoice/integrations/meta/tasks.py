"""Background work for the Meta integration: thin wrappers that load by id and call a service.

The periodic ones are scheduled in campusvoice/ops/schedule.py (`campusvoice scheduler`).
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


@task
def connections_sync_all() -> None:
    """Sync every active connection, each in its own task so one slow Page delays no other."""
    from .models import MetaConnection

    for connection_id in MetaConnection.objects.filter(status=MetaConnection.Status.ACTIVE).values_list(
        "pk", flat=True
    ):
        connection_sync.enqueue(connection_id)


@task
def ad_campaign_push(ad_campaign_id: int) -> None:
    """Create (or finish creating) a paused Meta ad campaign; safe to run again."""
    from . import ads
    from .models import AdCampaign

    ad_campaign = AdCampaign.objects.filter(pk=ad_campaign_id).first()
    if ad_campaign is not None:
        ads.ad_campaign_push(ad_campaign=ad_campaign)


@task
def insights_sync(connection_id: int) -> None:
    """Fetch the ad sets', ad campaigns' and campaign posts' figures of one connection."""
    from . import insights
    from .models import MetaConnection

    connection = MetaConnection.objects.select_related("channel").filter(pk=connection_id).first()
    if connection is not None and connection.is_active:
        insights.insights_sync(connection=connection)


@task
def insights_sync_all() -> None:
    """Enqueue an insights sync for every active connection (scheduled daily)."""
    from .models import MetaConnection

    for connection_id in MetaConnection.objects.filter(status=MetaConnection.Status.ACTIVE).values_list(
        "pk", flat=True
    ):
        insights_sync.enqueue(connection_id)
