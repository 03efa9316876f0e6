import datetime as dt

import pytest
from django.utils import translation

from campusvoice.analytics import selectors, services
from campusvoice.analytics.figures import Period
from campusvoice.analytics.models import CampusDailyStats
from campusvoice.analytics.tests.conftest import at
from campusvoice.analytics.tests.factories import ReachSnapshotFactory
from campusvoice.campaigns.models import ReachSnapshot
from campusvoice.conversations.tests.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db


def _by_name(rows):
    return {row.name: row for row in rows}


@pytest.mark.parametrize("live", [True, False])
def test_it_computes_each_figure_as_worked_out_by_hand(small, live):
    services.analytics_refresh()
    rows = _by_name(selectors.campus_table(campaign=small.campaign, period=small.period, live=live))
    alpha, beta = rows["Alpha University"], rows["Beta University"]

    assert alpha.enrollment.value == 30_000
    assert alpha.reach_share.value == pytest.approx(0.04)  # 1,200 / 30,000
    assert beta.reach_share.value == pytest.approx(0.05)  # 2,000 / 40,000
    assert alpha.impressions.value == 3_000
    assert alpha.frequency.value == pytest.approx(2.5)  # 3,000 / 1,200
    assert alpha.posts.value == 2
    assert alpha.comments.value == 6
    assert alpha.comments_per_post.value == pytest.approx(3.0)
    assert alpha.on_topic_share.value == pytest.approx(4 / 6)
    assert alpha.questions_answered.value == pytest.approx(2 / 3)
    assert alpha.disclosures.value == 1
    assert alpha.signatures_confirmed.value == 1
    assert alpha.signatures_unconfirmed.value == 1
    assert beta.signatures_confirmed.value == beta.signatures_unconfirmed.value == 0  # voided
    assert alpha.new_people.value == 2
    assert alpha.active_supporters.value == 1
    assert beta.active_supporters.value == 1  # a leader is active too
    assert (beta.posts.value, beta.comments.value) == (1, 1)


def test_it_gives_the_exact_median_live_and_an_interpolated_one_from_the_summary(small):
    services.analytics_refresh()
    live = selectors.campus_figures(
        university=small.alpha, campaign=small.campaign, period=small.period, live=True
    )
    summary = selectors.campus_figures(university=small.alpha, campaign=small.campaign, period=small.period)

    assert live.median_reply.value == pytest.approx(30)  # 10, 30, 120 minutes
    # One reply in ≤15 min, one in (15, 60]: the middle (1.5th) lies halfway into the second bucket.
    assert summary.median_reply.value == pytest.approx(37.5)
    assert str(summary.median_reply).startswith("≈")


def test_it_never_adds_reach_across_ad_sets_or_snapshots(small):
    # A second ad set for Alpha over the same range: the best match is one snapshot, not their sum.
    ReachSnapshotFactory(campaign=small.campaign, university=small.alpha, reach=700, impressions=900)
    services.analytics_refresh()
    alpha = selectors.campus_figures(university=small.alpha, campaign=small.campaign, period=small.period)

    assert alpha.reach.value in {1_200, 700}
    assert alpha.reach.value != 1_200 + 700 and alpha.reach.value != 1_200 + 9_999


def test_it_picks_the_snapshot_whose_range_matches_the_period_best(small):
    september_october = Period(dt.date(2026, 9, 1), dt.date(2026, 10, 31))
    alpha = selectors.campus_figures(
        university=small.alpha, campaign=small.campaign, period=september_october
    )

    assert alpha.reach.value == 9_999
    assert alpha.reach_share.value == pytest.approx(9_999 / 30_000)


def test_it_says_when_only_organic_post_reach_is_known(small):
    ReachSnapshot.objects.filter(university=small.beta).delete()
    post = PostFactory(campaign=small.campaign, published_at=at(1))
    post.universities.add(small.beta)
    ReachSnapshotFactory(level=ReachSnapshot.Level.POST, post=post, is_organic=True, reach=450)
    ReachSnapshotFactory(level=ReachSnapshot.Level.POST, post=post, is_organic=True, reach=300, name="other")

    beta = selectors.campus_figures(university=small.beta, campaign=small.campaign, period=small.period)

    assert beta.reach_share.value is None
    assert beta.reach.value == 450  # the largest single post, not 750
    assert "organic" in beta.reach.caveat.lower()


def test_it_states_the_upper_bound_caveat_and_formats_in_italian(small):
    alpha = selectors.campus_figures(university=small.alpha, campaign=small.campaign, period=small.period)

    assert "upper-bound" in alpha.reach_share.caveat
    with translation.override("en"):
        assert str(alpha.reach_share) == "≤ 4.0 %"
    with translation.override("it"):
        assert str(alpha.reach_share) == "≤ 4,0 %"
        assert str(alpha.enrollment) == "30.000"


def test_the_refresh_is_idempotent_and_rebuilds_only_from_since(small):
    services.analytics_refresh()
    first = list(CampusDailyStats.objects.order_by("university", "campaign", "day", "pk").values())
    services.analytics_refresh()
    services.analytics_refresh(since=dt.date(2026, 10, 5))
    again = list(CampusDailyStats.objects.order_by("university", "campaign", "day", "pk").values())

    strip = ("id", "refreshed_at")
    assert [{k: v for k, v in r.items() if k not in strip} for r in first] == [
        {k: v for k, v in r.items() if k not in strip} for r in again
    ]


def test_outreach_figures_come_from_the_outreach_app_or_say_not_available(small):
    alpha = selectors.campus_figures(university=small.alpha, campaign=small.campaign, period=small.period)

    for figure in (alpha.groups_by_stage, alpha.letters_sent, alpha.articles_published):
        assert figure.available is False or figure.source
    no_campaign = selectors.campus_figures(university=small.alpha, campaign=None, period=small.period)
    assert str(no_campaign.letters_sent) == "not available yet"


def test_the_table_is_empty_without_target_campuses(db):
    assert (
        selectors.campus_table(campaign=None, period=Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31))) == []
    )


def test_a_post_for_two_campuses_counts_once_at_each(small):
    both = PostFactory(campaign=small.campaign, published_at=at(10))
    both.universities.add(small.alpha, small.beta)
    CommentFactory(post=both, created_time=at(10))
    services.analytics_refresh()

    rows = _by_name(selectors.campus_table(campaign=small.campaign, period=small.period))

    assert (rows["Alpha University"].posts.value, rows["Alpha University"].comments.value) == (3, 7)
    assert (rows["Beta University"].posts.value, rows["Beta University"].comments.value) == (2, 2)


def test_the_funnel_counts_each_step_as_worked_out_by_hand(small):
    services.analytics_refresh()
    rows = selectors.campus_table(campaign=small.campaign, period=small.period)
    alpha = selectors.campus_figures(university=small.alpha, campaign=small.campaign, period=small.period)

    # Both campuses: Alpha has an active person and a supporter, Beta a leader; Alpha one confirmed
    # signature. Reach is not additive, so no "reached" for two campuses.
    assert [value for _label, value in selectors.funnel(rows=rows)] == [None, 3, 3, 1, 2]
    # Alpha alone: its ad set reached 1,200; supporter and active are both "commented" or above.
    assert [value for _label, value in selectors.funnel(rows=[alpha])] == [1_200, 2, 2, 1, 1]


def test_the_daily_series_holds_each_days_counts_as_worked_out_by_hand(small):
    services.analytics_refresh()

    series = selectors.daily_series(university_id=None, campaign=small.campaign, period=small.period)
    by_day = {p["day"].day: p for p in series}

    assert len(series) == 31
    # Comments: Alpha 2 on the 2nd, 2 on the 3rd, 1 on the 5th, 1 on the 6th; Beta 1 on the 4th.
    assert {d: p["comments"] for d, p in by_day.items() if p["comments"]} == {2: 2, 3: 2, 4: 1, 5: 1, 6: 1}
    assert {d: p["posts"] for d, p in by_day.items() if p["posts"]} == {2: 1, 3: 1, 4: 1}
    assert {d: p["signatures_confirmed"] for d, p in by_day.items() if p["signatures_confirmed"]} == {7: 1}
    assert {d: p["new_people"] for d, p in by_day.items() if p["new_people"]} == {8: 3}
