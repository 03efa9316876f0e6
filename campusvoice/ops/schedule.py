"""What runs on its own, and how often: the one table of periodic work.

`campusvoice scheduler` (django-crontask on APScheduler) enqueues each task below on its cron line;
the task workers run it. `campusvoice serve --with-worker` starts one scheduler beside the worker.
Run exactly one scheduler per deployment; with Redis configured (`CAMPUSVOICE_SCHEDULER_LOCK=redis`)
a second one waits on a lock instead of enqueueing twice. Every task here is idempotent, so a
missed or doubled run costs time, never data.

Cron lines use literal weekdays (crontask refuses digits there) and the server's TIME_ZONE.
"""

from dataclasses import dataclass

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Periodic:
    cron: str
    task: str  # dotted path of a django.tasks Task that takes no arguments
    why: str


SCHEDULE = [
    # Seconds matter for these: a comment, a mail or a post that waits is a person who waits.
    Periodic(
        "* * * * *",
        "campusvoice.integrations.meta.tasks.webhook_deliveries_sweep",
        "webhook deliveries a dead worker left",
    ),
    Periodic(
        "* * * * *", "campusvoice.petitions.tasks.outgoing_emails_send_due", "mail retries after an outage"
    ),
    Periodic("* * * * *", "campusvoice.campaigns.tasks.content_publish_due", "scheduled posts that are due"),
    Periodic("* * * * *", "campusvoice.ops.tasks.tasks_requeue_orphaned", "tasks a dead worker left running"),
    # Webhooks carry new comments at once; the sync catches what webhooks missed.
    Periodic(
        "*/10 * * * *", "campusvoice.integrations.meta.tasks.connections_sync_all", "comments webhooks missed"
    ),
    Periodic("*/15 * * * *", "campusvoice.analytics.tasks.analytics_refresh", "dashboard figures"),
    # Kept for twice the cache time (CAMPUSVOICE_METRICS_CACHE_SECONDS, 5 minutes by default).
    Periodic("*/5 * * * *", "campusvoice.conversations.tasks.inbox_metrics_warm", "inbox metrics figures"),
    # Meta recomputes reach a few times a day; hourly keeps the dashboard fresh within its quota.
    Periodic(
        "27 * * * *",
        "campusvoice.integrations.meta.tasks.insights_sync_all",
        "reach per campus ad set and post",
    ),
    # Feeds: hourly is polite to small student newspapers and allies' sites.
    Periodic("17 * * * *", "campusvoice.campaigns.tasks.allies_fetch", "allies' new items"),
    Periodic("43 * * * *", "campusvoice.outreach.tasks.newspapers_fetch", "student-newspaper articles"),
    # Daily work runs at night, spread so it does not pile up.
    Periodic(
        "10 2 * * *", "campusvoice.supporters.tasks.people_scores_update", "engagement ladder and scores"
    ),
    Periodic(
        "40 2 * * *", "campusvoice.privacy.tasks.retention_run", "retention rules (deletes expired data)"
    ),
    # Weekly: a week of moderator labels is worth a candidate; it is promoted only if no label
    # loses more than a point of F1 (conversations/services/retraining.py).
    Periodic(
        "30 3 * * Sun",
        "campusvoice.conversations.tasks.classifier_retrain",
        "triage model from moderators' labels",
    ),
    Periodic("5 7 * * *", "campusvoice.outreach.tasks.relationships_mark_overdue", "overdue next steps"),
    # After the overdue marks, so the morning digest lists today's state.
    Periodic(
        "20 7 * * *", "campusvoice.outreach.tasks.relationship_reminders_send", "overdue reminders to owners"
    ),
]


def schedule_tasks() -> list[tuple[Periodic, object]]:
    """Each periodic entry with its Task, imported now so a wrong path fails at start-up."""
    return [(entry, import_string(entry.task)) for entry in SCHEDULE]
