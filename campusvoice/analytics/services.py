"""Writes of the analytics app: only its own summary tables, rebuilt from everyone else's."""

import logging
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from campusvoice.analytics.models import CampusDailyStats, CampusLadderCount
from campusvoice.analytics.selectors import count_rows
from campusvoice.supporters.models import Person

logger = logging.getLogger(__name__)


@transaction.atomic
def analytics_refresh(*, since: date | None = None) -> int:
    """Rebuild the daily figures from `since` (every day when None) and the ladder counts.

    Idempotent: the days from `since` on are deleted and recomputed in one transaction, so a
    re-run, or two overlapping runs, leave the same rows. Late changes to older comments (a reply,
    a moderator's label) are picked up by the next run whose `since` reaches back to their day:
    the periodic task looks back CAMPUSVOICE_ANALYTICS_LOOKBACK_DAYS, a nightly `--all` run the rest.
    Returns the number of daily rows written.
    """
    start = None
    stale = CampusDailyStats.objects.all()
    if since is not None:
        start = datetime.combine(since, time.min, tzinfo=timezone.get_current_timezone())
        stale = stale.filter(day__gte=since)
    stale.delete()

    rows: dict[tuple, dict] = {}
    for key, counts in count_rows(since=start):
        if key[2] is None:
            continue  # a post with no publication date has no day to go in
        row = rows.setdefault(key, {})
        for name, n in counts.items():
            row[name] = row.get(name, 0) + n
    CampusDailyStats.objects.bulk_create(
        (
            CampusDailyStats(university_id=uid, campaign_id=campaign_id, day=day, **counts)
            for (uid, campaign_id, day), counts in rows.items()
        ),
        batch_size=5000,
    )
    _ladder_refresh()
    logger.info("analytics refresh since %s: %d daily rows", since or "the start", len(rows))
    return len(rows)


def _ladder_refresh() -> None:
    CampusLadderCount.objects.all().delete()
    counts = (
        Person.objects.filter(merged_into__isnull=True, campus__isnull=False)
        .values("campus_id", "ladder_step")
        .annotate(n=Count("id"))
    )
    CampusLadderCount.objects.bulk_create(
        CampusLadderCount(university_id=row["campus_id"], step=row["ladder_step"], people=row["n"])
        for row in counts
    )


def refresh_since_default(*, lookback_days: int, today: date | None = None) -> date:
    return (today or timezone.localdate()) - timedelta(days=lookback_days)
