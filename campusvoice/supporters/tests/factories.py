"""factory_boy factories for people and what hangs off them."""

import factory
from django.utils import timezone

from campusvoice.supporters.emails import email_canonical
from campusvoice.supporters.models import (
    ConsentRecord,
    EmailAddress,
    EngagementEvent,
    MergeSuggestion,
    Person,
    Phone,
    PlatformIdentity,
    Tag,
)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = "Example"


class EmailAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailAddress

    person = factory.SubFactory(PersonFactory)
    address = factory.Sequence(lambda n: f"person{n}@example.org")
    canonical = factory.LazyAttribute(lambda o: email_canonical(o.address))
    verified_at = factory.LazyFunction(timezone.now)


class PhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phone

    person = factory.SubFactory(PersonFactory)
    number = factory.Sequence(lambda n: f"+39 055 000 {n:04d}")


class PlatformIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlatformIdentity

    person = factory.SubFactory(PersonFactory)
    platform = PlatformIdentity.Platform.FACEBOOK
    scoped_id = factory.Sequence(lambda n: f"6120000{n:06d}")
    display_name = "Commenter Example"


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")


class EngagementEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EngagementEvent

    person = factory.SubFactory(PersonFactory)
    kind = EngagementEvent.Kind.COMMENTED
    at = factory.LazyFunction(timezone.now)
    source_type = "test"
    source_id = factory.Sequence(str)


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentRecord

    person = factory.SubFactory(PersonFactory)
    purpose = ConsentRecord.Purpose.CONTACT
    granted = True
    text_version = "1"
    text_hash = "0" * 64
    at = factory.LazyFunction(timezone.now)
    source = "test"


class MergeSuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MergeSuggestion

    person_a = factory.SubFactory(PersonFactory)
    person_b = factory.SubFactory(PersonFactory)
    reason = "same name on the same campus"
