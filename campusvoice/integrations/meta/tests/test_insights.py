"""Insights from the fake Graph API into ReachSnapshot: dated rows, reach never summed."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from campusvoice.campaigns.models import ContentItem, ContentKind, ReachSnapshot
from campusvoice.campaigns.tests.factories import ContentItemFactory
from campusvoice.integrations.meta import insights, tasks
from campusvoice.integrations.meta.fakegraph.ads import _day, _dedupe
from campusvoice.integrations.meta.models import AdCampaign, MetaConnection

from .test_ads import campaign_fixture, campuses_fixture, create  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
Level = ReachSnapshot.Level


@pytest.fixture
def ad(fake_graph, connection, organiser, campaign):
    return create(campaign, connection, organiser)


def api_rows(level):
    return ReachSnapshot.objects.filter(source=ReachSnapshot.Source.API, level=level)


def test_it_stores_each_ad_sets_figures_for_the_campaigns_range_so_far(fake_graph, connection, ad, campaign):
    report = insights.insights_sync(connection=connection)

    assert report.stopped == "" and report.ad_sets == 2 and report.campaigns == 1
    today = timezone.localdate()
    days = [campaign.starts_on + dt.timedelta(days=n) for n in range((today - campaign.starts_on).days + 1)]
    for campus in ad.campuses.all():
        (row,) = api_rows(Level.AD_SET).filter(platform_id=campus.adset_id)
        daily = [_day(campus.adset_id, day) for day in days]
        assert (row.date_start, row.date_stop) == (campaign.starts_on, today)
        assert row.university_id == campus.university_id and row.campaign_id == campaign.pk
        assert row.reach == _dedupe([d["reach"] for d in daily], overlap=0.6)
        assert row.impressions == sum(d["impressions"] for d in daily)
        assert row.reach <= row.impressions
        assert row.frequency == (Decimal(row.impressions) / row.reach).quantize(Decimal("0.0001"))
        assert row.spend > 0 and row.currency == "EUR" and not row.is_organic
    # The campaign's own row is Meta's de-duplicated total: not the sum of its campuses.
    (total,) = api_rows(Level.CAMPAIGN)
    by_campus = [r.reach for r in api_rows(Level.AD_SET)]
    assert max(by_campus) <= total.reach < sum(by_campus)
    assert total.impressions == sum(r.impressions for r in api_rows(Level.AD_SET))


def test_daily_rows_are_kept_apart_from_the_range_and_never_added_up(fake_graph, connection, ad):
    insights.insights_sync(connection=connection, daily=True)

    campus = ad.campuses.first()
    rows = api_rows(Level.AD_SET).filter(platform_id=campus.adset_id)
    daily = rows.filter(date_start=F("date_stop"))
    (whole,) = rows.exclude(date_start=F("date_stop"))
    assert daily.count() == 7
    assert {r.university_id for r in daily} == {None} and whole.university_id == campus.university_id
    assert whole.reach < sum(r.reach for r in daily)  # adding days would count people twice
    assert whole.impressions == sum(r.impressions for r in daily)


def test_syncing_again_the_same_day_replaces_the_rows_and_the_next_day_adds_dated_ones(
    fake_graph, connection, ad
):
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    insights.insights_sync(connection=connection, today=yesterday)
    insights.insights_sync(connection=connection, today=yesterday)
    assert api_rows(Level.AD_SET).count() == 2
    assert set(api_rows(Level.AD_SET).values_list("date_stop", flat=True)) == {yesterday}

    insights.insights_sync(connection=connection, today=today)

    # Yesterday's rows stay as they were: history, not a running total.
    assert api_rows(Level.AD_SET).count() == 4
    latest = insights.ad_campaign_reach(ad_campaign=ad)
    assert {row.date_stop for row in latest["by_adset"].values()} == {today}
    assert latest["campaign"].date_stop == today


def test_page_posts_of_the_campaign_get_reach_reactions_comments_and_shares(
    fake_graph,
    connection,
    ad,
    campaign,
    campuses,
):
    (post_id,) = fake_graph.add_posts(1, message="Il consenso si chiede")
    fake_graph.add_comments(post_id, 3)
    ContentItemFactory(
        campaign=campaign,
        university=campuses["mit"],
        kind=ContentKind.PAGE_POST,
        status=ContentItem.Status.PUBLISHED,
        platform_id=post_id,
        published_at=timezone.now(),
    )

    report = insights.insights_sync(connection=connection)

    assert report.posts == 1
    (row,) = api_rows(Level.POST)
    assert row.platform_id == post_id and row.university == campuses["mit"] and row.is_organic
    assert row.comments == 3 and row.reach <= row.impressions
    assert row.reactions is not None and row.shares is not None


def test_an_expired_token_stops_the_sync_and_marks_the_connection(fake_graph, connection, ad):
    fake_graph.inject(code=190, count=1, match="/insights")

    report = insights.insights_sync(connection=connection)

    assert "expired or was revoked" in report.stopped
    connection.refresh_from_db()
    assert connection.status == MetaConnection.Status.TOKEN_INVALID
    assert not api_rows(Level.AD_SET).exists()


def test_a_missing_permission_stops_the_sync_with_a_clear_message(fake_graph, connection, ad):
    fake_graph.inject(code=10, count=1, match="/insights")

    report = insights.insights_sync(connection=connection)

    assert "ads_management" in report.stopped and "error 10" in report.stopped


def test_the_tasks_sync_every_active_connection(fake_graph, connection, ad):
    tasks.insights_sync_all.enqueue()

    assert api_rows(Level.AD_SET).count() == 2
    assert AdCampaign.objects.get(pk=ad.pk).insights_synced_at is not None


def test_the_command_syncs_with_a_progress_bar(fake_graph, connection, ad):
    out, err = StringIO(), StringIO()
    call_command("meta", "insights-sync", stdout=out, stderr=err)

    assert "2 ad sets, 1 ad campaigns" in out.getvalue()
    assert "object" in err.getvalue()  # tqdm's progress line
    assert api_rows(Level.AD_SET).count() == 2


def test_insights_days_are_the_ad_accounts_so_the_range_ends_today_even_past_midnight_utc(
    fake_graph, connection, ad, campaign, monkeypatch
):
    # 23:30 UTC is already tomorrow in Rome, the ad account's (and the app's) time zone. Meta
    # reports by the account's days; the fake once used UTC's and cut the range a day short
    # every night between 23:00 and midnight UTC.
    from zoneinfo import ZoneInfo

    for account in fake_graph.state.ad_accounts.values():
        account["timezone_name"] = "Europe/Rome"
    late = dt.datetime.combine(timezone.now().date(), dt.time(23, 30), tzinfo=dt.UTC)
    monkeypatch.setattr(fake_graph.state, "now", lambda: int(late.timestamp()))
    rome_today = late.astimezone(ZoneInfo("Europe/Rome")).date()
    assert rome_today == late.date() + dt.timedelta(days=1)

    report = insights.insights_sync(connection=connection, today=rome_today)

    assert report.stopped == ""
    for campus in ad.campuses.all():
        (row,) = api_rows(Level.AD_SET).filter(platform_id=campus.adset_id)
        assert (row.date_start, row.date_stop) == (campaign.starts_on, rome_today)
