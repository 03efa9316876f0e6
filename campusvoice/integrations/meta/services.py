"""Connecting and disconnecting Facebook Pages, and recording what Meta said about a token.

Connecting by pasting a Page token is for testing and small deployments; Facebook Login for
Business (login.py) hands us the Page token through OAuth, then connects it the same way.
"""

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.conversations.models import Channel
from campusvoice.errors import ApplicationError

from .client import (
    MetaClient,
    MetaError,
    MetaPermissionError,
    MetaRateLimited,
    MetaTokenError,
    MetaTransientError,
    PageInfo,
    TokenInfo,
)
from .models import INSTAGRAM_PERMISSIONS, REQUIRED_PAGE_PERMISSIONS, MetaConnection
from .tokens import token_decrypt, token_encrypt

logger = logging.getLogger(__name__)

EXPIRY_WARNING = timedelta(days=14)


class MetaConnectError(ApplicationError):
    """Meta refused the token or the Page cannot be used; the message says what to do."""


@dataclass
class TokenCheck:
    page: PageInfo
    token: TokenInfo
    missing_permissions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def meta_error_message(error: MetaError) -> str:
    """What an organiser should read about a Meta error: ours, with Meta's code, no personal data."""
    if isinstance(error, MetaTokenError):
        return _(
            "Meta rejected the Page token (error %(code)s): it expired or was revoked. "
            "Connect the Page again with a new token."
        ) % {"code": error.code}
    if isinstance(error, MetaPermissionError):
        return _(
            "Meta refused for lack of a permission (error %(code)s). Give the app the missing "
            "permissions on the Page (%(perms)s) and connect again."
        ) % {"code": error.code, "perms": ", ".join(REQUIRED_PAGE_PERMISSIONS)}
    if isinstance(error, MetaRateLimited):
        return _("Meta asked us to slow down (error %(code)s); the next sync will continue.") % {
            "code": error.code or "usage"
        }
    if isinstance(error, MetaTransientError):
        return _("Meta had a temporary problem (error %(code)s); the next sync will retry.") % {
            "code": error.code or "network"
        }
    return _("Meta refused the request (error %(code)s/%(subcode)s).") % {
        "code": error.code,
        "subcode": error.subcode or 0,
    }


def token_check(*, token: str, graph_url: str = "") -> TokenCheck:
    """Ask Meta who this token belongs to and what it may do; raises MetaConnectError if unusable."""
    token = token.strip()
    if not token:
        raise MetaConnectError(_("Paste a Page access token."))
    client = MetaClient(access_token=token, graph_url=graph_url)
    try:
        page = client.me()
        info = client.debug_token(token)
    except MetaError as exc:
        raise MetaConnectError(meta_error_message(exc)) from None
    if not info.is_valid:
        raise MetaConnectError(_("Meta says this token is not valid. Create a new Page token."))
    if info.type and info.type != "PAGE":
        raise MetaConnectError(
            _("This is a %(type)s token; paste a Page access token (from /me/accounts).")
            % {"type": info.type}
        )
    wanted = list(REQUIRED_PAGE_PERMISSIONS)
    if page.instagram_account_id:
        wanted += INSTAGRAM_PERMISSIONS
    check = TokenCheck(page=page, token=info, missing_permissions=[p for p in wanted if p not in info.scopes])
    if info.expires_at is not None:
        if info.expires_at - timezone.now() < EXPIRY_WARNING:
            check.warnings.append(
                _("This token expires on %(date)s. Use a long-lived Page token.")
                % {"date": info.expires_at.date().isoformat()}
            )
    return check


def connection_connect(
    *, token: str, by: User, graph_url: str = "", with_instagram: bool = True
) -> tuple[MetaConnection, TokenCheck]:
    """Check the token with Meta, then store the Page (encrypted token) and its channels.

    `with_instagram=False` leaves the Page's linked Instagram account out.

    Also subscribes the app to the Page's `feed` webhooks (a warning if Meta refuses).
    Reconnecting the same Page replaces its token and clears the error. Raises MetaConnectError.
    Missing permissions do not stop the connection; the page lists them so the admin can fix them.
    """
    check = token_check(token=token, graph_url=graph_url)  # HTTP outside the transaction
    if not with_instagram and check.page.instagram_account_id:
        check.page = replace(check.page, instagram_account_id="")
        check.missing_permissions = [p for p in check.missing_permissions if p not in INSTAGRAM_PERMISSIONS]
    try:
        # Install the app on the Page so Meta sends its `feed` webhooks (comments) to us.
        MetaClient(access_token=token.strip(), graph_url=graph_url).subscribe_page(check.page.id)
    except MetaError as exc:
        check.warnings.append(
            _("Webhooks are not subscribed (%(reason)s); comments arrive only with the periodic sync.")
            % {"reason": meta_error_message(exc)}
        )
    with transaction.atomic():
        connection = _connection_store(check=check, token=token.strip(), graph_url=graph_url)
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            object_type="meta_connection",
            object_id=connection.pk,
            summary="connected a Facebook Page",
            detail={"page_id": check.page.id, "missing_permissions": check.missing_permissions},
        )
    logger.info("meta connection %s connected (page %s)", connection.pk, connection.page_id)
    return connection, check


def _connection_store(*, check: TokenCheck, token: str, graph_url: str) -> MetaConnection:
    page = check.page
    channel, _created = Channel.objects.get_or_create(
        kind=Channel.Kind.FACEBOOK_PAGE, platform_id=page.id, defaults={"name": page.name[:200]}
    )
    instagram_channel = None
    if page.instagram_account_id:
        instagram_channel, _created = Channel.objects.get_or_create(
            kind=Channel.Kind.INSTAGRAM,
            platform_id=page.instagram_account_id,
            defaults={"name": f"{page.name[:180]} (Instagram)"},
        )
    connection = MetaConnection.objects.filter(page_id=page.id).first() or MetaConnection(page_id=page.id)
    connection.channel = channel
    connection.instagram_channel = instagram_channel
    connection.page_name = page.name[:200]
    connection.instagram_account_id = page.instagram_account_id
    connection.app_id = check.token.app_id
    connection.graph_url = graph_url
    connection.token_encrypted = token_encrypt(token)
    connection.token_expires_at = check.token.expires_at
    connection.permissions = list(check.token.scopes)
    connection.status = MetaConnection.Status.ACTIVE
    connection.last_error = ""
    connection.last_error_at = None
    connection.full_clean(exclude=["token_encrypted", "channel", "instagram_channel"])
    connection.save()
    return connection


@transaction.atomic
def connection_disconnect(*, connection: MetaConnection, by: User) -> MetaConnection:
    """Stop syncing and forget the token (the comments already in the inbox stay)."""
    connection.status = MetaConnection.Status.DISCONNECTED
    connection.token_encrypted = ""
    connection.save(update_fields=["status", "token_encrypted", "updated_at"])
    audit_record(
        actor=by,
        action=AuditEvent.Action.DELETE,
        object_type="meta_connection",
        object_id=connection.pk,
        summary="disconnected a Facebook Page",
        detail={"page_id": connection.page_id},
    )
    return connection


def connection_error_record(*, connection: MetaConnection, error: MetaError) -> MetaConnection:
    """Store what went wrong; token and permission errors stop the connection until reconnected."""
    connection.last_error = meta_error_message(error)
    connection.last_error_at = timezone.now()
    if isinstance(error, MetaTokenError):
        connection.status = MetaConnection.Status.TOKEN_INVALID
    elif isinstance(error, MetaPermissionError):
        connection.status = MetaConnection.Status.PERMISSION_MISSING
    connection.save(update_fields=["last_error", "last_error_at", "status", "updated_at"])
    logger.warning(
        "meta connection %s: error %s/%s (%s)", connection.pk, error.code, error.subcode, type(error).__name__
    )
    return connection


def connection_client(*, connection: MetaConnection, sleep=None, timeout: float | None = None) -> MetaClient:
    """A client with this connection's (decrypted) token; raises ApplicationError if it has none."""
    if not connection.token_encrypted or connection.status == MetaConnection.Status.DISCONNECTED:
        raise ApplicationError(_("This Page is disconnected; connect it again."))
    kwargs = {"sleep": sleep} if sleep is not None else {}
    if timeout is not None:
        kwargs["timeout"] = timeout
    return MetaClient(
        access_token=token_decrypt(connection.token_encrypted), graph_url=connection.graph_url, **kwargs
    )


def connection_expiring(*, connection: MetaConnection, now: datetime | None = None) -> bool:
    expires = connection.token_expires_at
    return expires is not None and expires - (now or timezone.now()) < EXPIRY_WARNING
