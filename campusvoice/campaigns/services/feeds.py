"""Allies' feeds: fetched carefully, parsed with feedparser, stored as AllyItem rows.

A feed URL is typed by an organiser, so the fetch is guarded like any server-side request to a
user-given address: http(s) only, every hop's host resolved and refused unless all its addresses
are public (loopback is allowed only with CAMPUSVOICE_FETCH_ALLOW_PRIVATE, for tests and the demo;
the same policy as outreach/fetch.py), no more than MAX_REDIRECTS hops, a timeout, and a size cap.
Known gap, as there: the name is resolved again when connecting (DNS rebinding is not pinned). Conditional requests (ETag,
Last-Modified) spare both sides. A broken feed records its error on the ally; it never raises.
"""

import calendar
import datetime as dt
import ipaddress
import logging
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import feedparser
import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from campusvoice.campaigns.models import Ally, AllyItem

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT = (5, 10)  # connect, read (seconds)
TOTAL_SECONDS = 20  # a server that drips bytes is cut off too
MAX_REDIRECTS = 5
MAX_ITEMS = 50
USER_AGENT = "campusvoice feed reader (+https://github.com/campusvoice)"


class FeedError(Exception):
    """The feed could not be fetched or read; the message is shown on the ally."""


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return bool(getattr(settings, "CAMPUSVOICE_FETCH_ALLOW_PRIVATE", False))
    return ip.is_global and not ip.is_multicast


def _check_host(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedError(_("Only http and https addresses can be fetched."))
    if parts.username or parts.password:
        raise FeedError(_("Addresses with a user name or password are not fetched."))
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError) as exc:
        raise FeedError(_("The feed's host could not be found.")) from exc
    if not all(_address_allowed(info[4][0]) for info in infos):
        raise FeedError(_("The feed's address is on a private network; it was not fetched."))


@dataclass
class Fetched:
    status: int
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""


def feed_download(*, url: str, etag: str = "", last_modified: str = "") -> Fetched:
    """GET the feed, following redirects by hand so each hop is checked; raises FeedError."""
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + TOTAL_SECONDS
    with requests.Session() as session:
        session.trust_env = False  # no proxies from the environment
        for _hop in range(MAX_REDIRECTS + 1):
            _check_host(url)
            try:
                response = session.get(
                    url, headers=headers, timeout=TIMEOUT, allow_redirects=False, stream=True
                )
            except requests.Timeout as exc:
                raise FeedError(_("The feed did not answer in time.")) from exc
            except requests.RequestException as exc:
                raise FeedError(_("The feed could not be reached.")) from exc
            with response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                if response.status_code == 304:
                    return Fetched(status=304, etag=etag, last_modified=last_modified)
                if response.status_code >= 400:
                    raise FeedError(
                        _("The feed answered with HTTP %(status)s.") % {"status": response.status_code}
                    )
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > MAX_BYTES:
                    raise FeedError(
                        _("The feed is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
                    )
                body = bytearray()
                try:
                    for chunk in response.iter_content(chunk_size=65536):
                        body += chunk
                        if time.monotonic() > deadline:
                            raise FeedError(_("The feed did not answer in time."))
                        if len(body) > MAX_BYTES:
                            raise FeedError(
                                _("The feed is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
                            )
                except requests.RequestException as exc:
                    raise FeedError(_("The feed could not be read to the end.")) from exc
                return Fetched(
                    status=response.status_code,
                    body=bytes(body),
                    etag=response.headers.get("ETag", "")[:300],
                    last_modified=response.headers.get("Last-Modified", "")[:100],
                )
    raise FeedError(_("The feed redirected too many times."))


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
def ally_save(*, ally: Ally | None = None, **fields) -> Ally:
    """Create or change an ally; raises ValidationError keyed by field."""
    ally = ally or Ally()
    for name, value in fields.items():
        setattr(ally, name, value)
    ally.full_clean()
    ally.save()
    return ally
