"""factory_boy factories for campaigns (for these tests), petitions, versions, signatures, stories."""

import datetime as dt

import factory
from django.utils import timezone

from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.petitions.models import OutgoingEmail, Petition, PetitionVersion, Signature, Story
from campusvoice.petitions.services.signatures import text_hash, token_hash
from campusvoice.supporters.emails import email_canonical


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Consent Week {n}")
    slug = factory.Sequence(lambda n: f"consent-week-{n}")


class PetitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Petition

    campaign = factory.SubFactory(CampaignFactory)
    slug = factory.Sequence(lambda n: f"safer-campus-{n}")
    title_en = "A real plan against sexual violence"
    title_it = "Un piano vero contro la violenza sessuale"
    text_en = "We ask our university for a confidential reporting office."
    text_it = "Chiediamo al nostro ateneo uno sportello riservato."
    target_description = "The presidents of our campuses"
    consent_text_en = "Count my name and deliver it with the petition."
    consent_text_it = "Contate il mio nome e consegnatelo con la petizione."
    contact_text_en = "Send me news about this campaign."
    contact_text_it = "Inviatemi notizie su questa campagna."


class PetitionVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PetitionVersion

    petition = factory.SubFactory(PetitionFactory)
    university = factory.SubFactory(UniversityFactory)
    code = factory.Sequence(lambda n: f"campus{n}")
    target = "The President"


class SignatureFactory(factory.django.DjangoModelFactory):
    """An unconfirmed signature whose token is `token` (default: "token-<n>")."""

    class Meta:
        model = Signature

    class Params:
        token = factory.Sequence(lambda n: f"token-{n}")

    petition = factory.SubFactory(PetitionFactory)
    email = factory.Sequence(lambda n: f"signer{n}@example.org")
    email_canonical = factory.LazyAttribute(lambda o: email_canonical(o.email))
    name = factory.Sequence(lambda n: f"Signer {n}")
    consent_version = factory.SelfAttribute("petition.consent_version")
    consent_text_hash = factory.LazyAttribute(lambda o: text_hash(o.petition.consent_text_en))
    contact_text_hash = factory.LazyAttribute(lambda o: text_hash(o.petition.contact_text_en))
    token_hash = factory.LazyAttribute(lambda o: token_hash(o.token))
    token_expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))


class StoryFactory(factory.django.DjangoModelFactory):
    """A story whose withdrawal token is `token` (default: "withdraw-<n>")."""

    class Meta:
        model = Story

    class Params:
        token = factory.Sequence(lambda n: f"withdraw-{n}")

    campaign = factory.SubFactory(CampaignFactory)
    kind = Story.Kind.STORY
    text = "Something happened at a party in my first year."
    language = "en"
    consent_quote_anonymously = True
    consent_version = "story-1"
    consent_text_hash = "0" * 64
    withdrawal_token_hash = factory.LazyAttribute(lambda o: token_hash(o.token))


class OutgoingEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutgoingEmail

    to = factory.Sequence(lambda n: f"to{n}@example.org")
    subject = "Please confirm your signature"
    body_text = "Open the link."
    purpose = "signature_confirmation"
