"""Student-newspaper coverage: fetch feeds and pages, match articles to campaigns, review them."""

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campusvoice import fetching
from campusvoice.accounts.models import User
from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.models import StudentNewspaper, University
from campusvoice.errors import ApplicationError
from campusvoice.outreach.models import Article, WatchedSource

logger = logging.getLogger(__name__)

# Words that make an article worth a look, in both languages (matched as whole words, any case).
KEYWORDS = (
    "consent",
    "sexual assault",
    "sexual violence",
    "sexual harassment",
    "sexual misconduct",
    "title ix",
    "rape",
    "violenza sessuale",
    "violenza di genere",
    "violenze sessuali",
    "consenso",
    "molestie",
    "molestia",
    "stupro",
)
# Coverage often comes a little before a launch or after the end.
DATE_MARGIN = dt.timedelta(days=14)


class FeedRejected(ApplicationError):
    pass


@dataclass
class Entry:
    url: str
    title: str
    summary: str = ""
    published: dt.datetime | None = None


@dataclass
class FetchReport:
    checked: int = 0
    not_modified: int = 0
    failed: int = 0
    new_articles: int = 0
    errors: list[str] = field(default_factory=list)


# --- parsing ---

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


def feed_parse(content: bytes) -> list[Entry]:
    """Entries of an RSS or Atom document; raises FeedRejected for documents we will not parse.

    Entity declarations are refused outright: feeds have no use for them, and they are how an
    "XML bomb" (billion laughs) multiplies a few kilobytes into gigabytes. feedparser falls back
    to a lenient parser on malformed XML, so "malformed" is judged by what comes out.
    """
    import feedparser

    if _ENTITY_DECLARATION.search(content):
        raise FeedRejected(_("The feed declares XML entities; it was not parsed."))
    parsed = feedparser.parse(content, sanitize_html=True, resolve_relative_uris=False)
    if not parsed.get("version"):
        raise FeedRejected(_("This is not an RSS or Atom feed."))
    entries = []
    for item in parsed.entries:
        url = item.get("link") or ""
        if not url.startswith(("http://", "https://")):
            continue
        published = item.get("published_parsed") or item.get("updated_parsed")
        entries.append(
            Entry(
                url=url[:1000],
                title=(item.get("title") or url)[:500],
                summary=_TAGS.sub(" ", item.get("summary") or "").strip()[:2000],
                published=dt.datetime(*published[:6], tzinfo=dt.UTC) if published else None,
            )
        )
    if parsed.get("bozo") and not entries:
        raise FeedRejected(_("The feed is not valid RSS or Atom."))
    return entries


class _TitleParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.og_title, self.description, self._in_title = "", "", "", False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self._in_title = True
        elif tag == "meta":
            key = attrs.get("property") or attrs.get("name") or ""
            if key == "og:title":
                self.og_title = attrs.get("content") or ""
            elif key in ("og:description", "description") and not self.description:
                self.description = attrs.get("content") or ""

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def page_title(content: bytes) -> tuple[str, str]:
    """(title, description) of an HTML page: og:title first, then <title>."""
    parser = _TitleParser()
    parser.feed(content.decode("utf-8", errors="replace")[:500_000])
    title = (parser.og_title or parser.title).strip()
    return " ".join(title.split())[:500], parser.description.strip()[:2000]


# --- matching ---


def _keywords_for(campaign: Campaign | None) -> list[str]:
    words = list(KEYWORDS)
    if campaign is not None:
        words.append(campaign.name.lower())
        # Hashtags, once the campaigns app stores them (a comma- or space-separated field).
        for tag in re.split(r"[\s,]+", str(getattr(campaign, "hashtags", "") or "")):
            if tag.strip("#"):
                words.append("#" + tag.strip("#").lower())
    return words


def _found(word: str, text: str) -> bool:
    if word.startswith("#"):
        return word in text
    return re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text) is not None


def article_match(
    *, title: str, summary: str, published: dt.datetime | None, university: University | None
) -> tuple[Campaign | None, list[str]]:
    """The campaign an article is about, and why; (None, keyword reasons) when no campaign fits.

    A campaign matches when the article's campus is one of its targets, it was published within
    the campaign's dates plus DATE_MARGIN, and a keyword (or the campaign's name or hashtags) occurs.
    """
    text = f"{title}\n{summary}".lower()
    general = [word for word in KEYWORDS if _found(word, text)]
    if university is None:
        return None, [f"keyword: {word}" for word in general]
    day = (published or timezone.now()).date()
    candidates = Campaign.objects.filter(universities=university).filter(
        Q(starts_on__isnull=True) | Q(starts_on__lte=day + DATE_MARGIN),
        Q(ends_on__isnull=True) | Q(ends_on__gte=day - DATE_MARGIN),
    )
    for campaign in candidates.order_by("-starts_on", "pk"):
        words = [word for word in _keywords_for(campaign) if _found(word, text)]
        if words:
            reasons = [f"keyword: {word}" for word in words]
            reasons.append(f"campus is a target of campaign {campaign.pk}")
            reasons.append(
                f"published {day.isoformat()}, within the campaign's dates ± {DATE_MARGIN.days} days"
            )
            return campaign, reasons
    return None, [f"keyword: {word}" for word in general]


def _article_store(
    *, entry: Entry, newspaper: StudentNewspaper | None, source: WatchedSource | None
) -> Article | None:
    if Article.objects.filter(url=entry.url).exists():
        return None
    university = newspaper.university if newspaper else None
    campaign, reasons = article_match(
        title=entry.title, summary=entry.summary, published=entry.published, university=university
    )
    if not reasons:
        return None  # nothing about our subject: not stored
    article = Article(
        newspaper=newspaper,
        university=university,
        source=source,
        url=entry.url,
        title=entry.title,
        summary=entry.summary,
        published_at=entry.published,
        campaign=campaign,
        match_reasons=reasons,
    )
    article.full_clean()
    article.save()
    return article


def entries_store(
    *, entries: list[Entry], newspaper: StudentNewspaper | None, source: WatchedSource | None = None
) -> int:
    """Store the entries that match our keywords as articles to review; returns how many are new."""
    return sum(1 for entry in entries if _article_store(entry=entry, newspaper=newspaper, source=source))


# --- fetching ---


def watched_sources_sync() -> int:
    """A watched source for each newspaper feed URL the directory holds; returns how many were added."""
    added = 0
    for newspaper in StudentNewspaper.objects.exclude(feed_url=""):
        _, created = WatchedSource.objects.get_or_create(
            url=newspaper.feed_url, defaults={"newspaper": newspaper, "kind": WatchedSource.Kind.FEED}
        )
        added += created
    return added


def watched_source_fetch(*, source: WatchedSource, timeout: float = fetching.TIMEOUT_SECONDS) -> int:
    """Fetch one feed or page (conditionally) and store what matches; returns new articles.

    Failures are recorded on the source (last_status, last_error) and raised as FetchError or
    FeedRejected.
    """
    source.last_checked_at = timezone.now()
    try:
        result = fetching.fetch(
            source.url, etag=source.etag, last_modified=source.last_modified, timeout=timeout
        )
        if result.not_modified:
            source.last_status, source.last_error = "not_modified", ""
            return 0
        if source.kind == WatchedSource.Kind.PAGE and "html" in result.content_type:
            title, summary = page_title(result.content)
            entries = [Entry(url=source.url, title=title or source.url, summary=summary)]
        else:
            entries = feed_parse(result.content)
        new = entries_store(entries=entries, newspaper=source.newspaper, source=source)
        source.etag, source.last_modified = result.etag[:300], result.last_modified[:100]
        source.last_status, source.last_error = "ok", ""
        return new
    except (fetching.FetchError, FeedRejected) as exc:
        source.last_status = "refused" if isinstance(exc, fetching.FetchRefused) else "failed"
        source.last_error = str(exc)[:300]
        raise
    finally:
        source.save()


def newspapers_fetch(*, timeout: float = fetching.TIMEOUT_SECONDS) -> FetchReport:
    """Check every active watched source once; one failure never stops the others."""
    watched_sources_sync()
    report = FetchReport()
    for source in WatchedSource.objects.filter(is_active=True).select_related("newspaper__university"):
        report.checked += 1
        try:
            with transaction.atomic():
                report.new_articles += watched_source_fetch(source=source, timeout=timeout)
        except (fetching.FetchError, FeedRejected) as exc:
            report.failed += 1
            report.errors.append(f"source {source.pk}: {exc}")
            WatchedSource.objects.filter(pk=source.pk).update(
                last_checked_at=timezone.now(),
                last_status="refused" if isinstance(exc, fetching.FetchRefused) else "failed",
                last_error=str(exc)[:300],
            )
            logger.warning("watched source %s failed: %s", source.pk, exc)
            continue
        if source.last_status == "not_modified":
            report.not_modified += 1
    logger.info(
        "newspapers fetched: %s checked, %s not modified, %s failed, %s new articles",
        report.checked,
        report.not_modified,
        report.failed,
        report.new_articles,
    )
    return report


@transaction.atomic
def watched_page_add(*, url: str, newspaper: StudentNewspaper | None, by: User | None) -> WatchedSource:
    source = WatchedSource(url=url, newspaper=newspaper, kind=WatchedSource.Kind.PAGE, added_by=by)
    source.full_clean()
    source.save()
    return source


# --- organisers' additions and review ---


@transaction.atomic
def article_create(
    *,
    url: str,
    title: str,
    by: User | None,
    newspaper: StudentNewspaper | None = None,
    campaign: Campaign | None = None,
    published_at: dt.datetime | None = None,
    summary: str = "",
) -> Article:
    """Add an article by hand; ValidationError keyed by field (e.g. a URL already known)."""
    article = Article(
        url=url,
        title=title,
        newspaper=newspaper,
        university=newspaper.university if newspaper else None,
        campaign=campaign,
        published_at=published_at,
        summary=summary,
        match_reasons=["added by an organiser"],
        added_by=by,
    )
    article.full_clean()
    article.save()
    return article


def article_add_from_url(
    *, url: str, by: User | None, newspaper: StudentNewspaper | None = None, campaign: Campaign | None = None
) -> Article:
    """Fetch the page with the safe fetcher, take its title, and add it as an article to review."""
    if Article.objects.filter(url=url).exists():
        raise ValidationError({"url": _("This article is already listed.")})
    try:
        result = fetching.fetch(url, accept="text/html, */*;q=0.5")
    except fetching.FetchError as exc:
        raise ApplicationError(_("The page could not be fetched: %(why)s") % {"why": exc}) from exc
    title, summary = page_title(result.content)
    return article_create(
        url=url, title=title or url, by=by, newspaper=newspaper, campaign=campaign, summary=summary
    )


@transaction.atomic
def article_review(
    *, article: Article, status: str, by: User | None, campaign: Campaign | None = None
) -> Article:
    """Confirm (as coverage of a campaign) or reject an article."""
    if status not in Article.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if campaign is not None:
        article.campaign = campaign
    if status == Article.Status.CONFIRMED and article.campaign is None:
        raise ValidationError({"campaign": _("Choose the campaign this article covers.")})
    article.status, article.reviewed_by, article.reviewed_at = status, by, timezone.now()
    article.full_clean()
    article.save()
    return article
