"""Publishing campaign content on the connected Facebook Page (the Publisher of campaigns/publishing.py).

Page posts, question posts and allies' content shared go to the Page's feed with their link, or,
when their template has an image, to the Page's photos with the text as the caption.

Meta offers no idempotency key for posts, and a POST whose answer is lost (a timeout) may have
posted. So before every post we read the Page's own posts since the item's first attempt (less a
margin for clock skew) and adopt the one with exactly the item's text that no other item holds:
a retried publish never posts twice. Meta's error 506 ("duplicate status message") is answered
the same way. A post only just made may take a moment to appear in that list; the claim on the
item and the minute between runs cover that in practice.

The post becomes the inbox's Post, linked to the campaign and the item's campus, so comments that
the sync or webhooks bring in are counted for both.
"""

import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campusvoice.campaigns.models import ContentItem, ContentKind
from campusvoice.campaigns.publishing import (
    Published,
    PublishPermanentError,
    PublishTemporaryError,
    PublishUnavailable,
)
from campusvoice.conversations.models import Post

from .client import (
    MetaClient,
    MetaError,
    MetaPermanentError,
    MetaPermissionError,
    MetaRateLimited,
    MetaTokenError,
    MetaTransientError,
    PostItem,
)
from .models import MetaConnection
from .services import connection_error_record
from .tokens import TokenKeyError, token_decrypt

logger = logging.getLogger(__name__)

# How far before the first attempt to look for its post: our clock and Meta's may differ.
LOOKBACK = timedelta(minutes=10)
DUPLICATE_CODE = 506
POLICY_CODE = 368


def publish_error_message(error: MetaError) -> str:
    """What an organiser reads when Meta refuses or fails a post: what happened and what to do."""
    if isinstance(error, MetaTokenError):
        return _(
            "Meta rejected the Page token (error %(code)s): it expired or was revoked. An admin must "
            "connect the Page again; then take this item off the schedule and schedule it again."
        ) % {"code": error.code}
    if isinstance(error, MetaPermissionError):
        return _(
            "Meta refused: the app may not post on this Page (error %(code)s). An admin must grant "
            "the pages_manage_posts permission and connect the Page again."
        ) % {"code": error.code}
    if isinstance(error, MetaRateLimited):
        return _("Meta asked us to slow down (error %(code)s); it will be tried again in a few minutes.") % {
            "code": error.code or "usage"
        }
    if isinstance(error, MetaTransientError):
        return _(
            "Meta did not answer in time or had a temporary problem (%(code)s); it will be tried again "
            "in a few minutes, and not posted twice."
        ) % {"code": error.code or error.message}
    if error.code == POLICY_CODE:
        return _(
            "Meta blocked this post under its policies (error 368). Change the text, have it approved "
            "again and schedule it."
        )
    return _("Meta refused the post (error %(code)s/%(subcode)s: %(message)s).") % {
        "code": error.code,
        "subcode": error.subcode or 0,
        "message": error.message[:200],
    }


class PagePublisher:
    """Posts page posts, question posts and allies' shares on the organisation's Facebook Page."""

    @staticmethod
    def _connection() -> MetaConnection | None:
        # One organisation per deployment; with several Pages connected, the first one publishes.
        return (
            MetaConnection.objects.filter(status=MetaConnection.Status.ACTIVE)
            .exclude(token_encrypted="")
            .select_related("channel")
            .order_by("pk")
            .first()
        )

    def unavailable_reason(self) -> str:
        if self._connection() is not None:
            return ""
        stopped = (
            MetaConnection.objects.exclude(
                status__in=(MetaConnection.Status.ACTIVE, MetaConnection.Status.DISCONNECTED)
            )
            .order_by("pk")
            .first()
        )
        if stopped is not None:
            return _(
                "The Facebook Page connection stopped (%(status)s): scheduled items wait. Publish them "
                "from the export bundle and mark each one published, or ask an admin to connect the Page again."
            ) % {"status": stopped.get_status_display().lower()}
        return _(
            "No Facebook Page is connected: scheduled items wait. Publish them from the export bundle "
            "and mark each one published, or ask an admin to connect the Page."
        )

    def publish(self, item: ContentItem) -> Published:
        connection = self._connection()
        if connection is None:
            raise PublishUnavailable(self.unavailable_reason())
        image = _image(item)
        try:
            client = MetaClient(
                access_token=token_decrypt(connection.token_encrypted),
                graph_url=connection.graph_url,
                timeout=settings.CAMPUSVOICE_META_PUBLISH_TIMEOUT_SECONDS,
            )
        except TokenKeyError:
            raise PublishPermanentError(
                _(
                    "The Page token cannot be read with this server's key; an admin must connect the Page again."
                )
            ) from None
        try:
            found = _find(client, connection, item)
            if found is None:
                platform_id = _send(client, connection, item, image)
                if platform_id is None:  # Meta called it a duplicate: it is the post we made
                    found = _find(client, connection, item)
                    if found is None:
                        raise PublishPermanentError(
                            _("Meta refused this text as a duplicate of the Page's latest post (error 506).")
                        )
            if found is not None:
                platform_id, permalink, created_time = found.id, found.permalink, found.created_time
            else:
                permalink, created_time = _permalink(client, platform_id), timezone.now()
        except (MetaTokenError, MetaPermissionError) as exc:
            connection_error_record(connection=connection, error=exc)
            raise PublishPermanentError(publish_error_message(exc)) from None
        except (MetaRateLimited, MetaTransientError) as exc:
            raise PublishTemporaryError(publish_error_message(exc)) from None
        except MetaError as exc:
            raise PublishPermanentError(publish_error_message(exc)) from None
        post = _post_record(
            connection=connection,
            item=item,
            platform_id=platform_id,
            permalink=permalink,
            published_at=created_time or timezone.now(),
        )
        logger.info("meta: content item %s is post %s%s", item.pk, post.pk, " (found)" if found else "")
        return Published(
            platform_id=platform_id, permalink=permalink, post_id=post.pk, already_posted=found is not None
        )


def _image(item: ContentItem) -> tuple[str, bytes] | None:
    template = item.template
    if template is None or not template.image:
        return None
    try:
        with template.image.open("rb") as handle:
            return Path(template.image.name).name, handle.read()
    except OSError:
        raise PublishPermanentError(
            _("The template's image file is missing; upload the image again, then schedule the item.")
        ) from None


def _find(client: MetaClient, connection: MetaConnection, item: ContentItem) -> PostItem | None:
    """A post on the Page with exactly this item's text, since its first attempt, held by no other item."""
    since = (item.publish_started_at or timezone.now()) - LOOKBACK
    text = item.text.strip()
    candidates = [
        p for p in client.page_posts_since(connection.page_id, since=since) if p.message.strip() == text
    ]
    if not candidates:
        return None
    taken = set(
        Post.objects.filter(
            channel=connection.channel,
            platform_id__in=[p.id for p in candidates],
            content_item__isnull=False,
        )
        .exclude(content_item=item)
        .values_list("platform_id", flat=True)
    )
    # Newest first: the oldest free one is the first attempt's.
    free = [p for p in candidates if p.id not in taken]
    return free[-1] if free else None


def _send(client: MetaClient, connection: MetaConnection, item: ContentItem, image) -> str | None:
    """Post once; the post's id, or None when Meta says the Page's latest post has this text."""
    try:
        if image is not None:
            filename, data = image
            return client.page_photo_create(
                connection.page_id, caption=item.text, image=data, filename=filename
            )
        return client.page_post_create(connection.page_id, message=item.text, link=item.link)
    except MetaPermanentError as exc:
        if exc.code == DUPLICATE_CODE:
            return None
        raise


def _permalink(client: MetaClient, platform_id: str) -> str:
    try:
        return client.post_permalink(platform_id) or f"https://www.facebook.com/{platform_id}"
    except MetaError:
        # The post exists; its address can wait. Facebook resolves /{page}_{post} to the post.
        return f"https://www.facebook.com/{platform_id}"


@transaction.atomic
def _post_record(
    *, connection: MetaConnection, item: ContentItem, platform_id: str, permalink: str, published_at
) -> Post:
    """The inbox's Post for the item: linked to its campaign and campus (a synced one is completed)."""
    post, created = Post.objects.get_or_create(
        channel=connection.channel,
        platform_id=platform_id,
        defaults={
            "kind": Post.Kind.PAGE_POST,
            "campaign": item.campaign,
            "message": item.text,
            "permalink": permalink[:500],
            "published_at": published_at,
            "is_question": item.kind == ContentKind.QUESTION_POST,
        },
    )
    if not created:
        changed = []
        for name, value in (
            ("campaign", item.campaign),
            ("message", item.text),
            ("permalink", permalink[:500]),
            ("published_at", published_at),
        ):
            if not getattr(post, name):
                setattr(post, name, value)
                changed.append(name)
        if item.kind == ContentKind.QUESTION_POST and not post.is_question:
            post.is_question = True
            changed.append("is_question")
        if changed:
            post.save(update_fields=[*changed, "updated_at"])
    post.universities.add(item.university)
    return post
