"""Background work for campaigns: thin wrappers that call a service."""

from django.tasks import task


@task
def content_publish_due() -> None:
    """Publish the scheduled items whose time has come (run every few minutes)."""
    from campusvoice.campaigns import publishing

    publishing.content_publish_due()


@task
def allies_fetch(ally_ids: list[int] | None = None) -> None:
    """Fetch allies' feeds (all of them without ids); a broken feed is recorded on its ally."""
    from campusvoice.campaigns.services import feeds

    feeds.allies_fetch(ally_ids=ally_ids)
