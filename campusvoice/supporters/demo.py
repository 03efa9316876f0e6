"""Demo supporters: people from the demo inbox's commenters, a few people on each ladder step,
and a possible duplicate waiting for review. Every address is an obviously fake @example.org one.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from campusvoice.campuses.models import University
from campusvoice.supporters import services
from campusvoice.supporters.models import EmailAddress, EngagementEvent, Person

Kind = EngagementEvent.Kind
MARKER = "demo-leader-1@example.org"

# (name, step it should reach, events as (kind, days ago))
PEOPLE = [
    ("Demo Reached", "reached", [(Kind.COMMENTED, 400)]),
    ("Demo Engaged", "engaged", [(Kind.COMMENTED, 3), (Kind.COMMENTED_ON_TOPIC, 3)]),
    ("Demo Supporter", "supporter", [(Kind.COMMENTED_ON_TOPIC, 20), (Kind.SIGNED, 10), (Kind.CONFIRMED, 10)]),
    (
        "Demo Almost-Active",
        "supporter",
        [
            (Kind.COMMENTED, 5),
            (Kind.COMMENTED_ON_TOPIC, 5),
            (Kind.ASKED_QUESTION, 5),
            (Kind.WAS_ANSWERED, 4),
            (Kind.SIGNED, 2),
            (Kind.CONFIRMED, 2),
        ],
    ),
    (
        "Demo Active",
        "active",
        [
            (Kind.SIGNED, 30),
            (Kind.CONFIRMED, 30),
            (Kind.SHARED, 20),
            (Kind.JOINED_GROUP, 10),
            (Kind.ATTENDED, 5),
        ],
    ),
    (
        "Demo Leader",
        "leader",
        [
            (Kind.SIGNED, 60),
            (Kind.CONFIRMED, 60),
            (Kind.SHARED, 40),
            (Kind.JOINED_GROUP, 30),
            (Kind.ATTENDED, 20),
            (Kind.ATTENDED, 7),
            (Kind.ATTENDED, 1),
            (Kind.WROTE_STORY, 15),
            (Kind.JOINED_GROUP, 2),
        ],
    ),
]


def load(*, stdout) -> None:
    """Add the demo supporters; running it again changes nothing."""
    linked = _from_inbox()
    if EmailAddress.objects.filter(canonical=MARKER).exists():
        stdout.write(f"supporters: demo people already loaded ({linked} inbox comments checked)\n")
        return
    with transaction.atomic():
        campuses = list(University.objects.order_by("pk")[:3]) or [None]
        now = timezone.now()
        for index, campus in enumerate(campuses, start=1):
            for name, step, events in PEOPLE:
                given, family = name.split(" ", 1)
                person = Person.objects.create(
                    given_name=given, family_name=f"{family} {index}", campus=campus
                )
                address = f"{name.lower().replace(' ', '-')}-{index}@example.org"
                services.person_email_add(person=person, email=address, verified=step != "reached")
                for number, (kind, days) in enumerate(events):
                    EngagementEvent.objects.create(
                        person=person,
                        kind=kind,
                        at=now - dt.timedelta(days=days),
                        source_type="demo",
                        source_id=f"{index}-{number}",
                    )
                services.person_score_update(person_id=person.pk)
        # A commenter who also signed, under the same name: one person or two? An organiser decides.
        campus = campuses[0]
        first = Person.objects.create(given_name="Giulia", family_name="Esempio", campus=campus)
        second = Person.objects.create(given_name="Giulia", family_name="Esempio", campus=campus)
        services.person_email_add(person=second, email="giulia.esempio@example.org", verified=True)
        services.merge_suggest(person_a=first, person_b=second, reason="same name on the same campus")
    stdout.write(
        f"supporters: {len(PEOPLE) * len(campuses) + 2} demo people on every ladder step, one merge waiting "
        f"for review, {linked} inbox comments linked to people\n"
    )


def _from_inbox() -> int:
    from campusvoice.conversations.models import Comment

    linked = 0
    for comment in Comment.objects.select_related("channel", "post").order_by("pk").iterator():
        linked += services.person_from_commenter(comment=comment) is not None
    return linked
