"""Re-exports the outbox services; the interface and its services live in `conversations/outbox.py`."""

from campusvoice.conversations.outbox import (  # noqa: F401
    outbox_action_mark_sent,
    outbox_action_queue,
    outbox_action_send,
    outbox_for,
)
