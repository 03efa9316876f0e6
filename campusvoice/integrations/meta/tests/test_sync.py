"""Backfill and periodic sync against the fake Graph API, into the real inbox tables."""

import time

import pytest
from django.core.management import call_command

from campusvoice.conversations.models import Comment, Post
from campusvoice.integrations.meta.client import MetaClient
from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_ID, DEMO_PAGE_TOKEN
from campusvoice.integrations.meta.models import MetaConnection, SyncCheckpoint
from campusvoice.integrations.meta.sync import connection_sync

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_pages(settings):
    # Ingestion costs milliseconds per comment: small pages keep threads short and the paging real.
    settings.CAMPUSVOICE_META_PAGE_SIZE = 10


def sync(connection, **kwargs):
    client = MetaClient(access_token=DEMO_PAGE_TOKEN, sleep=lambda seconds: None)
    report = connection_sync(connection=connection, client=client, **kwargs)
    connection.refresh_from_db()
    return report


def test_it_backfills_posts_ad_posts_and_instagram_with_their_comments(fake_graph, connection):
    fake_graph.reset("demo")

    report = sync(connection)

    assert report.stopped == ""
    assert Post.objects.filter(kind=Post.Kind.PAGE_POST).count() == 3
    assert Post.objects.filter(kind=Post.Kind.AD_POST).count() == 1
    assert Post.objects.filter(kind=Post.Kind.INSTAGRAM_MEDIA).count() == 2
    assert Comment.objects.filter(channel=connection.channel).count() == 24
    assert Comment.objects.filter(channel=connection.instagram_channel).count() == 8
    assert Comment.objects.exclude(author_name="").count() == 32
    assert connection.backfill_done_at is not None and connection.last_sync_at is not None
    assert report.http_calls == 1  # one batch: posts, ad posts, media, comments inline


def test_it_links_replies_and_recognises_the_pages_own_comments(fake_graph, connection):
    post_id = fake_graph.add_posts(1)[0]
    (comment_id,) = fake_graph.add_comments(post_id, 1)
    fake_graph.add_comments(
        post_id,
        comments=[{"message": "Grazie", "parent_id": comment_id, "from": {"id": DEMO_PAGE_ID, "name": "P"}}],
    )

    sync(connection)

    reply = Comment.objects.get(parent__platform_id=comment_id)
    assert reply.is_from_page
    assert Comment.objects.get(platform_id=comment_id).first_reply_at is not None


def test_it_reads_long_threads_in_batched_pages_with_few_calls(fake_graph, connection):
    post_ids = fake_graph.add_posts(4)
    for post_id in post_ids:
        fake_graph.add_comments(post_id, 25)

    report = sync(connection)

    assert Comment.objects.count() == 100
    assert report.comments == 100
    # 1 batch of listings (10 comments each inline) + 2 batched rounds of 4 comment pages.
    assert report.http_calls == 3
    assert set(SyncCheckpoint.objects.values_list("total_count_seen", flat=True)) == {25}


def test_a_second_sync_skips_posts_whose_comments_did_not_change(fake_graph, connection):
    post_ids = fake_graph.add_posts(3)
    an_hour_ago = int(time.time()) - 3600
    for post_id in post_ids:  # one a minute, so few fall inside the re-read overlap
        fake_graph.add_comments(post_id, comments=[{"created_time": an_hour_ago + 60 * n} for n in range(15)])
    sync(connection)
    fake_graph.add_comments(post_ids[0], 4, start_time=int(time.time()) + 60)
    seen = len(fake_graph.snapshot()["requests"])

    report = sync(connection)

    assert report.posts_skipped == 2
    assert Comment.objects.count() == 49
    assert report.http_calls == 2  # the listings, one `since` page (4 new, 6 in the overlap)
    requests = fake_graph.snapshot()["requests"][seen:]
    assert [r for r in requests if r.endswith("/comments")] == [f"GET /{post_ids[0]}/comments"]


def test_an_interrupted_sync_resumes_without_loss_or_duplicates(fake_graph, connection, settings):
    settings.CAMPUSVOICE_META_RETRY_ATTEMPTS = 2
    post_ids = fake_graph.add_posts(2)
    for post_id in post_ids:
        fake_graph.add_comments(post_id, 35)
    # From the second batched round of comment pages on, Meta fails: the worker gives up midway.
    fake_graph.inject(code=2, count=100, after_calls=4)

    first = sync(connection)
    stored_midway = Comment.objects.count()
    fake_graph.clear_faults()
    second = sync(connection)

    assert first.incomplete or first.stopped
    assert 20 <= stored_midway < 70
    assert connection.backfill_done_at is not None
    assert second.stopped == ""
    assert Comment.objects.count() == 70
    assert Comment.objects.values("platform_id").distinct().count() == 70
    requests = fake_graph.snapshot()["requests"]
    assert any("/comments" in r for r in requests)


def test_an_expired_token_stops_the_sync_and_tells_the_admin(fake_graph, connection):
    post_id = fake_graph.add_posts(1)[0]
    fake_graph.add_comments(post_id, 3)
    fake_graph.inject(code=190, subcode=463, count=1)

    report = sync(connection)

    assert connection.status == MetaConnection.Status.TOKEN_INVALID
    assert "expired or was revoked" in connection.last_error and "190" in connection.last_error
    assert report.stopped == connection.last_error
    assert report.http_calls == 1
    assert sync(connection).http_calls == 0  # a stopped connection is not called again


def test_a_missing_permission_stops_the_sync(fake_graph, connection):
    fake_graph.inject(code=200, count=1)

    sync(connection)

    assert connection.status == MetaConnection.Status.PERMISSION_MISSING
    assert "permission" in connection.last_error


def test_missing_ads_permissions_skip_ad_posts_only(fake_graph, connection):
    post_id = fake_graph.add_posts(1)[0]
    fake_graph.add_comments(post_id, 2)
    fake_graph.inject(code=200, count=1, match="/ads_posts")

    report = sync(connection)

    assert connection.status == MetaConnection.Status.ACTIVE
    assert report.notes == ["ads_posts skipped: no ads permission"]
    assert Comment.objects.count() == 2


def test_throttling_stops_the_sync_with_a_time_to_come_back(fake_graph, connection, settings):
    settings.CAMPUSVOICE_META_RETRY_MAX_WAIT_SECONDS = 10
    fake_graph.inject(code=80001, count=1)

    report = sync(connection)

    assert report.retry_after == 180
    assert connection.status == MetaConnection.Status.ACTIVE
    assert "slow down" in connection.last_error


def test_comments_without_from_are_stored_without_an_author(fake_graph, connection):
    post_id = fake_graph.add_posts(1)[0]
    fake_graph.add_comments(post_id, 3)
    fake_graph.inject(kind="missing_from", count=1)

    sync(connection)

    assert sorted(Comment.objects.values_list("author_platform_id", flat=True))[0] == ""
    assert Comment.objects.count() == 3


def test_the_sync_command_syncs_every_active_connection(fake_graph, connection, capsys):
    post_id = fake_graph.add_posts(1)[0]
    fake_graph.add_comments(post_id, 2)

    call_command("meta", "sync")

    assert Comment.objects.count() == 2
    assert "2 comments read, 2 new" in capsys.readouterr().out
