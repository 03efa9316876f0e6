"""The ladder's rules against examples computed by hand (see ladder.py's docstring)."""

import datetime as dt
from collections import Counter

import pytest

from campusvoice.supporters import ladder
from campusvoice.supporters.models import EngagementEvent, LadderStep

K = EngagementEvent.Kind
NOW = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)


def days_ago(n):
    return NOW - dt.timedelta(days=n)


def test_the_docstrings_worked_example():
    # Comment on topic 90 days ago: (1 + 2) halved = 1.5; signed and confirmed today: 2 + 3 = 5.
    events = [
        (K.COMMENTED, days_ago(90)),
        (K.COMMENTED_ON_TOPIC, days_ago(90)),
        (K.SIGNED, NOW),
        (K.CONFIRMED, NOW),
    ]

    standing = ladder.standing(events, now=NOW)

    assert standing == ladder.Standing(score=6.5, step=LadderStep.SUPPORTER, ready_for_more=False)


def test_weights_halve_every_ninety_days():
    assert ladder.score([(K.ATTENDED, days_ago(0))], now=NOW) == 6
    assert ladder.score([(K.ATTENDED, days_ago(90))], now=NOW) == 3
    assert ladder.score([(K.ATTENDED, days_ago(180))], now=NOW) == 1.5
    assert (
        ladder.score([(K.ATTENDED, NOW + dt.timedelta(days=3))], now=NOW) == 6
    )  # the future counts as today


@pytest.mark.parametrize(
    ("events", "step"),
    [
        ([], LadderStep.REACHED),
        ([(K.COMMENTED, days_ago(400))], LadderStep.REACHED),  # 1 * 0.5**(400/90) = 0.05
        ([(K.COMMENTED, NOW)], LadderStep.ENGAGED),  # 1
        ([(K.CONFIRMED, days_ago(1000))], LadderStep.SUPPORTER),  # confirmed ever
        ([(K.JOINED_GROUP, NOW)], LadderStep.SUPPORTER),  # 6, no confirmation needed
        # 6 + 6 = 12 and joined a group: active
        ([(K.JOINED_GROUP, NOW), (K.ATTENDED, NOW)], LadderStep.ACTIVE),
        # 12 points from talk alone is not "active": no sharing, group, event or story
        ([(K.COMMENTED_ON_TOPIC, NOW)] * 4 + [(K.COMMENTED, NOW)] * 4, LadderStep.SUPPORTER),
        # 5 x 6 = 30 with two events attended: leader
        (
            [
                (K.ATTENDED, NOW),
                (K.ATTENDED, NOW),
                (K.JOINED_GROUP, NOW),
                (K.JOINED_GROUP, NOW),
                (K.JOINED_GROUP, NOW),
            ],
            LadderStep.LEADER,
        ),
        # 36 points but only one event attended: active
        ([(K.ATTENDED, NOW)] + [(K.JOINED_GROUP, NOW)] * 5, LadderStep.ACTIVE),
    ],
)
def test_steps_follow_the_documented_rules(events, step):
    assert ladder.standing(events, now=NOW).step == step


def test_readiness_means_near_the_next_threshold_without_its_action():
    # A supporter with 9 points (0.75 * 12) who never shared: ready to be asked to share.
    talk = [
        (K.CONFIRMED, NOW),
        (K.SIGNED, NOW),
        (K.COMMENTED_ON_TOPIC, NOW),
        (K.COMMENTED, NOW),
        (K.ASKED_QUESTION, NOW),
    ]
    assert ladder.standing(talk, now=NOW) == ladder.Standing(9.0, LadderStep.SUPPORTER, True)
    # 8.99 is not enough.
    assert not ladder.ready_for_more(score=8.99, step=LadderStep.SUPPORTER, kinds=Counter())
    # Active with 22.5 points (0.75 * 30) and fewer than two events attended: ready to be invited.
    assert ladder.ready_for_more(score=22.5, step=LadderStep.ACTIVE, kinds=Counter({K.ATTENDED: 1}))
    assert not ladder.ready_for_more(score=99, step=LadderStep.LEADER, kinds=Counter())
