"""Writes of the analytics app: only its own summary tables, rebuilt from everyone else's."""

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone, translation

from campusvoice.analytics import selectors
from campusvoice.analytics.models import CampusDailyStats, CampusLadderCount, DailyTotals
from campusvoice.analytics.selectors import COUNT_NAMES, TOTAL_NAMES, count_rows
from campusvoice.supporters.models import Person

logger = logging.getLogger(__name__)


def analytics_refresh(*, since: date | None = None) -> int:
    """Rebuild the daily figures from `since` (every day when None) and the ladder counts, then
    warm the dashboard cache for the default view.

    Idempotent: the days from `since` on are deleted and recomputed in one transaction, so a
    re-run, or two overlapping runs, leave the same rows. Late changes to older comments (a reply,
    a moderator's label) are picked up by the next run whose `since` reaches back to their day:
    the periodic task looks back CAMPUSVOICE_ANALYTICS_LOOKBACK_DAYS, a nightly `--all` run the rest.
    Returns the number of daily rows written.
    """
    with transaction.atomic():
        written = _summary_rebuild(since=since)
    _summary_vacuum()
    # After the commit: other processes read the new generation only once it is committed.
    dashboard_cache_warm()
    return written


def _summary_vacuum() -> None:
    """VACUUM ANALYZE the summary tables on PostgreSQL, right after a refresh rewrote them.

    Each refresh deletes and rewrites its days, leaving as many dead rows as live ones; until
    autovacuum comes by (minutes, or never where it is off) every page read wades through them:
    the all-campus sums took 2-3 times longer. VACUUM cannot run inside a transaction, so a
    refresh called inside one (tests, a caller's atomic block) leaves it to autovacuum.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = (CampusDailyStats, DailyTotals, CampusLadderCount)
    with connection.cursor() as cursor:
        for model in tables:
            # Our own table names, never input.
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


def dashboard_cache_warm() -> int:
    """Fill the cache the dashboard reads for its default view, so a refresh's first reader is fast.

    The default view is every campaign together and the campaign `/` opens on (the newest running
    one), each over its default date range, in each language. Idempotent: the cached selectors
    compute only what this summary generation does not hold yet. Other app processes see these
    entries only with a shared cache (CAMPUSVOICE_CACHE_URL=redis://…); LocMem warms this process.
    Returns the number of (campaign, language) views warmed.
    """
    campaigns = [None]
    first_visit = selectors.campaign_first_visit()
    if first_visit is not None:
        campaigns.append(first_visit)
    warmed = 0
    for campaign in campaigns:
        period = selectors.period_default(campaign=campaign)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                selectors.campus_table_cached(campaign=campaign, period=period)
                selectors.daily_series_cached(campaign=campaign, period=period)
            warmed += 1
    return warmed


def _summary_rebuild(*, since: date | None) -> int:
    start = None
    stale = CampusDailyStats.objects.all()
    stale_totals = DailyTotals.objects.all()
    if since is not None:
        start = datetime.combine(since, time.min, tzinfo=timezone.get_current_timezone())
        stale = stale.filter(day__gte=since)
        stale_totals = stale_totals.filter(day__gte=since)
    stale.delete()
    stale_totals.delete()

    rows: dict[tuple, dict] = {}
    for key, counts in count_rows(since=start):
        if key[2] is None:
            continue  # a post with no publication date has no day to go in
        row = rows.setdefault(key, {})
        for name, n in counts.items():
            row[name] = row.get(name, 0) + n
    _insert_daily(rows)
    _insert_totals(rows)
    _ladder_refresh()
    logger.info("analytics refresh since %s: %d daily rows", since or "the start", len(rows))
    return len(rows)


def _insert_daily(rows: dict[tuple, dict]) -> None:
    # Not bulk_create: it spent 28 s of a 40 s refresh compiling 50,000 instances. PostgreSQL gets
    # COPY (under a second; a multi-row INSERT spent 13 s in psycopg's client-side parameter
    # splitting); SQLite, in-process, gets executemany.
    columns = ["university_id", "campaign_id", "day", *COUNT_NAMES, "refreshed_at"]
    table = connection.ops.quote_name(CampusDailyStats._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    now = timezone.now()
    values = [
        (uid, campaign_id, day, *(counts.get(name, 0) for name in COUNT_NAMES), now)
        for (uid, campaign_id, day), counts in rows.items()
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            # Our own table and column names only, never input.
            cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})", values)  # noqa: S608


def _insert_totals(rows: dict[tuple, dict]) -> None:
    """Every campus together per (campaign, day): the same days as the daily rows just written."""
    totals: dict[tuple, dict[str, int]] = {}
    for (_uid, campaign_id, day), counts in rows.items():
        total = totals.setdefault((campaign_id, day), dict.fromkeys(TOTAL_NAMES, 0))
        for name in TOTAL_NAMES:
            total[name] += counts.get(name, 0)
    # At most one row per campaign and day: a few hundred, so bulk_create is quick enough.
    DailyTotals.objects.bulk_create(
        DailyTotals(campaign_id=campaign_id, day=day, **counts)
        for (campaign_id, day), counts in totals.items()
    )


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
