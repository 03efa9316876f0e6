"""CampusRunningTotals: a period's counts as two running rows per campus, never a sum per request."""

import datetime as dt

import pytest
from django.db.models import Q, Sum

from campusvoice.analytics import selectors, services
from campusvoice.analytics.figures import Period
from campusvoice.analytics.models import CampusDailyStats, CampusRunningTotals
from campusvoice.analytics.tests.conftest import at
from campusvoice.conversations.tests.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db

NAMES = selectors.COUNT_NAMES
# Periods that start and end before, on and after the days with figures (Oct 2 to Oct 8).
EDGES = [
    dt.date(2026, 9, 30),
    dt.date(2026, 10, 2),
    dt.date(2026, 10, 3),
    dt.date(2026, 10, 5),
    dt.date(2026, 10, 31),
]
PERIODS = [Period(a, b) for a in EDGES for b in EDGES if a <= b]


def _daily_sums(small, campaign, period):
    """The counts added up from the daily rows directly: what the running totals must give."""
    rows = CampusDailyStats.objects.filter(day__gte=period.date_from, day__lte=period.date_to)
    result = {u.pk: dict.fromkeys(NAMES, 0) for u in (small.alpha, small.beta)}
    for uid in result:
        mine = rows.filter(university_id=uid)
        if campaign is not None:
            bound = mine.filter(campaign=campaign).aggregate(**{n: Sum(n) for n in selectors.CAMPAIGN_COUNTS})
            bound["new_people"] = mine.filter(campaign__isnull=True).aggregate(n=Sum("new_people"))["n"]
        else:
            bound = mine.aggregate(**{n: Sum(n) for n in NAMES})
        result[uid].update({n: v or 0 for n, v in bound.items()})
    return result


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.date_from:%m%d}-{p.date_to:%m%d}")
def test_any_period_is_the_daily_rows_added_up(small, period):
    services.analytics_refresh()
    ids = [small.alpha.pk, small.beta.pk]

    for campaign in (small.campaign, None):
        summary = selectors.campus_counts_summary(university_ids=ids, campaign=campaign, period=period)
        assert summary == _daily_sums(small, campaign, period), (campaign, period)


def test_october_matches_the_hand_computed_figures_and_the_source_tables(small):
    services.analytics_refresh()
    ids = [small.alpha.pk, small.beta.pk]

    summary = selectors.campus_counts_summary(
        university_ids=ids, campaign=small.campaign, period=small.period
    )

    # See conftest: Alpha 6 comments on 2 posts, 4 on topic, 3 questions of which 2 answered,
    # 1 disclosure, 2 signatures (1 confirmed), 2 new people; Beta 1 comment, its signature voided.
    alpha = summary[small.alpha.pk]
    assert (alpha["comments"], alpha["posts"], alpha["on_topic"]) == (6, 2, 4)
    assert (alpha["questions"], alpha["questions_answered"], alpha["disclosures"]) == (3, 2, 1)
    assert (alpha["signatures_confirmed"], alpha["signatures_unconfirmed"], alpha["new_people"]) == (1, 1, 2)
    assert summary == selectors.campus_counts_live(
        university_ids=ids, campaign=small.campaign, period=small.period
    )


def test_each_running_row_is_every_earlier_day_added_up(small):
    services.analytics_refresh()

    for running in CampusRunningTotals.objects.all():
        earlier = CampusDailyStats.objects.filter(university_id=running.university_id, day__lte=running.day)
        if not running.every_campaign:
            earlier = earlier.filter(
                Q(campaign_id=running.campaign_id) if running.campaign_id else Q(campaign__isnull=True)
            )
        sums = earlier.aggregate(**{n: Sum(n) for n in NAMES})
        assert {n: getattr(running, n) for n in NAMES} == {n: v or 0 for n, v in sums.items()}, running


def test_an_incremental_refresh_leaves_the_same_running_rows_as_a_full_one(small):
    services.analytics_refresh()
    # A new post and a comment on the 6th, then a refresh from the 5th only.
    post = PostFactory(campaign=small.campaign, published_at=at(6))
    post.universities.add(small.beta)
    CommentFactory(post=post, created_time=at(6), on_topic=True)

    services.analytics_refresh(since=dt.date(2026, 10, 5))
    incremental = set(
        CampusRunningTotals.objects.values_list(
            "university_id", "campaign_id", "every_campaign", "day", *NAMES
        )
    )
    services.analytics_refresh()
    full = set(
        CampusRunningTotals.objects.values_list(
            "university_id", "campaign_id", "every_campaign", "day", *NAMES
        )
    )

    assert incremental == full
    counts = selectors.campus_counts_summary(
        university_ids=[small.beta.pk], campaign=None, period=small.period
    )
    assert counts[small.beta.pk]["comments"] == 2 and counts[small.beta.pk]["posts"] == 2


def test_the_table_reads_two_small_queries_for_its_counts(small, django_assert_num_queries):
    services.analytics_refresh()
    ids = [small.alpha.pk, small.beta.pk]

    with django_assert_num_queries(2) as captured:
        selectors.campus_counts_summary(university_ids=ids, campaign=small.campaign, period=small.period)

    # No daily row is read: one query finds each campus's two rows per scope, one reads them.
    assert not any("analytics_campusdailystats" in q["sql"] for q in captured.captured_queries)
