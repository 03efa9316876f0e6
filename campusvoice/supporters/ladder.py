"""The engagement ladder and score: pure functions over a person's events, no database.

Score
=====

Each event adds its weight, halved for every `HALF_LIFE_DAYS` since it happened, so that what
someone did last week counts more than what they did last year:

    score = sum(WEIGHTS[kind] * 0.5 ** (age_in_days / 90))

=====================  ======  =================================================
event                  weight  why
=====================  ======  =================================================
commented                 1    they noticed us
commented_on_topic        2    ... and engaged with the issue (added to the above)
asked_question            1    a conversation started
was_answered              1    ... and we answered: a relationship began
signed                    2    put their name to it
confirmed                 3    ... and confirmed by e-mail: a reachable supporter
shared                    3    brought others in
wrote_story               4    trusted us with their voice
joined_group              6    committed to collective action
attended                  6    showed up in person
=====================  ======  =================================================

Steps
=====

A person stands on the highest step whose rule holds (decay applies to the score only; an
"ever" condition counts events of any age):

=========  ==============================================================================
step       rule
=========  ==============================================================================
leader     score >= 30 and attended at least twice (ever)
active     score >= 12 and ever shared, joined a group, attended or wrote a story
supporter  ever confirmed a signature, or score >= 6
engaged    score >= 1
reached    everyone else (we know of them, e.g. a comment that decayed away)
=========  ==============================================================================

Ready to be asked for more
==========================

A person is *ready* for the next step when their score is at least `READY_SHARE` (75 %) of the
next step's score threshold and they have not yet done what that step asks for (for supporters:
share or join; for active people: attend). Leaders are not "ready": they lead.

Worked example (checked in tests/test_ladder.py): a comment on topic 90 days ago (1 + 2 = 3,
halved: 1.5), a confirmed signature today (2 + 3 = 5) → score 6.5, step "supporter" (confirmed),
not ready for "active" (6.5 < 0.75 * 12 = 9).
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from campusvoice.supporters.models import EngagementEvent, LadderStep

Kind = EngagementEvent.Kind

WEIGHTS: dict[str, float] = {
    Kind.COMMENTED: 1,
    Kind.COMMENTED_ON_TOPIC: 2,
    Kind.ASKED_QUESTION: 1,
    Kind.WAS_ANSWERED: 1,
    Kind.SIGNED: 2,
    Kind.CONFIRMED: 3,
    Kind.SHARED: 3,
    Kind.WROTE_STORY: 4,
    Kind.JOINED_GROUP: 6,
    Kind.ATTENDED: 6,
}
HALF_LIFE_DAYS = 90
THRESHOLDS = {LadderStep.ENGAGED: 1, LadderStep.SUPPORTER: 6, LadderStep.ACTIVE: 12, LadderStep.LEADER: 30}
ACTIVE_KINDS = frozenset({Kind.SHARED, Kind.JOINED_GROUP, Kind.ATTENDED, Kind.WROTE_STORY})
LEADER_ATTENDED = 2
READY_SHARE = 0.75
ORDER = list(LadderStep)


@dataclass(frozen=True)
class Standing:
    score: float
    step: LadderStep
    ready_for_more: bool


def score(events: Iterable[tuple[str, dt.datetime]], *, now: dt.datetime) -> float:
    """The decayed sum of weights; events in the future count as today."""
    total = 0.0
    for kind, at in events:
        age_days = max((now - at).total_seconds() / 86400, 0.0)
        total += WEIGHTS.get(kind, 0) * 0.5 ** (age_days / HALF_LIFE_DAYS)
    return round(total, 2)


def step_for(*, score: float, kinds: Counter) -> LadderStep:
    """The highest step whose rule holds (see the module docstring)."""
    if score >= THRESHOLDS[LadderStep.LEADER] and kinds[Kind.ATTENDED] >= LEADER_ATTENDED:
        return LadderStep.LEADER
    if score >= THRESHOLDS[LadderStep.ACTIVE] and any(kinds[k] for k in ACTIVE_KINDS):
        return LadderStep.ACTIVE
    if kinds[Kind.CONFIRMED] or score >= THRESHOLDS[LadderStep.SUPPORTER]:
        return LadderStep.SUPPORTER
    if score >= THRESHOLDS[LadderStep.ENGAGED]:
        return LadderStep.ENGAGED
    return LadderStep.REACHED


def ready_for_more(*, score: float, step: LadderStep, kinds: Counter) -> bool:
    """True when the score is near the next threshold and the next step's action is still missing."""
    if step == LadderStep.LEADER:
        return False
    next_step = ORDER[ORDER.index(step) + 1]
    if score < READY_SHARE * THRESHOLDS[next_step]:
        return False
    if next_step == LadderStep.ACTIVE:
        return not any(kinds[k] for k in ACTIVE_KINDS)
    if next_step == LadderStep.LEADER:
        return kinds[Kind.ATTENDED] < LEADER_ATTENDED
    return True


def standing(events: Iterable[tuple[str, dt.datetime]], *, now: dt.datetime) -> Standing:
    """Score, step and readiness from (kind, at) pairs."""
    events = list(events)
    kinds = Counter(kind for kind, _at in events)
    value = score(events, now=now)
    step = step_for(score=value, kinds=kinds)
    return Standing(
        score=value, step=step, ready_for_more=ready_for_more(score=value, step=step, kinds=kinds)
    )


def next_ask(step: str) -> str:
    """What to ask a person on this step for, in a few words (for the campus page)."""
    from django.utils.translation import gettext as _

    return {
        LadderStep.REACHED: _("reply to them in the comments"),
        LadderStep.ENGAGED: _("ask them to sign the petition"),
        LadderStep.SUPPORTER: _("ask them to share or join the campus group"),
        LadderStep.ACTIVE: _("invite them to the next meeting"),
        LadderStep.LEADER: _("ask them to lead on their campus"),
    }[LadderStep(step)]
