import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from campusvoice.analytics import tasks
from campusvoice.analytics.models import CampusDailyStats, CampusLadderCount

pytestmark = pytest.mark.django_db


def test_refresh_all_builds_the_daily_rows_and_the_ladder(small, capsys):
    call_command("analytics", "refresh", "--all")

    assert "daily rows rebuilt for every day" in capsys.readouterr().out
    alpha = CampusDailyStats.objects.filter(university=small.alpha, campaign=small.campaign)
    assert sum(alpha.values_list("comments", flat=True)) == 7  # 6 in October, 1 in November
    assert CampusLadderCount.objects.get(university=small.alpha, step="active").people == 1


def test_refresh_since_leaves_earlier_days_alone(small):
    call_command("analytics", "refresh", "--all")
    before = CampusDailyStats.objects.filter(day__lt=dt.date(2026, 10, 5)).count()

    call_command("analytics", "refresh", "--since", "2026-10-05")

    assert CampusDailyStats.objects.filter(day__lt=dt.date(2026, 10, 5)).count() == before


def test_refresh_rejects_a_date_it_cannot_read(db):
    with pytest.raises(CommandError, match="--since"):
        call_command("analytics", "refresh", "--since", "yesterday")


def test_the_task_refreshes_everything_when_asked_for_all(small):
    tasks.analytics_refresh.enqueue("all")  # the test settings run tasks immediately

    assert CampusDailyStats.objects.filter(university=small.beta).exists()


def test_the_report_command_names_an_unknown_campaign(db):
    with pytest.raises(CommandError, match="no-such"):
        call_command("report", "impact", "--campaign", "no-such")


def test_the_report_command_writes_italian_html(small, tmp_path):
    out = tmp_path / "impatto.html"

    call_command("report", "impact", "--campaign", small.campaign.slug, "--lang", "it", "--out", str(out))

    html = out.read_text()
    assert '<html lang="it">' in html and "Alpha University" in html
