import io
from decimal import Decimal

import pytest

from campusvoice.campaigns import demo
from campusvoice.campaigns.models import AllyItem, Campaign, ContentHistory, ContentItem, ReachSnapshot
from campusvoice.campuses.tests.factories import UniversityFactory

pytestmark = pytest.mark.django_db


def test_without_campuses_it_creates_nothing_and_says_so():
    out = io.StringIO()

    demo.load(stdout=out)

    assert not Campaign.objects.exists() and "no campuses" in out.getvalue()


def test_it_fills_the_demo_campaign_once(organiser):
    for n in range(2):
        UniversityFactory(country="US", name=f"US {n}", enrollment_total=20_000 + n)
        UniversityFactory(country="IT", name=f"Ateneo {n}", enrollment_total=40_000 + n)
    out = io.StringIO()

    demo.load(stdout=out)
    counts = (
        ContentItem.objects.count(),
        ContentHistory.objects.count(),
        AllyItem.objects.count(),
        ReachSnapshot.objects.count(),
    )
    demo.load(stdout=out)

    assert counts == (
        ContentItem.objects.count(),
        ContentHistory.objects.count(),
        AllyItem.objects.count(),
        ReachSnapshot.objects.count(),
    )
    campaign = Campaign.objects.get(slug="consent-on-campus-2026")
    assert campaign.name == "Consent on Campus 2026" and campaign.universities.count() == 4
    statuses = set(ContentItem.objects.values_list("status", flat=True))
    assert {"published", "scheduled", "approved"} <= statuses
    assert set(ContentItem.objects.filter(university__country="IT").values_list("language", flat=True)) == {
        "it"
    }
    assert not ContentItem.objects.filter(university__country="IT", kind="ad").exists()
    assert ContentItem.objects.filter(kind="question_post", status="published").count() == 4
    assert AllyItem.objects.count() == 3
    for snapshot in ReachSnapshot.objects.select_related("university"):
        assert snapshot.source == "ads_export" and snapshot.reach < snapshot.university.enrollment_total
        assert snapshot.frequency == (Decimal(snapshot.impressions) / snapshot.reach).quantize(
            Decimal("0.0001")
        )
