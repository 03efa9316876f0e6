"""Facebook Login for Business: the admin signs in with Facebook and picks the Page to connect.

1. `login_dialog_url` sends the admin to Meta's dialog with the app id, our callback, a one-time
   `state` (kept in the admin's session; the CSRF check of the flow) and the `config_id` of the
   app's Login for Business configuration, which names the permissions asked for;
2. `login_callback` checks the state, then swaps the code (once, within minutes) for a user token
   and that for a long-lived one;
3. `login_pages` lists the Pages the admin shared (GET /me/accounts), and `login_connect` stores
   the chosen Page's token exactly like a pasted one (services.connection_connect).

The user token is kept only between steps 2 and 3, encrypted, in the admin's session (views.py).
Neither token nor code is ever logged or rendered.
"""

import hmac
import logging
from collections.abc import Mapping
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from campusvoice.accounts.models import User
from campusvoice.errors import ApplicationError

from .client import API_VERSION, MetaClient, MetaError, MetaTokenError, PageAccount, UserToken
from .models import MetaConnection
from .services import TokenCheck, connection_connect, meta_error_message

logger = logging.getLogger(__name__)

META_GRAPH_URL = "https://graph.facebook.com"
# The dialog must come back within this long, or the admin starts again.
LOGIN_SECONDS = 15 * 60
# Meta's subcodes for a code used twice, expired, or sent with another redirect_uri (unverified).
CODE_USED, CODE_EXPIRED, REDIRECT_MISMATCH = 36009, 36007, 36008


class MetaLoginError(ApplicationError):
    """The Facebook log-in did not give us a usable Page; the message says what to do."""


def login_redirect_uri() -> str:
    """Our callback, absolute: Meta compares it byte for byte with the app's registered URIs."""
    return settings.SITE_URL.rstrip("/") + reverse("meta:login-callback")


def login_dialog_url(*, state: str) -> str:
    """Where "Connect with Facebook" sends the admin. Raises MetaLoginError if not set up."""
    if not settings.CAMPUSVOICE_META_APP_ID or not settings.CAMPUSVOICE_META_LOGIN_CONFIG_ID:
        raise MetaLoginError(
            _(
                "Facebook Login for Business is not set up: set CAMPUSVOICE_META_APP_ID and "
                "CAMPUSVOICE_META_LOGIN_CONFIG_ID, or paste a Page token below."
            )
        )
    query = urlencode(
        {
            "client_id": settings.CAMPUSVOICE_META_APP_ID,
            "redirect_uri": login_redirect_uri(),
            "state": state,
            "config_id": settings.CAMPUSVOICE_META_LOGIN_CONFIG_ID,
            "response_type": "code",
            "override_default_response_type": "true",
        }
    )
    return f"{settings.CAMPUSVOICE_META_DIALOG_URL.rstrip('/')}/{API_VERSION}/dialog/oauth?{query}"


def login_callback(*, expected_state: str, params: Mapping[str, str]) -> UserToken:
    """Check the dialog's answer and swap its code for a long-lived user token.

    `expected_state` is the state this admin's session started with ("" if none or too old).
    Raises MetaLoginError with a message for the admin; nothing is stored either way.
    """
    state = params.get("state", "")
    if not expected_state or not hmac.compare_digest(state.encode(), expected_state.encode()):
        # Not a log-in this admin started here (or it took too long): never use its code.
        raise MetaLoginError(
            _(
                "This Facebook log-in did not start from this page, or it took too long. "
                "Click “Connect with Facebook” to start again."
            )
        )
    if params.get("error"):
        if params.get("error_reason") == "user_denied" or params.get("error") == "access_denied":
            raise MetaLoginError(
                _("You cancelled the Facebook log-in or did not grant access; nothing was connected.")
            )
        raise MetaLoginError(
            _("Facebook did not complete the log-in (%(error)s); nothing was connected.")
            % {"error": params.get("error", "")[:60]}
        )
    code = params.get("code", "")
    if not code:
        raise MetaLoginError(_("Facebook sent no log-in code back. Start again."))
    client = MetaClient.for_app()
    try:
        short = client.code_exchange(code=code, redirect_uri=login_redirect_uri())
        return MetaClient.for_app().token_extend(short.access_token)
    except MetaError as exc:
        logger.warning("meta login: code exchange refused (%s/%s)", exc.code, exc.subcode)
        raise MetaLoginError(_code_error_message(exc)) from None


def _code_error_message(error: MetaError) -> str:
    if error.subcode == CODE_USED:
        return _("This Facebook log-in was already used. Click “Connect with Facebook” to start again.")
    if error.subcode == CODE_EXPIRED:
        return _("This Facebook log-in expired before we could use it. Click “Connect with Facebook” again.")
    if error.subcode == REDIRECT_MISMATCH:
        return _(
            "Meta refused the log-in because the return address differs from the app's settings "
            "(check CAMPUSVOICE_SITE_URL and the app's Valid OAuth Redirect URIs)."
        )
    if error.code in (1, 101):
        return _(
            "Meta refused this app's id or secret (error %(code)s): check CAMPUSVOICE_META_APP_ID "
            "and CAMPUSVOICE_META_APP_SECRET."
        ) % {"code": error.code}
    return meta_error_message(error)


def login_pages(*, user_token: str) -> list[PageAccount]:
    """The Pages the admin shared in the dialog. Raises MetaLoginError."""
    try:
        pages = MetaClient(access_token=user_token).accounts()
    except MetaTokenError:
        raise MetaLoginError(
            _("The Facebook log-in expired. Click “Connect with Facebook” to start again.")
        ) from None
    except MetaError as exc:
        raise MetaLoginError(meta_error_message(exc)) from None
    return [page for page in pages if page.access_token]


def login_connect(
    *, user_token: str, page_id: str, by: User, with_instagram: bool = True
) -> tuple[MetaConnection, TokenCheck]:
    """Connect one of the shared Pages with its Page token, as if it had been pasted."""
    page = next((p for p in login_pages(user_token=user_token) if p.id == page_id), None)
    if page is None:
        raise MetaLoginError(_("That Page was not shared in the Facebook log-in. Choose one of the list."))
    # Against a fake (demo, tests) the connection keeps its address, so commands run without the
    # demo's environment still reach it; against Meta it follows the setting.
    graph_url = settings.CAMPUSVOICE_META_GRAPH_URL.rstrip("/")
    graph_url = "" if graph_url == META_GRAPH_URL else graph_url
    return connection_connect(
        token=page.access_token, by=by, graph_url=graph_url, with_instagram=with_instagram
    )
