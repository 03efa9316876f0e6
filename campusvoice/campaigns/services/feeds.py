"""Allies' feeds: fetched carefully, parsed with feedparser, stored as AllyItem rows.

A feed URL is typed by an organiser, so the fetch is guarded like any server-side request to a
user-given address: http(s) only, every hop's host resolved and refused unless all its addresses
are public (loopback is allowed only with CAMPUSVOICE_FETCH_ALLOW_PRIVATE, for tests and the demo),
a timeout, and a size cap: all of it in campusvoice/fetching.py, shared with the newspaper monitor.
Conditional requests (ETag, Last-Modified) spare both sides. A broken feed records its error on the ally; it never raises.
"""

import calendar
import datetime as dt
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import feedparser
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from campusvoice import fetching
from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.campaigns.models import Ally, AllyItem

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT = (5, 10)  # connect, read (seconds)
TOTAL_SECONDS = 20  # a server that drips bytes is cut off too
MAX_ITEMS = 50
USER_AGENT = "campusvoice feed reader (+https://github.com/campusvoice)"


class FeedError(Exception):
    """The feed could not be fetched or read; the message is shown on the ally."""


@dataclass
class Fetched:
    status: int
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""


def _feed_error(exc: fetching.FetchError) -> FeedError:
    """Our own message for the ally's page, by the kind of failure."""
    messages = {
        "scheme": _("Only http and https addresses can be fetched."),
        "credentials": _("Addresses with a user name or password are not fetched."),
        "dns": _("The feed's host could not be found."),
        "private": _("The feed's address is on a private network; it was not fetched."),
        "timeout": _("The feed did not answer in time."),
        "connect": _("The feed could not be reached."),
        "too_large": _("The feed is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
        "broken": _("The feed could not be read to the end."),
        "redirects": _("The feed redirected too many times."),
    }
    if exc.reason == "status":
        return FeedError(_("The feed answered with HTTP %(status)s.") % {"status": exc.status})
    return FeedError(messages.get(exc.reason, _("The feed could not be reached.")))


def feed_download(*, url: str, etag: str = "", last_modified: str = "") -> Fetched:
    """GET the feed through the shared careful fetcher (every hop checked); raises FeedError."""
    try:
        result = fetching.fetch(
            url,
            etag=etag,
            last_modified=last_modified,
            max_bytes=MAX_BYTES,
            timeout=TOTAL_SECONDS,
            request_timeout=TIMEOUT,
            accept="application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
            user_agent=USER_AGENT,
        )
    except fetching.FetchError as exc:
        raise _feed_error(exc) from exc
    return Fetched(
        status=result.status,
        body=result.content,
        etag=result.etag[:300],
        last_modified=result.last_modified[:100],
    )


def _published(entry) -> dt.datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), tz=dt.UTC)


def feed_parse(body: bytes) -> list[dict]:
    """Entries of an RSS or Atom document; raises FeedError when it is not one."""
    parsed = feedparser.parse(body)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        raise FeedError(_("This is not a readable RSS or Atom feed."))
    entries = []
    for entry in parsed.entries[:MAX_ITEMS]:
        link = entry.get("link", "")
        title = strip_tags(entry.get("title", "")).strip()
        guid = entry.get("id") or link or title
        if not guid or not title:
            continue
        if link and urlsplit(link).scheme not in ("http", "https"):
            link = ""
        entries.append(
            {
                "guid": guid[:500],
                "title": title[:500],
                "url": link[:1000],
                "published_at": _published(entry),
                "summary": strip_tags(entry.get("summary", "")).strip()[:2000],
            }
        )
    return entries


def ally_items_store(*, ally: Ally, entries: list[dict]) -> int:
    """Add or update the ally's items from parsed entries; returns how many are new."""
    created = 0
    with transaction.atomic():
        for entry in entries:
            _item, is_new = AllyItem.objects.update_or_create(
                ally=ally, guid=entry["guid"], defaults={k: v for k, v in entry.items() if k != "guid"}
            )
            created += is_new
    return created


def ally_fetch(*, ally: Ally) -> int:
    """Fetch one ally's feed; returns the number of new items. Errors are stored, not raised."""
    if not ally.feed_url:
        return 0
    now = timezone.now()
    try:
        fetched = feed_download(url=ally.feed_url, etag=ally.etag, last_modified=ally.last_modified)
        created = (
            0 if fetched.status == 304 else ally_items_store(ally=ally, entries=feed_parse(fetched.body))
        )
    except FeedError as exc:
        Ally.objects.filter(pk=ally.pk).update(fetch_error=str(exc)[:500], fetched_at=now)
        ally.fetch_error, ally.fetched_at = str(exc)[:500], now
        logger.warning("feed of ally %s failed: %s", ally.pk, exc)
        return 0
    if fetched.status != 304:
        ally.etag, ally.last_modified = fetched.etag, fetched.last_modified
    ally.fetch_error, ally.fetched_at = "", now
    Ally.objects.filter(pk=ally.pk).update(
        etag=ally.etag, last_modified=ally.last_modified, fetch_error="", fetched_at=now
    )
    return created


def allies_fetch(*, ally_ids: list[int] | None = None) -> int:
    """Fetch every ally's feed (or those given); returns the number of new items."""
    allies = Ally.objects.exclude(feed_url="")
    if ally_ids:
        allies = allies.filter(pk__in=ally_ids)
    return sum(ally_fetch(ally=ally) for ally in allies)


@transaction.atomic
def ally_update(*, ally: Ally, by: User | None, **fields) -> Ally:
    """Change an ally's details; raises ValidationError keyed by field and changes nothing then.

    A new feed address forgets the old feed's validators and error, so the next fetch asks for
    the whole new feed. The items already fetched stay. Records the changed fields' names.
    """
    ally = Ally.objects.select_for_update().get(pk=ally.pk)
    changed = sorted(name for name, value in fields.items() if getattr(ally, name) != value)
    if not changed:
        return ally
    for name, value in fields.items():
        setattr(ally, name, value)
    if "feed_url" in changed:
        ally.etag, ally.last_modified, ally.fetch_error, ally.fetched_at = "", "", "", None
    ally.full_clean()
    ally.save()
    audit_record(
        actor=by,
        action=AuditEvent.Action.CHANGE,
        object_type="campaigns.ally",
        object_id=ally.pk,
        detail={"fields": changed},
    )
    return ally


@dataclass
class AllyDeletion:
    """What deleting an ally takes with it (shown before, returned after)."""

    items: int = 0  # its fetched items: deleted
    shares: int = 0  # our content items that shared them: kept, without the link to the ally's item


def ally_delete_impact(*, ally: Ally) -> AllyDeletion:
    from campusvoice.campaigns.models import ContentItem

    return AllyDeletion(
        items=ally.items.count(), shares=ContentItem.objects.filter(ally_item__ally=ally).count()
    )


@transaction.atomic
def ally_delete(*, ally: Ally, by: User | None) -> AllyDeletion:
    """Delete an ally and the items fetched from its feed.

    Our own content that shared those items stays, with its text and its tracked link, so a
    scheduled or published post is not touched; only its reference to the ally's item is cleared.
    """
    impact = ally_delete_impact(ally=ally)
    pk = ally.pk
    ally.delete()
    audit_record(
        actor=by,
        action=AuditEvent.Action.DELETE,
        object_type="campaigns.ally",
        object_id=pk,
        detail={"items": impact.items, "shares_kept": impact.shares},
    )
    return impact


@transaction.atomic
def ally_save(*, ally: Ally | None = None, **fields) -> Ally:
    """Create or change an ally; raises ValidationError keyed by field."""
    ally = ally or Ally()
    for name, value in fields.items():
        setattr(ally, name, value)
    ally.full_clean()
    ally.save()
    return ally
