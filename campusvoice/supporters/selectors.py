"""Reads for supporters: the filtered list, a person's timeline, the campus overview."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from campusvoice.supporters import ladder
from campusvoice.supporters.models import (
    ConsentRecord,
    EmailAddress,
    EngagementEvent,
    LadderStep,
    MergeRecord,
    MergeSuggestion,
    Person,
    SavedList,
)

FILTER_KEYS = ("q", "campus", "step", "tag")


def people_list(
    *, q: str = "", campus: int | None = None, step: str = "", tag: int | None = None
) -> QuerySet[Person]:
    """People on the list (merged ones excluded), filtered; search matches names, e-mail and
    platform display names."""
    people = Person.objects.filter(merged_into__isnull=True)
    if q:
        q = q.strip()
        people = people.filter(
            Q(given_name__icontains=q)
            | Q(family_name__icontains=q)
            | Q(emails__address__icontains=q)
            | Q(identities__display_name__icontains=q)
        ).distinct()
    if campus:
        people = people.filter(campus_id=campus)
    if step:
        people = people.filter(ladder_step=step)
    if tag:
        people = people.filter(tags__pk=tag)
    return (
        people.select_related("campus")
        .prefetch_related(
            "tags", "identities", Prefetch("emails", queryset=EmailAddress.objects.order_by("pk"))
        )
        .order_by("-score", "-pk")
    )


def person_get(*, pk: int) -> Person:
    """One person with what the detail page shows; raises Person.DoesNotExist."""
    return (
        Person.objects.select_related("campus", "merged_into")
        .prefetch_related("tags", "emails", "phones", "identities")
        .get(pk=pk)
    )


@dataclass
class TimelineEntry:
    at: object
    kind: str
    label: str
    source: str


def person_timeline(*, person: Person) -> list[TimelineEntry]:
    """Events, consent choices and merges, newest first."""
    entries = [
        TimelineEntry(
            at=e.at, kind="event", label=e.get_kind_display(), source=f"{e.source_type} {e.source_id}"
        )
        for e in person.events.all()
    ]
    entries += [
        TimelineEntry(
            at=c.at,
            kind="consent",
            label=f"{c.get_purpose_display()}: {'✓' if c.granted else '✗'} (v{c.text_version})",
            source=c.source,
        )
        for c in ConsentRecord.objects.filter(person=person)
    ]
    entries += [
        TimelineEntry(at=m.created_at, kind="merge", label=str(m), source="undone" if m.undone_at else "")
        for m in MergeRecord.objects.filter(Q(kept=person) | Q(merged=person))
    ]
    return sorted(entries, key=lambda e: e.at, reverse=True)


def person_merges(*, person: Person) -> QuerySet[MergeRecord]:
    return MergeRecord.objects.filter(Q(kept=person) | Q(merged=person)).select_related(
        "kept", "merged", "by"
    )


def merge_suggestions_pending() -> QuerySet[MergeSuggestion]:
    return MergeSuggestion.objects.filter(
        status=MergeSuggestion.Status.PENDING,
        person_a__merged_into__isnull=True,
        person_b__merged_into__isnull=True,
    ).select_related("person_a__campus", "person_b__campus")


def merges_recent() -> QuerySet[MergeRecord]:
    return MergeRecord.objects.select_related("kept", "merged", "by")[:50]


def saved_lists() -> QuerySet[SavedList]:
    return SavedList.objects.all()


@dataclass
class CampusRow:
    campus_id: int | None
    campus_name: str
    steps: Counter = field(default_factory=Counter)
    ready: list = field(default_factory=list)  # (person, what to ask)

    @property
    def active_or_more(self) -> int:
        return self.steps[LadderStep.ACTIVE] + self.steps[LadderStep.LEADER]


def campus_overview(*, ready_limit: int = 10) -> list[CampusRow]:
    """Per campus: people per ladder step, and who is ready to be asked for more (best first)."""
    rows: dict[int | None, CampusRow] = {}
    counts = (
        Person.objects.filter(merged_into__isnull=True)
        .values("campus_id", "campus__name", "ladder_step")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for item in counts:
        row = rows.setdefault(item["campus_id"], CampusRow(item["campus_id"], item["campus__name"] or ""))
        row.steps[item["ladder_step"]] += item["n"]
    now = timezone.now()
    # Readiness needs the events; only people near a threshold can be ready, so start there.
    candidates = (
        Person.objects.filter(
            merged_into__isnull=True, score__gte=ladder.READY_SHARE * ladder.THRESHOLDS["supporter"]
        )
        .exclude(ladder_step=LadderStep.LEADER)
        .select_related("campus")
        .prefetch_related(
            Prefetch("events", queryset=EngagementEvent.objects.only("person_id", "kind", "at"))
        )
        .order_by("-score")
    )
    for person in candidates:
        row = rows.get(person.campus_id)
        if row is None or len(row.ready) >= ready_limit:
            continue
        standing = ladder.standing(((e.kind, e.at) for e in person.events.all()), now=now)
        if standing.ready_for_more:
            row.ready.append((person, ladder.next_ask(standing.step)))
    return sorted(rows.values(), key=lambda r: (-r.active_or_more, r.campus_name))
