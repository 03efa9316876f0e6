"""The dashboard at 5,000,000 comments, 1,000,000 people and 200 campuses on PostgreSQL.

Target: the all-campus table (`/`) and a campus page answer at p95 < 300 ms, read from the
daily summary that `analytics_refresh` keeps up to date. The table is cached until the next
refresh, and the refresh ends by warming that cache. Each page is timed warm, cold (cache emptied
before every request, as a reader arriving before the warming finished) and, for `/`, after the
warming (cache emptied, then `dashboard_cache_warm()` untimed, then the timed request).

Runs in a fresh interpreter against a dedicated PostgreSQL database, cv_bench_analytics
(created if missing, emptied and migrated): load with INSERT … SELECT over generate_series,
ANALYZE, time a full refresh and an incremental one (last 14 days), then 50 requests per page
through Django's test client as a signed-in analyst.

    python -m bench analytics
    python -m bench.bench_analytics --scale 0.1        # 500,000 comments, 100,000 people
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/other python -m bench.bench_analytics
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta

from bench import pg_recreate, run_child_on

COMMENTS, PEOPLE, SIGNATURES, CAMPUSES, POSTS_PER_CAMPUS, DAYS = 5_000_000, 1_000_000, 200_000, 200, 20, 180
RUNS = 50
TARGET_MS = 300
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/cv_bench_analytics")


def _copy_rows(model, template, varied: dict[str, str], n: int) -> None:
    """Insert n copies of `template` with some columns computed in SQL from g = 1..n."""
    from django.db import connection

    columns = [f.column for f in model._meta.concrete_fields if f.column != "id"]
    values = [varied.get(column, f't."{column}"') for column in columns]
    quoted = ", ".join(f'"{column}"' for column in columns)
    table = model._meta.db_table
    # Built from our own constants and ids only, never from input.
    sql = (
        f'INSERT INTO "{table}" ({quoted}) '  # noqa: S608
        f'SELECT {", ".join(values)} FROM "{table}" t, '
        f"(SELECT g, random() AS r, random() AS r2 FROM generate_series(1, {n}) g) s "
        f"WHERE t.id = {template.pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
    template.delete()


def _load(scale: float) -> dict:
    from django.db import connection
    from django.utils import timezone

    from campusvoice.accounts.models import Role, User
    from campusvoice.campaigns.models import Campaign, ReachSnapshot
    from campusvoice.campuses.models import University
    from campusvoice.conversations.models import Channel, Comment, Post
    from campusvoice.petitions.models import Petition, Signature
    from campusvoice.supporters.models import Person

    n_comments, n_people, n_signatures = (int(x * scale) for x in (COMMENTS, PEOPLE, SIGNATURES))
    today = timezone.localdate()
    start = today - timedelta(days=DAYS - 1)
    analyst = User.objects.create_user("bench.analyst@example.org", "x" * 20, role=Role.ANALYST)
    campaign = Campaign.objects.create(
        name="Bench campaign", slug="bench", status=Campaign.Status.RUNNING, starts_on=start, ends_on=today
    )
    campuses = University.objects.bulk_create(
        University(
            name=f"Bench University {i}",
            country="IT" if i % 2 else "US",
            latitude=(38 + (i * 7919) % 800 / 100) if i % 2 else (30 + (i * 7919) % 1600 / 100),
            longitude=(8 + (i * 104729) % 900 / 100) if i % 2 else (-120 + (i * 104729) % 4500 / 100),
            enrollment_total=5_000 + (i * 7919) % 55_000,
            enrollment_year=2025,
            enrollment_source="bench",
        )
        for i in range(CAMPUSES)
    )
    campaign.universities.add(*campuses)
    channel = Channel.objects.create(kind=Channel.Kind.FACEBOOK_PAGE, platform_id="bench", name="Bench")
    posts = Post.objects.bulk_create(
        Post(
            channel=channel,
            platform_id=f"p{i}",
            campaign=campaign,
            published_at=timezone.now() - timedelta(days=(i * 37) % DAYS),
        )
        for i in range(CAMPUSES * POSTS_PER_CAMPUS)
    )
    Post.universities.through.objects.bulk_create(
        Post.universities.through(post_id=post.pk, university_id=campuses[i % CAMPUSES].pk)
        for i, post in enumerate(posts)
    )
    ReachSnapshot.objects.bulk_create(
        ReachSnapshot(
            campaign=campaign,
            university=campus,
            level=ReachSnapshot.Level.AD_SET,
            source=ReachSnapshot.Source.API,
            platform_id=f"as{i}",
            name=f"ad set {i}",
            date_start=start,
            date_stop=today,
            reach=500 + (i * 7919) % 5_000,
            impressions=2_000 + (i * 7919) % 20_000,
        )
        for i, campus in enumerate(campuses)
    )
    n_posts = len(posts)
    t0 = time.perf_counter()
    template = Comment.objects.create(
        channel=channel, post=posts[0], platform_id="template", created_time=timezone.now()
    )
    _copy_rows(
        Comment,
        template,
        {
            "platform_id": "'c' || g",
            "post_id": f"{posts[0].pk} + (g % {n_posts})",
            "created_time": f"now() - r * interval '{DAYS} days'",
            "on_topic": "r2 < 0.6",
            "question": "(g % 7) = 0",
            "disclosure": "(g % 97) = 0",
            "spam": "(g % 53) = 0",
            "first_reply_at": f"CASE WHEN r2 < 0.4 THEN now() - r * interval '{DAYS} days' "
            "+ r2 * r2 * interval '3 days' END",
            "status": "CASE WHEN r2 < 0.4 THEN 'done' ELSE 'new' END",
        },
        n_comments,
    )
    print(f"  {n_comments:,} comments in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    t0 = time.perf_counter()
    template = Person.objects.create(campus=campuses[0])
    _copy_rows(
        Person,
        template,
        {
            "campus_id": f"{campuses[0].pk} + (g % {CAMPUSES})",
            "ladder_step": "CASE WHEN r < 0.6 THEN 'reached' WHEN r < 0.8 THEN 'engaged' "
            "WHEN r < 0.93 THEN 'supporter' WHEN r < 0.99 THEN 'active' ELSE 'leader' END",
            "created_at": f"now() - r2 * interval '{DAYS} days'",
        },
        n_people,
    )
    print(f"  {n_people:,} people in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    petition = Petition.objects.create(
        campaign=campaign,
        slug="bench",
        title_en="Bench",
        text_en="Bench",
        target_description="Bench",
        consent_text_en="Bench",
        contact_text_en="Bench",
    )
    template = Signature.objects.create(
        petition=petition,
        university=campuses[0],
        email="template@example.org",
        email_canonical="template@example.org",
        name="",
        consent_version=1,
        consent_text_hash="x",
        contact_text_hash="x",
    )
    _copy_rows(
        Signature,
        template,
        {
            "email": "'s' || g || '@example.org'",
            "email_canonical": "'s' || g || '@example.org'",
            "university_id": f"{campuses[0].pk} + (g % {CAMPUSES})",
            "status": "CASE WHEN r < 0.7 THEN 'confirmed' ELSE 'unconfirmed' END",
            "confirmed_at": "CASE WHEN r < 0.7 THEN now() END",
            "token_hash": "NULL",
        },
        n_signatures,
    )
    Signature.objects.filter(created_at__isnull=False).update(created_at=timezone.now() - timedelta(days=3))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"analyst": analyst, "campus": campuses[17], "counts": (n_comments, n_people, n_signatures)}


def _existing() -> dict:
    """The objects of an earlier load (--reuse): time again without loading again."""
    from campusvoice.accounts.models import User
    from campusvoice.campuses.models import University
    from campusvoice.conversations.models import Comment
    from campusvoice.petitions.models import Signature
    from campusvoice.supporters.models import Person

    campus = University.objects.order_by("pk")[17]
    counts = (Comment.objects.count(), Person.objects.count(), Signature.objects.count())
    return {
        "analyst": User.objects.get(email="bench.analyst@example.org"),
        "campus": campus,
        "counts": counts,
    }


def _p(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), statistics.quantiles(times, n=20)[18]


def _child(scale: float, reuse: bool) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from campusvoice.analytics import selectors, services
    from campusvoice.campaigns.models import Campaign

    # No setup_test_environment(): its template instrumentation keeps every rendered context (200
    # campuses of figures per request) reachable, which grew the heap the garbage collector walks
    # by ~4,000 objects a request and put its pauses in the p95. A server keeps none of it.
    call_command("migrate", verbosity=0)
    # Start up as a served worker does (campusvoice/wsgi.py: every view imported, then gc.freeze()),
    # so the timings carry the same garbage-collection pauses as production, not a bare process's.
    import campusvoice.wsgi  # noqa: F401

    if reuse:
        objects = _existing()
    else:
        t0 = time.perf_counter()
        objects = _load(scale)
        print(f"loaded in {time.perf_counter() - t0:.0f} s", file=sys.stderr)

    t0 = time.perf_counter()
    rows = services.analytics_refresh(since=None)
    full = time.perf_counter() - t0
    t0 = time.perf_counter()
    services.analytics_refresh(since=services.refresh_since_default(lookback_days=14))
    incremental = time.perf_counter() - t0
    # No ANALYZE here: the refresh runs VACUUM (ANALYZE) on its own tables (the server's autovacuum
    # is off on the shared dev machine, as it may lag anywhere).
    print(f"refresh, every day: {full:.1f} s ({rows:,} daily rows); last 14 days: {incremental:.1f} s")

    client = Client(SERVER_NAME="localhost")  # a host ALLOWED_HOSTS lets in
    client.force_login(objects["analyst"])
    device, _created = TOTPDevice.objects.get_or_create(
        user=objects["analyst"], name="bench", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    campus = objects["campus"]
    period = selectors.period_default(campaign=None)
    home = reverse("home")
    page = reverse("analytics:campus-detail", args=[campus.pk])
    query = {"campaign": "bench"}

    def nothing():
        return None

    def after_refresh():
        # What a refresh leaves behind: a new summary generation, so nothing cached is current.
        cache.clear()

    def after_refresh_and_warming():
        # The refresh ends with dashboard_cache_warm(); readers arrive after it.
        cache.clear()
        services.dashboard_cache_warm()

    # (prepare, untimed; request, timed)
    shapes = {
        "GET / (warm)": (nothing, lambda: client.get(home, query)),
        "GET / after refresh, cache empty (cold)": (after_refresh, lambda: client.get(home, query)),
        "GET / after refresh + warming": (after_refresh_and_warming, lambda: client.get(home, query)),
        "campus page GET (warm)": (nothing, lambda: client.get(page, query)),
        "campus page after refresh (cold)": (after_refresh, lambda: client.get(page, query)),
        "selector campus_table": (
            nothing,
            lambda: selectors.campus_table(campaign=Campaign.objects.get(slug="bench"), period=period),
        ),
    }
    failed = []
    n_comments, n_people, n_signatures = objects["counts"]
    print(f"{n_comments:,} comments, {n_people:,} people, {n_signatures:,} signatures, {CAMPUSES} campuses")
    print(f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[1]}; load average {os.getloadavg()}")
    print(f"{'shape':<42} {'p50 ms':>8} {'p95 ms':>8}")
    for name, (prepare, run) in shapes.items():
        prepare()
        response = run()
        if hasattr(response, "status_code") and response.status_code != 200:
            print(f"{name}: HTTP {response.status_code}", file=sys.stderr)
            return 1
        times = []
        for _ in range(RUNS):
            prepare()
            t = time.perf_counter()
            run()
            times.append((time.perf_counter() - t) * 1000)
        p50, p95 = _p(times)
        flag = "" if p95 < TARGET_MS else "  SLOW"
        if flag:
            failed.append(name)
        print(f"{name:<42} {p50:>8.1f} {p95:>8.1f}{flag}")
    print(f"load average after: {os.getloadavg()}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 5M comments, 1M people")
    parser.add_argument("--reuse", action="store_true", help="time again on the data already loaded")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv or [])
    if args.child:
        return _child(args.scale, args.reuse)
    if not args.reuse:
        pg_recreate(PG_URL)
    return run_child_on(
        PG_URL, "bench.bench_analytics", "--scale", str(args.scale), *(["--reuse"] if args.reuse else [])
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
