"""factory_boy factories for letter templates, letters, relationships and articles."""

import factory

from campusvoice.campuses.tests.factories import CampusGroupFactory, UniversityFactory
from campusvoice.outreach.models import Article, Letter, LetterKind, LetterTemplate, Relationship
from campusvoice.petitions.tests.factories import CampaignFactory

BODY_EN = """Dear {{ recipient.title }},

During {{ campaign.name }}, {{ students.on_topic_comments }} students at {{ campus.name }} wrote to us about consent.
{% if reach %}We reached about {{ reach.share_percent }}% of your {{ campus.enrollment.total }} students (an estimate).{% endif %}
{% if petition %}{{ petition.confirmed_signatures }} of them signed “{{ petition.title }}”.{% endif %}
{% for quote in students.quotes %}“{{ quote }}”
{% endfor %}
Yours sincerely,
{{ organisation.name }}"""


class LetterTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LetterTemplate

    name = factory.Sequence(lambda n: f"Letter {n}")
    kind = LetterKind.PRESIDENT
    language = "en"
    subject = "{{ campaign.name }} at {{ campus.name }}"
    body = BODY_EN


class LetterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Letter

    campaign = factory.SubFactory(CampaignFactory)
    university = factory.SubFactory(UniversityFactory)
    template = factory.SubFactory(LetterTemplateFactory)
    kind = LetterKind.PRESIDENT
    recipient_key = factory.Sequence(lambda n: f"university:{n}")
    recipient_name = "Dr Jordan Example"
    recipient_title = "President"
    recipient_organisation = factory.SelfAttribute("university.name")
    recipient_email = "president@campus.example.edu"


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relationship

    campaign = factory.SubFactory(CampaignFactory)
    group = factory.SubFactory(CampusGroupFactory)
    university = factory.SelfAttribute("group.university")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    url = factory.Sequence(lambda n: f"https://news.example.edu/2026/consent-{n}")
    title = "Students ask for consent education"
