"""Sending inbox actions to Facebook and Instagram: reply, hide, unhide, delete.

A reply is the one write that is not idempotent on Meta's side, and a timed-out POST may have
posted it. So before every reply we read the comment's replies and reuse one the Page already
wrote with the same text: a retried send never posts twice. (Meta offers no idempotency key.)
"""

import logging

from campusvoice.accounts.models import AuditEvent
from campusvoice.accounts.services import audit_record
from campusvoice.conversations.models import Channel, OutboxAction
from campusvoice.conversations.outbox import OutboxPermanentError, OutboxTemporaryError
from campusvoice.errors import ApplicationError

from .client import (
    MetaError,
    MetaNotFound,
    MetaPermissionError,
    MetaRateLimited,
    MetaTokenError,
    MetaTransientError,
)
from .models import MetaConnection
from .services import connection_client, connection_error_record, meta_error_message
from .tokens import TokenKeyError

logger = logging.getLogger(__name__)


class MetaOutbox:
    """The Outbox for Facebook Page and Instagram channels (conversations/outbox.py)."""

    def __init__(self, *, channel: Channel, sleep=None):
        self.channel = channel
        self.sleep = sleep

    def _connection(self) -> MetaConnection:
        instagram = self.channel.kind == Channel.Kind.INSTAGRAM
        lookup = {"instagram_channel": self.channel} if instagram else {"channel": self.channel}
        connection = MetaConnection.objects.filter(**lookup).first()
        if connection is None or not connection.is_active:
            raise OutboxPermanentError(
                "This Page is not connected to campusvoice (or its connection stopped)."
            )
        return connection

    def send(self, action: OutboxAction) -> str | None:
        if action.kind == OutboxAction.Kind.REPLY and action.platform_id:
            return action.platform_id
        connection = self._connection()
        instagram = self.channel.kind == Channel.Kind.INSTAGRAM
        try:
            client = connection_client(connection=connection, sleep=self.sleep)
        except (ApplicationError, TokenKeyError) as exc:
            raise OutboxPermanentError(str(exc)) from None
        comment_id = action.comment.platform_id
        reused = False
        reply_id = None
        try:
            if action.kind == OutboxAction.Kind.REPLY:
                own_id = connection.instagram_account_id if instagram else connection.page_id
                existing = next(
                    (
                        r
                        for r in client.replies(comment_id, instagram=instagram)
                        if r.author_id == own_id and r.message == action.text
                    ),
                    None,
                )
                reused = existing is not None
                reply_id = (
                    existing.id if existing else client.reply(comment_id, action.text, instagram=instagram)
                )
            elif action.kind in (OutboxAction.Kind.HIDE, OutboxAction.Kind.UNHIDE):
                client.hide(comment_id, action.kind == OutboxAction.Kind.HIDE, instagram=instagram)
            elif action.kind == OutboxAction.Kind.DELETE:
                try:
                    client.delete(comment_id)
                except MetaNotFound:
                    reused = True  # already gone: the deletion we wanted holds
            else:
                raise OutboxPermanentError(f"Unknown action {action.kind}.")
        except (MetaTokenError, MetaPermissionError) as exc:
            connection_error_record(connection=connection, error=exc)
            raise OutboxPermanentError(meta_error_message(exc)) from None
        except (MetaRateLimited, MetaTransientError) as exc:
            raise OutboxTemporaryError(meta_error_message(exc)) from None
        except MetaError as exc:
            raise OutboxPermanentError(meta_error_message(exc)) from None
        audit_record(
            actor=action.requested_by,
            action=AuditEvent.Action.CHANGE,
            object_type="comment",
            object_id=action.comment_id,
            summary=f"{action.kind} sent to {'Instagram' if instagram else 'Facebook'}",
            detail={"outbox_action": action.pk, "platform_id": reply_id or "", "already_done": reused},
        )
        logger.info(
            "meta outbox action %s (%s) sent%s", action.pk, action.kind, " (already done)" if reused else ""
        )
        return reply_id
