"""Coverage: the careful fetcher against a local newspaper server, matching, review, coverage_for."""

import datetime as dt

import pytest
import urllib3.util.connection
from django.core.exceptions import ValidationError
from django.test import override_settings

from campusvoice import fetching as fetch
from campusvoice.campuses.tests.factories import StudentNewspaperFactory, UniversityFactory
from campusvoice.errors import ApplicationError
from campusvoice.outreach import selectors
from campusvoice.outreach.models import Article, WatchedSource
from campusvoice.outreach.services import coverage
from campusvoice.outreach.tests.conftest import ETAG, NewspaperServer
from campusvoice.outreach.tests.factories import ArticleFactory
from campusvoice.petitions.tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connections(monkeypatch):
    """Every host:port the fetcher actually opened a connection to."""
    opened = []
    original = urllib3.util.connection.create_connection

    def recording(address, *args, **kwargs):
        opened.append(address)
        return original(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", recording)
    monkeypatch.setattr("urllib3.connection.connection.create_connection", recording)
    return opened


@pytest.fixture
def campaign_and_paper(newspaper_server):
    campus = UniversityFactory(name="Springfield State")
    campaign = CampaignFactory(
        name="Consent Week", starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 31)
    )
    campaign.universities.add(campus)
    paper = StudentNewspaperFactory(university=campus, feed_url=f"{newspaper_server}/feed.xml")
    return campaign, paper


def test_it_fetches_a_feed_matches_articles_and_asks_only_for_changes_next_time(
    newspaper_server, campaign_and_paper
):
    campaign, paper = campaign_and_paper

    report = coverage.newspapers_fetch()

    assert (report.checked, report.failed, report.new_articles) == (1, 0, 2)
    matched = Article.objects.get(url__endswith="/consent-education")
    assert matched.campaign == campaign and matched.university == paper.university
    assert matched.status == Article.Status.FOUND
    assert "keyword: consent" in matched.match_reasons and "keyword: sexual assault" in matched.match_reasons
    assert any("within the campaign's dates" in reason for reason in matched.match_reasons)
    # Italian keywords match too, but published long before the campaign: no campaign.
    older = Article.objects.get(url__endswith="/molestie")
    assert older.campaign is None and "keyword: molestie" in older.match_reasons
    assert not Article.objects.filter(url__endswith="/basketball").exists()
    source = WatchedSource.objects.get()
    assert (source.etag, source.last_status) == (ETAG, "ok")
    path, headers = NewspaperServer.requests[0]
    assert headers["User-Agent"].startswith("campusvoice-coverage/")

    again = coverage.newspapers_fetch()

    assert (again.not_modified, again.new_articles) == (1, 0)
    assert NewspaperServer.requests[-1][1]["If-None-Match"] == ETAG


@pytest.mark.parametrize(
    "path, status, words",
    [
        ("/broken.xml", "failed", "not valid"),
        ("/not-a-feed", "failed", "not an RSS"),
        ("/huge.xml", "failed", "too large"),
        ("/huge-chunked.xml", "failed", "too large"),
        ("/bomb.xml", "failed", "entities"),
        ("/missing.xml", "failed", "404"),
        ("/loop", "refused", "redirects"),
    ],
)
def test_a_bad_feed_is_recorded_and_does_not_stop_the_others(
    newspaper_server, campaign_and_paper, path, status, words
):
    StudentNewspaperFactory(feed_url=f"{newspaper_server}{path}")

    report = coverage.newspapers_fetch()

    assert (report.checked, report.failed) == (2, 1)
    bad = WatchedSource.objects.get(url__endswith=path)
    assert bad.last_status == status and words in bad.last_error
    assert Article.objects.filter(url__endswith="/consent-education").exists()  # the good feed still counted
    assert not Article.objects.filter(url__endswith="/bomb").exists()


def test_a_slow_server_times_out(newspaper_server):
    with pytest.raises(fetch.FetchError, match="timed out"):
        fetch.fetch(f"{newspaper_server}/slow.xml", timeout=0.5)


@pytest.mark.parametrize("path, address", [("/to-metadata", "169.254.169.254"), ("/to-private", "10.0.0.1")])
def test_a_redirect_to_a_private_address_is_refused_without_connecting(
    newspaper_server, connections, path, address
):
    with pytest.raises(fetch.FetchRefused, match=address.replace(".", r"\.")):
        fetch.fetch(f"{newspaper_server}{path}")

    assert {host for host, _port in connections} == {"127.0.0.1"}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed.xml",
        "http://[::1]/feed.xml",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://[::ffff:10.0.0.1]/",
        "file:///etc/passwd",
        "ftp://example.org/feed",
        "http://user:pw@example.org/",
    ],
)
def test_it_refuses_loopback_private_and_odd_addresses_by_default(url, connections):
    with pytest.raises(fetch.FetchRefused):
        fetch.fetch(url)
    assert connections == []


@override_settings(CAMPUSVOICE_FETCH_ALLOW_PRIVATE=True)
def test_allowing_private_fetches_opens_loopback_only():
    fetch.check_url("http://127.0.0.1:9/feed.xml")
    with pytest.raises(fetch.FetchRefused):
        fetch.check_url("http://10.0.0.1/feed.xml")


def test_an_organiser_adds_an_article_by_url_and_its_title_comes_from_the_page(newspaper_server, organiser):
    campaign = CampaignFactory()

    article = coverage.article_add_from_url(
        url=f"{newspaper_server}/article.html", campaign=campaign, by=organiser
    )

    assert article.title == "Rector answers students on consent"
    assert article.summary == "An interview about the campaign."
    assert (article.added_by, article.status) == (organiser, Article.Status.FOUND)
    with pytest.raises(ValidationError):
        coverage.article_add_from_url(url=f"{newspaper_server}/article.html", by=organiser)


def test_adding_an_article_from_a_private_address_is_refused(organiser):
    with pytest.raises(ApplicationError):
        coverage.article_add_from_url(url="http://169.254.169.254/latest/", by=organiser)
    assert not Article.objects.exists()


def test_a_watched_page_is_checked_with_the_feeds(newspaper_server, organiser):
    paper = StudentNewspaperFactory()
    coverage.watched_page_add(url=f"{newspaper_server}/article.html", newspaper=paper, by=organiser)

    report = coverage.newspapers_fetch()

    assert report.new_articles == 1
    assert Article.objects.get().title == "Rector answers students on consent"


def test_confirmed_articles_count_as_coverage_for_their_campus(organiser):
    campaign, campus = CampaignFactory(), UniversityFactory()
    paper = StudentNewspaperFactory(university=campus)
    found = ArticleFactory(newspaper=paper, university=campus, campaign=campaign)
    rejected = ArticleFactory(newspaper=paper, university=campus, campaign=campaign)
    ArticleFactory(university=campus)  # no campaign yet

    coverage.article_review(article=found, status=Article.Status.CONFIRMED, by=organiser)
    coverage.article_review(article=rejected, status=Article.Status.REJECTED, by=organiser)

    assert list(selectors.coverage_for(campaign=campaign, university=campus)) == [found]
    assert list(selectors.coverage_for(campaign=campaign, university=UniversityFactory())) == []
    assert selectors.coverage_counts(campaign=campaign) == {campus.pk: 1}


def test_an_article_is_confirmed_only_for_a_campaign(organiser):
    article = ArticleFactory()
    with pytest.raises(ValidationError):
        coverage.article_review(article=article, status=Article.Status.CONFIRMED, by=organiser)
    campaign = CampaignFactory()
    coverage.article_review(article=article, status=Article.Status.CONFIRMED, campaign=campaign, by=organiser)
    assert article.campaign == campaign and article.reviewed_by == organiser
