"""Relationships with campus groups and contacts: stages, next steps, history, reminders."""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campusvoice.accounts.access import can
from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.models import CampusGroup, Contact
from campusvoice.outreach.models import CLOSED_STAGES, Letter, Relationship, RelationshipEvent, Stage

logger = logging.getLogger(__name__)


@transaction.atomic
def relationship_create(
    *,
    campaign: Campaign | None,
    group: CampusGroup | None = None,
    contact: Contact | None = None,
    by: User | None,
    stage: str = Stage.IDENTIFIED,
    next_step: str = "",
    due_on: dt.date | None = None,
    owner: User | None = None,
    notes: str = "",
) -> Relationship:
    """Start tracking a campus group or a contact (exactly one); ValidationError keyed by field."""
    if (group is None) == (contact is None):
        raise ValidationError({"group": _("Choose a campus group or a contact, not both.")})
    university = group.university if group is not None else contact.university
    relationship = Relationship(
        campaign=campaign,
        university=university,
        group=group,
        contact=contact,
        stage=stage,
        next_step=next_step,
        due_on=due_on,
        owner=owner or by,
        notes=notes,
    )
    relationship.full_clean()
    relationship.save()
    RelationshipEvent.objects.create(
        relationship=relationship, kind=RelationshipEvent.Kind.STAGE_CHANGE, to_stage=stage, by=by
    )
    audit_record(
        actor=by,
        action=AuditEvent.Action.CREATE,
        object_type="outreach.relationship",
        object_id=relationship.pk,
    )
    return relationship


@transaction.atomic
def relationship_move(
    *, relationship: Relationship, stage: str, by: User | None, note: str = ""
) -> Relationship:
    """Move to another stage and record it in the history; moving to the same stage does nothing."""
    if stage not in Stage.values:
        raise ValidationError({"stage": _("Unknown stage.")})
    relationship = Relationship.objects.select_for_update().get(pk=relationship.pk)
    if relationship.stage == stage:
        return relationship
    previous = relationship.stage
    relationship.stage = stage
    if stage in CLOSED_STAGES:
        relationship.is_overdue = False
    relationship.save(update_fields=["stage", "is_overdue", "updated_at"])
    RelationshipEvent.objects.create(
        relationship=relationship,
        kind=RelationshipEvent.Kind.STAGE_CHANGE,
        from_stage=previous,
        to_stage=stage,
        text=note,
        by=by,
    )
    return relationship


@transaction.atomic
def relationship_update(
    *,
    relationship: Relationship,
    by: User | None,
    next_step: str,
    due_on: dt.date | None,
    owner: User | None,
    notes: str,
) -> Relationship:
    """Change the next step, its due date, the owner or the notes; a new due date clears the reminder.

    The owner must be an active member who may use outreach (else ValidationError on "owner").
    Records the names of the changed fields in the audit log (never their values); saving the
    same values again changes and records nothing.
    """
    if owner is not None and not can(owner, "outreach.manage"):
        raise ValidationError({"owner": _("Choose an active admin or organiser.")})
    relationship = Relationship.objects.select_for_update().get(pk=relationship.pk)
    wanted = {
        "next_step": next_step.strip(),
        "due_on": due_on,
        "owner_id": owner.pk if owner else None,
        "notes": notes,
    }
    changed = sorted(name for name, value in wanted.items() if getattr(relationship, name) != value)
    if not changed:
        return relationship
    for name, value in wanted.items():
        setattr(relationship, name, value)
    relationship.is_overdue = bool(due_on and due_on < timezone.localdate() and relationship.is_open)
    relationship.full_clean()
    relationship.save()
    audit_record(
        actor=by,
        action=AuditEvent.Action.CHANGE,
        object_type="outreach.relationship",
        object_id=relationship.pk,
        detail={"fields": [name.removesuffix("_id") for name in changed]},
    )
    return relationship


@transaction.atomic
def relationship_event_add(
    *, relationship: Relationship, kind: str, text: str, by: User | None, letter: Letter | None = None
) -> RelationshipEvent:
    """Add an e-mail, meeting, shared content or note to the history."""
    if kind == RelationshipEvent.Kind.STAGE_CHANGE:
        raise ValidationError({"kind": _("Change the stage with the stage buttons.")})
    event = RelationshipEvent(relationship=relationship, kind=kind, text=text, by=by, letter=letter)
    event.full_clean()
    event.save()
    return event


def relationships_letter_sent(*, letter: Letter, by: User | None) -> int:
    """Link a sent letter into the matching relationships; an identified one becomes contacted."""
    relationships = Relationship.objects.filter(campaign=letter.campaign)
    if letter.group_id:
        relationships = relationships.filter(group_id=letter.group_id)
    elif letter.contact_id:
        relationships = relationships.filter(contact_id=letter.contact_id)
    else:
        return 0
    count = 0
    for relationship in relationships:
        relationship_event_add(
            relationship=relationship,
            kind=RelationshipEvent.Kind.LETTER,
            text=letter.subject,
            by=by,
            letter=letter,
        )
        if relationship.stage == Stage.IDENTIFIED:
            relationship_move(relationship=relationship, stage=Stage.CONTACTED, by=by)
        count += 1
    return count


def relationships_mark_overdue(*, today: dt.date | None = None) -> dict[str, int]:
    """The reminders sweep: flag open relationships whose next step is past due, unflag the rest."""
    today = today or timezone.localdate()
    overdue = Relationship.objects.filter(due_on__lt=today).exclude(stage__in=CLOSED_STAGES)
    marked = overdue.filter(is_overdue=False).update(is_overdue=True)
    cleared = (
        Relationship.objects.filter(is_overdue=True)
        .exclude(pk__in=overdue.values("pk"))
        .update(is_overdue=False)
    )
    logger.info("relationships overdue: %s newly marked, %s cleared", marked, cleared)
    return {"marked": marked, "cleared": cleared, "overdue": overdue.count()}
