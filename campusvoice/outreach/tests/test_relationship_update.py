"""Changing a relationship's next step, due date and owner: the service and the page."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.campuses.tests.factories import ContactFactory
from campusvoice.outreach.models import Stage
from campusvoice.outreach.services.relationships import relationship_update
from campusvoice.outreach.tests.factories import RelationshipFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 4, 10)


def _update(relationship, by, **changes):
    values = {
        "next_step": relationship.next_step,
        "due_on": relationship.due_on,
        "owner": relationship.owner,
        "notes": relationship.notes,
    }
    return relationship_update(relationship=relationship, by=by, **{**values, **changes})


def test_it_changes_the_step_and_audits_field_names_only(organiser, admin_user):
    relationship = RelationshipFactory(next_step="Write to them", owner=organiser)

    updated = _update(relationship, organiser, next_step="  Call the chair  ", due_on=TODAY, owner=admin_user)

    updated.refresh_from_db()
    assert (updated.next_step, updated.due_on, updated.owner) == ("Call the chair", TODAY, admin_user)
    event = AuditEvent.objects.get(object_type="outreach.relationship", action=AuditEvent.Action.CHANGE)
    assert event.object_id == str(relationship.pk) and event.actor == organiser
    assert event.detail == {"fields": ["due_on", "next_step", "owner"]}
    assert "Call the chair" not in event.summary + str(event.detail)


def test_saving_the_same_values_changes_and_records_nothing(organiser):
    relationship = RelationshipFactory(next_step="Write to them", due_on=TODAY, owner=organiser)
    before = relationship.updated_at

    _update(relationship, organiser)

    relationship.refresh_from_db()
    assert relationship.updated_at == before
    assert not AuditEvent.objects.filter(object_type="outreach.relationship").exists()


@time_machine.travel(dt.datetime(2026, 4, 10, 12, tzinfo=dt.UTC))
def test_a_past_due_date_flags_an_open_step_and_a_new_date_clears_it(organiser):
    relationship = RelationshipFactory(next_step="Call back")

    late = _update(relationship, organiser, due_on=TODAY - dt.timedelta(days=1))
    assert late.is_overdue

    later = _update(late, organiser, due_on=TODAY + dt.timedelta(days=7))
    assert not later.is_overdue


@time_machine.travel(dt.datetime(2026, 4, 10, 12, tzinfo=dt.UTC))
def test_a_closed_relationship_is_never_overdue(organiser):
    relationship = RelationshipFactory(stage=Stage.PARTNER)
    assert not _update(relationship, organiser, due_on=TODAY - dt.timedelta(days=30)).is_overdue


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ANALYST])
def test_it_refuses_an_owner_who_cannot_open_the_board(organiser, moderator, analyst, role):
    owner = {Role.MODERATOR: moderator, Role.ANALYST: analyst}[role]
    relationship = RelationshipFactory(next_step="Write to them")

    with pytest.raises(ValidationError) as exc:
        _update(relationship, organiser, next_step="Changed", owner=owner)

    assert "owner" in exc.value.error_dict
    relationship.refresh_from_db()
    assert relationship.next_step == "Write to them" and relationship.owner is None


def test_it_refuses_an_inactive_owner(organiser, admin_user):
    admin_user.is_active = False
    admin_user.save()
    with pytest.raises(ValidationError):
        _update(RelationshipFactory(), organiser, owner=admin_user)


def test_it_refuses_a_next_step_longer_than_the_field(organiser):
    with pytest.raises(ValidationError):
        _update(RelationshipFactory(), organiser, next_step="x" * 301)
    assert not AuditEvent.objects.filter(object_type="outreach.relationship").exists()


def test_an_organiser_edits_the_next_step_from_the_board_and_goes_back_to_it(client_for, organiser):
    relationship = RelationshipFactory(next_step="Write to them")
    client = client_for(Role.ORGANISER)
    board = client.get(reverse("outreach:board", args=[relationship.campaign_id]))
    edit_url = reverse("outreach:relationship-update", args=[relationship.pk]) + "?next=board"
    assert edit_url in board.content.decode()

    page = client.get(edit_url)
    assert page.status_code == 200 and 'value="Write to them"' in page.content.decode()

    response = client.post(
        edit_url, {"next_step": "Meet the chair", "due_on": "2026-05-04", "owner": organiser.pk, "notes": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("outreach:board", args=[relationship.campaign_id])
    relationship.refresh_from_db()
    assert (relationship.next_step, relationship.due_on, relationship.owner) == (
        "Meet the chair",
        dt.date(2026, 5, 4),
        organiser,
    )


def test_the_detail_page_links_to_the_edit_page_which_returns_there(client_for):
    relationship = RelationshipFactory()
    client = client_for(Role.ORGANISER)
    edit_url = reverse("outreach:relationship-update", args=[relationship.pk])
    assert (
        f'href="{edit_url}"'
        in client.get(reverse("outreach:relationship-detail", args=[relationship.pk])).content.decode()
    )

    response = client.post(
        edit_url, {"next_step": "Send the toolkit", "due_on": "", "owner": "", "notes": ""}
    )

    assert response["Location"] == reverse("outreach:relationship-detail", args=[relationship.pk])


def test_the_page_offers_only_admins_and_organisers_as_owners(client_for, moderator):
    client = client_for(Role.ORGANISER)
    relationship = RelationshipFactory()
    url = reverse("outreach:relationship-update", args=[relationship.pk])

    response = client.post(url, {"next_step": "x", "due_on": "", "owner": moderator.pk, "notes": ""})

    assert response.status_code == 200 and 'class="error"' in response.content.decode()
    relationship.refresh_from_db()
    assert relationship.next_step == ""


def test_the_edit_page_shows_no_contact_name(client_for):
    contact = ContactFactory(name="Rita Rettrice")
    relationship = RelationshipFactory(group=None, contact=contact, university=contact.university)
    client = client_for(Role.ORGANISER)

    response = client.get(reverse("outreach:relationship-update", args=[relationship.pk]))

    assert response.status_code == 200 and "Rita" not in response.content.decode()


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ANALYST])
def test_moderators_and_analysts_cannot_change_a_step(client_for, role):
    relationship = RelationshipFactory(next_step="Write to them")
    client = client_for(role)
    url = reverse("outreach:relationship-update", args=[relationship.pk])

    assert (
        client.post(url, {"next_step": "Hijacked", "due_on": "", "owner": "", "notes": ""}).status_code == 403
    )
    relationship.refresh_from_db()
    assert relationship.next_step == "Write to them"
