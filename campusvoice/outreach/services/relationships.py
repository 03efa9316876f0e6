"""Relationships with campus groups and contacts: stages, next steps, history, reminders."""

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campusvoice.accounts.access import can
from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record, organisation_get
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


REMINDER_PURPOSE = "relationship_reminders"
REMINDER_OBJECT_TYPE = "outreach.reminder_digest"


def _reminder_language(user: User) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    language = (user.language or "").split("-")[0]
    return language if language in codes else settings.LANGUAGE_CODE


def _counterpart(relationship: Relationship) -> str:
    """Who the relationship is with, by group or by role and campus: never a person's name,
    since the e-mail waits in the queue and in the owner's mailbox."""
    if relationship.group_id:
        return f"{relationship.group.name}, {relationship.university.name}"
    contact = relationship.contact
    role = contact.title or contact.get_role_display()
    return f"{role}, {relationship.university.name}"


def relationship_reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """E-mail each owner one digest of their overdue next steps, at most once a day.

    Overdue: an open relationship whose due date is before `today`. The digest goes through the
    durable mail queue in the owner's language (User.language, else the site's). Running it
    again the same day queues nothing more: each digest is keyed by owner and day, and the
    owner's row is locked while we look, so two workers cannot both queue one. Owners who are
    inactive or no longer may use outreach get nothing; relationships without an owner are counted.
    """
    from campusvoice.petitions.models import OutgoingEmail
    from campusvoice.petitions.services.mail import outgoing_email_queue

    today = today or timezone.localdate()
    overdue = (
        Relationship.objects.filter(due_on__lt=today)
        .exclude(stage__in=CLOSED_STAGES)
        .select_related("university", "group", "contact", "owner")
        .order_by("due_on", "pk")
    )
    by_owner: dict[int, list[Relationship]] = defaultdict(list)
    counts = {"owners": 0, "queued": 0, "already_sent": 0, "skipped_owners": 0, "unowned": 0}
    for relationship in overdue:
        if relationship.owner_id is None:
            counts["unowned"] += 1
        else:
            by_owner[relationship.owner_id].append(relationship)
    organisation = organisation_get().name
    site = settings.SITE_URL.rstrip("/")
    for owner_id, relationships in by_owner.items():
        counts["owners"] += 1
        owner = relationships[0].owner
        if not owner.is_active or not owner.email or not can(owner, "outreach.manage"):
            counts["skipped_owners"] += 1
            continue
        key = f"{owner_id}:{today.isoformat()}"
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=owner_id).first()
            if OutgoingEmail.objects.filter(
                purpose=REMINDER_PURPOSE, object_type=REMINDER_OBJECT_TYPE, object_id=key
            ).exists():
                counts["already_sent"] += 1
                continue
            with translation.override(_reminder_language(owner)):
                items = [
                    {
                        "who": _counterpart(r),  # a role's label, so in the owner's language
                        "next_step": r.next_step,
                        "due_on": r.due_on,
                        "days_late": (today - r.due_on).days,
                        "url": site + reverse("outreach:relationship-detail", args=[r.pk]),
                    }
                    for r in relationships
                ]
                subject = translation.ngettext(
                    "%(count)s overdue next step", "%(count)s overdue next steps", len(items)
                ) % {"count": len(items)}
                body = render_to_string(
                    "outreach/email/relationship_reminders.txt",
                    {"items": items, "organisation": organisation},
                )
            outgoing_email_queue(
                to=owner.email,
                subject=subject,
                body_text=body,
                purpose=REMINDER_PURPOSE,
                object_type=REMINDER_OBJECT_TYPE,
                object_id=key,
            )
            counts["queued"] += 1
    logger.info("relationship reminders: %s", counts)
    return counts
