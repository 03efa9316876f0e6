from django.conf import settings
from django.tasks import task
from django.utils.dateparse import parse_date


@task
def analytics_refresh(since: str | None = None) -> int:
    """Rebuild the daily figures from `since` (ISO date, or "all"); by default the last few days."""
    from campusvoice.analytics import services

    if since == "all":
        return services.analytics_refresh(since=None)
    day = parse_date(since) if since else None
    if day is None:
        lookback = getattr(settings, "ANALYTICS_LOOKBACK_DAYS", 14)
        day = services.refresh_since_default(lookback_days=lookback)
    return services.analytics_refresh(since=day)
