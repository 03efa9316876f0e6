"""Import and triage 100,000 comments from a JSONL file, on SQLite and on PostgreSQL.

Each database runs in a fresh interpreter: migrate a throwaway database (not timed), write a
Graph-shaped JSONL file of N comments from the public data sets (texts repeat, ids do not; ~250
comments per post, a fifth of them replies), then time `comments_import_file`: parse, validate,
create posts, classify every comment with the shipped model, bulk insert, link threads.

    python -m bench inbox_import                       # both databases, N = 100,000
    python -m bench.bench_inbox_import --n 20000 --db sqlite
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/cv_bench_inbox python -m bench.bench_inbox_import

Target: under 60 s per database on the 2-core CI machine.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import pg_recreate

N = 100_000
TARGET_SECONDS = 60
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/cv_bench_inbox")
ROOT = Path(__file__).resolve().parent.parent


def _jsonl_write(path: Path, n: int) -> None:
    import datetime as dt
    import random

    from campusvoice.conversations.demo import _texts

    pools = _texts()
    texts = [text for pool in pools.values() for _source, text in pool]
    rng = random.Random(7)
    start = dt.datetime(2026, 10, 1, 8, 0, tzinfo=dt.UTC)
    per_post = 250
    with path.open("w", encoding="utf-8") as file:
        for i in range(n):
            post = i // per_post
            item = {
                "id": f"9{post:05d}_{i:08d}",
                "post_id": f"448242228374517_9{post:05d}",
                "message": texts[i % len(texts)],
                "created_time": (start + dt.timedelta(seconds=30 * i)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "from": {"id": f"61{rng.randrange(10**9):09d}", "name": "Bench Reader"},
            }
            if i % per_post > 10 and rng.random() < 0.2:
                parent = i - rng.randint(1, min(10, i % per_post))
                item["parent"] = {"id": f"9{post:05d}_{parent:08d}"}
            file.write(json.dumps(item, ensure_ascii=False) + "\n")


def _worker(database_url: str, n: int) -> dict:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("CAMPUSVOICE_DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campusvoice.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from campusvoice.conversations.models import Comment
    from campusvoice.conversations.services.ingestion import comments_import_file
    from campusvoice.conversations.services.triage import classifier_get

    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "comments.jsonl"
        _jsonl_write(path, n)
        model = _model_load(classifier_get)  # loading the model is start-up, not import work
        started = time.perf_counter()
        report = comments_import_file(path=path)
        elapsed = time.perf_counter() - started
        again_started = time.perf_counter()
        comments_import_file(path=path)
        again = time.perf_counter() - again_started
    linked = Comment.objects.filter(parent__isnull=False).count()
    return {
        "vendor": connection.vendor,
        "model": model,
        "n": report.rows,
        "created": report.created,
        "triaged": report.triaged,
        "replies_linked": linked,
        "seconds": round(elapsed, 1),
        "per_second": round(report.rows / elapsed),
        "reimport_seconds": round(again, 1),
    }


def _model_load(classifier_get) -> str:
    """The shipped model; without one yet, random weights of the same shape (same work per comment)."""
    from campusvoice.conversations.services import triage

    try:
        return f"shipped {classifier_get().version}"
    except triage.ClassifierUnavailable:
        import numpy as np

        from campusvoice.conversations.classifier import LABELS, TriageClassifier
        from campusvoice.conversations.classifier.features import N_FEATURES

        rng = np.random.default_rng(0)
        triage._loaded = TriageClassifier(
            version="bench-random",
            coef=(rng.standard_normal((N_FEATURES, len(LABELS))) * 0.05).astype(np.float32),
            intercept=np.full(len(LABELS), -1.0, dtype=np.float32),
            thresholds=dict.fromkeys(LABELS, 0.5),
        )
        return "random weights, shipped shape (no shipped model yet)"


def _run(database_url: str, n: int) -> dict:
    cmd = [sys.executable, "-m", "bench.bench_inbox_import", "--worker", database_url, "--n", str(n)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Import + triage benchmark for the inbox.")
    parser.add_argument("--n", type=int, default=N)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--worker", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv if argv is not None else [])
    if args.worker:
        print(json.dumps(_worker(args.worker, args.n)))
        return

    results = []
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(_run(f"sqlite:///{tmp}/bench.sqlite3", args.n))
    if args.db in ("postgres", "both"):
        pg_recreate(PG_URL)
        results.append(_run(PG_URL, args.n))
    print(f"inbox import + triage, {args.n:,} comments, {platform.python_version()}, {os.cpu_count()} cores")
    for r in results:
        verdict = "ok" if r["seconds"] < TARGET_SECONDS else "OVER TARGET"
        print(
            f"  {r['vendor']:<10} {r['seconds']:>6.1f} s  {r['per_second']:>6,}/s  "
            f"replies linked {r['replies_linked']:,}  re-import {r['reimport_seconds']} s  "
            f"(target < {TARGET_SECONDS} s: {verdict}; model: {r['model']})"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
