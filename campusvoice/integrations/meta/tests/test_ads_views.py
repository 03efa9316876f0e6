"""The campaign's "Paid ads on Meta" page: refused campuses first, create, resume, sync, reach."""

import pytest
from django.urls import reverse

from campusvoice.accounts.models import Role
from campusvoice.integrations.meta.fakegraph.state import DEMO_AD_ACCOUNT_ID
from campusvoice.integrations.meta.models import AdCampaign

from .test_ads import campaign_fixture, campuses_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def form_data(connection, **overrides):
    data = {
        "connection": connection.pk,
        "ad_account_id": DEMO_AD_ACCOUNT_ID,
        "radius_km": "2.5",
        "age_min": "18",
        "age_max": "26",
        "languages": ["en", "it"],
        "budget_total": "60.00",
        "budget_kind": "daily",
        "split": "equal",
        "dsa_beneficiary": "Campus Voice ETS",
        "dsa_payor": "Campus Voice ETS",
    }
    data.update(overrides)
    return data


def test_the_campaign_page_links_to_the_ads_page_for_organisers(client_for, campaign):
    page = client_for(Role.ORGANISER).get(reverse("campaigns:detail", args=[campaign.pk]))
    assert reverse("meta:campaign-ads", args=[campaign.pk]) in page.content.decode()


def test_eu_campuses_are_listed_as_refused_before_submitting(client_for, connection, campaign):
    page = client_for(Role.ORGANISER).get(reverse("meta:campaign-ads", args=[campaign.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    refused = html.index("These campuses get no ads")
    assert "Politecnico di Milano" in html[refused : html.index("</div>", refused)]
    assert reverse("campaigns:export", args=[campaign.pk]) in html
    assert "Create paused ad campaign" in html


def test_an_organiser_creates_the_campaign_then_syncs_and_sees_reach_per_campus(
    client_for,
    fake_graph,
    connection,
    campaign,
    django_capture_on_commit_callbacks,
):
    client = client_for(Role.ORGANISER)
    url = reverse("meta:campaign-ads", args=[campaign.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(connection))

    assert response.status_code == 302
    ad = AdCampaign.objects.get(campaign=campaign)
    assert ad.status == AdCampaign.Status.CREATED and len(fake_graph.state.adsets) == 2
    assert {a["daily_budget"] for a in fake_graph.state.adsets.values()} == {3000}
    page = client.get(url).content.decode()
    for campus in ad.campuses.all():
        assert campus.adset_id in page
    assert "Sync insights" in page

    response = client.post(reverse("meta:campaign-ads-sync", args=[campaign.pk]), follow=True)

    page = response.content.decode()
    assert "Figures fetched for 2 campuses" in page
    assert "never added up across campuses or days" in page
    assert "de-duplicated by Meta" in page


def test_bad_input_is_shown_on_the_form_and_nothing_is_created(client_for, fake_graph, connection, campaign):
    response = client_for(Role.ORGANISER).post(
        reverse("meta:campaign-ads", args=[campaign.pk]),
        form_data(connection, budget_total="1.00", age_min="30", age_max="20"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "The maximum age must not be below the minimum." in html
    assert not AdCampaign.objects.exists() and not fake_graph.state.ad_campaigns


def test_a_stopped_campaign_can_be_resumed_from_the_page(
    client_for,
    fake_graph,
    connection,
    campaign,
    django_capture_on_commit_callbacks,
):
    client = client_for(Role.ORGANISER)
    fake_graph.inject(code=200, count=1, method="POST", match="/campaigns")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("meta:campaign-ads", args=[campaign.pk]), form_data(connection))
    page = client.get(reverse("meta:campaign-ads", args=[campaign.pk])).content.decode()
    assert "ads_management" in page and "Resume creation" in page

    client.post(reverse("meta:campaign-ads-resume", args=[campaign.pk]))

    assert AdCampaign.objects.get(campaign=campaign).status == AdCampaign.Status.CREATED
    assert len(fake_graph.state.adsets) == 2
