import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from campusvoice.accounts.models import Role
from campusvoice.analytics import report, selectors, services
from campusvoice.analytics.tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language, share", [("en", "≤ 4.0 %"), ("it", "≤ 4,0 %")])
def test_the_report_renders_html_in_both_languages(small, language, share):
    small.campaign.goal_reach_share = 4
    small.campaign.goal_signatures = 10
    small.campaign.save()
    services.analytics_refresh()

    html = report.impact_report_html(campaign=small.campaign, period=small.period, language=language)

    assert f'<html lang="{language}">' in html
    assert "Alpha University" in html
    assert share in html
    assert "<svg" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.parametrize("language", ["en", "it"])
def test_the_report_renders_a_pdf_of_several_pages(small, language, tmp_path):
    services.analytics_refresh()
    out = tmp_path / f"impact-{language}.pdf"

    call_command(
        "report",
        "impact",
        "--campaign",
        small.campaign.slug,
        "--format",
        "pdf",
        "--lang",
        language,
        "--out",
        str(out),
    )

    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    html = report.impact_report_html(campaign=small.campaign, period=small.period, language=language)
    # Cover with goals and funnel, campus table and charts, map, outreach and quotes, methods.
    assert len(report.pdf_document(html).pages) >= 5


def test_the_report_button_gives_html_and_pdf(client_for, small):
    services.analytics_refresh()
    client = client_for(Role.ANALYST)

    page = client.get(reverse("analytics:report", args=[small.campaign.slug]))
    pdf = client.get(reverse("analytics:report-pdf", args=[small.campaign.slug]))

    assert page.status_code == 200 and b"Methods" in page.content
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_pdf_fetches_nothing_from_outside(small):
    html = '<html><body><img src="https://example.org/track.png"><p>x</p></body></html>'

    pdf = report.pdf_from_html(html)  # refused quietly, never fetched

    assert pdf.startswith(b"%PDF")


def test_an_empty_campaign_says_why_each_section_is_empty():
    campaign = CampaignFactory()

    html = report.impact_report_html(
        campaign=campaign, period=selectors.period_default(campaign=campaign), language="en"
    )

    assert "No comments from the public in this period yet." in html
    assert html.count("No target campuses yet.") == 2  # the campus table and the outreach table
    assert "Where the campaign ran" not in html  # no map without a campus


def test_the_daily_series_stops_at_today(small):
    services.analytics_refresh()

    with time_machine.travel(dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC)):
        series = selectors.daily_series(university_id=None, campaign=small.campaign, period=small.period)

    assert [p["day"] for p in series] == [dt.date(2026, 10, d) for d in range(1, 16)]
    # Alpha's 6 counted comments and Beta's 1 all fall on or before 15 October.
    assert sum(p["comments"] for p in series) == 7


@pytest.mark.parametrize(
    "language, expected, wrong",
    [
        ("it", "sabato 28 novembre 2026, 11:05", "Novembre"),
        ("en", "Saturday, November 28, 2026, 11:05", "november"),
    ],
)
def test_the_reports_dates_are_written_the_languages_way(small, language, expected, wrong):
    services.analytics_refresh()
    with time_machine.travel(dt.datetime(2026, 11, 28, 10, 5, tzinfo=dt.UTC), tick=False):
        html = report.impact_report_html(campaign=small.campaign, period=small.period, language=language)

    # Italian writes weekdays and months in lower case; Django's Italian formats capitalise them.
    assert expected in html.replace("\u202f", " ")
    assert wrong not in html


def test_long_date_follows_the_active_language():
    from django.utils import translation

    with translation.override("it"):
        assert report.long_date(dt.date(2026, 11, 28)) == "28 novembre 2026"
    with translation.override("en"):
        assert report.long_date(dt.date(2026, 11, 28)) == "November 28, 2026"
