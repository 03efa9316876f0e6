"""The inbox queue at 1,000,000 comments on PostgreSQL: p95 per query shape, target < 200 ms.

Runs in a fresh interpreter against a throwaway PostgreSQL database (dropped and re-created):
migrate, bulk-insert N comments over 4,000 posts (85 % done, 10 % new, 5 % in progress, 1 % of
them disclosures), ANALYZE, then time each read the inbox page makes, 30 times per shape.

    python -m bench inbox_queue
    python -m bench.bench_inbox_queue --n 200000
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/cv_inbox_ui_bench python -m bench.bench_inbox_queue

Loading is one INSERT … SELECT from generate_series: about a minute for a million rows.
"""

import argparse
import os
import statistics
import sys
import time

from bench import pg_recreate, run_child_on

N = 1_000_000
RUNS = 30
TARGET_MS = 200
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/cv_inbox_ui_bench")
WORDS = "consent campus help office report thanks support question policy survivor week library".split()


def _load(n: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from campusvoice.accounts.models import Role, User
    from campusvoice.campaigns.models import Campaign
    from campusvoice.campuses.models import University
    from campusvoice.conversations.models import Channel, Comment, Post

    moderator = User.objects.create_user("bench.mod@example.org", "x" * 20, role=Role.MODERATOR)
    other = User.objects.create_user("bench.other@example.org", "x" * 20, role=Role.MODERATOR)
    campaigns = [Campaign.objects.create(name=f"Bench {i}", slug=f"bench-{i}") for i in range(5)]
    campuses = [University.objects.create(name=f"Bench University {i}", country="IT") for i in range(40)]
    channel = Channel.objects.create(kind=Channel.Kind.FACEBOOK_PAGE, platform_id="bench", name="Bench")
    posts = Post.objects.bulk_create(
        Post(channel=channel, platform_id=f"p{i}", campaign=campaigns[i % 5], message=f"post {i}")
        for i in range(4000)
    )
    Post.universities.through.objects.bulk_create(
        Post.universities.through(post_id=post.pk, university_id=campuses[i % 40].pk)
        for i, post in enumerate(posts)
    )
    # One comment through the ORM gives every column a valid value; PostgreSQL copies it n times
    # with the columns that matter varied (seconds, where bulk_create takes many minutes).
    template = Comment.objects.create(
        channel=channel, post=posts[0], platform_id="template", created_time=timezone.now(), status="done"
    )
    varied = {
        "platform_id": "'c' || g",
        "post_id": f"{posts[0].pk} + (g % 4000)",
        "text": f"(ARRAY{WORDS!r})[1 + g % {len(WORDS)}] || ' ' || (ARRAY{WORDS!r})[1 + (g / 7) % {len(WORDS)}]"
        f" || ' ' || (ARRAY{WORDS!r})[1 + (g / 13) % {len(WORDS)}] || ' n' || g",
        "created_time": "now() - interval '200 days' + g * interval '15 seconds'",
        "language": "CASE WHEN g % 3 = 0 THEN 'it' ELSE 'en' END",
        "on_topic": "random() < 0.7",
        "question": "random() < 0.2",
        "disclosure": "random() < 0.01",
        "priority": "floor(random() * 100)::int",
        "status": "CASE WHEN r < 0.85 THEN 'done' WHEN r < 0.95 THEN 'new' ELSE 'open' END",
        "assignee_id": f"CASE WHEN r >= 0.85 AND r2 < 0.3 THEN {moderator.pk} WHEN r < 0.85 THEN {other.pk} END",
        # Done comments were answered within two days, so the metrics page has medians to find.
        "first_reply_at": "CASE WHEN r < 0.85 THEN now() - interval '200 days' + g * interval '15 seconds'"
        " + r2 * interval '2 days' END",
    }
    columns = [f.column for f in Comment._meta.concrete_fields if f.column != "id"]
    values = [varied.get(column, f't."{column}"') for column in columns]
    quoted = ", ".join(f'"{column}"' for column in columns)
    # Built from our own constants and ids only, never from input.
    sql = (
        f"INSERT INTO conversations_comment ({quoted}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM conversations_comment t, "
        f"(SELECT g, random() AS r, random() AS r2 FROM generate_series(1, {n}) g) s WHERE t.id = {template.pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
    template.delete()
    return {"moderator": moderator, "campus": campuses[3], "campaign": campaigns[2], "post": posts[17]}


def _child(n: int) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from campusvoice.conversations import selectors
    from campusvoice.conversations.selectors import InboxFilters

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    objects = _load(n)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"loaded {n:,} comments in {time.perf_counter() - t0:.0f} s", file=sys.stderr)

    user = objects["moderator"]
    deep = ""
    for _ in range(20):
        deep = selectors.inbox_page(user=user, filters=InboxFilters(), cursor=deep).next_cursor
    newest = selectors.inbox_page(user=user, filters=InboxFilters()).newest_id
    shapes = {
        "to do, by priority": lambda: selectors.inbox_page(user=user, filters=InboxFilters()),
        "to do, by time": lambda: selectors.inbox_page(user=user, filters=InboxFilters(sort="time")),
        "to do, page 21": lambda: selectors.inbox_page(user=user, filters=InboxFilters(), cursor=deep),
        "language it": lambda: selectors.inbox_page(user=user, filters=InboxFilters(language="it")),
        "label question": lambda: selectors.inbox_page(user=user, filters=InboxFilters(label="question")),
        "campus": lambda: selectors.inbox_page(user=user, filters=InboxFilters(campus=objects["campus"].pk)),
        "campaign": lambda: selectors.inbox_page(
            user=user, filters=InboxFilters(campaign=objects["campaign"].pk)
        ),
        "post": lambda: selectors.inbox_page(user=user, filters=InboxFilters(post=objects["post"].pk)),
        "mine": lambda: selectors.inbox_page(user=user, filters=InboxFilters(tab="mine")),
        "disclosures": lambda: selectors.inbox_page(user=user, filters=InboxFilters(tab="disclosures")),
        "done, by priority": lambda: selectors.inbox_page(user=user, filters=InboxFilters(status="done")),
        "any status, by priority": lambda: selectors.inbox_page(
            user=user, filters=InboxFilters(status="any")
        ),
        "search 'survivor policy'": lambda: selectors.inbox_page(
            user=user, filters=InboxFilters(q="survivor policy")
        ),
        "search rare 'n123456'": lambda: selectors.inbox_page(
            user=user, filters=InboxFilters(q="n123456", status="any")
        ),
        "tab counts": lambda: selectors.inbox_tab_counts(user=user),
        "poll": lambda: selectors.inbox_new_count(user=user, filters=InboxFilters(), after_id=newest - 50),
    }
    failed = []
    print(f"{'shape':<28} {'p50 ms':>8} {'p95 ms':>8}")
    for name, run in shapes.items():
        run()  # warm the cache: the inbox is read all day
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            run()
            times.append((time.perf_counter() - t) * 1000)
        p95 = statistics.quantiles(times, n=20)[18]
        flag = "" if p95 < TARGET_MS else "  SLOW"
        if flag:
            failed.append(name)
        print(f"{name:<28} {statistics.median(times):>8.1f} {p95:>8.1f}{flag}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=N)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv or [])
    if args.child:
        return _child(args.n)
    pg_recreate(PG_URL)
    return run_child_on(PG_URL, "bench.bench_inbox_queue", "--n", str(args.n))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
