"""Relationships: stages, history, letters in the history, overdue reminders."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from campusvoice.campuses.tests.factories import CampusGroupFactory, ContactFactory
from campusvoice.outreach import selectors
from campusvoice.outreach.models import Relationship, RelationshipEvent, Stage
from campusvoice.outreach.services.letters import letter_delivery_record, letter_render
from campusvoice.outreach.services.relationships import (
    relationship_create,
    relationship_event_add,
    relationship_move,
    relationships_mark_overdue,
)
from campusvoice.outreach.tests.factories import LetterFactory, RelationshipFactory
from campusvoice.petitions.tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 4, 10)


def test_it_tracks_a_group_and_records_every_stage_change(organiser):
    group = CampusGroupFactory()
    relationship = relationship_create(campaign=CampaignFactory(), group=group, by=organiser)
    assert (relationship.university, relationship.owner, relationship.stage) == (
        group.university,
        organiser,
        Stage.IDENTIFIED,
    )

    for stage in (Stage.CONTACTED, Stage.REPLIED, Stage.MEETING, Stage.PARTNER):
        relationship = relationship_move(relationship=relationship, stage=stage, by=organiser)
    relationship_move(relationship=relationship, stage=Stage.PARTNER, by=organiser)  # no-op

    changes = list(
        relationship.events.filter(kind=RelationshipEvent.Kind.STAGE_CHANGE)
        .order_by("pk")
        .values_list("from_stage", "to_stage")
    )
    assert changes == [
        ("", "identified"),
        ("identified", "contacted"),
        ("contacted", "replied"),
        ("replied", "meeting"),
        ("meeting", "partner"),
    ]
    assert relationship.events.filter(by=organiser).count() == 5


def test_it_tracks_a_group_or_a_contact_but_not_both():
    group = CampusGroupFactory()
    with pytest.raises(ValidationError):
        relationship_create(campaign=None, group=group, contact=ContactFactory(), by=None)
    with pytest.raises(ValidationError):
        relationship_create(campaign=None, by=None)


def test_one_relationship_per_group_and_campaign():
    campaign, group = CampaignFactory(), CampusGroupFactory()
    relationship_create(campaign=campaign, group=group, by=None)
    with pytest.raises(ValidationError):
        relationship_create(campaign=campaign, group=group, by=None)


def test_it_refuses_an_unknown_stage():
    with pytest.raises(ValidationError):
        relationship_move(relationship=RelationshipFactory(), stage="married", by=None)


def test_a_sent_letter_goes_into_the_history_and_moves_an_identified_group_to_contacted():
    relationship = RelationshipFactory()
    letter = LetterFactory(
        campaign=relationship.campaign,
        university=relationship.university,
        group=relationship.group,
        kind="campus_group",
    )
    letter_render(letter=letter)

    letter_delivery_record(letter=letter, channel="pdf", by=None)

    relationship.refresh_from_db()
    assert relationship.stage == Stage.CONTACTED
    assert relationship.events.filter(kind=RelationshipEvent.Kind.LETTER, letter=letter).exists()


def test_notes_and_meetings_are_added_but_stage_changes_only_through_a_move():
    relationship = RelationshipFactory()
    relationship_event_add(relationship=relationship, kind="meeting", text="Coffee with the board", by=None)
    with pytest.raises(ValidationError):
        relationship_event_add(relationship=relationship, kind="stage_change", text="", by=None)
    assert relationship.events.count() == 1


def test_the_reminders_sweep_marks_past_due_open_steps_and_clears_the_rest():
    late = RelationshipFactory(due_on=TODAY - dt.timedelta(days=1), next_step="Call back")
    due_today = RelationshipFactory(due_on=TODAY)
    late_but_closed = RelationshipFactory(due_on=TODAY - dt.timedelta(days=5), stage=Stage.DECLINED)
    was_overdue = RelationshipFactory(due_on=TODAY + dt.timedelta(days=3), is_overdue=True)

    counts = relationships_mark_overdue(today=TODAY)

    flags = dict(Relationship.objects.values_list("pk", "is_overdue"))
    assert flags == {late.pk: True, due_today.pk: False, late_but_closed.pk: False, was_overdue.pk: False}
    assert counts == {"marked": 1, "cleared": 1, "overdue": 1}
    assert list(selectors.relationships_overdue(today=TODAY)) == [late]
    assert relationships_mark_overdue(today=TODAY)["marked"] == 0  # idempotent


def test_the_board_filters_by_campus_and_stage():
    campaign = CampaignFactory()
    a = RelationshipFactory(campaign=campaign)
    b = RelationshipFactory(campaign=campaign, stage=Stage.MEETING)
    RelationshipFactory()  # another campaign

    assert set(selectors.relationships_board(campaign=campaign)) == {a, b}
    assert list(selectors.relationships_board(campaign=campaign, university_id=b.university_id)) == [b]
    assert list(selectors.relationships_board(campaign=campaign, stage=Stage.MEETING)) == [b]
    columns = {stage: cards for stage, _label, cards in selectors.board_columns([a, b])}
    assert columns[Stage.IDENTIFIED] == [a] and columns[Stage.MEETING] == [b] and columns[Stage.PARTNER] == []


def test_the_reminders_command_reports_overdue_steps():
    import io

    from django.core.management import call_command

    RelationshipFactory(due_on=dt.date(2020, 1, 1))
    out = io.StringIO()
    call_command("outreach", "mark-overdue", stdout=out)
    assert "1 overdue" in out.getvalue()
