import io

import pytest

from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.petitions import demo
from campusvoice.petitions.models import Petition, Signature, Story
from campusvoice.petitions.tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def test_without_a_campaign_the_demo_creates_no_petition_and_says_so():
    out = io.StringIO()

    demo.load(stdout=out)

    assert not Petition.objects.exists() and "no campaign" in out.getvalue()


def test_the_demo_petition_has_campus_versions_and_both_kinds_of_signature_once(
    django_capture_on_commit_callbacks,
):
    campaign = CampaignFactory(slug=demo.CAMPAIGN_SLUG)
    campaign.universities.add(UniversityFactory(country="IT", short_name="UniBo"), UniversityFactory())
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        demo.load(stdout=out)
    demo.load(stdout=out)

    petition = Petition.objects.get()
    assert petition.versions.count() == 2
    statuses = set(Signature.objects.values_list("status", flat=True))
    assert statuses == {"confirmed", "unconfirmed"}
    assert not Signature.objects.exclude(email__endswith="@example.org").exists()
    assert Signature.objects.filter(status="confirmed", person__isnull=False).count() == 27
    assert Story.objects.count() == 1
    assert "already loaded" in out.getvalue()
