"""A small campaign whose every figure was worked out by hand (see each value's comment)."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from campusvoice.analytics.figures import Period
from campusvoice.analytics.tests.factories import CampaignFactory, ReachSnapshotFactory
from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.conversations.tests.factories import CommentFactory, PostFactory
from campusvoice.petitions.models import Signature
from campusvoice.petitions.tests.factories import PetitionFactory, SignatureFactory
from campusvoice.supporters.models import LadderStep, Person
from campusvoice.supporters.tests.factories import PersonFactory

ROME = ZoneInfo("Europe/Rome")
OCTOBER = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def at(day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, minute, tzinfo=ROME)


@dataclass
class Small:
    campaign: object
    alpha: object
    beta: object
    period: Period


@pytest.fixture
def small(db):
    """2 campuses, 3 posts, 10 comments, ad-set snapshots, signatures and people.

    Alpha: 30,000 students, its ad set reached 1,200 over exactly October (4.0 %); a second
    snapshot over Sept–Oct reached 9,999 and must not be picked or added. Beta: 40,000 students,
    reached 2,000 (5.0 %).
    """
    campaign = CampaignFactory(starts_on=OCTOBER.date_from, ends_on=OCTOBER.date_to)
    alpha = UniversityFactory(
        name="Alpha University",
        country="IT",
        enrollment_total=30_000,
        enrollment_year=2025,
        enrollment_source="IPEDS",
        latitude=44.49,
        longitude=11.34,
    )
    beta = UniversityFactory(
        name="Beta University",
        country="IT",
        enrollment_total=40_000,
        enrollment_year=2024,
        latitude=45.46,
        longitude=9.19,
    )
    campaign.universities.add(alpha, beta)
    ReachSnapshotFactory(campaign=campaign, university=alpha, reach=1_200, impressions=3_000, frequency=None)
    ReachSnapshotFactory(
        campaign=campaign, university=alpha, reach=9_999, date_start=dt.date(2026, 9, 1), impressions=20_000
    )
    ReachSnapshotFactory(campaign=campaign, university=beta, reach=2_000, impressions=5_000, frequency="2.5")

    p1 = PostFactory(campaign=campaign, published_at=at(2))
    p1.universities.add(alpha)
    p2 = PostFactory(campaign=campaign, published_at=at(3))
    p2.universities.add(alpha)
    p3 = PostFactory(campaign=campaign, published_at=at(4))
    p3.universities.add(beta)

    # Alpha: 6 comments on 2 posts → 3.0 per post; 4 on topic → 66.7 %; 3 questions, 2 answered;
    # replies after 10, 30 and 120 minutes → median 30 min (histogram: ≈ 37.5 min).
    CommentFactory(post=p1, created_time=at(2), on_topic=True, question=True, first_reply_at=at(2, 12, 10))
    CommentFactory(
        post=p1, created_time=at(2, 13), on_topic=True, question=True, first_reply_at=at(2, 13, 30)
    )
    CommentFactory(post=p1, created_time=at(5), on_topic=True, question=True)
    CommentFactory(post=p2, created_time=at(3), on_topic=True, disclosure=True, first_reply_at=at(3, 14))
    CommentFactory(post=p2, created_time=at(3, 15))
    CommentFactory(post=p2, created_time=at(6))
    # Not counted: the page's own reply, spam, and a comment outside October.
    CommentFactory(post=p2, created_time=at(6), is_from_page=True)
    CommentFactory(post=p2, created_time=at(6), spam=True)
    CommentFactory(post=p2, created_time=dt.datetime(2026, 11, 2, 12, tzinfo=ROME))
    # Beta: 1 comment on 1 post.
    CommentFactory(post=p3, created_time=at(4), on_topic=True)

    petition = PetitionFactory(campaign=campaign)
    SignatureFactory(petition=petition, university=alpha, status="confirmed", confirmed_at=at(7))
    SignatureFactory(petition=petition, university=alpha)
    SignatureFactory(petition=petition, university=beta, status="voided")

    PersonFactory(campus=alpha, ladder_step=LadderStep.ACTIVE)
    PersonFactory(campus=alpha, ladder_step=LadderStep.SUPPORTER)
    PersonFactory(campus=beta, ladder_step=LadderStep.LEADER, given_name="Giulia", family_name="Secret")
    # auto_now_add stamps today; move them into October.
    Signature.objects.update(created_at=at(7))
    Person.objects.update(created_at=at(8))
    return Small(campaign=campaign, alpha=alpha, beta=beta, period=OCTOBER)
