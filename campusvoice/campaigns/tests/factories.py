import datetime as dt

import factory
from django.utils import timezone

from campusvoice.campaigns.models import Ally, AllyItem, Campaign, ContentItem, ContentKind, ContentTemplate
from campusvoice.campuses.tests.factories import UniversityFactory


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Campaign {n}")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    status = Campaign.Status.RUNNING
    starts_on = factory.LazyFunction(lambda: timezone.localdate())
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=29))
    languages = "en,it"


class ContentTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContentTemplate

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"Template {n}")
    kind = ContentKind.PAGE_POST
    language = "en"
    body = "Consent matters at {{ campus.name }}."
    link_url = "https://example.org/petition"


class ContentItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContentItem

    campaign = factory.SubFactory(CampaignFactory)
    university = factory.SubFactory(UniversityFactory)
    kind = ContentKind.PAGE_POST
    language = "en"
    text = "Consent matters."


class AllyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ally

    name = factory.Sequence(lambda n: f"Ally {n}")
    feed_url = "http://127.0.0.1:1/feed.xml"


class AllyItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AllyItem

    ally = factory.SubFactory(AllyFactory)
    guid = factory.Sequence(lambda n: f"urn:item:{n}")
    title = "Campus rally for consent education"
    url = "https://ally.example.org/rally"
