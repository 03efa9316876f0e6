"""Paused ad campaigns on Meta, against the fake Graph API over HTTP: payloads, retries, refusals."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from campusvoice.accounts.models import AuditEvent
from campusvoice.campaigns.models import ContentItem, ContentKind
from campusvoice.campaigns.tests.factories import CampaignFactory, ContentItemFactory
from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.integrations.meta import ads
from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_ID, DEMO_PAGE_TOKEN
from campusvoice.integrations.meta.fakegraph.ads import EU_ISSUE_ADS_SUBCODE
from campusvoice.integrations.meta.fakegraph.state import DEMO_AD_ACCOUNT_ID
from campusvoice.integrations.meta.models import AdCampaign, AdCampusSet, MetaConnection
from campusvoice.integrations.meta.tokens import token_encrypt

pytestmark = pytest.mark.django_db


def _campus(name, country, lat, lon, enrolled=10_000):
    return UniversityFactory(
        name=name, country=country, latitude=Decimal(lat), longitude=Decimal(lon), enrollment_total=enrolled
    )


@pytest.fixture(name="campuses")
def campuses_fixture():
    return {
        "mit": _campus("Massachusetts Institute of Technology", "US", "42.359900", "-71.094200", 10_000),
        "berkeley": _campus("University of California-Berkeley", "US", "37.871900", "-122.258500", 30_000),
        "polimi": _campus("Politecnico di Milano", "IT", "45.478000", "9.227000", 47_000),
    }


@pytest.fixture(name="campaign")
def campaign_fixture(campuses):
    campaign = CampaignFactory(
        name="Consent on campus",
        starts_on=timezone.localdate() - dt.timedelta(days=6),
        ends_on=timezone.localdate() + dt.timedelta(days=23),
        petition_url="https://example.org/petition",
    )
    campaign.universities.set(campuses.values())
    return campaign


def create(campaign, connection, user, **overrides):
    values = {
        "campaign": campaign,
        "connection": connection,
        "ad_account_id": DEMO_AD_ACCOUNT_ID,
        "radius_km": Decimal("3.0"),
        "age_min": 18,
        "age_max": 24,
        "languages": ["en"],
        "budget_total": Decimal("100.00"),
        "budget_kind": AdCampaign.BudgetKind.DAILY,
        "split": AdCampaign.Split.ENROLMENT,
        "dsa_beneficiary": "Campus Voice ETS",
        "dsa_payor": "Campus Voice ETS",
        "by": user,
    }
    values.update(overrides)
    return ads.ad_campaign_create(**values)


def meta_objects(fake_graph, table):
    return sorted(getattr(fake_graph.state, table).values(), key=lambda o: int(o["id"]))


def test_it_creates_a_paused_campaign_and_one_ad_set_per_campus_with_exact_targeting(
    fake_graph, connection, organiser, campaign, campuses
):
    ad = create(campaign, connection, organiser)

    (meta_campaign,) = meta_objects(fake_graph, "ad_campaigns")
    assert ad.status == AdCampaign.Status.CREATED and ad.platform_id == meta_campaign["id"]
    assert meta_campaign["status"] == "PAUSED" and meta_campaign["objective"] == "OUTCOME_AWARENESS"
    assert meta_campaign["special_ad_categories"] == ["ISSUES_ELECTIONS_POLITICS"]
    assert meta_campaign["special_ad_category_country"] == ["US"]
    adsets = meta_objects(fake_graph, "adsets")
    assert len(adsets) == 2  # Milan is in the EU: refused before anything was sent
    by_campus = {a["targeting"]["geo_locations"]["custom_locations"][0]["name"]: a for a in adsets}
    mit = by_campus["Massachusetts Institute of Technology"]
    berkeley = by_campus["University of California-Berkeley"]
    assert mit["targeting"] == {
        "geo_locations": {
            "custom_locations": [
                {
                    "latitude": 42.3599,
                    "longitude": -71.0942,
                    "radius": 3.0,
                    "distance_unit": "kilometer",
                    "name": "Massachusetts Institute of Technology",
                }
            ],
            "location_types": ["home", "recent"],
        },
        "age_min": 18,
        "age_max": 24,
        "locales": [1001],
        "targeting_automation": {"advantage_audience": 0},
    }
    # 100.00 a day by enrolment, 10,000 and 30,000 students: 25.00 and 75.00, in cents.
    assert (mit["daily_budget"], berkeley["daily_budget"]) == (2500, 7500)
    for adset in adsets:
        sent = adset["params"]
        assert adset["status"] == "PAUSED" and adset["campaign_id"] == meta_campaign["id"]
        assert (sent["optimization_goal"], sent["billing_event"]) == ("REACH", "IMPRESSIONS")
        assert (sent["dsa_beneficiary"], sent["dsa_payor"]) == ("Campus Voice ETS", "Campus Voice ETS")
        assert "end_time" in sent and "lifetime_budget" not in sent
    recorded = {c.university_id: c.adset_id for c in ad.campuses.all()}
    assert recorded == {campuses["mit"].pk: mit["id"], campuses["berkeley"].pk: berkeley["id"]}
    events = AuditEvent.objects.filter(object_type="meta_ad_campaign", object_id=str(ad.pk))
    assert events.filter(summary="created a paused adset on Meta").count() == 2
    assert events.filter(summary="created a paused campaign on Meta").count() == 1


def test_it_makes_creatives_and_paused_ads_from_approved_ad_content(
    fake_graph, connection, organiser, campaign, campuses
):
    posted = fake_graph.add_posts(1, kind="ad", message="Consent matters at MIT")[0]
    ContentItemFactory(
        campaign=campaign,
        university=campuses["mit"],
        kind=ContentKind.AD,
        status=ContentItem.Status.PUBLISHED,
        platform_id=posted,
    )
    ContentItemFactory(
        campaign=campaign,
        university=campuses["berkeley"],
        kind=ContentKind.AD,
        status=ContentItem.Status.APPROVED,
        text="Consent matters at Berkeley",
        link="https://example.org/petition?ref=berkeley",
    )
    ContentItemFactory(  # a draft is never advertised
        campaign=campaign,
        university=campuses["berkeley"],
        kind=ContentKind.AD,
        status=ContentItem.Status.DRAFT,
    )

    ad = create(campaign, connection, organiser)

    creatives = meta_objects(fake_graph, "adcreatives")
    meta_ads = meta_objects(fake_graph, "ads")
    assert [c["object_story_id"] for c in creatives] == [posted, ""]
    assert creatives[1]["object_story_spec"] == {
        "page_id": DEMO_PAGE_ID,
        "link_data": {
            "message": "Consent matters at Berkeley",
            "link": "https://example.org/petition?ref=berkeley",
        },
    }
    assert [a["status"] for a in meta_ads] == ["PAUSED", "PAUSED"]
    by_adset = {c.adset_id: c for c in ad.campuses.all()}
    for meta_ad in meta_ads:
        campus = by_adset[meta_ad["adset_id"]]
        assert (campus.creative_id, campus.ad_id) == (meta_ad["creative_id"], meta_ad["id"])


def test_eu_campuses_are_refused_up_front_with_the_organic_and_export_paths(
    fake_graph, connection, organiser, campaign, campuses
):
    plan = ads.ad_campaign_plan(campaign=campaign, budget_total=Decimal("90"))
    assert [u.name for u in plan.refused_eu] == ["Politecnico di Milano"]
    assert "organic post" in plan.eu_message and "export" in plan.eu_message
    assert sum(c.budget_minor for c in plan.campuses) == 9000

    campaign.universities.set([campuses["polimi"]])
    calls = fake_graph.snapshot()["calls"]
    with pytest.raises(ads.AdCampaignError) as refused:
        create(campaign, connection, organiser)

    assert "EU" in refused.value.message and "export bundle" in refused.value.message
    assert not AdCampaign.objects.exists()
    assert fake_graph.snapshot()["calls"] == calls  # nothing was sent to Meta


def test_a_late_eu_refusal_from_meta_is_shown_for_that_campus_and_the_others_go_on(
    fake_graph, connection, organiser, campaign, campuses
):
    # The directory says "US", but the coordinates are Milan's: Meta refuses that ad set.
    wrong = _campus("Campus with a wrong country", "US", "45.464000", "9.190000")
    campaign.universities.add(wrong)

    ad = create(campaign, connection, organiser)

    refused = ad.campuses.get(university=wrong)
    assert refused.status == AdCampusSet.Status.REFUSED and not refused.adset_id
    assert "EU" in refused.message and f"100/{EU_ISSUE_ADS_SUBCODE}" in refused.message
    assert ad.status == AdCampaign.Status.CREATED
    assert ad.campuses.filter(status=AdCampusSet.Status.CREATED).count() == 2
    assert len(fake_graph.state.adsets) == 2


def test_a_timeout_after_meta_created_the_ad_set_does_not_create_it_twice(
    fake_graph, connection, organiser, campaign
):
    # Meta makes the ad set, then answers after our client gave up: a real read timeout.
    fake_graph.inject(code=2, count=1, method="POST", match="/adsets", after_effect=True, delay=1.5)
    ad = create(campaign, connection, organiser, push=False)

    ads.ad_campaign_push(ad_campaign=ad, timeout=0.5)

    adsets = meta_objects(fake_graph, "adsets")
    assert len(adsets) == 2
    assert sorted(c.adset_id for c in ad.campuses.all()) == sorted(a["id"] for a in adsets)
    assert AdCampaign.objects.get(pk=ad.pk).status == AdCampaign.Status.CREATED
    # It looked the lost one up by name instead of posting again.
    requests = fake_graph.snapshot()["requests"]
    assert requests.count(f"GET /{DEMO_AD_ACCOUNT_ID}/adsets") == 1
    assert requests.count(f"POST /{DEMO_AD_ACCOUNT_ID}/adsets") == 2


def test_a_lost_answer_for_the_campaign_is_found_by_name(fake_graph, connection, organiser, campaign):
    # Meta makes the campaign and the answer is lost (a 500 after commit).
    fake_graph.inject(code=2, count=1, method="POST", match="/campaigns", after_effect=True)

    ad = create(campaign, connection, organiser)

    assert ad.status == AdCampaign.Status.CREATED
    assert list(fake_graph.state.ad_campaigns) == [ad.platform_id]
    assert len(fake_graph.state.adsets) == 2
    assert fake_graph.snapshot()["requests"].count(f"GET /{DEMO_AD_ACCOUNT_ID}/campaigns") == 1


def test_a_second_push_while_one_is_running_sends_nothing(fake_graph, connection, organiser, campaign):
    ad = create(campaign, connection, organiser, push=False)
    AdCampaign.objects.filter(pk=ad.pk).update(claimed_until=timezone.now() + dt.timedelta(minutes=5))

    still = ads.ad_campaign_push(ad_campaign=ad)

    assert still.status == AdCampaign.Status.PENDING and not fake_graph.state.ad_campaigns
    # A crashed worker's claim runs out; the next push does the job.
    AdCampaign.objects.filter(pk=ad.pk).update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
    done = ads.ad_campaign_push(ad_campaign=ad)
    assert done.status == AdCampaign.Status.CREATED and done.claimed_until is None
    assert AdCampaign.objects.get(pk=ad.pk).claimed_until is None


def test_a_permission_error_stops_with_a_clear_message_and_creates_nothing_more(
    fake_graph, connection, organiser, campaign
):
    fake_graph.add_token("no-ads-token", scopes=["pages_show_list", "pages_read_engagement"])
    connection.token_encrypted = token_encrypt("no-ads-token")
    connection.save()

    ad = create(campaign, connection, organiser)

    assert ad.status == AdCampaign.Status.STOPPED
    assert "ads_management" in ad.last_error and "error 200" in ad.last_error
    assert not fake_graph.state.ad_campaigns
    connection.refresh_from_db()
    assert connection.status == MetaConnection.Status.ACTIVE  # the inbox keeps working


@pytest.mark.parametrize("code", [10, 200])
def test_a_permission_error_on_an_ad_set_stops_the_push(fake_graph, connection, organiser, campaign, code):
    fake_graph.inject(code=code, count=1, method="POST", match="/adsets")

    ad = create(campaign, connection, organiser)

    assert ad.status == AdCampaign.Status.STOPPED and f"error {code}" in ad.last_error
    assert len(fake_graph.state.adsets) == 0 and len(fake_graph.state.ad_campaigns) == 1


def test_an_expired_token_stops_marks_the_connection_and_a_resume_finishes_the_job(
    fake_graph, connection, organiser, campaign
):
    fake_graph.inject(code=190, count=1, method="POST", match="/adsets", after_calls=1)

    ad = create(campaign, connection, organiser)

    assert ad.status == AdCampaign.Status.STOPPED and "expired or was revoked" in ad.last_error
    connection.refresh_from_db()
    assert connection.status == MetaConnection.Status.TOKEN_INVALID
    assert len(fake_graph.state.adsets) == 1
    # An admin reconnects the Page; resuming creates only what is missing.
    connection.status = MetaConnection.Status.ACTIVE
    connection.save()

    resumed = ads.ad_campaign_push(ad_campaign=ad)

    assert resumed.status == AdCampaign.Status.CREATED and resumed.last_error == ""
    assert len(fake_graph.state.adsets) == 2 and len(fake_graph.state.ad_campaigns) == 1


def test_bad_input_is_refused_by_field_and_nothing_is_stored(fake_graph, connection, organiser, campaign):
    with pytest.raises(ValidationError) as bad:
        create(campaign, connection, organiser, budget_total=Decimal("1.50"), languages=["xx"])
    assert set(bad.value.message_dict) == {"budget_total", "languages"}
    with pytest.raises(ValidationError) as bad:
        create(campaign, connection, organiser, ad_account_id="1234")
    assert "ad_account_id" in bad.value.message_dict
    assert not AdCampaign.objects.exists() and not fake_graph.state.ad_campaigns


def test_a_second_ad_campaign_for_the_same_campaign_is_refused(fake_graph, connection, organiser, campaign):
    create(campaign, connection, organiser)
    with pytest.raises(ads.AdCampaignError):
        create(campaign, connection, organiser)
    assert len(fake_graph.state.ad_campaigns) == 1


def test_a_lifetime_budget_is_split_equally_and_sent_with_the_end_time(
    fake_graph, connection, organiser, campaign
):
    ad = create(
        campaign,
        connection,
        organiser,
        budget_total=Decimal("100.01"),
        budget_kind=AdCampaign.BudgetKind.LIFETIME,
        split=AdCampaign.Split.EQUAL,
    )

    budgets = sorted(a["lifetime_budget"] for a in fake_graph.state.adsets.values())
    assert budgets == [5000, 5001]  # every cent is spent, none twice
    assert ad.status == AdCampaign.Status.CREATED


def test_budget_shares_fall_back_to_equal_when_an_enrolment_is_missing(campuses):
    campuses["mit"].enrollment_total = None
    shares, fell_back = ads.budget_shares(
        total_minor=1000,
        universities=[campuses["mit"], campuses["berkeley"]],
        split=AdCampaign.Split.ENROLMENT,
    )
    assert fell_back and sorted(shares.values()) == [500, 500]


def test_the_fake_answers_metas_eu_refusal_for_a_social_issue_ad_set(fake_graph):
    from campusvoice.integrations.meta.client import MetaClient, MetaPermanentError

    client = MetaClient(access_token=DEMO_PAGE_TOKEN)
    campaign_id = client.ad_create(
        DEMO_AD_ACCOUNT_ID,
        "campaigns",
        {
            "name": "x",
            "objective": "OUTCOME_AWARENESS",
            "status": "PAUSED",
            "special_ad_categories": ["ISSUES_ELECTIONS_POLITICS"],
            "special_ad_category_country": ["IT"],
        },
    )
    params = {
        "name": "y",
        "campaign_id": campaign_id,
        "status": "PAUSED",
        "daily_budget": 500,
        "optimization_goal": "REACH",
        "billing_event": "IMPRESSIONS",
        "targeting": {
            "geo_locations": {"countries": ["IT"]},
            "targeting_automation": {"advantage_audience": 0},
        },
    }
    with pytest.raises(MetaPermanentError) as refused:
        client.ad_create(DEMO_AD_ACCOUNT_ID, "adsets", params)
    assert (refused.value.code, refused.value.subcode) == (100, EU_ISSUE_ADS_SUBCODE)
    # Out of range radius: Meta's (#100).
    params["targeting"] = {
        "geo_locations": {
            "custom_locations": [
                {"latitude": 42, "longitude": -71, "radius": 90, "distance_unit": "kilometer"}
            ]
        },
        "targeting_automation": {"advantage_audience": 0},
    }
    with pytest.raises(MetaPermanentError) as bad:
        client.ad_create(DEMO_AD_ACCOUNT_ID, "adsets", params)
    assert bad.value.code == 100 and "radius" in bad.value.message
