import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from campusvoice.accounts.models import Role
from campusvoice.campaigns.models import Campaign, ContentItem, ContentKind
from campusvoice.campaigns.tests.factories import (
    AllyItemFactory,
    CampaignFactory,
    ContentItemFactory,
    ContentTemplateFactory,
)
from campusvoice.campuses.tests.factories import (
    ShortlistEntryFactory,
    StudentNewspaperFactory,
    UniversityFactory,
)

pytestmark = pytest.mark.django_db


def test_an_organiser_creates_a_campaign_targeting_a_shortlist_and_a_campus(client_for):
    entry = ShortlistEntryFactory()
    extra = UniversityFactory()

    response = client_for(Role.ORGANISER).post(
        reverse("campaigns:create"),
        {
            "name": "Consent Week",
            "slug": "consent-week",
            "status": "draft",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-31",
            "language_codes": ["en", "it"],
            "currency": "EUR",
            "radius_km": "3",
            "age_min": "18",
            "age_max": "26",
            "shortlist": entry.shortlist_id,
            "universities": [extra.pk],
        },
    )

    campaign = Campaign.objects.get(slug="consent-week")
    assert response.status_code == 302 and response["Location"] == reverse(
        "campaigns:detail", args=[campaign.pk]
    )
    assert set(campaign.universities.all()) == {entry.university, extra}
    assert campaign.languages == "en,it"


def test_a_campaign_that_ends_before_it_starts_is_refused_with_the_form(client_for):
    response = client_for(Role.ORGANISER).post(
        reverse("campaigns:create"),
        {
            "name": "X",
            "slug": "x",
            "status": "draft",
            "starts_on": "2026-12-31",
            "ends_on": "2026-12-01",
            "language_codes": ["en"],
            "currency": "EUR",
            "radius_km": "2",
            "age_min": "18",
            "age_max": "30",
        },
    )

    assert response.status_code == 200 and not Campaign.objects.exists()


def test_the_detail_page_links_to_the_inbox_once_running(client_for):
    campaign = CampaignFactory(status=Campaign.Status.RUNNING)

    page = client_for(Role.ADMIN).get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()

    assert f"/inbox/?campaign={campaign.pk}" in page


def test_the_preview_shows_each_campus_in_both_languages_with_its_errors(client_for):
    template = ContentTemplateFactory(body="Read {{ newspaper.name }} at {{ campus.name }}")
    ContentTemplateFactory(campaign=template.campaign, language="it", body="Leggi {{ campus.name }}")
    with_paper, without = UniversityFactory(name="Paper U"), UniversityFactory(name="Quiet U")
    StudentNewspaperFactory(university=with_paper, name="The Paper")
    template.campaign.universities.add(with_paper, without)

    page = (
        client_for(Role.ORGANISER)
        .get(reverse("campaigns:template-preview", args=[template.pk]))
        .content.decode()
    )

    assert "Read The Paper at Paper U" in page
    assert "newspaper.name has no value for Quiet U." in page
    assert "Leggi Quiet U" in page


def test_a_template_with_a_forbidden_tag_is_refused_by_the_form(client_for):
    campaign = CampaignFactory()

    response = client_for(Role.ORGANISER).post(
        reverse("campaigns:template-create", args=[campaign.pk]),
        {
            "name": "x",
            "kind": "page_post",
            "language": "en",
            "body": "{% load log %}",
            "call_to_action": "none",
        },
    )

    assert response.status_code == 200 and "is not allowed" in response.content.decode()
    assert not campaign.content_templates.exists()


def test_rendering_from_the_preview_creates_the_drafts(client_for):
    template = ContentTemplateFactory()
    template.campaign.universities.add(UniversityFactory())

    response = client_for(Role.ORGANISER).post(reverse("campaigns:template-render", args=[template.pk]))

    assert response.status_code == 302
    assert ContentItem.objects.filter(template=template, status="draft").count() == 1


@pytest.mark.parametrize(("role", "status"), [(Role.ORGANISER, "approved"), (Role.ADMIN, "approved")])
def test_organisers_and_admins_approve_through_the_page(client_for, role, status):
    item = ContentItemFactory(status=ContentItem.Status.IN_REVIEW)

    response = client_for(role).post(reverse("campaigns:item-approve", args=[item.pk]))

    item.refresh_from_db()
    assert response.status_code == 302 and item.status == status
    assert item.approved_by.role == role


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ANALYST])
def test_other_roles_cannot_approve(client_for, role):
    item = ContentItemFactory(status=ContentItem.Status.IN_REVIEW)

    response = client_for(role).post(reverse("campaigns:item-approve", args=[item.pk]))

    item.refresh_from_db()
    assert response.status_code == 403 and item.status == ContentItem.Status.IN_REVIEW


def test_the_item_page_offers_the_organic_path_for_an_eu_ad(client_for):
    item = ContentItemFactory(
        university=UniversityFactory(country="IT"), kind=ContentKind.AD, status=ContentItem.Status.APPROVED
    )

    page = client_for(Role.ORGANISER).get(reverse("campaigns:item-detail", args=[item.pk])).content.decode()

    assert "October 2025" in page and "Schedule" not in page.split("History")[0].split("action-bar")[1]


def test_an_edit_through_the_page_is_marked_and_recorded(client_for):
    item = ContentItemFactory()

    client_for(Role.ORGANISER).post(reverse("campaigns:item-edit", args=[item.pk]), {"text": "Better words"})

    item.refresh_from_db()
    assert item.text == "Better words" and item.is_hand_edited
    assert item.history.get().by.role == Role.ORGANISER


def test_the_calendar_shows_scheduled_items_per_day(client_for):
    at = timezone.now().replace(day=15, hour=12) if timezone.now().day != 15 else timezone.now()
    item = ContentItemFactory(
        university=UniversityFactory(short_name="CalU"), status="scheduled", scheduled_at=at
    )

    page = (
        client_for(Role.ORGANISER)
        .get(reverse("campaigns:calendar", args=[item.campaign_id]), {"year": at.year, "month": at.month})
        .content.decode()
    )

    assert "CalU · Page post" in page
    other = (
        client_for(Role.ORGANISER)
        .get(
            reverse("campaigns:calendar", args=[item.campaign_id]),
            {"year": at.year, "month": at.month, "kind": "ad"},
        )
        .content.decode()
    )
    assert "CalU · Page post" not in other


def test_the_export_button_downloads_the_bundle(client_for):
    campaign = CampaignFactory(slug="zip-me")

    response = client_for(Role.ORGANISER).get(reverse("campaigns:export", args=[campaign.pk]))

    assert response["Content-Type"] == "application/zip"
    assert "zip-me-bundle.zip" in response["Content-Disposition"]
    assert "targeting.json" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()


def test_sharing_an_allys_item_creates_a_draft_with_our_comment(client_for):
    ally_item = AllyItemFactory()
    campaign = CampaignFactory(slug="share")
    university = UniversityFactory(short_name="ShareU")
    later = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    response = client_for(Role.ORGANISER).post(
        reverse("campaigns:ally-item-share", args=[ally_item.pk]),
        {
            "campaign": campaign.pk,
            "university": university.pk,
            "language": "en",
            "text": "Go, team!",
            "scheduled_at": later,
        },
    )

    item = ContentItem.objects.get()
    assert response.status_code == 302
    assert (item.kind, item.ally_item, item.text, item.status) == (
        "ally_share",
        ally_item,
        "Go, team!",
        "draft",
    )
    assert item.link.startswith("https://ally.example.org/rally?") and "ref=shareu" in item.link


def test_the_reach_import_page_asks_for_unmatched_ad_sets_then_imports(client_for, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    campaign = CampaignFactory()
    campus = UniversityFactory(name="Harvard University", short_name="Harvard")
    campaign.universities.add(campus)
    csv_text = (
        b"Reporting starts,Reporting ends,Ad set name,Reach,Impressions\n2026-10-01,2026-10-31,Geo 1,10,20\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(Role.ORGANISER)
    first = client.post(
        reverse("campaigns:reach-import", args=[campaign.pk]),
        {"file": SimpleUploadedFile("ads.csv", csv_text)},
    )
    assert first.status_code == 200 and "Geo 1" in first.content.decode()

    second = client.post(
        reverse("campaigns:reach-import", args=[campaign.pk]),
        {"token": first.context["token"], "map:Geo 1": campus.pk},
    )

    assert second.status_code == 302
    assert campaign.reach_snapshots.get().university == campus
