"""Graph calls per 1,000 comments synced, against the fake Graph API over HTTP.

Target: at most 12 Graph calls (HTTP requests) per 1,000 comments, whatever the shape of the Page.
Each shape starts from an empty inbox and a fresh fake, runs a backfill through the real client,
sync and ingestion, and counts the requests the fake received. A batch is one HTTP request but
each of its entries counts against Meta's rate limits, so both figures are printed.

    python -m bench meta_sync
"""

import platform
import time

SHAPES = [
    # (label, posts, comments per post)
    ("10 posts x 100 comments", 10, 100),
    ("4 posts x 250 comments", 4, 250),
    ("1 post x 1,000 comments", 1, 1000),
    ("100 posts x 10 comments", 100, 10),
]
TARGET = 12


def _classifier_ready() -> str:
    from campusvoice.conversations.services import triage
    from campusvoice.errors import ApplicationError

    try:
        triage.classifier_get()
        return "the shipped model"
    except ApplicationError:
        # Call counts do not depend on triage; a stand-in keeps ingestion running without a model.
        from campusvoice.conversations.tests.fakes import KeywordClassifier

        triage._loaded = KeywordClassifier()
        return "a keyword stand-in (no model installed)"


def main() -> None:
    from django.conf import settings

    from campusvoice.conversations.models import Channel, Comment
    from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_TOKEN, FakeGraphServer
    from campusvoice.integrations.meta.models import MetaConnection
    from campusvoice.integrations.meta.services import connection_connect
    from campusvoice.integrations.meta.sync import connection_sync

    classifier = _classifier_ready()
    server = FakeGraphServer(
        app_id=settings.CAMPUSVOICE_META_APP_ID, app_secret=settings.CAMPUSVOICE_META_APP_SECRET
    ).start()
    state = server.state
    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}; triage: {classifier}"
    )
    rows = []
    try:
        for label, posts, per_post in SHAPES:
            MetaConnection.objects.all().delete()
            Channel.objects.all().delete()
            state.reset("empty")
            start = state.now() - 86400
            for p in range(posts):
                post = state.add_post(
                    page_id=next(iter(state.pages)), message=f"Post {p}", created_time=start + p
                )
                for c in range(per_post):
                    state.add_comment(
                        post_id=post["id"],
                        message=f"Comment {c} on post {p}",
                        author={"id": f"61{c:05d}", "name": "Bench Reader"},
                        created_time=start + 100 + c,
                        notify=False,
                    )
            connection, _check = connection_connect(token=DEMO_PAGE_TOKEN, by=None, graph_url=server.url)
            before_calls, before_ops = state.journal.calls, state.journal.operations
            started = time.perf_counter()
            report = connection_sync(connection=connection)
            seconds = time.perf_counter() - started
            calls = state.journal.calls - before_calls
            operations = state.journal.operations - before_ops
            stored = Comment.objects.count()
            assert stored == posts * per_post, (stored, report)
            per_thousand = calls * 1000 / stored
            rows.append((label, stored, calls, operations, per_thousand, seconds))
            print(
                f"{label:26} {stored:5} comments  {calls:3} HTTP calls ({operations:3} rate-limited operations)"
                f"  {per_thousand:5.1f} calls/1,000  {seconds:5.1f} s",
                flush=True,
            )
    finally:
        server.stop()
    worst = max(r[4] for r in rows)
    verdict = "OK" if worst <= TARGET else "OVER TARGET"
    print(f"worst: {worst:.1f} Graph calls per 1,000 comments (target <= {TARGET}): {verdict}")
