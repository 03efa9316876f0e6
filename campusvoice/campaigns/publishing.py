"""Publishing content items on the platform: the interface an integration implements.

A publisher is named per content kind in settings, like the inbox's outboxes:

    CAMPUSVOICE_PUBLISHERS = {
        "page_post": "campusvoice.integrations.meta.publishing.PagePublisher",
        "question_post": "campusvoice.integrations.meta.publishing.PagePublisher",
        "ally_share": "campusvoice.integrations.meta.publishing.PagePublisher",
        "ad": "campusvoice.integrations.meta.publishing.AdPublisher",
    }

The class is built as `cls()`. Without an entry for a kind, or while the publisher says it cannot
publish (`unavailable_reason()`, e.g. no Page connected), nothing is sent: the item stays
scheduled, the campaign page says why, and the organiser publishes from the export bundle and
marks the item published by hand.

Items are sent when due by `content_publish_due` (a task every minute), not handed to the
platform's own scheduler: until then an organiser can still take an item off the schedule, and
there is nothing on the platform to cancel or reconcile.

Never twice: a worker claims the item before it sends (the claim of a worker that dies runs out),
and every attempt is counted and timed before the platform is called, so a publisher can look
for a post an earlier attempt made but whose answer was lost.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.campaigns import tasks
from campusvoice.campaigns.models import ContentItem
from campusvoice.campaigns.services.content import (
    content_item_mark_failed,
    content_item_mark_published,
    content_item_schedule,
)
from campusvoice.errors import ApplicationError

logger = logging.getLogger(__name__)

# After this many temporary failures the item is marked failed with the last reason.
MAX_ATTEMPTS = 5
# Longer than one attempt can take (the client's waits on throttling included).
CLAIM = dt.timedelta(minutes=30)

Status = ContentItem.Status


class PublishTemporaryError(Exception):
    """The platform could not take the item now (rate limit, 5xx, network): the next run retries."""


class PublishPermanentError(Exception):
    """The platform refused the item for good (policy, permissions): it is marked failed.

    The message is shown to organisers as the reason.
    """


class PublishUnavailable(Exception):
    """Nothing can be published this way now (no connection): the item stays scheduled."""


@dataclass
class Published:
    platform_id: str
    permalink: str = ""
    post_id: int | None = None  # the inbox's Post for it, when the integration made one
    already_posted: bool = False  # an earlier attempt had posted it; nothing was sent again


class Publisher(Protocol):
    def publish(self, item: ContentItem) -> Published:
        """Publish the item's `text`, `link` and its template's image for `item.university`.

        A retry after a timeout must not post twice: look for the post an earlier attempt may
        have made (since `item.publish_started_at`) before sending. Raise PublishTemporaryError,
        PublishPermanentError or PublishUnavailable.

        A publisher may also define `unavailable_reason() -> str`: why it cannot publish now
        ("" when it can), shown on the campaign pages.
        """
        ...


def publisher_for(kind: str) -> Publisher | None:
    """The configured publisher for this content kind, or None when no integration is set up."""
    path = getattr(settings, "CAMPUSVOICE_PUBLISHERS", {}).get(kind)
    if not path:
        return None
    return import_string(path)()


def _unavailable(publisher: Publisher | None) -> str:
    if publisher is None:
        return _(
            "No publishing integration is set up: scheduled items are not posted automatically. "
            "Publish them from the export bundle and mark each one published."
        )
    check = getattr(publisher, "unavailable_reason", None)
    return check() if callable(check) else ""


def publishing_unavailable(*, kind: str) -> str:
    """Why items of this kind are not published automatically now; "" when they are."""
    return _unavailable(publisher_for(kind))


def _claim(item_id: int, now: dt.datetime) -> bool:
    """Take the item for this worker, counting the attempt; False if another worker holds it."""
    claimed = (
        ContentItem.objects.filter(pk=item_id, status=Status.SCHEDULED)
        .filter(Q(publish_claimed_until__isnull=True) | Q(publish_claimed_until__lt=now))
        .update(
            publish_claimed_until=now + CLAIM,
            publish_attempts=F("publish_attempts") + 1,
            publish_started_at=Coalesce(F("publish_started_at"), Value(now, output_field=DateTimeField())),
        )
    )
    return claimed == 1


def _release(item: ContentItem, **fields) -> None:
    ContentItem.objects.filter(pk=item.pk).update(publish_claimed_until=None, **fields)


def content_item_publish(*, item_id: int, by: User | None = None) -> ContentItem | None:
    """Publish one due item through its publisher; idempotent (only scheduled items are sent).

    No publisher or none available: left scheduled. Permanent error: failed with the reason.
    Temporary error: the reason is kept on the item and the next run tries again, until
    MAX_ATTEMPTS. Success: published, linked to its post, and written to the audit log.
    """
    item = ContentItem.objects.filter(pk=item_id).first()
    if item is None or item.status != Status.SCHEDULED:
        return item
    publisher = publisher_for(item.kind)
    if _unavailable(publisher) or not _claim(item.pk, timezone.now()):
        return item
    item = ContentItem.objects.select_related("university", "template", "campaign").get(pk=item_id)
    try:
        result = publisher.publish(item)
    except PublishUnavailable:
        _release(item, publish_attempts=F("publish_attempts") - 1)
        item.refresh_from_db()
        return item
    except PublishPermanentError as exc:
        _release(item)
        logger.warning("content item %s refused by the platform", item.pk)
        return content_item_mark_failed(item=item, reason=str(exc) or type(exc).__name__, by=by)
    except PublishTemporaryError as exc:
        reason = str(exc) or type(exc).__name__
        logger.warning("content item %s not published (attempt %s)", item.pk, item.publish_attempts)
        if item.publish_attempts >= MAX_ATTEMPTS:
            _release(item)
            return content_item_mark_failed(item=item, reason=reason, by=by)
        _release(item, failure_reason=reason[:1000])
        item.refresh_from_db()
        return item
    except Exception:
        _release(item)  # a bug: the next run tries again, looking for the post first
        raise
    with transaction.atomic():
        item = content_item_mark_published(
            item=item, by=by, platform_id=result.platform_id, post_id=result.post_id
        )
        _release(item)
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            object_type="content_item",
            object_id=item.pk,
            summary="published on the platform",
            detail={
                "kind": item.kind,
                "platform_id": result.platform_id,
                "already_posted": result.already_posted,
                "attempts": item.publish_attempts,
            },
        )
    logger.info(
        "content item %s published%s",
        item.pk,
        " (found from an earlier attempt)" if result.already_posted else "",
    )
    return item


def content_publish_due(*, now=None) -> list[int]:
    """Publish every scheduled item whose time has come; returns their ids."""
    now = now or timezone.now()
    due = list(
        ContentItem.objects.filter(status=Status.SCHEDULED, scheduled_at__lte=now)
        .order_by("scheduled_at", "pk")
        .values_list("pk", flat=True)
    )
    for item_id in due:
        content_item_publish(item_id=item_id)
    return due


@transaction.atomic
def content_item_publish_now(*, item: ContentItem, by: User) -> ContentItem:
    """Schedule an approved or scheduled item for now and send it in the background after commit.

    Raises ApplicationError, changing nothing, when it cannot be published automatically (no
    integration or connection: the reason says to use the export bundle) or is not approved.
    """
    reason = publishing_unavailable(kind=item.kind)
    if reason:
        raise ApplicationError(reason)
    item = ContentItem.objects.select_for_update().get(pk=item.pk)
    if item.status not in (Status.APPROVED, Status.SCHEDULED):
        raise ApplicationError(
            _("This item is %(status)s; only approved or scheduled items can be published now.")
            % {"status": item.get_status_display().lower()}
        )
    now = timezone.now()
    if item.status == Status.APPROVED or item.scheduled_at > now:
        item = content_item_schedule(item=item, at=now, by=by)
    # robust: the item is scheduled for now; with the task queue down the minute's sweep publishes it.
    transaction.on_commit(partial(tasks.content_item_publish.enqueue, item.pk, by.pk), robust=True)
    return item
