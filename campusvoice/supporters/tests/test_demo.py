import io

import pytest

from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.conversations.tests.factories import CommentFactory
from campusvoice.supporters import demo
from campusvoice.supporters.models import EmailAddress, LadderStep, MergeSuggestion, Person

pytestmark = pytest.mark.django_db


def test_the_demo_has_people_on_every_step_a_merge_to_review_and_loads_once():
    UniversityFactory()
    CommentFactory(on_topic=True)
    out = io.StringIO()

    demo.load(stdout=out)
    counts = {step: Person.objects.filter(ladder_step=step).count() for step in LadderStep.values}
    demo.load(stdout=out)

    assert all(counts.values()), counts
    assert Person.objects.filter(identities__isnull=False).count() == 1  # the inbox commenter
    assert MergeSuggestion.objects.filter(status="pending").count() == 1
    assert not EmailAddress.objects.exclude(address__endswith="@example.org").exists()
    assert "already loaded" in out.getvalue()
    assert Person.objects.count() == sum(counts.values())
