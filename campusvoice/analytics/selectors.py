"""Per-campus figures for a campaign and a period, computed in the database.

Two ways to the same counts: `campus_counts_live` aggregates the source tables (exact, used by the
refresh and to check it), `campus_counts_summary` subtracts two of CampusRunningTotals' rows per
campus (fast, used by the pages and the report). Both return {university_id: {count name: n}}; `campus_table` turns them
into CampusFigures with a source and a caveat for each figure.

Reach is never added up: each campus's share of students reached comes from the one ad-set
snapshot whose date range best matches the period (docs/meta-graph-api.md §5).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext

from campusvoice.analytics import sources
from campusvoice.analytics.figures import CampusFigures, Figure, Kind, Period, bounds
from campusvoice.analytics.models import (
    REPLY_BUCKETS,
    CampusDailyStats,
    CampusLadderCount,
    CampusRunningTotals,
    DailyTotals,
)
from campusvoice.campaigns.models import Campaign, ReachSnapshot
from campusvoice.campuses.models import University
from campusvoice.conversations.models import Comment, Post
from campusvoice.petitions.models import Signature
from campusvoice.supporters.models import LadderStep, Person

COUNT_NAMES = (
    "posts",
    "comments",
    "on_topic",
    "questions",
    "questions_answered",
    "disclosures",
    "replied",
    *(name for name, _bound in REPLY_BUCKETS),
    "new_people",
    "signatures_confirmed",
    "signatures_unconfirmed",
)
# Counts filed under the post's or petition's campaign; the rest (new people) under none.
CAMPAIGN_COUNTS = frozenset(COUNT_NAMES) - {"new_people"}
LADDER_ORDER = [step for step, _label in LadderStep.choices]
# The counts the daily series shows, kept for every campus together in DailyTotals.
SERIES_NAMES = ("posts", "comments", "on_topic", "signatures_confirmed")
TOTAL_NAMES = (*SERIES_NAMES, "new_people")


@lru_cache(maxsize=2048)
def _translated(message: str, language: str | None) -> str:
    return gettext(message)


@lru_cache(maxsize=1024)
def short_date(day: date, language: str | None) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _(message: str) -> str:
    """gettext, remembered per language: a 200-campus table asks for the same 50 texts 200 times."""
    return _translated(message, get_language())


# --- periods -------------------------------------------------------------------------------


def period_default(*, campaign: Campaign | None, today: date | None = None) -> Period:
    """The campaign's own dates, or the last 90 days when it has none."""
    today = today or timezone.localdate()
    start = campaign.starts_on if campaign and campaign.starts_on else today - timedelta(days=89)
    stop = campaign.ends_on if campaign and campaign.ends_on else today
    return Period(start, max(start, stop))


# --- counts from the source tables ---------------------------------------------------------


def comments_counted() -> QuerySet[Comment]:
    """Comments that count: from the public, not spam, not deleted, not a placeholder."""
    return Comment.objects.filter(
        is_from_page=False, is_placeholder=False, deleted_at__isnull=True, spam=False
    )


def _comment_aggregates() -> dict:
    replied = Q(first_reply_at__isnull=False)
    aggregates = {
        "comments": Count("id"),
        "on_topic": Count("id", filter=Q(on_topic=True)),
        "questions": Count("id", filter=Q(question=True)),
        "questions_answered": Count("id", filter=Q(question=True) & replied),
        "disclosures": Count("id", filter=Q(disclosure=True)),
        "replied": Count("id", filter=replied),
    }
    lower = None
    for name, upper in REPLY_BUCKETS:
        condition = replied
        if lower is not None:
            condition &= Q(first_reply_at__gt=F("created_time") + timedelta(minutes=lower))
        if upper is not None:
            condition &= Q(first_reply_at__lte=F("created_time") + timedelta(minutes=upper))
        aggregates[name] = Count("id", filter=condition)
        lower = upper
    return aggregates


def count_rows(
    *, since: datetime | None = None, until: datetime | None = None, by_day: bool = True, campaign=None
):
    """Yield ((university_id, campaign_id, day), {count: n}) from the source tables.

    One aggregate query per source table; `by_day=False` groups by campus (and campaign) only.
    `campaign` restricts the campaign-bound counts to one campaign.
    """

    def window(qs, field):
        if since is not None:
            qs = qs.filter(**{f"{field}__gte": since})
        if until is not None:
            qs = qs.filter(**{f"{field}__lt": until})
        return qs

    def keys(campaign_field, day_field):
        group = (
            {"u": F("university_key"), "c": F(campaign_field)}
            if campaign_field
            else {"u": F("university_key")}
        )
        if by_day:
            group["d"] = TruncDate(day_field)
        return group

    comments = window(comments_counted(), "created_time").filter(post__universities__isnull=False)
    posts = window(Post.universities.through.objects.all(), "post__published_at")
    signatures = window(
        Signature.objects.exclude(status=Signature.Status.VOIDED)
        .annotate(university_key=Coalesce("university_id", "version__university_id"))
        .filter(university_key__isnull=False),
        "created_at",
    )
    if campaign is not None:
        comments = comments.filter(post__campaign=campaign)
        posts = posts.filter(post__campaign=campaign)
        signatures = signatures.filter(petition__campaign=campaign)
    queries = [
        (
            comments.annotate(university_key=F("post__universities"))
            .values(**keys("post__campaign_id", "created_time"))
            .annotate(**_comment_aggregates()),
            True,
        ),
        (
            posts.annotate(university_key=F("university_id"))
            .values(**keys("post__campaign_id", "post__published_at"))
            .annotate(posts=Count("post_id")),
            True,
        ),
        (
            signatures.values(**keys("petition__campaign_id", "created_at")).annotate(
                signatures_confirmed=Count("id", filter=Q(status=Signature.Status.CONFIRMED)),
                signatures_unconfirmed=Count("id", filter=Q(status=Signature.Status.UNCONFIRMED)),
            ),
            True,
        ),
        (
            window(Person.objects.filter(merged_into__isnull=True, campus__isnull=False), "created_at")
            .annotate(university_key=F("campus_id"))
            .values(**keys(None, "created_at"))
            .annotate(new_people=Count("id")),
            False,
        ),
    ]
    for query, has_campaign in queries:
        for row in query:
            key = (row.pop("u"), row.pop("c") if has_campaign else None, row.pop("d", None))
            yield key, row


def campus_counts_live(*, university_ids, campaign: Campaign | None, period: Period) -> dict[int, dict]:
    """Exact counts per campus over the period, straight from the source tables."""
    start, stop = bounds(period)
    wanted = set(university_ids)
    totals: dict[int, dict] = {uid: dict.fromkeys(COUNT_NAMES, 0) for uid in wanted}
    for (uid, _campaign, _day), row in count_rows(since=start, until=stop, by_day=False, campaign=campaign):
        if uid in wanted:
            for name, n in row.items():
                totals[uid][name] += n
    return totals


def campus_counts_summary(*, university_ids, campaign: Campaign | None, period: Period) -> dict[int, dict]:
    """The same counts as campus_counts_live, from CampusRunningTotals.

    Per campus, the latest running row on or before the period's last day less the latest before
    its first: two queries, one index probe per campus and edge, whatever the period's length.
    With a campaign chosen, new people (filed under no campaign) come from the no-campaign rows.
    """
    ids = list(university_ids)
    totals = {uid: dict.fromkeys(COUNT_NAMES, 0) for uid in ids}
    if campaign is not None:
        scopes = [
            (Q(campaign=campaign), sorted(CAMPAIGN_COUNTS)),
            (Q(campaign__isnull=True, every_campaign=False), ["new_people"]),
        ]
    else:
        scopes = [(Q(campaign__isnull=True, every_campaign=True), list(COUNT_NAMES))]
    edges = {"end": period.date_to, "start": period.date_from - timedelta(days=1)}
    pointers = {
        f"{edge}_{i}": Subquery(
            CampusRunningTotals.objects.filter(scope, university_id=OuterRef("pk"), day__lte=day)
            .order_by("-day")
            .values("pk")[:1]
        )
        for i, (scope, _names) in enumerate(scopes)
        for edge, day in edges.items()
    }
    latest = list(University.objects.filter(pk__in=ids).annotate(**pointers).values("pk", *pointers))
    wanted = {pk for row in latest for name, pk in row.items() if name != "pk" and pk is not None}
    running = {
        row.pop("pk"): row
        for row in CampusRunningTotals.objects.filter(pk__in=wanted).values("pk", *COUNT_NAMES)
    }
    for row in latest:
        for i, (_scope, names) in enumerate(scopes):
            end, start = running.get(row[f"end_{i}"]), running.get(row[f"start_{i}"])
            for name in names:
                totals[row["pk"]][name] = (end[name] if end else 0) - (start[name] if start else 0)
    return totals


def daily_series(*, university_id: int | None, campaign: Campaign | None, period: Period) -> list[dict]:
    """Per-day counts for one campus (or all), every day of the period present, zeros included.

    Days after today are left out: a campaign's period runs to its end date, and a line falling
    to zero on days still to come would read as activity that stopped.
    """
    today = timezone.localdate()
    # Every campus together: DailyTotals, one row per campaign and day rather than one per campus.
    model = CampusDailyStats if university_id is not None else DailyTotals
    rows = model.objects.filter(day__gte=period.date_from, day__lte=min(period.date_to, today))
    if university_id is not None:
        rows = rows.filter(university_id=university_id)
    names = SERIES_NAMES
    bound = rows.filter(campaign=campaign) if campaign is not None else rows
    found: dict = {}
    for row in bound.values("day").annotate(**{n: Sum(n, default=0) for n in names}):
        found[row["day"]] = row
    # New people are filed under no campaign; with a campaign chosen they are a second, small query.
    people = rows.filter(campaign__isnull=True) if campaign is not None else rows
    new_people = {
        row["day"]: row["n"] for row in people.values("day").annotate(n=Sum("new_people", default=0))
    }
    return [
        {"day": day, **{n: found.get(day, {}).get(n, 0) for n in names}, "new_people": new_people.get(day, 0)}
        for day in period.days
        if day <= today
    ]


def ladder_counts(*, university_ids) -> dict[int, dict[str, int]]:
    """People per ladder step per campus, as of the last refresh (the ladder has no history)."""
    result: dict[int, dict[str, int]] = {uid: dict.fromkeys(LADDER_ORDER, 0) for uid in university_ids}
    for row in CampusLadderCount.objects.filter(university_id__in=list(university_ids)).values(
        "university_id", "step", "people"
    ):
        result[row["university_id"]][row["step"]] = row["people"]
    return result


def ladder_counts_live(*, university_ids) -> dict[int, dict[str, int]]:
    result: dict[int, dict[str, int]] = {uid: dict.fromkeys(LADDER_ORDER, 0) for uid in university_ids}
    rows = (
        Person.objects.filter(merged_into__isnull=True, campus_id__in=list(university_ids))
        .values("campus_id", "ladder_step")
        .annotate(n=Count("id"))
    )
    for row in rows:
        result[row["campus_id"]][row["ladder_step"]] = row["n"]
    return result


def reply_median_live(*, university_id: int, campaign: Campaign | None, period: Period) -> float | None:
    """The exact median time to first reply in minutes, ordered and picked in the database."""
    start, stop = bounds(period)
    waits = comments_counted().filter(
        post__universities=university_id,
        created_time__gte=start,
        created_time__lt=stop,
        first_reply_at__isnull=False,
    )
    if campaign is not None:
        waits = waits.filter(post__campaign=campaign)
    waits = waits.annotate(
        wait=ExpressionWrapper(F("first_reply_at") - F("created_time"), output_field=DurationField())
    ).order_by("wait")
    n = waits.count()
    if not n:
        return None
    middle = list(waits.values_list("wait", flat=True)[(n - 1) // 2 : n // 2 + 1])
    return sum(m.total_seconds() for m in middle) / len(middle) / 60


def median_from_histogram(counts: list[int]) -> tuple[float | None, str]:
    """Median minutes interpolated inside the bucket that holds it, and "≈" or ">" to show with it."""
    total = sum(counts)
    if not total:
        return None, ""
    half, seen, lower = total / 2, 0, 0
    for (_name, upper), n in zip(REPLY_BUCKETS, counts, strict=True):
        if n and seen + n >= half:
            if upper is None:
                return float(lower), "> "
            return lower + (half - seen) / n * (upper - lower), "≈ "
        seen += n
        lower = upper if upper is not None else lower
    return float(lower), "> "


# --- reach ---------------------------------------------------------------------------------


def _overlapping(period: Period):
    return Q(date_start__lte=period.date_to, date_stop__gte=period.date_from, reach__isnull=False)


class SnapshotInfo(NamedTuple):
    """What the figures need of a ReachSnapshot, as plain values (cached with the table)."""

    university_id: int
    campaign_id: int | None
    date_start: date
    date_stop: date
    source: str
    reach: int | None
    impressions: int | None
    frequency: Decimal | None
    fetched_at: datetime


@lru_cache(maxsize=64)
def _source_label(source: str, language: str | None) -> str:
    # get_source_display() resolves a lazy label each call: 0.5 ms, 200 times per table.
    return str(ReachSnapshot.Source(source).label) if source in ReachSnapshot.Source.values else source


def reach_snapshots_best(
    *, university_ids, campaign: Campaign | None, period: Period
) -> dict[int, SnapshotInfo]:
    """Per campus, the one ad-set snapshot whose range best matches the period; never a sum.

    Best: the campaign's own over an unattributed one, then the smallest distance between the
    snapshot's first and last days and the period's, then the most recently recorded.
    """
    snapshots = ReachSnapshot.objects.filter(
        _overlapping(period), level=ReachSnapshot.Level.AD_SET, university_id__in=list(university_ids)
    )
    if campaign is not None:
        snapshots = snapshots.filter(Q(campaign=campaign) | Q(campaign__isnull=True))

    def distance(s: SnapshotInfo):
        return (
            campaign is not None and s.campaign_id != campaign.pk,
            abs((s.date_start - period.date_from).days) + abs((s.date_stop - period.date_to).days),
            -s.fetched_at.timestamp(),
        )

    best: dict[int, SnapshotInfo] = {}
    # A handful of snapshots per campus: choosing among them in Python is cheap and clear.
    for row in snapshots.values_list(*SnapshotInfo._fields):
        snapshot = SnapshotInfo(*row)
        current = best.get(snapshot.university_id)
        if current is None or distance(snapshot) < distance(current):
            best[snapshot.university_id] = snapshot
    return best


def organic_reach_best(*, university_ids, campaign: Campaign | None, period: Period) -> dict[int, int]:
    """Per campus, the largest reach of any single post targeting it (a floor, never a sum)."""
    snapshots = ReachSnapshot.objects.filter(
        _overlapping(period), level=ReachSnapshot.Level.POST, post__universities__in=list(university_ids)
    )
    if campaign is not None:
        snapshots = snapshots.filter(post__campaign=campaign)
    return {
        row["post__universities"]: row["best"]
        for row in snapshots.values("post__universities").annotate(best=Max("reach"))
    }


# --- figures -------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _reach_figures(
    university: University, snapshot, organic: int | None, period: Period, t
) -> dict[str, Figure]:
    enrolled = university.enrollment_total
    if snapshot is None:
        if organic:
            caveat = t(
                "Only organic or post-level reach is known: the largest number of people one post reached. "
                "It is a floor, not a share of students, and post reach is never added up."
            )
            return {
                "reach_share": Figure(
                    t("Share of students reached"), None, Kind.PERCENT, t("No ad-set figures"), caveat
                ),
                "reach": Figure(
                    t("People reached (organic, largest post)"),
                    organic,
                    source=t("Post insights"),
                    caveat=caveat,
                ),
                "impressions": Figure(t("Impressions"), None),
                "frequency": Figure(t("Frequency"), None, Kind.RATIO),
            }
        none = t("No reach figures for this campus and period yet.")
        return {
            "reach_share": Figure(t("Share of students reached"), None, Kind.PERCENT, none),
            "reach": Figure(t("People reached"), None, source=none),
            "impressions": Figure(t("Impressions"), None, source=none),
            "frequency": Figure(t("Frequency"), None, Kind.RATIO, none),
        }
    covered = {
        "start": short_date(snapshot.date_start, get_language()),
        "stop": short_date(snapshot.date_stop, get_language()),
        "source": _source_label(snapshot.source, get_language()),
    }
    source = t("Ad set reach %(start)s–%(stop)s (%(source)s)") % covered
    if (snapshot.date_start, snapshot.date_stop) != (period.date_from, period.date_to):
        source += " · " + t("the closest range on record, not exactly the period chosen")
    caveat = t(
        "An upper-bound estimate: reach of this campus's ad set ÷ students enrolled. Reach counts "
        "non-students inside the geofence and visitors, and people with unlinked Facebook and Instagram "
        "accounts twice. Never add it up across campuses, ad sets or days."
    )
    frequency = snapshot.frequency
    if frequency is None and snapshot.impressions and snapshot.reach:
        frequency = snapshot.impressions / snapshot.reach
    share = _share(snapshot.reach, enrolled) if enrolled else None
    return {
        "reach_share": Figure(
            t("Share of students reached"),
            share,
            Kind.PERCENT,
            source + " ÷ " + t("enrolment") if enrolled else t("Enrolment unknown: no share"),
            caveat,
            prefix="≤ " if share is not None else "",
        ),
        "reach": Figure(t("People reached"), snapshot.reach, source=source, caveat=caveat),
        "impressions": Figure(t("Impressions"), snapshot.impressions, source=source),
        "frequency": Figure(
            t("Frequency"),
            float(frequency) if frequency is not None else None,
            Kind.RATIO,
            source,
            t("Average times each person reached saw the ads: impressions ÷ reach."),
        ),
    }


def campus_figures_build(
    *,
    university: "CampusInfo | University",
    counts: dict,
    ladder: dict,
    snapshot,
    organic,
    period: Period,
    outreach: dict,
    median,
    t=None,
) -> CampusFigures:
    """One campus's figures from its counts; `t` is gettext remembered for the current language."""
    t = t or _
    comments, posts = counts["comments"], counts["posts"]
    median_value, median_prefix = median
    counted = t(
        "Comments from the public on posts targeting this campus, written in the period; spam, "
        "deleted comments and the page's own replies left out."
    )
    active = ladder.get(LadderStep.ACTIVE, 0) + ladder.get(LadderStep.LEADER, 0)
    enrolment_source = ", ".join(
        str(part) for part in (university.enrollment_source, university.enrollment_year) if part
    )
    return CampusFigures(
        university_id=university.pk,
        name=university.short_name or university.name,
        country=university.country,
        latitude=float(university.latitude) if university.latitude is not None else None,
        longitude=float(university.longitude) if university.longitude is not None else None,
        enrollment=Figure(
            t("Students enrolled"),
            university.enrollment_total,
            source=enrolment_source or t("Source not recorded"),
        ),
        **_reach_figures(university, snapshot, organic, period, t),
        posts=Figure(t("Posts"), posts, source=t("Posts published in the period that target this campus.")),
        comments=Figure(t("Comments"), comments, source=counted),
        comments_per_post=Figure(
            t("Comments per post"),
            comments / posts if posts else None,
            Kind.RATIO,
            t("Comments in the period ÷ posts published in the period."),
            t("A comment on an older post still counts, so this is a rate, not a per-post average."),
        ),
        on_topic_share=Figure(
            t("On-topic share"),
            _share(counts["on_topic"], comments),
            Kind.PERCENT,
            t("Comments flagged on topic ÷ comments."),
            t("Flags come from the classifier unless a moderator labelled the comment."),
        ),
        questions_answered=Figure(
            t("Questions answered"),
            _share(counts["questions_answered"], counts["questions"]),
            Kind.PERCENT,
            t("Question-flagged comments with a first reply ÷ question-flagged comments (%(a)s of %(q)s).")
            % {"a": counts["questions_answered"], "q": counts["questions"]},
        ),
        median_reply=Figure(
            t("Median time to first reply"),
            median_value,
            Kind.MINUTES,
            t("Comments that were answered: time from the comment to our first reply."),
            t("Interpolated from a histogram of reply times (15 min, 1 h, 4 h, 12 h, 24 h, 48 h, 7 days).")
            if median_prefix
            else "",
            prefix=median_prefix,
        ),
        disclosures=Figure(
            t("Disclosures handled"),
            counts["disclosures"],
            source=t("Comments labelled as a disclosure: a count only, never their content."),
        ),
        new_people=Figure(
            t("New people"),
            counts["new_people"],
            source=t("People at this campus first recorded in the period."),
        ),
        active_supporters=Figure(
            t("Active supporters"),
            active,
            source=t("People at this campus on the ladder's Active or Leader step."),
            caveat=t("The ladder has no history: this is today's figure, whatever the period."),
        ),
        signatures_confirmed=Figure(
            t("Signatures confirmed"),
            counts["signatures_confirmed"],
            source=t("Signatures made in the period and confirmed by e-mail."),
        ),
        signatures_unconfirmed=Figure(
            t("Signatures unconfirmed"),
            counts["signatures_unconfirmed"],
            source=t("Signatures made in the period, not confirmed yet."),
        ),
        ladder=ladder,
        **outreach,
    )


class CampusInfo(NamedTuple):
    """What the figures need of a University, as plain values (cached with the table)."""

    pk: int
    name: str
    short_name: str
    country: str
    latitude: Decimal | None
    longitude: Decimal | None
    enrollment_total: int | None
    enrollment_source: str
    enrollment_year: int | None


def _campus_infos(universities: QuerySet[University]) -> list[CampusInfo]:
    return [CampusInfo(*row) for row in universities.values_list(*CampusInfo._fields)]


@dataclass
class TableInputs:
    """Everything a campus table is made of, as plain numbers, dates and names.

    The dashboard caches this rather than the finished figures: about a tenth of the size (the
    figures repeat their labels, sources and caveats for every campus), the same in every
    language, and turned into figures in a few milliseconds (_table_build).
    """

    campuses: list[CampusInfo]
    counts: dict[int, dict[str, int]]
    ladders: dict[int, dict[str, int]]
    snapshots: dict[int, SnapshotInfo]
    organic: dict[int, int]
    outreach: tuple | None


def campus_table(
    *,
    campaign: Campaign | None,
    period: Period,
    university_ids=None,
    live: bool = False,
) -> list[CampusFigures]:
    """Figures for every target campus (or the ones given), one CampusFigures each, by name.

    `live=True` reads the source tables (exact median); the default reads the daily summary.
    """
    universities = target_universities(campaign=campaign)
    if university_ids is not None:
        universities = universities.filter(pk__in=list(university_ids))
    inputs = table_inputs(campuses=_campus_infos(universities), campaign=campaign, period=period, live=live)
    return _table_build(inputs, campaign=campaign, period=period, live=live)


def campus_figures(
    *, university: University, campaign: Campaign | None, period: Period, live: bool = False
) -> CampusFigures:
    """All figures for one campus; it need not be one of the campaign's targets."""
    info = CampusInfo(*(getattr(university, name) for name in CampusInfo._fields))
    inputs = table_inputs(campuses=[info], campaign=campaign, period=period, live=live)
    return _table_build(inputs, campaign=campaign, period=period, live=live)[0]


def table_inputs(*, campuses: list[CampusInfo], campaign, period, live: bool = False) -> TableInputs:
    """The counts, ladders, reach and outreach figures of the given campuses, read in a few queries."""
    ids = [c.pk for c in campuses]
    if not ids:
        return TableInputs(campuses, {}, {}, {}, {}, None)
    counts = (campus_counts_live if live else campus_counts_summary)(
        university_ids=ids, campaign=campaign, period=period
    )
    return TableInputs(
        campuses=campuses,
        counts=counts,
        ladders=(ladder_counts_live if live else ladder_counts)(university_ids=ids),
        snapshots=reach_snapshots_best(university_ids=ids, campaign=campaign, period=period),
        organic=organic_reach_best(university_ids=ids, campaign=campaign, period=period),
        outreach=sources.outreach_counts(university_ids=ids, campaign=campaign, period=period),
    )


def _table_build(inputs: TableInputs, *, campaign, period, live: bool = False) -> list[CampusFigures]:
    ids = [c.pk for c in inputs.campuses]
    if not ids:
        return []
    outreach = sources.outreach_figures_from(inputs.outreach, ids)
    rows = []
    language = get_language()

    def t(message: str) -> str:
        return _translated(message, language)

    for university in inputs.campuses:
        c = inputs.counts[university.pk]
        median = (
            (reply_median_live(university_id=university.pk, campaign=campaign, period=period), "")
            if live
            else median_from_histogram([c[name] for name, _bound in REPLY_BUCKETS])
        )
        rows.append(
            campus_figures_build(
                university=university,
                counts=c,
                ladder=inputs.ladders[university.pk],
                snapshot=inputs.snapshots.get(university.pk),
                organic=inputs.organic.get(university.pk),
                period=period,
                outreach=outreach[university.pk],
                median=median,
                t=t,
            )
        )
    return rows


def summary_generation() -> str | None:
    """Changes each time a refresh finishes (it writes the ladder counts last); None before any."""
    latest = CampusLadderCount.objects.aggregate(latest=Max("refreshed_at"))["latest"]
    return latest.isoformat() if latest else None


def campus_table_cached(*, campaign: Campaign | None, period: Period) -> list[CampusFigures]:
    """campus_table, its inputs kept in the cache until the next refresh (the summary cannot
    change before).

    Reach snapshots and outreach figures are read with them, so they too are as fresh as the last
    refresh: a few minutes with the periodic task. The cache holds TableInputs, not figures: one
    entry serves every language, and writing it after a miss costs little.
    """
    generation = summary_generation()
    if generation is None:
        return campus_table(campaign=campaign, period=period)
    inputs = cache.get(table_cache_key(generation=generation, campaign=campaign, period=period))
    if inputs is None:
        inputs = table_inputs_cache_fill(campaign=campaign, period=period, generation=generation)
    return _table_build(inputs, campaign=campaign, period=period)


def table_cache_key(*, generation: str, campaign: Campaign | None, period: Period) -> str:
    return (
        f"analytics:inputs:{generation}:{campaign.pk if campaign else 0}:{period.date_from}:{period.date_to}"
    )


def table_inputs_cache_fill(*, campaign: Campaign | None, period: Period, generation: str) -> TableInputs:
    """Read the table's inputs and keep them in the cache for this summary generation."""
    campuses = _campus_infos(target_universities(campaign=campaign))
    inputs = table_inputs(campuses=campuses, campaign=campaign, period=period)
    cache.set(table_cache_key(generation=generation, campaign=campaign, period=period), inputs, timeout=3600)
    return inputs


def campaign_first_visit() -> Campaign | None:
    """The campaign `/` shows on a first visit: the newest running one, else None (everything)."""
    return Campaign.objects.filter(status=Campaign.Status.RUNNING).order_by("-starts_on").first()


def target_universities(*, campaign: Campaign | None) -> QuerySet[University]:
    """The campaign's target campuses, or every campus any campaign targets."""
    if campaign is not None:
        return campaign.universities.order_by("name")
    return University.objects.filter(campaigns__isnull=False).distinct().order_by("name")


def campaigns_for_filter() -> QuerySet[Campaign]:
    return Campaign.objects.order_by("-starts_on", "name")


def funnel(*, rows: list[CampusFigures]) -> list[tuple[str, int | None]]:
    """Reached → commented → supporter → signed → active, over the given campuses.

    Reached is shown for a single campus only (reach is not additive across campuses); the
    ladder steps are people on that step or above, today.
    """
    # Reach is not additive: for several campuses there is no honest total, so none is drawn.
    reached = rows[0].reach.value if len(rows) == 1 and isinstance(rows[0].reach.value, int) else None

    def at_or_above(step: str) -> int:
        steps = LADDER_ORDER[LADDER_ORDER.index(step) :]
        return sum(r.ladder.get(s, 0) for r in rows for s in steps)

    return [
        (_("Reached"), reached),
        (_("Commented"), at_or_above(LadderStep.ENGAGED)),
        (_("Supporter"), at_or_above(LadderStep.SUPPORTER)),
        (_("Signed (confirmed)"), sum(r.signatures_confirmed.value or 0 for r in rows)),
        (_("Active"), at_or_above(LadderStep.ACTIVE)),
    ]
