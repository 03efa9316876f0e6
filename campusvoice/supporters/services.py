"""Writes for supporters: people from commenters and signers, events, consent, tags, merges.

Other apps (petitions, later the OSDI API) call these functions; nothing here imports them back.
Personal data never goes into logs, task arguments or exception messages: ids only.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from functools import partial

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.errors import ApplicationError
from campusvoice.supporters import ladder
from campusvoice.supporters.emails import email_canonical, email_normalise
from campusvoice.supporters.models import (
    ConsentRecord,
    EmailAddress,
    EngagementEvent,
    MergeRecord,
    MergeSuggestion,
    Person,
    PlatformIdentity,
    SavedList,
    Tag,
)

logger = logging.getLogger(__name__)

Kind = EngagementEvent.Kind

# Inbox channel kinds → platform. Imported files follow Graph's Facebook format.
CHANNEL_PLATFORMS = {
    "facebook_page": PlatformIdentity.Platform.FACEBOOK,
    "instagram": PlatformIdentity.Platform.INSTAGRAM,
    "import": PlatformIdentity.Platform.FACEBOOK,
}
# Fields a merge copies onto the kept person when the kept person has none.
MERGE_FILL_FIELDS = ("given_name", "family_name", "campus_id", "language")


# Events and the ladder -----------------------------------------------------------------------


def engagement_record(
    *, person: Person, kind: str, at, source_type: str, source_id: str | int
) -> EngagementEvent | None:
    """Record that a person did something; returns None if it was already recorded (idempotent).

    The score is recomputed in the background after commit.
    """
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Unknown kind of engagement.")})
    event, created = EngagementEvent.objects.get_or_create(
        person=person, kind=kind, source_type=source_type, source_id=str(source_id), defaults={"at": at}
    )
    if not created:
        return None
    _score_later(person.pk)
    return event


def person_score_update(*, person_id: int, now=None) -> Person | None:
    """Recompute one person's score and ladder step from their events (ladder.py's rules)."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return None
    now = now or timezone.now()
    standing = ladder.standing(person.events.values_list("kind", "at"), now=now)
    Person.objects.filter(pk=person.pk).update(
        score=standing.score, ladder_step=standing.step, score_updated_at=now
    )
    person.score, person.ladder_step, person.score_updated_at = standing.score, standing.step, now
    return person


def people_scores_update(*, now=None) -> int:
    """Recompute every person's score: run daily, since scores decay with time."""
    count = 0
    for person_id in Person.objects.filter(merged_into__isnull=True).values_list("pk", flat=True).iterator():
        person_score_update(person_id=person_id, now=now)
        count += 1
    return count


def _score_later(person_id: int) -> None:
    from campusvoice.supporters import tasks

    transaction.on_commit(partial(tasks.person_score_update.enqueue, person_id))


# People from the inbox -----------------------------------------------------------------------


@transaction.atomic
def person_from_commenter(*, comment) -> Person | None:
    """The person behind an inbox comment, created on first sight, with events for what they did.

    Returns None (and records nothing) for our own page's comments, comments without an author
    id, spam, hostile comments and, for survivors' safety, disclosures: a disclosure never puts
    anyone on a supporter list. Running it again for the same comment adds nothing.
    """
    if (
        comment.is_from_page
        or not comment.author_platform_id
        or comment.spam
        or comment.hostile
        or comment.disclosure
        or comment.deleted_at is not None
    ):
        return None
    platform = CHANNEL_PLATFORMS.get(comment.channel.kind, PlatformIdentity.Platform.FACEBOOK)
    identity = (
        PlatformIdentity.objects.select_related("person")
        .filter(platform=platform, scoped_id=comment.author_platform_id)
        .first()
    )
    if identity is None:
        campuses = list(comment.post.universities.all()[:2])
        person = Person.objects.create(campus=campuses[0] if len(campuses) == 1 else None)
        identity = PlatformIdentity.objects.create(
            person=person,
            platform=platform,
            scoped_id=comment.author_platform_id,
            display_name=comment.author_name,
        )
    else:
        if comment.author_name and identity.display_name != comment.author_name:
            identity.display_name = comment.author_name
            identity.save(update_fields=["display_name", "updated_at"])
    person = _current(identity.person)
    kinds = [Kind.COMMENTED]
    if comment.on_topic:
        kinds.append(Kind.COMMENTED_ON_TOPIC)
    if comment.question:
        kinds.append(Kind.ASKED_QUESTION)
    for kind in kinds:
        engagement_record(
            person=person, kind=kind, at=comment.created_time, source_type="comment", source_id=comment.pk
        )
    if comment.first_reply_at:
        engagement_record(
            person=person,
            kind=Kind.WAS_ANSWERED,
            at=comment.first_reply_at,
            source_type="comment",
            source_id=comment.pk,
        )
    return person


def _current(person: Person) -> Person:
    """Follow merges to the person who is still on the list."""
    for _step in range(10):
        if person.merged_into_id is None:
            return person
        person = person.merged_into
    return person


# People from confirmed e-mail ----------------------------------------------------------------


def _split_name(name: str) -> tuple[str, str]:
    given, _space, family = " ".join(name.split()).partition(" ")
    return given[:100], family[:100]


@transaction.atomic
def person_for_confirmed_email(*, email: str, name: str = "", campus=None, language: str = "") -> Person:
    """The person who owns this (just confirmed) address, created if nobody does.

    The address is marked confirmed. Two confirmed sign-ups with the same mailbox, however it
    was typed (dots, +tags, case), are the same person: this is the automatic merge on a
    confirmed e-mail. Empty fields of an existing person are filled in, nothing is overwritten.
    """
    now = timezone.now()
    canonical = email_canonical(email)
    address = (
        EmailAddress.objects.select_for_update().select_related("person").filter(canonical=canonical).first()
    )
    if address is None:
        given, family = _split_name(name)
        person = Person(given_name=given, family_name=family, campus=campus, language=language)
        person.full_clean()
        person.save()
        address = EmailAddress(
            person=person, address=email_normalise(email), canonical=canonical, verified_at=now
        )
        address.full_clean()
        address.save()
        return person
    if address.verified_at is None:
        address.verified_at = now
        address.save(update_fields=["verified_at", "updated_at"])
    person = _current(address.person)
    given, family = _split_name(name)
    changed = []
    for field_name, value in (
        ("given_name", given),
        ("family_name", family),
        ("campus", campus),
        ("language", language),
    ):
        if value and not getattr(person, field_name):
            setattr(person, field_name, value)
            changed.append(field_name)
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    return person


@transaction.atomic
def person_email_add(
    *, person: Person, email: str, verified: bool = False, by: User | None = None
) -> EmailAddress:
    """Give a person an address. If another person already has that mailbox, a confirmed address
    merges the newer person into the older one automatically; an unconfirmed one only suggests a
    merge for review (someone may have typed another's address).
    """
    canonical = email_canonical(email)
    now = timezone.now()
    existing = EmailAddress.objects.select_for_update().filter(canonical=canonical).first()
    if existing is None:
        address = EmailAddress(
            person=person,
            address=email_normalise(email),
            canonical=canonical,
            verified_at=now if verified else None,
        )
        address.full_clean()
        address.save()
        return address
    if existing.person_id == person.pk:
        if verified and existing.verified_at is None:
            existing.verified_at = now
            existing.save(update_fields=["verified_at", "updated_at"])
        return existing
    other = _current(existing.person)
    if other.pk == person.pk:
        return existing
    if verified and existing.verified_at is not None:
        keep, merge = sorted([person, other], key=lambda p: p.pk)
        people_merge(keep=keep, merge=merge, by=by, automatic=True, reason="same confirmed e-mail")
    else:
        merge_suggest(person_a=person, person_b=other, reason="same e-mail, not confirmed by both")
    return existing


# Consent -------------------------------------------------------------------------------------


def consent_text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def consent_record(
    *,
    person: Person,
    purpose: str,
    granted: bool,
    text_version: str | int,
    at,
    source: str,
    text: str | None = None,
    text_hash: str = "",
) -> ConsentRecord:
    """Append a consent choice with the version and a hash of the exact words shown.

    Pass the words (`text`) or, when only their hash was kept (a signature), `text_hash`.
    """
    if text is None and not text_hash:
        raise ValueError("consent_record needs the text shown or its hash")
    record = ConsentRecord(
        person=person,
        purpose=purpose,
        granted=granted,
        text_version=str(text_version),
        text_hash=text_hash or consent_text_hash(text),
        at=at,
        source=source,
    )
    record.full_clean()
    record.save()
    return record


# Tags and saved lists ------------------------------------------------------------------------


@transaction.atomic
def person_tag_add(*, person: Person, name: str, by: User) -> Tag:
    name = " ".join(name.split())[:60]
    if not name:
        raise ValidationError({"name": _("Give the tag a name.")})
    tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
    person.tags.add(tag)
    audit_record(
        actor=by,
        action=AuditEvent.Action.CHANGE,
        object_type="person",
        object_id=person.pk,
        summary="tag added",
        detail={"tag": tag.pk},
    )
    return tag


@transaction.atomic
def person_tag_remove(*, person: Person, tag: Tag, by: User) -> None:
    person.tags.remove(tag)
    audit_record(
        actor=by,
        action=AuditEvent.Action.CHANGE,
        object_type="person",
        object_id=person.pk,
        summary="tag removed",
        detail={"tag": tag.pk},
    )


def saved_list_create(*, name: str, filters: dict, by: User) -> SavedList:
    """Save the supporter list's current filters under a name (the filters, not the people)."""
    saved = SavedList(name=name.strip(), filters=filters, created_by=by)
    saved.full_clean()
    saved.save()
    return saved


# Merges --------------------------------------------------------------------------------------


@dataclass
class MergePreview:
    keep: Person
    merge: Person
    moves: dict[str, int] = field(default_factory=dict)  # model verbose name → rows that move
    stays: dict[str, int] = field(default_factory=dict)  # rows that would duplicate and stay behind
    fills: dict[str, object] = field(default_factory=dict)  # empty fields of `keep` filled from `merge`
    tags_added: int = 0


def _person_relations():
    """Every foreign key to Person from any app (petitions' signatures too), but merges' own."""
    for relation in Person._meta.related_objects:
        if relation.one_to_many and relation.related_model not in (Person, MergeRecord, MergeSuggestion):
            yield relation.related_model, relation.field.name


def _would_conflict(model, fk: str, row, keep: Person) -> bool:
    """True if moving this row to `keep` breaks one of the model's unique constraints."""
    for constraint in model._meta.constraints:
        if (
            isinstance(constraint, models.UniqueConstraint)
            and fk in constraint.fields
            and not constraint.condition
        ):
            values = {name: getattr(row, name) for name in constraint.fields if name != fk}
            if model.objects.filter(**{fk: keep}, **values).exists():
                return True
    return False


def _check_mergeable(keep: Person, merge: Person) -> None:
    if keep.pk == merge.pk:
        raise ApplicationError(_("A person cannot be merged with themself."))
    if keep.merged_into_id or merge.merged_into_id:
        raise ApplicationError(_("One of these people was already merged into someone else."))


def people_merge_preview(*, keep: Person, merge: Person) -> MergePreview:
    """What `people_merge` would do, without doing it."""
    _check_mergeable(keep, merge)
    preview = MergePreview(keep=keep, merge=merge)
    for model, fk in _person_relations():
        label = str(model._meta.verbose_name_plural)
        for row in model.objects.filter(**{fk: merge}):
            bucket = preview.stays if _would_conflict(model, fk, row, keep) else preview.moves
            bucket[label] = bucket.get(label, 0) + 1
    for name in MERGE_FILL_FIELDS:
        if not getattr(keep, name) and getattr(merge, name):
            preview.fills[name] = getattr(merge, name)
    preview.tags_added = merge.tags.exclude(pk__in=keep.tags.values("pk")).count()
    return preview


@transaction.atomic
def people_merge(
    *, keep: Person, merge: Person, by: User | None, automatic: bool = False, reason: str = ""
) -> MergeRecord:
    """Move everything of `merge` to `keep`, and mark `merge` as merged into `keep`.

    Rows that would duplicate one of `keep`'s (the same event twice) stay with `merge`, hidden
    from the list. The MergeRecord lists every moved row's id so `merge_undo` restores all of it.
    Raises ApplicationError for a person merged with themself or an already merged person.
    """
    keep = Person.objects.select_for_update().get(pk=keep.pk)
    merge = Person.objects.select_for_update().get(pk=merge.pk)
    _check_mergeable(keep, merge)
    moved: dict = {"relations": [], "tags_added": [], "kept_fields": {}}
    for model, fk in _person_relations():
        ids = []
        for row in model.objects.filter(**{fk: merge}).order_by("pk"):
            if _would_conflict(model, fk, row, keep):
                continue
            try:
                with transaction.atomic():
                    model.objects.filter(pk=row.pk).update(**{fk: keep})
            except IntegrityError:
                continue
            ids.append(row.pk)
        if ids:
            moved["relations"].append({"model": model._meta.label_lower, "field": fk, "ids": ids})
    new_tags = list(merge.tags.exclude(pk__in=keep.tags.values("pk")).values_list("pk", flat=True))
    keep.tags.add(*new_tags)
    moved["tags_added"] = new_tags
    for name in MERGE_FILL_FIELDS:
        if not getattr(keep, name) and getattr(merge, name):
            moved["kept_fields"][name] = getattr(keep, name)
            setattr(keep, name, getattr(merge, name))
    keep.save()
    merge.merged_into = keep
    merge.save(update_fields=["merged_into", "updated_at"])
    record = MergeRecord.objects.create(
        kept=keep, merged=merge, by=by, automatic=automatic, reason=reason, moved=moved
    )
    low, high = sorted([keep.pk, merge.pk])
    MergeSuggestion.objects.filter(person_a_id=low, person_b_id=high).update(
        status=MergeSuggestion.Status.MERGED
    )
    audit_record(
        actor=by,
        action=AuditEvent.Action.CHANGE,
        object_type="person",
        object_id=keep.pk,
        summary="merged" + (" automatically" if automatic else ""),
        detail={"merged": merge.pk, "merge_record": record.pk},
    )
    _score_later(keep.pk)
    return record


@transaction.atomic
def merge_undo(*, record: MergeRecord, by: User | None) -> MergeRecord:
    """Move every row a merge moved back to the merged person and put them back on the list."""
    record = MergeRecord.objects.select_for_update().select_related("kept", "merged").get(pk=record.pk)
    if record.undone_at is not None:
        raise ApplicationError(_("This merge was already undone."))
    kept, merged = record.kept, record.merged
    if kept.merged_into_id is not None:
        # Its rows (and the ones this merge moved) now sit with someone else: undo that first.
        raise ApplicationError(_("The kept person was merged again later: undo that merge first."))
    for relation in record.moved.get("relations", []):
        model = apps.get_model(relation["model"])
        model.objects.filter(pk__in=relation["ids"], **{relation["field"]: kept}).update(
            **{relation["field"]: merged}
        )
    kept.tags.remove(*record.moved.get("tags_added", []))
    for name, old in record.moved.get("kept_fields", {}).items():
        setattr(kept, name, old)
    kept.save()
    merged.merged_into = None
    merged.save(update_fields=["merged_into", "updated_at"])
    record.undone_at, record.undone_by = timezone.now(), by
    record.save(update_fields=["undone_at", "undone_by"])
    low, high = sorted([kept.pk, merged.pk])
    MergeSuggestion.objects.filter(person_a_id=low, person_b_id=high).update(
        status=MergeSuggestion.Status.PENDING
    )
    audit_record(
        actor=by,
        action=AuditEvent.Action.CHANGE,
        object_type="person",
        object_id=kept.pk,
        summary="merge undone",
        detail={"merged": merged.pk, "merge_record": record.pk},
    )
    _score_later(kept.pk)
    _score_later(merged.pk)
    return record


def merge_suggest(*, person_a: Person, person_b: Person, reason: str) -> MergeSuggestion | None:
    """Put two people up for review as possibly one; idempotent."""
    if person_a.pk == person_b.pk:
        return None
    low, high = sorted([person_a.pk, person_b.pk])
    suggestion, _created = MergeSuggestion.objects.get_or_create(
        person_a_id=low, person_b_id=high, defaults={"reason": reason[:200]}
    )
    return suggestion


def merge_suggestions_find() -> int:
    """Suggest merges for people with the same full name on the same campus; returns how many are new."""
    people = (
        Person.objects.filter(merged_into__isnull=True, campus__isnull=False)
        .exclude(given_name="")
        .order_by("pk")
        .values_list("pk", "given_name", "family_name", "campus_id")
    )
    first_seen: dict[tuple, int] = {}
    created = 0
    for pk, given, family, campus_id in people:
        key = (given.casefold(), family.casefold(), campus_id)
        if key in first_seen:
            low, high = first_seen[key], pk
            _suggestion, was_created = MergeSuggestion.objects.get_or_create(
                person_a_id=low, person_b_id=high, defaults={"reason": "same name on the same campus"}
            )
            created += was_created
        else:
            first_seen[key] = pk
    return created


def merge_suggestion_dismiss(*, suggestion: MergeSuggestion, by: User) -> MergeSuggestion:
    suggestion.status = MergeSuggestion.Status.DISMISSED
    suggestion.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=by,
        action=AuditEvent.Action.CHANGE,
        object_type="merge_suggestion",
        object_id=suggestion.pk,
        summary="dismissed",
    )
    return suggestion
