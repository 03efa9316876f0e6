"""Webhooks from Meta: verify, store raw, answer fast; then turn changes into inbox events.

Receiving (the view) only verifies the signature over the raw bytes and stores the body: no
parsing before the signature holds, no work before the 200. Processing (a task, and a sweeper
for anything a dead worker left behind) turns each comment change into a `CommentEvent`, once:
a `WebhookChange` row with a unique key is written in the same transaction as the change.
"""

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from campusvoice.conversations.models import Channel
from campusvoice.conversations.services.ingestion import CommentEvent, comment_event_apply
from campusvoice.errors import ApplicationError

from .models import MetaConnection, WebhookChange, WebhookDelivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Bodies hold comment text: drop processed ones after this long.
KEEP_PROCESSED = timedelta(days=7)
VERBS = {"add": "add", "edited": "edited", "edit": "edited", "remove": "remove", "delete": "remove"}
VERBS |= {"hide": "hide", "unhide": "unhide"}


def signature_valid(*, body: bytes, header: str) -> bool:
    """X-Hub-Signature-256 over the raw body with the App Secret, compared in constant time."""
    secret = settings.CAMPUSVOICE_META_APP_SECRET
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.removeprefix("sha256=").lower(), expected)


def verify_token_valid(token: str) -> bool:
    expected = settings.CAMPUSVOICE_META_VERIFY_TOKEN
    return bool(expected) and hmac.compare_digest(token.encode(), expected.encode())


def webhook_delivery_store(*, body: bytes) -> tuple[WebhookDelivery, bool]:
    """Store a verified body once (a byte-identical redelivery is the same row); enqueue its work.

    Returns the delivery and whether it is new. Processing is enqueued after commit, also for a
    redelivery of a body that is still pending, so a lost task gets another chance.
    """
    digest = hashlib.sha256(body).hexdigest()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().filter(body_sha256=digest).first()
        created = delivery is None
        if created:
            try:
                with transaction.atomic():
                    delivery = WebhookDelivery.objects.create(
                        body_sha256=digest, body=body, object=_object_of(body)
                    )
            except IntegrityError:
                delivery = WebhookDelivery.objects.select_for_update().get(body_sha256=digest)
                created = False
        if not created:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(times_received=delivery.times_received + 1)
        if delivery.status == WebhookDelivery.Status.PENDING:
            # robust: the delivery is stored; with the task queue down the sweep processes it, and
            # Meta gets its 200 instead of retrying a body we already hold.
            transaction.on_commit(partial(_process_enqueue, delivery.pk), robust=True)
    return delivery, created


def _object_of(body: bytes) -> str:
    # Only for the admin's eyes; the signature was checked before we look inside.
    try:
        return str(json.loads(body).get("object", ""))[:20]
    except (ValueError, AttributeError):
        return ""


def _process_enqueue(delivery_id: int) -> None:
    from . import tasks

    tasks.webhook_delivery_process.enqueue(delivery_id)


@dataclass(frozen=True)
class Change:
    """One comment change out of a delivery, with its channel and its once-only key."""

    channel: Channel
    event: CommentEvent
    field: str
    created_time: int
    text_digest: str


def webhook_delivery_process(*, delivery_id: int) -> WebhookDelivery | None:
    """Apply a delivery's comment changes, each exactly once; idempotent and safe to repeat.

    A change that fails (bad data, classifier down) leaves the delivery pending for the sweeper;
    after MAX_ATTEMPTS it is marked failed and kept for a person to look at.
    """
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return delivery
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=delivery.attempts + 1)
    delivery.attempts += 1
    try:
        payload = json.loads(bytes(delivery.body))
        changes = list(changes_from_payload(payload))
    except (ValueError, TypeError, AttributeError, KeyError):
        return _delivery_finish(delivery, status=WebhookDelivery.Status.FAILED, error="unreadable body")
    failed = 0
    for change in changes:
        try:
            change_apply(change=change, delivery=delivery)
        except (ValidationError, ApplicationError) as exc:
            failed += 1
            logger.warning(
                "meta webhook delivery %s: change on comment %s not applied (%s)",
                delivery.pk,
                change.event.platform_id,
                type(exc).__name__,
            )
    if failed:
        if delivery.attempts >= MAX_ATTEMPTS:
            return _delivery_finish(
                delivery, status=WebhookDelivery.Status.FAILED, error=f"{failed} changes failed"
            )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(error=f"{failed} changes failed")
        return delivery
    return _delivery_finish(delivery, status=WebhookDelivery.Status.DONE, error="")


def _delivery_finish(delivery: WebhookDelivery, *, status: str, error: str) -> WebhookDelivery:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status, error=error, processed_at=timezone.now()
    )
    delivery.status, delivery.error = status, error
    return delivery


@transaction.atomic
def change_apply(*, change: Change, delivery: WebhookDelivery | None = None) -> bool:
    """Apply one change unless its key was applied before; True if it was applied now."""
    if len(change.event.platform_id) > 100 or len(change.event.verb) > 20:
        # Refused before the key is written, which would fail on PostgreSQL's varchar(100).
        raise ValidationError({"platform_id": "A comment id is at most 100 characters."})
    try:
        with transaction.atomic():
            WebhookChange.objects.create(
                delivery=delivery,
                field=change.field,
                comment_id=change.event.platform_id,
                verb=change.event.verb,
                created_time=change.created_time,
                text_digest=change.text_digest,
            )
    except IntegrityError:
        return False
    comment_event_apply(channel=change.channel, event=change.event)
    return True


def changes_from_payload(payload: dict):
    """Comment changes in a delivery, for Pages and Instagram accounts we are connected to.

    Everything else (reactions, posts, shares, unknown objects or Pages) is skipped.
    """
    kind = payload.get("object")
    for entry in payload.get("entry") or []:
        entry_id = str(entry.get("id", ""))
        entry_time = _time(entry.get("time"))
        channel = _channel_for(kind, entry_id)
        if channel is None:
            continue
        for raw in entry.get("changes") or []:
            value = raw.get("value") or {}
            if kind == "page" and raw.get("field") == "feed" and value.get("item") == "comment":
                change = _page_change(channel, entry_id, entry_time, value)
            elif kind == "instagram" and raw.get("field") in ("comments", "live_comments"):
                change = _instagram_change(channel, entry_id, entry_time, raw["field"], value)
            else:
                change = None
            if change is not None:
                yield change


def _channel_for(kind: str | None, entry_id: str) -> Channel | None:
    if kind == "page":
        connection = MetaConnection.objects.select_related("channel").filter(page_id=entry_id).first()
        return connection.channel if connection else None
    if kind == "instagram":
        connection = (
            MetaConnection.objects.select_related("instagram_channel")
            .filter(instagram_account_id=entry_id)
            .first()
        )
        return connection.instagram_channel if connection else None
    return None


def _time(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError):
        return None


def _page_change(channel: Channel, page_id: str, entry_time, value: dict) -> Change | None:
    verb = VERBS.get(str(value.get("verb", "")))
    comment_id = str(value.get("comment_id", ""))
    post_id = str(value.get("post_id", ""))
    if verb is None or not comment_id or not post_id:
        return None
    raw_created = value.get("created_time")
    created = _time(raw_created)
    author = value.get("from") or {}
    message = value.get("message")
    parent = str(value.get("parent_id", ""))
    event = CommentEvent(
        platform_id=comment_id,
        post_platform_id=post_id,
        verb=verb,
        # entry.time is when Meta sent it, and a retry resends the same bytes, so it orders edits
        # and deletions of one comment; the creation time orders nothing after the "add".
        event_time=(created if verb == "add" else entry_time) or created or timezone.now(),
        parent_platform_id="" if parent == post_id else parent,
        author_platform_id=str(author.get("id", ""))[:64],
        author_name=str(author.get("name", ""))[:200],
        text=message if isinstance(message, str) else None,
        created_time=created if verb == "add" else None,
        is_from_page=str(author.get("id", "")) == page_id,
    )
    digest = (
        hashlib.sha256(message.encode()).hexdigest() if verb == "edited" and isinstance(message, str) else ""
    )
    created_key = int(raw_created) if str(raw_created or "").isdigit() else 0
    return Change(channel, event, "feed", created_key, digest)


def _instagram_change(channel: Channel, ig_id: str, entry_time, field: str, value: dict) -> Change | None:
    comment_id = str(value.get("id", ""))
    media_id = str((value.get("media") or {}).get("id", ""))
    if not comment_id or not media_id:
        return None
    author = value.get("from") or {}
    event = CommentEvent(
        platform_id=comment_id,
        post_platform_id=media_id,
        verb="add",  # Instagram's comments field announces new comments only
        event_time=entry_time or timezone.now(),
        parent_platform_id=str(value.get("parent_id", "")),
        author_platform_id=str(author.get("id", ""))[:64],
        author_name=str(author.get("username", ""))[:200],
        text=value.get("text") if isinstance(value.get("text"), str) else None,
        created_time=entry_time,
        is_from_page=str(author.get("id", "")) == ig_id,
    )
    # An Instagram comment is added once: its id alone is the key.
    return Change(channel, event, field, 0, "")


def webhook_deliveries_sweep(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Process deliveries a worker never finished, and purge processed bodies; returns how many ran."""
    cutoff = timezone.now() - older_than
    ids = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, received_at__lte=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:1000]
    )
    for delivery_id in ids:
        webhook_delivery_process(delivery_id=delivery_id)
    WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.DONE, processed_at__lt=timezone.now() - KEEP_PROCESSED
    ).delete()
    return len(ids)
