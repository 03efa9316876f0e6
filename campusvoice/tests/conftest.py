"""Fixtures for the cross-cutting attack-surface tests."""

import pytest
from django.core.cache import cache

from campusvoice.campaigns.models import ContentItem
from campusvoice.campaigns.tests.factories import CampaignFactory, ContentItemFactory, ContentTemplateFactory
from campusvoice.campuses.tests.factories import (
    CampusGroupFactory,
    ContactFactory,
    StudentNewspaperFactory,
    UniversityFactory,
)
from campusvoice.conversations.tests.factories import CommentFactory
from campusvoice.outreach.models import Letter
from campusvoice.outreach.tests.factories import LetterFactory, LetterTemplateFactory
from campusvoice.petitions.tests.factories import PetitionFactory, SignatureFactory, StoryFactory
from campusvoice.supporters.tests.factories import PersonFactory, TagFactory
from campusvoice.tests.hostile import LOCAL_LINK_FILES, NAME_PAYLOADS, TEXT_PAYLOADS, fit

TEXT = "\n".join(TEXT_PAYLOADS + LOCAL_LINK_FILES)


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate-limit counters live in the cache, keyed by hashed IPs and member ids that repeat
    # between tests. Nor the petition pages a web process keeps (see petitions/tests/conftest.py).
    from campusvoice.petitions import public_views, selectors

    cache.clear()
    public_views._PAGES.clear()
    selectors._PUBLIC.clear()
    yield
    cache.clear()
    public_views._PAGES.clear()
    selectors._PUBLIC.clear()


@pytest.fixture
def hostile(db):
    """One object per kind for each name-sized payload, and long texts carrying all of them."""
    ids: dict[str, list[int]] = {}

    def keep(kind, obj):
        ids.setdefault(kind, []).append(obj.pk)
        return obj

    campaign = keep("campaign", CampaignFactory(name=fit(NAME_PAYLOADS[0], 200)))
    petition = keep("petition", PetitionFactory(campaign=campaign))
    for n, payload in enumerate(NAME_PAYLOADS):
        university = keep("university", UniversityFactory(name=fit(payload, 200), short_name=f"h{n}"))
        campaign.universities.add(university)
        keep("group", CampusGroupFactory(university=university, name=fit(payload, 200)))
        keep("newspaper", StudentNewspaperFactory(university=university, name=fit(payload, 200)))
        keep("contact", ContactFactory(university=university, name=fit(payload, 200)))
        person = keep("person", PersonFactory(given_name=fit(payload, 100), family_name=fit(payload, 100)))
        person.tags.add(TagFactory(name=fit(f"{n}{payload}", 60)))
        keep("signature", SignatureFactory(petition=petition, name=fit(payload, 200)))
        keep("story", StoryFactory(campaign=campaign, text=TEXT, display_name=fit(payload, 100)))
        keep(
            "item",
            ContentItemFactory(
                campaign=campaign, university=university, text=TEXT, status=ContentItem.Status.IN_REVIEW
            ),
        )
        keep("comment", CommentFactory(text=TEXT, author_name=fit(payload, 200)))
        if n < 8:  # letters render through the sandbox: a few are enough
            letter = LetterFactory(campaign=campaign, university=university, recipient_name=fit(payload, 200))
            keep("letter", letter)
    keep("letter_template", LetterTemplateFactory(name=fit(NAME_PAYLOADS[2], 100), body=TEXT))
    keep("template", ContentTemplateFactory(campaign=campaign, body=TEXT, name=fit(NAME_PAYLOADS[1], 100)))
    return ids


def render_letters(ids):
    from campusvoice.outreach.services.letters import letter_render

    letters = [letter_render(letter=Letter.objects.get(pk=pk)) for pk in ids["letter"]]
    assert all(letter.status == Letter.Status.DRAFT for letter in letters), [x.error for x in letters]
    return letters


# `campusvoice check --deploy` and friends run in production mode, as ops/tests does.
from campusvoice.ops.tests.conftest import production_env  # noqa: E402, F401
