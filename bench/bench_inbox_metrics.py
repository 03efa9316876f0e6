"""The inbox metrics page at 1,000,000 comments on PostgreSQL: all time and last 30 days.

Loads the same data as bench_inbox_queue (4,000 posts over 40 campuses, two moderators, 85 % of
comments answered) into its own database, then times `inbox_metrics` a few times per range.

    python -m bench inbox_metrics
    python -m bench.bench_inbox_metrics --n 200000
    python -m bench.bench_inbox_metrics --reuse      # time again without reloading
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta

from bench import pg_recreate, run_child_on

N = 1_000_000
RUNS = 5
TARGET_MS = 1000
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/cv_metrics_bench")


def _child(n: int, reuse: bool) -> int:
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench.bench_inbox_queue import _load
    from campusvoice.conversations import selectors

    call_command("migrate", verbosity=0)
    if not reuse:
        t0 = time.perf_counter()
        _load(n)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would: index-only scans need it
        print(f"loaded {n:,} comments in {time.perf_counter() - t0:.0f} s", file=sys.stderr)

    today = timezone.localdate()
    shapes = {
        "all time": {},
        "last 30 days": {"since": today - timedelta(days=30)},
        "last 7 days": {"since": today - timedelta(days=7)},
    }
    failed = []
    print(f"{'range':<16} {'p50 ms':>8} {'max ms':>8}")
    for name, kwargs in shapes.items():
        selectors.inbox_metrics(**kwargs)  # warm PostgreSQL's buffers
        times = []
        for _ in range(RUNS):
            cache.clear()  # time the queries, not the cached figures
            t = time.perf_counter()
            selectors.inbox_metrics(**kwargs)
            times.append((time.perf_counter() - t) * 1000)
        flag = "" if max(times) < TARGET_MS else "  SLOW"
        if flag:
            failed.append(name)
        print(f"{name:<16} {statistics.median(times):>8.0f} {max(times):>8.0f}{flag}")
    # What a moderator who opens the page again within a few minutes waits for.
    cache.clear()
    selectors.inbox_metrics_as_of()
    t = time.perf_counter()
    selectors.inbox_metrics_as_of()
    print(f"{'all time, kept':<16} {(time.perf_counter() - t) * 1000:>8.0f}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=N)
    parser.add_argument("--reuse", action="store_true", help="time the data already loaded")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv or [])
    if args.child:
        return _child(args.n, args.reuse)
    if not args.reuse:
        pg_recreate(PG_URL)
    return run_child_on(
        PG_URL, "bench.bench_inbox_metrics", "--n", str(args.n), *(["--reuse"] if args.reuse else [])
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
