import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campusvoice.accounts.models import Role
from campusvoice.analytics import exports, selectors, services
from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.conversations.models import Comment

pytestmark = pytest.mark.django_db


def _query(small):
    return {"campaign": small.campaign.slug, "date_from": "2026-10-01", "date_to": "2026-10-31"}


def test_the_front_page_is_the_dashboard_with_every_target_campus(client_for, small):
    services.analytics_refresh()
    response = client_for(Role.ORGANISER).get(reverse("home"), _query(small))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Alpha University" in html and "Beta University" in html
    assert "≤ 4.0 %" in html and "≤ 5.0 %" in html
    assert "<svg" in html and 'role="img"' in html


def test_analysts_see_figures_but_no_names_emails_or_comment_text(client_for, small):
    services.analytics_refresh()
    Comment.objects.update(text="Secret words only moderators read", author_name="Commenter Name")
    client = client_for(Role.ANALYST)
    alpha = small.alpha.pk
    pages = [
        client.get(reverse("home"), _query(small)),
        client.get(reverse("analytics:campus-detail", args=[alpha]), _query(small)),
        client.get(reverse("analytics:compare"), {**_query(small), "campus": [alpha, small.beta.pk]}),
        client.get(reverse("analytics:report", args=[small.campaign.slug])),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert "Secret words" not in html
        assert "Commenter Name" not in html
        assert "Giulia" not in html and "Secret" not in html.replace("Secret words", "")
        assert "@example.org" not in html.replace("ann.analyst@example.org", "")  # only the header's own


def test_the_campus_page_shows_each_figure_with_its_source_and_caveat(client_for, small):
    services.analytics_refresh()
    response = client_for(Role.ANALYST).get(
        reverse("analytics:campus-detail", args=[small.alpha.pk]), _query(small)
    )
    html = response.content.decode()

    assert "upper-bound estimate" in html
    assert "IPEDS, 2025" in html
    assert "30,000" in html


def test_the_dashboard_shows_an_empty_state_without_campuses(client_for, db):
    html = client_for(Role.ANALYST).get(reverse("home")).content.decode()

    assert "No target campuses yet." in html


def test_the_dashboard_speaks_italian(client_for, small):
    services.analytics_refresh()
    client = client_for(Role.ANALYST)
    client.cookies["django_language"] = "it"
    html = client.get(reverse("home"), _query(small), HTTP_ACCEPT_LANGUAGE="it").content.decode()

    assert "≤ 4,0 %" in html


def test_the_table_sorts_by_a_figure(client_for, small):
    services.analytics_refresh()
    html = client_for(Role.ANALYST).get(reverse("home"), {**_query(small), "sort": "comments", "desc": "on"})
    text = html.content.decode()

    assert text.index("Alpha University") < text.index("Beta University")  # 6 comments before 1


def test_exports_neutralise_formulas_in_csv_and_xlsx(client_for, small):
    small.campaign.universities.add(UniversityFactory(name='=HYPERLINK("http://x")', enrollment_total=10))
    services.analytics_refresh()
    client = client_for(Role.ANALYST)

    csv_text = client.get(reverse("analytics:table-export", args=["csv"]), _query(small)).content.decode()
    assert "'=HYPERLINK" in csv_text
    assert "\n=HYPERLINK" not in csv_text

    xlsx = client.get(reverse("analytics:table-export", args=["xlsx"]), _query(small)).content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert '\'=HYPERLINK("http://x")' in names
    assert all(not str(n).startswith("=") for n in names)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_neutralise_prefixes_every_formula_start(value):
    assert exports.neutralise(value) == "'" + value
    assert exports.neutralise(-1) == -1  # numbers stay numbers


def test_the_compare_page_puts_chosen_campuses_side_by_side(client_for, small):
    services.analytics_refresh()
    response = client_for(Role.ANALYST).get(
        reverse("analytics:compare"), {**_query(small), "campus": [small.alpha.pk, small.beta.pk]}
    )
    html = response.content.decode()

    assert html.count("<svg") >= 4
    assert "Alpha University" in html and "Beta University" in html


def test_the_campus_table_selector_returns_nothing_for_a_campaign_without_campuses(small):
    small.campaign.universities.clear()
    assert selectors.campus_table(campaign=small.campaign, period=small.period) == []
