"""Actions on the platform (reply, hide, unhide, delete): queued by a person, sent by an integration.

The Meta integration implements `Outbox` and is named in settings:

    CAMPUSVOICE_OUTBOXES = {"facebook_page": "campusvoice.integrations.meta.outbox.MetaOutbox"}

The class is built as `cls(channel=channel)`. Without an entry for the channel's kind the action
stays pending and the inbox shows it so.

Survivor safety: nothing in campusvoice queues a reply on its own. `outbox_action_queue` needs the
member who asked for it, and no task, import or classifier calls it.
"""

import logging
from datetime import timedelta
from functools import partial
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.conversations.models import Channel, Comment, OutboxAction, ReplyTemplate
from campusvoice.errors import ApplicationError

logger = logging.getLogger(__name__)

# Facebook accepts up to 8,000 characters in a comment.
MAX_REPLY_LENGTH = 8000
# Seconds to wait before attempt 2, 3, ...; after the last one the action is FAILED.
RETRY_DELAYS = (30, 120, 600, 1800, 7200)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


class OutboxTemporaryError(Exception):
    """The platform could not take the action now (rate limit, 5xx, network): try again later."""


class OutboxPermanentError(Exception):
    """The platform refused the action for good (comment gone, no permission): do not retry.

    The message is stored on the action and shown to organisers: never put comment text in it.
    """


class Outbox(Protocol):
    def send(self, action: OutboxAction) -> str | None:
        """Perform the action; return the platform id of a created reply (None otherwise).

        Pass `action.idempotency_key` to the platform where it can deduplicate, so a retried send
        cannot reply twice. Raise OutboxTemporaryError or OutboxPermanentError on failure.
        """
        ...


def outbox_for(channel: Channel) -> Outbox | None:
    """The configured sender for this channel's kind, or None when no integration is set up."""
    path = getattr(settings, "CAMPUSVOICE_OUTBOXES", {}).get(channel.kind)
    if not path:
        return None
    return import_string(path)(channel=channel)


@transaction.atomic
def outbox_action_queue(
    *, comment: Comment, kind: str, by: User, text: str = "", template: ReplyTemplate | None = None
) -> OutboxAction:
    """Queue an action a member asked for; it is sent in the background after commit.

    Raises ValidationError keyed by field (empty or too long reply, unknown kind) and
    ApplicationError without a member or on a deleted comment. Audited as a change to the comment,
    with the action's kind and id, never its text.
    """
    if by is None or not getattr(by, "pk", None):
        raise ApplicationError(_("Only a member can queue an action on the platform."))
    if kind not in OutboxAction.Kind.values:
        raise ValidationError({"kind": _("Unknown action.")})
    if comment.deleted_at is not None:
        raise ApplicationError(_("This comment was deleted on the platform."))
    text = text.strip()
    if kind == OutboxAction.Kind.REPLY:
        if not text:
            raise ValidationError({"text": _("Write the reply first.")})
        if len(text) > MAX_REPLY_LENGTH:
            raise ValidationError(
                {"text": _("A reply can be at most %(max)s characters.") % {"max": f"{MAX_REPLY_LENGTH:,}"}}
            )
    else:
        text = ""
    action = OutboxAction(comment=comment, kind=kind, text=text, template=template, requested_by=by)
    action.full_clean()
    action.save()
    audit_record(
        actor=by,
        action=AuditEvent.Action.CHANGE,
        object_type="comment",
        object_id=comment.pk,
        summary=f"queued {kind}",
        detail={"outbox_action": action.pk, "kind": kind, "template": template.pk if template else None},
    )
    transaction.on_commit(partial(_send_enqueue, action.pk))
    return action


def outbox_action_send(*, action_id: int) -> OutboxAction | None:
    """Send one queued action; idempotent (a sent or failed action is left alone).

    No integration: the action stays pending. Temporary error: attempts and error are recorded and
    another try is scheduled with backoff, until MAX_ATTEMPTS, then FAILED. Permanent error:
    FAILED with the platform's message. Sent: SENT with the reply's platform id, and the comment
    records the change (first reply, hidden, deleted).
    """
    # No lock is held while the platform is called (on SQLite it would stop every other writer);
    # the idempotency key lets the platform side drop a duplicate send.
    action = (
        OutboxAction.objects.select_related("comment__channel", "comment__post").filter(pk=action_id).first()
    )
    if action is None or action.status != OutboxAction.Status.PENDING:
        return action
    outbox = outbox_for(action.comment.channel)
    if outbox is None:
        return action

    platform_id, error, retry = None, "", False
    try:
        platform_id = outbox.send(action)
    except OutboxPermanentError as exc:
        error = str(exc) or type(exc).__name__
    except OutboxTemporaryError as exc:
        error, retry = str(exc) or type(exc).__name__, True

    with transaction.atomic():
        action = OutboxAction.objects.select_for_update().select_related("comment").get(pk=action_id)
        if action.status != OutboxAction.Status.PENDING:
            return action
        action.attempts += 1
        if not error:
            outbox_action_mark_sent(action=action, platform_id=platform_id or "")
            logger.info(
                "outbox action %s (%s) sent after %s attempts", action.pk, action.kind, action.attempts
            )
            return action
        action.error = error[:1000]
        if retry and action.attempts < MAX_ATTEMPTS:
            delay = RETRY_DELAYS[action.attempts - 1]
            action.save(update_fields=["error", "attempts"])
            transaction.on_commit(partial(_send_enqueue, action.pk, delay=delay))
            logger.warning(
                "outbox action %s failed for now (attempt %s); retry in %ss",
                action.pk,
                action.attempts,
                delay,
            )
        else:
            action.status = OutboxAction.Status.FAILED
            action.done_at = timezone.now()
            action.save(update_fields=["status", "error", "attempts", "done_at"])
            logger.warning("outbox action %s failed after %s attempts", action.pk, action.attempts)
    return action


@transaction.atomic
def outbox_action_mark_sent(*, action: OutboxAction, platform_id: str = "", at=None) -> OutboxAction:
    """Record an action as done on the platform and update its comment (first reply, hidden, deleted).

    Used by the sender, and for actions done by hand on Facebook or in the demo. Idempotent.
    """
    if action.status == OutboxAction.Status.SENT:
        return action
    action.status = OutboxAction.Status.SENT
    action.platform_id = platform_id
    action.error = ""
    action.done_at = at or timezone.now()
    action.save(update_fields=["status", "platform_id", "error", "done_at", "attempts"])
    _comment_record(action)
    return action


def _comment_record(action: OutboxAction) -> None:
    """What a sent action changes on the comment it concerns."""
    comment, at = action.comment, action.done_at
    comments = Comment.objects.filter(pk=comment.pk)
    if action.kind == OutboxAction.Kind.REPLY:
        comments.filter(first_reply_at__isnull=True).update(first_reply_at=at)
        if action.platform_id:
            # Store our reply now; the webhook that announces it later is then a duplicate.
            from campusvoice.conversations.services.ingestion import CommentEvent, comment_event_apply

            comment_event_apply(
                channel=comment.channel,
                event=CommentEvent(
                    platform_id=action.platform_id,
                    post_platform_id=comment.post.platform_id,
                    verb="add",
                    event_time=at,
                    parent_platform_id=comment.platform_id,
                    author_platform_id=comment.channel.platform_id,
                    author_name=comment.channel.name[:200],
                    text=action.text,
                    created_time=at,
                    is_from_page=True,
                ),
            )
    elif action.kind in (OutboxAction.Kind.HIDE, OutboxAction.Kind.UNHIDE):
        comments.filter(Q(hidden_event_time__isnull=True) | Q(hidden_event_time__lt=at)).update(
            is_hidden=action.kind == OutboxAction.Kind.HIDE, hidden_event_time=at
        )
    elif action.kind == OutboxAction.Kind.DELETE:
        comments.filter(deleted_at__isnull=True).update(deleted_at=at)


def _send_enqueue(action_id: int, *, delay: int = 0) -> None:
    from campusvoice.conversations import tasks

    task = tasks.outbox_action_send
    if delay and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    task.enqueue(action_id)
