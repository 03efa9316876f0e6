"""Publishing content items on the platform: the interface an integration implements.

A publisher is named per content kind in settings, like the inbox's outboxes:

    CAMPUSVOICE_PUBLISHERS = {
        "page_post": "campusvoice.integrations.meta.publishing.PagePublisher",
        "question_post": "campusvoice.integrations.meta.publishing.PagePublisher",
        "ally_share": "campusvoice.integrations.meta.publishing.PagePublisher",
        "ad": "campusvoice.integrations.meta.publishing.AdPublisher",
    }

The class is built as `cls()`. Without an entry for a kind (the default) nothing is sent: the item
stays scheduled, the campaign page says so, and the organiser publishes from the export bundle and
marks the item published by hand.
"""

import logging
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from campusvoice.campaigns.models import ContentItem
from campusvoice.campaigns.services.content import content_item_mark_failed, content_item_mark_published

logger = logging.getLogger(__name__)

# After this many temporary failures the item is marked failed with the last reason.
MAX_ATTEMPTS = 5


class PublishTemporaryError(Exception):
    """The platform could not take the item now (rate limit, 5xx, network): the next run retries."""


class PublishPermanentError(Exception):
    """The platform refused the item for good (policy, permissions): it is marked failed.

    The message is shown to organisers as the reason.
    """


@dataclass
class Published:
    platform_id: str
    permalink: str = ""


class Publisher(Protocol):
    def publish(self, item: ContentItem) -> Published:
        """Publish the item's `text`, `link` and its template's image for `item.university`.

        Use `f"campusvoice-item-{item.pk}"` to deduplicate where the platform allows, so a retry
        after a timeout cannot post twice. Raise PublishTemporaryError or PublishPermanentError.
        """
        ...


def publisher_for(kind: str) -> Publisher | None:
    """The configured publisher for this content kind, or None when no integration is set up."""
    path = getattr(settings, "CAMPUSVOICE_PUBLISHERS", {}).get(kind)
    if not path:
        return None
    return import_string(path)()


def content_item_publish(*, item_id: int) -> ContentItem | None:
    """Publish one due item through its publisher; idempotent (only scheduled items are sent).

    No publisher: left scheduled. Permanent error: failed with the reason. Temporary error: the
    attempt is counted and the next run tries again, until MAX_ATTEMPTS.
    """
    item = ContentItem.objects.select_related("university", "template", "campaign").filter(pk=item_id).first()
    if item is None or item.status != ContentItem.Status.SCHEDULED:
        return item
    publisher = publisher_for(item.kind)
    if publisher is None:
        return item
    try:
        result = publisher.publish(item)
    except PublishPermanentError as exc:
        logger.warning("content item %s refused by the platform", item.pk)
        return content_item_mark_failed(item=item, reason=str(exc) or type(exc).__name__)
    except PublishTemporaryError as exc:
        attempts = item.publish_attempts + 1
        ContentItem.objects.filter(pk=item.pk).update(publish_attempts=attempts)
        logger.warning("content item %s not published (attempt %s)", item.pk, attempts)
        if attempts >= MAX_ATTEMPTS:
            return content_item_mark_failed(item=item, reason=str(exc) or type(exc).__name__)
        item.refresh_from_db()
        return item
    logger.info("content item %s published", item.pk)
    return content_item_mark_published(item=item, by=None, platform_id=result.platform_id)


def content_publish_due(*, now=None) -> list[int]:
    """Publish every scheduled item whose time has come; returns their ids."""
    now = now or timezone.now()
    due = list(
        ContentItem.objects.filter(status=ContentItem.Status.SCHEDULED, scheduled_at__lte=now)
        .order_by("scheduled_at", "pk")
        .values_list("pk", flat=True)
    )
    for item_id in due:
        content_item_publish(item_id=item_id)
    return due
