"""Background work for conversations: thin wrappers that load by id and call a service."""

from django.tasks import task


@task
def outbox_action_send(action_id: int) -> None:
    """Send one queued platform action (reply, hide, unhide, delete); retries schedule themselves."""
    # Imported here because outbox.py imports this module to enqueue.
    from campusvoice.conversations import outbox

    outbox.outbox_action_send(action_id=action_id)


@task
def comments_retriage(comment_ids: list[int] | None = None) -> None:
    """Re-score comments with the newest triage model (all of them without ids), after a model change."""
    from campusvoice.conversations.services import triage

    triage.comments_retriage(comment_ids=comment_ids)


@task
def classifier_retrain() -> None:
    """Retrain the triage model with moderator labels; promote it only if no label gets worse (weekly)."""
    from campusvoice.conversations.services import retraining

    retraining.classifier_retrain()


@task
def inbox_metrics_warm() -> None:
    """Keep the metrics page's usual ranges computed, so nobody waits seconds for them."""
    from campusvoice.conversations import selectors

    selectors.inbox_metrics_warm()
