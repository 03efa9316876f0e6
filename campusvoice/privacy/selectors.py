"""Everything we hold about one person, found the same way for the export and for erasure.

A person is the row asked for plus everyone merged into it (merges keep the absorbed row, and
the rows that would have duplicated one of the kept person's stay with it). Their comments are
found by the platform identities they wrote under and by their engagement events; their
signatures and stories by person link or by any of their e-mail addresses.
"""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from campusvoice.conversations.models import Comment, OutboxAction
from campusvoice.errors import ApplicationError
from campusvoice.petitions.models import OutgoingEmail, Signature, Story
from campusvoice.supporters.emails import email_canonical
from campusvoice.supporters.models import (
    ConsentRecord,
    EmailAddress,
    EngagementEvent,
    MergeRecord,
    Person,
    Phone,
    PlatformIdentity,
)
from campusvoice.supporters.services import CHANNEL_PLATFORMS


@dataclass
class Footprint:
    """The ids and values that lead to a person's rows; `queries` turn them into QuerySets."""

    person: Person
    people_ids: list[int]
    addresses: set[str] = field(default_factory=set)  # lower-cased, as typed and canonical
    identities: list[tuple[str, str]] = field(default_factory=list)  # (platform, scoped id)
    names: set[str] = field(default_factory=set)

    def emails(self) -> QuerySet[EmailAddress]:
        return EmailAddress.objects.filter(person_id__in=self.people_ids).order_by("pk")

    def phones(self) -> QuerySet[Phone]:
        return Phone.objects.filter(person_id__in=self.people_ids).order_by("pk")

    def platform_identities(self) -> QuerySet[PlatformIdentity]:
        return PlatformIdentity.objects.filter(person_id__in=self.people_ids).order_by("pk")

    def consents(self) -> QuerySet[ConsentRecord]:
        return ConsentRecord.objects.filter(person_id__in=self.people_ids).order_by("at", "pk")

    def events(self) -> QuerySet[EngagementEvent]:
        return EngagementEvent.objects.filter(person_id__in=self.people_ids).order_by("at", "pk")

    def merge_records(self) -> QuerySet[MergeRecord]:
        return MergeRecord.objects.filter(
            Q(kept_id__in=self.people_ids) | Q(merged_id__in=self.people_ids)
        ).order_by("pk")

    def signatures(self) -> QuerySet[Signature]:
        by_address = Q(email_canonical__in=self._canonicals()) if self.addresses else Q(pk__in=[])
        return Signature.objects.filter(
            (Q(person_id__in=self.people_ids) | by_address), erased_at__isnull=True
        ).order_by("pk")

    def stories(self) -> QuerySet[Story]:
        # Stories have no link to a person: the reply address is the only thread.
        condition = Q(pk__in=[])
        for address in self.addresses:
            condition |= Q(contact_email__iexact=address)
        return Story.objects.filter(condition).order_by("pk")

    def comments(self) -> QuerySet[Comment]:
        # source_id is text (any source's id): compare as numbers here, not in SQL, where
        # PostgreSQL refuses bigint = varchar.
        event_ids = EngagementEvent.objects.filter(
            person_id__in=self.people_ids, source_type="comment"
        ).values_list("source_id", flat=True)
        condition = Q(pk__in=[int(pk) for pk in event_ids if pk.isdigit()])
        for platform, scoped_id in self.identities:
            kinds = [kind for kind, value in CHANNEL_PLATFORMS.items() if value == platform]
            condition |= Q(author_platform_id=scoped_id, channel__kind__in=kinds)
        # Our own page's comments are ours, whatever an identity says.
        return Comment.objects.filter(condition, is_from_page=False).order_by("created_time", "pk")

    def replies(self) -> QuerySet[Comment]:
        """Our page's replies to their comments (on the platform)."""
        return Comment.objects.filter(parent__in=self.comments(), is_from_page=True).order_by(
            "created_time", "pk"
        )

    def outbox_replies(self) -> QuerySet[OutboxAction]:
        """Replies moderators wrote to their comments, sent or waiting."""
        return OutboxAction.objects.filter(
            comment__in=self.comments(), kind=OutboxAction.Kind.REPLY
        ).order_by("requested_at", "pk")

    def outgoing_emails(self) -> QuerySet[OutgoingEmail]:
        condition = Q(object_type="signature", object_id__in=[str(pk) for pk in self._signature_ids()])
        for address in self.addresses:
            condition |= Q(to__iexact=address)
        return OutgoingEmail.objects.filter(condition).order_by("pk")

    def _canonicals(self) -> set[str]:
        return {email_canonical(address) for address in self.addresses}

    def _signature_ids(self) -> list[int]:
        return list(self.signatures().values_list("pk", flat=True))


def person_footprint(*, person: Person) -> Footprint:
    """The person and everyone merged into them, with their addresses, identities and names.

    Raises ApplicationError for a person who was merged into someone else: their data now sits
    with the kept person, so that is the one to export or erase.
    """
    person = Person.objects.get(pk=person.pk)
    if person.merged_into_id is not None:
        raise ApplicationError(
            _merged_message(person.merged_into_id),
            extra={"kept_id": person.merged_into_id},
        )
    people_ids = [person.pk]
    frontier = [person.pk]
    while frontier:  # merges can chain: A into B, then B into C
        frontier = list(
            Person.objects.filter(merged_into_id__in=frontier)
            .exclude(pk__in=people_ids)
            .values_list("pk", flat=True)
        )
        people_ids += frontier
    footprint = Footprint(person=person, people_ids=people_ids)
    for address, canonical in EmailAddress.objects.filter(person_id__in=people_ids).values_list(
        "address", "canonical"
    ):
        footprint.addresses |= {address.lower(), canonical.lower()}
    for address in Signature.objects.filter(person_id__in=people_ids, erased_at__isnull=True).values_list(
        "email", flat=True
    ):
        if address:
            footprint.addresses.add(address.lower())
    footprint.identities = list(
        PlatformIdentity.objects.filter(person_id__in=people_ids).values_list("platform", "scoped_id")
    )
    for row in Person.objects.filter(pk__in=people_ids):
        footprint.names |= {name for name in (row.full_name, row.given_name, row.family_name) if name}
    footprint.names |= {
        name
        for name in PlatformIdentity.objects.filter(person_id__in=people_ids).values_list(
            "display_name", flat=True
        )
        if name
    }
    return footprint


def _merged_message(kept_id: int) -> str:
    return gettext("This person was merged into person %(id)s: export or erase that person.") % {
        "id": kept_id
    }
