"""Backfill and periodic sync of a Page's posts, ad posts and Instagram media and their comments.

Few calls: each posts listing carries every post's first 100 comments (field expansion), a post
whose comment count has not changed since its last complete read is skipped, and the remaining
comment pages of many posts go out together in batches of 50.

Resumable without cursors (they expire): each post keeps a checkpoint, the newest comment time
stored, saved in the same transaction as the comments. A sync that stops halfway asks Meta for
comments `since` that time on the next run; ingestion is idempotent by comment id, so the
overlap at the boundary stores nothing twice.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campusvoice.conversations.models import Channel, Post
from campusvoice.conversations.services.ingestion import comments_ingest_graph
from campusvoice.errors import ApplicationError

from .client import (
    CommentPage,
    CommentRequest,
    Listing,
    MetaClient,
    MetaError,
    MetaPermissionError,
    MetaRateLimited,
    MetaTokenError,
    PostItem,
    parse_time,
)
from .models import MetaConnection, SyncCheckpoint
from .services import connection_client, connection_error_record, meta_error_message

logger = logging.getLogger(__name__)

# A comment can become visible on the Graph API a little after its created_time: read that much
# before the newest comment we hold. Ingestion is idempotent, so the overlap costs nothing stored.
SINCE_OVERLAP = timedelta(minutes=5)


@dataclass
class SyncReport:
    """Counts only: safe to log and print."""

    posts: int = 0
    posts_skipped: int = 0
    comments: int = 0
    created: int = 0
    pages: int = 0
    incomplete: int = 0  # posts left for the next run (a transient error on their page)
    http_calls: int = 0
    stopped: str = ""  # why the sync stopped early, for the admin page
    retry_after: float | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class _Pending:
    post: Post
    checkpoint: SyncCheckpoint
    request: CommentRequest
    total_count: int | None


def connection_sync(
    *, connection: MetaConnection, full: bool = False, client: MetaClient | None = None
) -> SyncReport:
    """Read new comments of this connection's Page and Instagram account into the inbox.

    `full` (and the first run) reads every post ever published; later runs read the posts of the
    last CAMPUSVOICE_META_SYNC_WINDOW_DAYS (webhooks bring comments on older ones). Token and
    permission errors stop the sync and mark the connection for the admin; throttling stops it
    with `retry_after` set. Never raises MetaError.
    """
    report = SyncReport()
    if not connection.is_active:
        report.stopped = connection.last_error or "connection is not active"
        return report
    client = client or connection_client(connection=connection)
    started = timezone.now()
    backfill = full or connection.backfill_done_at is None
    since = None if backfill else started - timedelta(days=settings.CAMPUSVOICE_META_SYNC_WINDOW_DAYS)
    try:
        pending = _posts_read(client, connection, report, since=since, full=full)
        _comment_pages_drain(client, connection, report, pending)
    except (MetaTokenError, MetaPermissionError) as exc:
        connection_error_record(connection=connection, error=exc)
        report.stopped = connection.last_error
    except MetaRateLimited as exc:
        connection_error_record(connection=connection, error=exc)
        report.stopped = meta_error_message(exc)
        report.retry_after = exc.retry_after
    except MetaError as exc:
        connection_error_record(connection=connection, error=exc)
        report.stopped = meta_error_message(exc)
    report.http_calls = client.http_calls
    if not report.stopped:
        updates = {"last_sync_at": started}
        if backfill and not report.incomplete:
            updates["backfill_done_at"] = started
        if connection.last_error:
            updates |= {"last_error": "", "last_error_at": None}
        MetaConnection.objects.filter(pk=connection.pk).update(**updates)
        for name, value in updates.items():
            setattr(connection, name, value)
    logger.info(
        "meta sync connection %s: %s posts, %s comments, %s calls%s",
        connection.pk,
        report.posts,
        report.comments,
        report.http_calls,
        " (stopped)" if report.stopped else "",
    )
    return report


def _posts_read(client, connection, report, *, since, full) -> list[_Pending]:
    listings = [Listing(connection.page_id, "published_posts"), Listing(connection.page_id, "ads_posts")]
    channels = [connection.channel, connection.channel]
    if connection.instagram_account_id and connection.instagram_channel_id:
        listings.append(Listing(connection.instagram_account_id, "media"))
        channels.append(connection.instagram_channel)
    pending: list[_Pending] = []
    # The first page of every listing in one batch; further pages (rare) one call each.
    firsts = client.listing_first_pages(listings, since=since)
    for listing, channel, first in zip(listings, channels, firsts, strict=True):
        if isinstance(first, MetaPermissionError) and listing.edge == "ads_posts":
            # Ad posts need ads permissions many Pages do not grant; organic posts still sync.
            report.notes.append("ads_posts skipped: no ads permission")
            continue
        if isinstance(first, MetaError):
            raise first
        for item in client.listing_items(listing, since=since, first=first):
            waiting = _post_handle(connection, channel, item, report, full=full)
            if waiting is not None:
                pending.append(waiting)
    return pending


def _post_handle(
    connection, channel: Channel, item: PostItem, report: SyncReport, *, full: bool
) -> _Pending | None:
    report.posts += 1
    post, _created = Post.objects.update_or_create(
        channel=channel,
        platform_id=item.id,
        defaults={
            "kind": item.kind,
            "message": item.message,
            "permalink": item.permalink[:500],
            "published_at": item.created_time,
        },
    )
    checkpoint, _created = SyncCheckpoint.objects.get_or_create(
        post=post, defaults={"connection": connection}
    )
    page = item.comments or CommentPage(item.id, [], None, 0)
    total = page.total_count
    instagram = item.kind == Post.Kind.INSTAGRAM_MEDIA
    if not full and checkpoint.completed_at and total is not None and total == checkpoint.total_count_seen:
        report.posts_skipped += 1
        return None
    if full or checkpoint.newest_comment_time is None or not page.after:
        # The inline page is the oldest comments: new to us, or the whole thread.
        if not _page_store(channel, post, checkpoint, page, report):
            return None
        if page.after:
            return _Pending(
                post, checkpoint, CommentRequest(item.id, after=page.after, instagram=instagram), total
            )
        _checkpoint_complete(checkpoint, total)
        return None
    # Read before: continue from the newest comment we hold rather than from the start.
    request = CommentRequest(
        item.id, since=checkpoint.newest_comment_time - SINCE_OVERLAP, instagram=instagram
    )
    return _Pending(post, checkpoint, request, total)


def _comment_pages_drain(client: MetaClient, connection, report: SyncReport, pending: list[_Pending]) -> None:
    while pending:
        pages = client.comment_pages([p.request for p in pending])
        following: list[_Pending] = []
        for waiting, page in zip(pending, pages, strict=True):
            if isinstance(page, MetaTokenError | MetaPermissionError | MetaRateLimited):
                raise page
            if isinstance(page, MetaError):
                report.incomplete += 1
                logger.warning(
                    "meta sync: post %s left for next run (%s)", waiting.post.pk, type(page).__name__
                )
                continue
            channel = waiting.post.channel
            if not _page_store(channel, waiting.post, waiting.checkpoint, page, report):
                continue
            if page.after:
                request = CommentRequest(
                    waiting.request.object_id, after=page.after, instagram=waiting.request.instagram
                )
                following.append(_Pending(waiting.post, waiting.checkpoint, request, waiting.total_count))
            else:
                _checkpoint_complete(waiting.checkpoint, waiting.total_count)
        pending = following


def _page_store(channel, post, checkpoint: SyncCheckpoint, page: CommentPage, report: SyncReport) -> bool:
    """Ingest one page and move the checkpoint in one transaction; False if the page was refused."""
    newest = max((t for c in page.comments if (t := _created(c)) is not None), default=None)
    try:
        with transaction.atomic():
            ingested = comments_ingest_graph(channel=channel, post=post, payload=page.payload())
            if newest and (checkpoint.newest_comment_time is None or newest > checkpoint.newest_comment_time):
                checkpoint.newest_comment_time = newest
                checkpoint.save(update_fields=["newest_comment_time", "updated_at"])
    except (ValidationError, ApplicationError) as exc:
        report.incomplete += 1
        logger.warning("meta sync: a page of post %s was not stored (%s)", post.pk, type(exc).__name__)
        return False
    report.pages += 1
    report.comments += ingested.rows
    report.created += ingested.created
    return True


def _created(comment: dict) -> datetime | None:
    try:
        return parse_time(comment.get("created_time"))
    except ValueError:
        return None


def _checkpoint_complete(checkpoint: SyncCheckpoint, total: int | None) -> None:
    checkpoint.total_count_seen = total
    checkpoint.completed_at = timezone.now()
    checkpoint.save(update_fields=["total_count_seen", "completed_at", "updated_at"])
