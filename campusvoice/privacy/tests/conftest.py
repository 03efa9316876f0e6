"""A person with something in every table that can hold them."""

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from django.utils import timezone

from campusvoice.conversations.models import Channel
from campusvoice.conversations.tests.factories import CommentFactory, OutboxActionFactory
from campusvoice.outreach.models import Letter
from campusvoice.outreach.tests.factories import LetterFactory
from campusvoice.petitions.models import Signature
from campusvoice.petitions.tests.factories import OutgoingEmailFactory, SignatureFactory, StoryFactory
from campusvoice.supporters.emails import email_canonical
from campusvoice.supporters.models import SavedList
from campusvoice.supporters.services import people_merge
from campusvoice.supporters.tests.factories import (
    ConsentRecordFactory,
    EmailAddressFactory,
    EngagementEventFactory,
    PersonFactory,
    PhoneFactory,
    PlatformIdentityFactory,
    TagFactory,
)

EMAIL = "giulia.verdiani@studenti.example.it"
OTHER_EMAIL = "g.verdiani.old@example.org"
GIVEN, FAMILY = "Giulia", "Verdiani"
PHONE = "+39 055 999 1234"
SCOPED_ID = "6129999000111"
PHRASE = "lilacwhisperzebra happened after the freshers party"
REPLY = "Giulia, thank you for trusting us with this."


@dataclass
class Subject:
    person: object
    absorbed: object
    comment: object
    reply: object
    confirmed: object
    unconfirmed: object
    story: object
    sent_letter: object
    draft_letter: object


@pytest.fixture
def subject(db):
    """Giulia: addresses, phone, identity, comments, signatures, a story, mail, a merge, quotes."""
    person = PersonFactory(given_name=GIVEN, family_name=FAMILY)
    EmailAddressFactory(person=person, address=EMAIL, canonical=email_canonical(EMAIL))
    PhoneFactory(person=person, number=PHONE)
    PlatformIdentityFactory(person=person, scoped_id=SCOPED_ID, display_name=f"{GIVEN} {FAMILY}")
    ConsentRecordFactory(person=person)
    person.tags.add(TagFactory())

    # An older record of hers, merged into this one; its address stays with it.
    absorbed = PersonFactory(given_name=GIVEN, family_name=FAMILY)
    EmailAddressFactory(person=absorbed, address=OTHER_EMAIL, canonical=email_canonical(OTHER_EMAIL))
    people_merge(keep=person, merge=absorbed, by=None)

    comment = CommentFactory(
        author_platform_id=SCOPED_ID, author_name=f"{GIVEN} {FAMILY}", text=f"Something {PHRASE}."
    )
    assert comment.channel.kind == Channel.Kind.FACEBOOK_PAGE
    EngagementEventFactory(person=person, source_type="comment", source_id=str(comment.pk))
    reply = CommentFactory(
        post=comment.post, parent=comment, is_from_page=True, author_name="Campus Page", text=REPLY
    )
    OutboxActionFactory(comment=comment, text=REPLY, status="sent")

    confirmed = SignatureFactory(
        email=EMAIL,
        name=f"{GIVEN} {FAMILY}",
        person=person,
        status=Signature.Status.CONFIRMED,
        confirmed_at=timezone.now(),
        ip_hash="a" * 64,
    )
    unconfirmed = SignatureFactory(email=OTHER_EMAIL.upper(), name=f"{GIVEN} V.")
    story = StoryFactory(contact_email=EMAIL, display_name=GIVEN, text=f"My story: {PHRASE}")
    OutgoingEmailFactory(to=EMAIL, body_text=f"Dear {GIVEN} {FAMILY}, confirm.")
    OutgoingEmailFactory(
        to=OTHER_EMAIL.upper(), object_type="signature", object_id=str(unconfirmed.pk), body_text="Confirm."
    )

    quote = f"Something {PHRASE}."
    sent_letter = LetterFactory(status=Letter.Status.SENT, body=f"Dear President,\n“{quote}”\nYours")
    sent_letter.quoted_comments.add(comment)
    draft_letter = LetterFactory(body=f"Draft: “{quote}”")
    draft_letter.quoted_comments.add(comment)
    SavedList.objects.create(name="Giulia", filters={"q": EMAIL, "campus": ""})

    from campusvoice.integrations.meta.models import WebhookDelivery

    body = json.dumps({"entry": [{"changes": [{"value": {"from": {"id": SCOPED_ID}, "message": PHRASE}}]}]})
    WebhookDelivery.objects.create(
        body_sha256="f" * 64,
        body=body.encode(),
        status=WebhookDelivery.Status.DONE,
        processed_at=timezone.now() - dt.timedelta(hours=1),
    )
    return Subject(person, absorbed, comment, reply, confirmed, unconfirmed, story, sent_letter, draft_letter)
