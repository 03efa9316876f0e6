"""The demo loader: templates, letters (some sent), every pipeline stage, articles; idempotent."""

import datetime as dt
import io

import pytest
from django.utils import timezone

from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.outreach import demo
from campusvoice.outreach.models import Article, Letter, LetterDelivery, LetterTemplate, Relationship, Stage

pytestmark = pytest.mark.django_db


def test_it_loads_the_demo_outreach_once(django_capture_on_commit_callbacks):
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Consent on Campus 2026",
        slug=demo.CAMPAIGN_SLUG,
        starts_on=today - dt.timedelta(days=28),
        ends_on=today + dt.timedelta(days=14),
    )
    campaign.universities.set(
        [UniversityFactory(country="US", chief_admin_name="Pat Chief", chief_admin_title="President")]
        + [UniversityFactory(country="IT", chief_admin_name="Prof. Rettore", chief_admin_title="Rettore")]
    )

    with django_capture_on_commit_callbacks(execute=True):
        demo.load(stdout=io.StringIO())
    counts = (
        LetterTemplate.objects.count(),
        Letter.objects.count(),
        Relationship.objects.count(),
        Article.objects.count(),
    )
    demo.load(stdout=io.StringIO())

    assert counts == (
        LetterTemplate.objects.count(),
        Letter.objects.count(),
        Relationship.objects.count(),
        Article.objects.count(),
    )
    assert LetterTemplate.objects.count() == 8
    assert not Letter.objects.filter(status=Letter.Status.ERROR).exists()
    assert LetterDelivery.objects.filter(channel="pdf").count() == 2
    assert LetterDelivery.objects.filter(channel="email").count() == 2
    assert set(Relationship.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert Article.objects.filter(campaign=campaign).count() == 3  # the regatta is not coverage
    assert Article.objects.filter(status=Article.Status.CONFIRMED).count() == 1


def test_without_the_demo_campaign_it_adds_only_the_templates():
    demo.load(stdout=io.StringIO())
    assert LetterTemplate.objects.count() == 8 and not Letter.objects.exists()
