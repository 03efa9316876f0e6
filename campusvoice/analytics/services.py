"""Writes of the analytics app: only its own summary tables, rebuilt from everyone else's."""

import logging
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from campusvoice.analytics import selectors
from campusvoice.analytics.models import CampusDailyStats, CampusLadderCount, CampusRunningTotals, DailyTotals
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
    tables = (CampusDailyStats, CampusRunningTotals, DailyTotals, CampusLadderCount)
    with connection.cursor() as cursor:
        for model in tables:
            # Our own table names, never input.
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


def dashboard_cache_warm() -> int:
    """Fill the cache the dashboard reads for its default view, so a refresh's first reader is fast.

    The default view is every campaign together and the campaign `/` opens on (the newest running
    one), each over its default date range. The table's cached inputs serve every language; the
    daily series is not cached (two small queries on DailyTotals cost less than a cache write).
    Idempotent: the cached selectors compute only what this summary generation does not hold
    yet. Other app processes see these entries only with a shared cache (the database cache, the
    default, or Redis); LocMem warms this process. Returns the number of campaign views warmed.
    """
    campaigns = [None]
    first_visit = selectors.campaign_first_visit()
    if first_visit is not None:
        campaigns.append(first_visit)
    generation = selectors.summary_generation()
    if generation is None:
        return 0
    for campaign in campaigns:
        period = selectors.period_default(campaign=campaign)
        key = selectors.table_cache_key(generation=generation, campaign=campaign, period=period)
        if cache.get(key) is None:
            selectors.table_inputs_cache_fill(campaign=campaign, period=period, generation=generation)
    return len(campaigns)


def _summary_rebuild(*, since: date | None) -> int:
    start = None
    stale = [CampusDailyStats.objects.all(), CampusRunningTotals.objects.all(), DailyTotals.objects.all()]
    if since is not None:
        start = datetime.combine(since, time.min, tzinfo=timezone.get_current_timezone())
        stale = [rows.filter(day__gte=since) for rows in stale]
    for rows in stale:
        rows.delete()

    rows: dict[tuple, dict] = {}
    for key, counts in count_rows(since=start):
        if key[2] is None:
            continue  # a post with no publication date has no day to go in
        row = rows.setdefault(key, {})
        for name, n in counts.items():
            row[name] = row.get(name, 0) + n
    _insert_daily(rows)
    _insert_running(rows, since=since)
    _insert_totals(rows)
    _ladder_refresh()
    logger.info("analytics refresh since %s: %d daily rows", since or "the start", len(rows))
    return len(rows)


def _insert_daily(rows: dict[tuple, dict]) -> None:
    columns = ["university_id", "campaign_id", "day", *COUNT_NAMES, "refreshed_at"]
    now = timezone.now()
    values = [
        (uid, campaign_id, day, *(counts.get(name, 0) for name in COUNT_NAMES), now)
        for (uid, campaign_id, day), counts in rows.items()
    ]
    _copy(CampusDailyStats, columns, values)


def _copy(model, columns: list[str], values: list[tuple]) -> None:
    # Not bulk_create: it spent 28 s of a 40 s refresh compiling 50,000 instances. PostgreSQL gets
    # COPY (under a second; a multi-row INSERT spent 13 s in psycopg's client-side parameter
    # splitting); SQLite, in-process, gets executemany.
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            # Our own table and column names only, never input.
            cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})", values)  # noqa: S608


def _insert_running(rows: dict[tuple, dict], *, since: date | None) -> None:
    """CampusRunningTotals for the days just rebuilt: what each campus had added up before
    `since` (per campaign, and over every campaign), then day by day through the new rows."""
    zero = [0] * len(COUNT_NAMES)
    base: dict[tuple, list[int]] = {}
    if since is not None:
        earlier = CampusDailyStats.objects.filter(day__lt=since).order_by()
        sums = {name: Sum(name) for name in COUNT_NAMES}
        for row in earlier.values("university_id", "campaign_id").annotate(**sums):
            base[(row["university_id"], row["campaign_id"], False)] = [row[n] or 0 for n in COUNT_NAMES]
        for row in earlier.values("university_id").annotate(**sums):
            base[(row["university_id"], None, True)] = [row[n] or 0 for n in COUNT_NAMES]
    days: dict[tuple, dict[date, list[int]]] = {}
    for (uid, campaign_id, day), counts in rows.items():
        added = [counts.get(name, 0) for name in COUNT_NAMES]
        for key in ((uid, campaign_id, False), (uid, None, True)):
            on_day = days.setdefault(key, {}).setdefault(day, list(zero))
            for i, n in enumerate(added):
                on_day[i] += n
    values = []
    for (uid, campaign_id, every), by_day in days.items():
        total = list(base.get((uid, campaign_id, every), zero))
        for day in sorted(by_day):
            total = [a + b for a, b in zip(total, by_day[day], strict=True)]
            values.append((uid, campaign_id, every, day, *total))
    _copy(
        CampusRunningTotals, ["university_id", "campaign_id", "every_campaign", "day", *COUNT_NAMES], values
    )


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
