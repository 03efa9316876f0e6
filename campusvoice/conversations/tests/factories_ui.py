"""Helpers for the inbox tests: a post on a campus with support resources, and comments on it."""

from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.tests.factories import SupportResourceFactory, UniversityFactory
from campusvoice.conversations.models import ReplyTemplate
from campusvoice.conversations.tests.factories import CommentFactory, PostFactory, ReplyTemplateFactory


def campus_post(*, campus_name="Università di Bologna", country="IT", city="Bologna", campaign=None, **post):
    """A post about one campus, which has one office of its own and one national line."""
    campus = UniversityFactory(name=campus_name, country=country, city=city)
    post = PostFactory(campaign=campaign, **post)
    post.universities.add(campus)
    SupportResourceFactory(
        country=country, university=campus, name=f"Sportello {campus_name}", phone="051 000"
    )
    SupportResourceFactory(country=country, university=None, name=f"National line {country}", phone="1522")
    return post, campus


def campaign_make(name="Consent week", slug="consent-week") -> Campaign:
    return Campaign.objects.create(name=name, slug=slug)


def disclosure_template(language="en") -> ReplyTemplate:
    return ReplyTemplateFactory(
        kind=ReplyTemplate.Kind.DISCLOSURE,
        language=language,
        name=f"Disclosure {language}",
        body="We believe you. Help near {{ campus.name }}:\n{{ support_resources }}\n— {{ organisation.name }}",
    )


def comment_make(**fields):
    return CommentFactory(**fields)
