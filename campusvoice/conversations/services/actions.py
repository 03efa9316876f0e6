"""What a moderator does to comments in the inbox: assign, finish, reopen, hide, label, in bulk.

Each change is audited as ("change", "comment", id) with field names and ids only, never text.
Hiding goes through the outbox: the comment stays visible on the platform until the Meta
integration has sent the action, and the inbox shows it as pending until then.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campusvoice.accounts.access import can
from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.conversations.models import LABELS, Comment, OutboxAction
from campusvoice.conversations.services.outbox import outbox_action_queue
from campusvoice.conversations.services.triage import comment_label_set

BULK_ACTIONS = ("assign", "assign_me", "unassign", "done", "reopen", "hide", "label")


def comment_change_audit(*, comment: Comment, by: User, detail: dict) -> None:
    audit_record(
        actor=by, action=AuditEvent.Action.CHANGE, object_type="comment", object_id=comment.pk, detail=detail
    )


def comment_view_record(*, comment: Comment, by: User) -> None:
    """Audit that a member opened a disclosure; other comments' views are not recorded.

    Who read a survivor's words is worth knowing later; the log holds the id, not the words.
    """
    if comment.disclosure:
        audit_record(actor=by, action=AuditEvent.Action.VIEW, object_type="comment", object_id=comment.pk)


def _check_may_act(*, comment: Comment, by: User) -> None:
    if not can(by, "inbox.act") or (comment.disclosure and not can(by, "inbox.disclosures")):
        raise PermissionError("This member may not act on this comment.")


@transaction.atomic
def comment_assign(*, comment: Comment, assignee: User | None, by: User) -> Comment:
    """Give the comment to a moderator (or to nobody); a new comment becomes "in progress".

    Raises ValidationError if the assignee cannot work in the inbox, or cannot see disclosures
    and this is one.
    """
    _check_may_act(comment=comment, by=by)
    if assignee is not None and (
        not assignee.is_active
        or not can(assignee, "inbox.act")
        or (comment.disclosure and not can(assignee, "inbox.disclosures"))
    ):
        raise ValidationError({"assignee": _("This member cannot handle this comment.")})
    fields = []
    if comment.assignee_id != (assignee.pk if assignee else None):
        comment.assignee = assignee
        fields.append("assignee")
    if assignee is not None and comment.status == Comment.Status.NEW:
        comment.status = Comment.Status.OPEN
        fields.append("status")
    if fields:
        comment.save(update_fields=fields)
        comment_change_audit(
            comment=comment,
            by=by,
            detail={
                "fields": fields,
                "assignee_id": assignee.pk if assignee else None,
                "status": comment.status,
            },
        )
    return comment


@transaction.atomic
def comment_status_set(*, comment: Comment, status: str, by: User) -> Comment:
    """Mark the comment done, or reopen it ("in progress"); setting the same status is a no-op."""
    _check_may_act(comment=comment, by=by)
    if status not in Comment.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if comment.status != status:
        comment.status = status
        comment.save(update_fields=["status"])
        comment_change_audit(comment=comment, by=by, detail={"fields": ["status"], "status": status})
    return comment


def comment_mark_done(*, comment: Comment, by: User) -> Comment:
    return comment_status_set(comment=comment, status=Comment.Status.DONE, by=by)


def comment_reopen(*, comment: Comment, by: User) -> Comment:
    return comment_status_set(comment=comment, status=Comment.Status.OPEN, by=by)


def _pending(comment: Comment, kind: str) -> OutboxAction | None:
    return comment.outbox_actions.filter(kind=kind, status=OutboxAction.Status.PENDING).first()


@transaction.atomic
def comment_hide(*, comment: Comment, by: User) -> OutboxAction | None:
    """Queue hiding the comment on the platform; None if it is hidden or already being hidden."""
    _check_may_act(comment=comment, by=by)
    if _pending(comment, OutboxAction.Kind.HIDE) or (
        comment.is_hidden and not _pending(comment, OutboxAction.Kind.UNHIDE)
    ):
        return None
    # outbox_action_queue audits the queued action itself.
    return outbox_action_queue(comment=comment, kind=OutboxAction.Kind.HIDE, by=by)


@transaction.atomic
def comment_unhide(*, comment: Comment, by: User) -> OutboxAction | None:
    """Queue showing the comment again; None if it is visible or already being unhidden."""
    _check_may_act(comment=comment, by=by)
    if _pending(comment, OutboxAction.Kind.UNHIDE) or (
        not comment.is_hidden and not _pending(comment, OutboxAction.Kind.HIDE)
    ):
        return None
    # outbox_action_queue audits the queued action itself.
    return outbox_action_queue(comment=comment, kind=OutboxAction.Kind.UNHIDE, by=by)


def comment_label(*, comment: Comment, label: str, value: bool, by: User):
    """A moderator's yes/no on one label, through triage (which recomputes flags and priority)."""
    _check_may_act(comment=comment, by=by)
    if label not in LABELS:
        raise ValidationError({"label": _("Unknown label.")})
    return comment_label_set(comment=comment, label=label, value=value, by=by)


@transaction.atomic
def comments_bulk(
    *,
    comments,
    action: str,
    by: User,
    assignee: User | None = None,
    label: str = "",
    value: bool | None = None,
) -> int:
    """Apply one action to each comment; returns how many were handled.

    All or nothing: one comment the member may not touch, or an invalid assignee, rolls the
    whole batch back.
    """
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": _("Unknown action.")})
    if action == "label" and (label not in LABELS or value is None):
        raise ValidationError({"label": _("Choose a label and yes or no.")})
    if action == "assign" and assignee is None:
        raise ValidationError({"assignee": _("Choose a moderator.")})
    done = 0
    for comment in comments.select_for_update():
        if action in ("assign", "assign_me", "unassign"):
            target = {"assign": assignee, "assign_me": by, "unassign": None}[action]
            comment_assign(comment=comment, assignee=target, by=by)
        elif action == "done":
            comment_mark_done(comment=comment, by=by)
        elif action == "reopen":
            comment_reopen(comment=comment, by=by)
        elif action == "hide":
            comment_hide(comment=comment, by=by)
        elif action == "label":
            comment_label(comment=comment, label=label, value=value, by=by)
        done += 1
    return done
