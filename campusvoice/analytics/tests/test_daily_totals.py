"""DailyTotals: every campus together per campaign and day, kept by the same refresh."""

import datetime as dt

import pytest
from django.db.models import Sum

from campusvoice.analytics import selectors, services
from campusvoice.analytics.models import CampusDailyStats, DailyTotals
from campusvoice.analytics.tests.conftest import at
from campusvoice.conversations.tests.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db

NAMES = selectors.TOTAL_NAMES


def _totals():
    return {
        (row.pop("campaign_id"), row.pop("day")): row
        for row in DailyTotals.objects.values("campaign_id", "day", *NAMES)
    }


def _summed_from_campus_rows():
    return {
        (row.pop("campaign_id"), row.pop("day")): row
        for row in CampusDailyStats.objects.values("campaign_id", "day").annotate(
            **{n: Sum(n) for n in NAMES}
        )
    }


def test_the_totals_are_the_campus_rows_added_up_as_worked_out_by_hand(small):
    services.analytics_refresh()

    totals = _totals()
    assert totals == _summed_from_campus_rows()
    campaign = small.campaign.pk
    # Alpha: 2 comments on the 2nd, 2 on the 3rd; Beta: 1 on the 4th (see conftest).
    assert totals[(campaign, dt.date(2026, 10, 2))]["comments"] == 2
    assert totals[(campaign, dt.date(2026, 10, 3))]["comments"] == 2
    assert totals[(campaign, dt.date(2026, 10, 4))]["comments"] == 1
    # People are filed under no campaign: 3 new people on the 8th, at both campuses together.
    assert totals[(None, dt.date(2026, 10, 8))]["new_people"] == 3


def test_the_totals_hold_no_reach_figure():
    # Reach cannot be added across campuses, ad sets or days, so the totals must not carry it.
    columns = {f.name for f in DailyTotals._meta.get_fields()}
    assert not {name for name in columns if "reach" in name or "impression" in name}


def test_an_incremental_refresh_rebuilds_only_the_days_from_since(small):
    services.analytics_refresh()
    before = {(r.campaign_id, r.day): r.refreshed_at for r in DailyTotals.objects.all()}
    # A late comment on the 6th: outside a refresh from the 7th, inside one from the 5th.
    post = PostFactory(campaign=small.campaign, published_at=at(2))
    post.universities.add(small.beta)
    CommentFactory(post=post, created_time=at(6))

    services.analytics_refresh(since=dt.date(2026, 10, 7))
    after = {(r.campaign_id, r.day): r for r in DailyTotals.objects.all()}
    assert after[(small.campaign.pk, dt.date(2026, 10, 6))].comments == 1  # not seen yet
    for key, refreshed in before.items():
        if key[1] < dt.date(2026, 10, 7):
            assert after[key].refreshed_at == refreshed  # left alone
        else:
            assert after[key].refreshed_at > refreshed  # rewritten

    services.analytics_refresh(since=dt.date(2026, 10, 5))
    assert _totals()[(small.campaign.pk, dt.date(2026, 10, 6))]["comments"] == 2
    assert _totals() == _summed_from_campus_rows()


def test_the_series_for_every_campus_matches_the_campus_rows(small):
    services.analytics_refresh()

    for campaign in (small.campaign, None):
        series = selectors.daily_series(university_id=None, campaign=campaign, period=small.period)
        per_campus = [
            selectors.daily_series(university_id=u.pk, campaign=campaign, period=small.period)
            for u in (small.alpha, small.beta)
        ]
        for day, a, b in zip(series, *per_campus, strict=True):
            for name in NAMES:
                assert day[name] == a[name] + b[name], (campaign, day["day"], name)


def test_the_series_reads_no_campus_row(small, django_assert_num_queries):
    services.analytics_refresh()

    # Two small queries on DailyTotals: the campaign's counts and the new people.
    with django_assert_num_queries(2) as captured:
        selectors.daily_series(university_id=None, campaign=small.campaign, period=small.period)
    assert all("analytics_dailytotals" in q["sql"] for q in captured.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_the_refresh_vacuums_the_summary_tables_on_postgresql(small):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("VACUUM is PostgreSQL's")
    services.analytics_refresh()
    services.analytics_refresh()  # the second leaves as many dead rows as live ones, then vacuums

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL AND relname IN (%s, %s)",
            [CampusDailyStats._meta.db_table, DailyTotals._meta.db_table],
        )
        assert len(cursor.fetchall()) == 2
