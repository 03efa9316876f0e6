"""Fetching delivery figures from Meta into ReachSnapshot, the table the CSV/XLSX import fills too.

Per campus ad set: reach, impressions, frequency, spend and clicks over the campaign's range so far
(and, with `daily`, one row per day as well); the campaign's own row, which Meta de-duplicates
across ad sets; and per Page post of the campaign: reach, impressions, reactions, comments, shares.

Reach counts unique people within one object and one range. It is never added across ad sets,
posts or days here or anywhere: a total comes from Meta's own figure for the parent object (the
campaign row), and each sync stores dated rows rather than adding to earlier ones.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campusvoice.campaigns.models import Campaign, ContentItem, ContentKind, ReachSnapshot
from campusvoice.conversations.models import Post

from .ads import ads_error_message
from .client import InsightRow, MetaClient, MetaError, MetaNotFound, MetaTokenError
from .models import AdCampaign, AdCampusSet, MetaConnection
from .services import connection_client, connection_error_record

logger = logging.getLogger(__name__)

Level, Source = ReachSnapshot.Level, ReachSnapshot.Source
POST_KINDS = (ContentKind.PAGE_POST, ContentKind.QUESTION_POST, ContentKind.ALLY_SHARE)


@dataclass
class InsightsReport:
    ad_sets: int = 0
    campaigns: int = 0
    posts: int = 0
    snapshots: int = 0
    missing: int = 0  # objects Meta no longer has
    stopped: str = ""  # why the sync stopped early, for an organiser
    errors: list[str] = field(default_factory=list)


def _store(*, level: str, platform_id: str, date_start, date_stop, **values) -> ReachSnapshot:
    """One dated row per object and range: a later sync of the same range replaces it."""
    snapshot = ReachSnapshot.objects.filter(
        level=level, source=Source.API, platform_id=platform_id, date_start=date_start, date_stop=date_stop
    ).first() or ReachSnapshot(
        level=level, source=Source.API, platform_id=platform_id, date_start=date_start, date_stop=date_stop
    )
    for name, value in values.items():
        setattr(snapshot, name, value)
    snapshot.full_clean()
    snapshot.save()
    return snapshot


def _row_values(row: InsightRow, currency: str) -> dict:
    return {
        "reach": row.reach,
        "impressions": row.impressions,
        "frequency": row.frequency.quantize(Decimal("0.0001")) if row.frequency is not None else None,
        "spend": row.spend,
        "currency": (row.currency or currency) if row.spend is not None else "",
        "clicks": row.clicks,
        "is_organic": False,
    }


def insights_range(*, ad: AdCampaign, today: dt.date | None = None) -> tuple[dt.date, dt.date] | None:
    """The campaign's days so far: from its start (or the ad campaign's creation) to today or its end."""
    today = today or timezone.localdate()
    campaign = ad.campaign
    since = campaign.starts_on or timezone.localtime(ad.created_at).date()
    until = min(today, campaign.ends_on) if campaign.ends_on else today
    return (since, until) if since <= until else None


def _sync_ad_campaign(
    client: MetaClient, ad: AdCampaign, *, since: dt.date, until: dt.date, daily: bool, report: InsightsReport
) -> None:
    campaign = ad.campaign
    campuses = list(
        ad.campuses.select_related("university")
        .exclude(adset_id="")
        .filter(status=AdCampusSet.Status.CREATED)
    )
    rows = client.insights(ad.platform_id, since=since, until=until)
    with transaction.atomic():
        for row in rows:
            _store(
                level=Level.CAMPAIGN,
                platform_id=ad.platform_id,
                date_start=row.date_start,
                date_stop=row.date_stop,
                campaign=campaign,
                university=None,
                name=ad.name[:300],
                **_row_values(row, ad.currency),
            )
            report.snapshots += 1
    report.campaigns += 1
    for campus in campuses:
        try:
            rows = [(row, False) for row in client.insights(campus.adset_id, since=since, until=until)]
            if daily:
                days = client.insights(campus.adset_id, since=since, until=until, daily=True)
                rows += [(row, True) for row in days if row.date_start != since or row.date_stop != until]
        except MetaNotFound:
            report.missing += 1
            continue
        with transaction.atomic():
            for row, is_day in rows:
                _store(
                    level=Level.AD_SET,
                    platform_id=campus.adset_id,
                    date_start=row.date_start,
                    date_stop=row.date_stop,
                    campaign=campaign,
                    # Per-day rows are for trends, found by the ad set id. Left unattached to the
                    # campus, a reader looking for "the campus's latest reach" never takes one
                    # day's figure for the campaign's.
                    university=None if is_day else campus.university,
                    name=campus.university.name[:300],
                    **_row_values(row, ad.currency),
                )
                report.snapshots += 1
        report.ad_sets += 1


def _campaign_posts(
    connection: MetaConnection,
) -> list[tuple[str, Campaign | None, object, Post | None, dt.date]]:
    """(post id, campaign, campus, Post, published day) of every campaign post on this Page."""
    found: dict[str, tuple] = {}
    items = ContentItem.objects.filter(
        kind__in=POST_KINDS,
        status=ContentItem.Status.PUBLISHED,
        platform_id__startswith=f"{connection.page_id}_",
    ).select_related("campaign", "university")
    for item in items:
        day = timezone.localtime(item.published_at).date() if item.published_at else timezone.localdate()
        found[item.platform_id] = (item.platform_id, item.campaign, item.university, None, day)
    posts = (
        Post.objects.filter(channel=connection.channel, campaign__isnull=False)
        .filter(Q(kind=Post.Kind.PAGE_POST) | Q(kind=Post.Kind.AD_POST))
        .select_related("campaign")
        .prefetch_related("universities")
    )
    for post in posts:
        day = timezone.localtime(post.published_at).date() if post.published_at else timezone.localdate()
        previous = found.get(post.platform_id)
        universities = list(post.universities.all())
        campus = previous[2] if previous else (universities[0] if len(universities) == 1 else None)
        found[post.platform_id] = (
            post.platform_id,
            post.campaign,
            campus,
            post,
            previous[4] if previous else day,
        )
    return list(found.values())


def insights_sync(
    *,
    connection: MetaConnection,
    daily: bool = False,
    today: dt.date | None = None,
    ad_campaigns=None,
    progress=None,
    sleep=None,
) -> InsightsReport:
    """Fetch every ad campaign's and campaign post's figures on this Page into ReachSnapshot.

    Token (190) and permission (10, 200) errors stop the sync with a message; the token error
    also marks the connection for reconnection. `progress` wraps the list of objects (tqdm).
    """
    report = InsightsReport()
    today = today or timezone.localdate()
    try:
        client = connection_client(connection=connection, sleep=sleep)
    except Exception as exc:  # noqa: BLE001 - ApplicationError: disconnected
        report.stopped = getattr(exc, "message", str(exc))
        return report
    ads = list(
        (ad_campaigns if ad_campaigns is not None else AdCampaign.objects.filter(connection=connection))
        .exclude(platform_id="")
        .select_related("campaign")
    )
    work: list = [("ad", ad) for ad in ads] + [("post", post) for post in _campaign_posts(connection)]
    if ad_campaigns is not None:
        work = [w for w in work if w[0] == "ad"]
    try:
        for kind, target in progress(work) if progress else work:
            if kind == "ad":
                span = insights_range(ad=target, today=today)
                if span is None:
                    continue
                _sync_ad_campaign(client, target, since=span[0], until=span[1], daily=daily, report=report)
                AdCampaign.objects.filter(pk=target.pk).update(insights_synced_at=timezone.now())
            else:
                _sync_post(client, target, today=today, report=report)
    except MetaError as exc:
        if isinstance(exc, MetaTokenError):
            connection_error_record(connection=connection, error=exc)
        report.stopped = ads_error_message(exc)
        logger.warning(
            "meta insights sync of connection %s stopped: %s/%s", connection.pk, exc.code, exc.subcode
        )
    return report


def _sync_post(client: MetaClient, target: tuple, *, today: dt.date, report: InsightsReport) -> None:
    post_id, campaign, campus, post, day = target
    try:
        figures = client.post_insights(post_id)
    except MetaNotFound:
        report.missing += 1
        return
    _store(
        level=Level.POST,
        platform_id=post_id,
        date_start=min(day, today),
        date_stop=today,
        campaign=campaign,
        university=campus,
        post=post,
        name="",
        is_organic=not (post is not None and post.kind == Post.Kind.AD_POST),
        reach=figures.reach,
        impressions=figures.impressions,
        reactions=figures.reactions,
        comments=figures.comments,
        shares=figures.shares,
    )
    report.posts += 1
    report.snapshots += 1


def ad_campaign_insights_sync(*, ad_campaign: AdCampaign, daily: bool = False) -> InsightsReport:
    """Only this ad campaign's figures (the "Sync insights" button)."""
    if not ad_campaign.platform_id:
        report = InsightsReport()
        report.stopped = _("The campaign is not on Meta yet: resume its creation first.")
        return report
    return insights_sync(
        connection=ad_campaign.connection,
        daily=daily,
        ad_campaigns=AdCampaign.objects.filter(pk=ad_campaign.pk),
    )


def ad_campaign_reach(*, ad_campaign: AdCampaign) -> dict:
    """The latest figures per campus and Meta's de-duplicated total for the campaign, never a sum.

    For each campus the row covering the longest range that ends last (the campaign so far).
    """
    latest: dict[str, ReachSnapshot] = {}
    ids = [c.adset_id for c in ad_campaign.campuses.all() if c.adset_id]
    rows = ReachSnapshot.objects.filter(source=Source.API, level=Level.AD_SET, platform_id__in=ids).order_by(
        "platform_id", "-date_stop", "date_start", "-fetched_at"
    )
    for row in rows:
        latest.setdefault(row.platform_id, row)
    total = (
        ReachSnapshot.objects.filter(
            source=Source.API, level=Level.CAMPAIGN, platform_id=ad_campaign.platform_id
        )
        .order_by("-date_stop", "date_start", "-fetched_at")
        .first()
        if ad_campaign.platform_id
        else None
    )
    return {"by_adset": latest, "campaign": total}
