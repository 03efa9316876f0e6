"""Background work for campaigns: thin wrappers that call a service."""

from django.tasks import task


@task
def content_publish_due() -> None:
    """Publish the scheduled items whose time has come (run every few minutes)."""
    from campusvoice.campaigns import publishing

    publishing.content_publish_due()


@task
def content_item_publish(item_id: int, by_id: int | None = None) -> None:
    """Publish one scheduled item now ("Publish now"); a no-op once it is no longer scheduled."""
    from campusvoice.accounts.models import User
    from campusvoice.campaigns import publishing

    by = User.objects.filter(pk=by_id).first() if by_id else None
    publishing.content_item_publish(item_id=item_id, by=by)


@task
def allies_fetch(ally_ids: list[int] | None = None) -> None:
    """Fetch allies' feeds (all of them without ids); a broken feed is recorded on its ally."""
    from campusvoice.campaigns.services import feeds

    feeds.allies_fetch(ally_ids=ally_ids)
