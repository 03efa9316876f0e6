"""Facebook Login for Business, faked: the consent dialog, the code exchange and /me/accounts.

The real flow (developers.facebook.com/docs/facebook-login/facebook-login-for-business):
1. the app sends the person to `www.facebook.com/{version}/dialog/oauth?client_id=…&redirect_uri=…
   &state=…&config_id=…&response_type=code&override_default_response_type=true`; the
   *configuration* (config_id) replaces scopes: it names the token type, assets and permissions;
2. the person picks the Pages to share and comes back to `redirect_uri?code=…&state=…`, or, if
   they cancel, `redirect_uri?error=access_denied&error_code=200&error_reason=user_denied&state=…`;
3. the server swaps the code, once and within minutes, at `GET /oauth/access_token?client_id&
   redirect_uri&client_secret&code` for a short-lived user token, then swaps that for a long-lived
   one (`grant_type=fb_exchange_token`); `GET /me/accounts` with it lists the Pages, each with a
   Page token that does not expire.

Error texts are Meta's as reported in public bug trackers; the subcodes are **(unverified)**.
Here the dialog is served by the fake itself (`CAMPUSVOICE_META_DIALOG_URL` points at it).
"""

import hashlib
import hmac
import json
import secrets
from html import escape
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Request, Response

from .state import PAGE_SCOPES, FakeState, Token

# The fake's one Login for Business configuration (settings default to it in development).
DEMO_LOGIN_CONFIG_ID = "1094000000000042"
CODE_SECONDS = 600  # Meta's codes live about ten minutes
SHORT_LIVED_SECONDS = 2 * 3600
LONG_LIVED_SECONDS = 60 * 86400
# (path, name) for the fake's URL map; the version prefix is optional, as on Meta's hosts.
ROUTES = [
    (prefix + path, name)
    for prefix in ("", "/<version>")
    for path, name in (("/dialog/oauth", "dialog"), ("/oauth/access_token", "token"))
]
PAGE_TASKS = ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"]

CODE_USED = ("This authorization code has been used.", 36009)
CODE_EXPIRED = ("This authorization code has expired.", 36007)
REDIRECT_MISMATCH = (
    "Error validating verification code. Please make sure your redirect_uri is identical to the one "
    "you used in the OAuth dialog request",
    36008,
)


def seed(state: FakeState) -> None:
    """Reset the flow's book and register each Page's OAuth Page token (stable across restarts)."""
    state.oauth = {"codes": {}, "user_pages": {}}
    for page_id in state.pages:
        token = page_token_for(state, page_id)
        state.tokens[token] = Token(token, kind="page", page_id=page_id)


def page_token_for(state: FakeState, page_id: str) -> str:
    """The Page token /me/accounts hands out: derived, so a restarted fake still accepts it."""
    digest = hmac.new((state.app_secret or "fake").encode(), f"page:{page_id}".encode(), hashlib.sha256)
    return "oauth-page-" + digest.hexdigest()[:24]


def _error(message: str, *, code: int = 100, subcode: int | None = None, status: int = 400) -> Response:
    error = {"message": message, "type": "OAuthException", "code": code}
    if subcode:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "Fake" + secrets.token_hex(6)
    return Response(
        json.dumps({"error": error}), status=status, content_type="application/json; charset=UTF-8"
    )


def _json(body: dict) -> Response:
    return Response(json.dumps(body), content_type="application/json; charset=UTF-8")


def handle(state: FakeState, request: Request, name: str) -> Response:
    if name == "dialog":
        return dialog(state, request)
    return access_token(state, request)


# --- the consent dialog ------------------------------------------------------------------------


def _page(title: str, body: str, status: int = 200) -> Response:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>"
        "body{font:15px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1c1e21}"
        "fieldset{border:1px solid #ccd0d5;border-radius:8px;margin:1rem 0}button{font:inherit;padding:.4rem 1rem;"
        "margin-right:.5rem;border-radius:6px;border:1px solid #ccd0d5}button.go{background:#1877f2;color:#fff;"
        "border-color:#1877f2}.meta{color:#65676b;font-size:.85rem}</style></head>"
        f"<body><p class=meta>Fake Facebook (campusvoice's local stand-in)</p><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return Response(html, status=status, content_type="text/html; charset=utf-8")


def _redirect(uri: str, params: dict) -> Response:
    separator = "&" if urlsplit(uri).query else "?"
    return Response("", status=302, headers={"Location": f"{uri}{separator}{urlencode(params)}"})


def dialog(state: FakeState, request: Request) -> Response:
    values = request.form if request.method == "POST" else request.args
    client_id = values.get("client_id", "")
    redirect_uri = values.get("redirect_uri", "")
    config_id = values.get("config_id", "")
    oauth_state = values.get("state", "")
    # Errors before a trustworthy redirect_uri are shown here, as Facebook does, never redirected.
    if client_id != state.app_id:
        return _page("Invalid App ID", "<p>The provided app ID does not look like a valid app ID.</p>", 400)
    if urlsplit(redirect_uri).scheme not in ("http", "https") or not urlsplit(redirect_uri).netloc:
        return _page("URL blocked", "<p>The redirect_uri is missing or is not an absolute URL.</p>", 400)
    if config_id != DEMO_LOGIN_CONFIG_ID:
        return _page(
            "Invalid configuration",
            f"<p>Login for Business needs the configuration id of the app (config_id); "
            f"this fake knows only {DEMO_LOGIN_CONFIG_ID}.</p>",
            400,
        )
    if request.method == "POST":
        if values.get("decision") != "allow":
            return _redirect(
                redirect_uri,
                {
                    "error": "access_denied",
                    "error_code": "200",
                    "error_description": "Permissions error",
                    "error_reason": "user_denied",
                    "state": oauth_state,
                },
            )
        pages = [p for p in request.form.getlist("page") if p in state.pages]
        code = secrets.token_urlsafe(48)
        with state.lock:
            state.oauth["codes"][code] = {
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "expires_at": state.now() + CODE_SECONDS,
                "used": False,
                "pages": pages,
            }
        return _redirect(redirect_uri, {"code": code, "state": oauth_state})
    with state.lock:
        pages = [
            (p["id"], p["name"], state.ig_users.get(p.get("ig") or "", {})) for p in state.pages.values()
        ]
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(value)}">'
        for name, value in (
            ("client_id", client_id),
            ("redirect_uri", redirect_uri),
            ("config_id", config_id),
            ("state", oauth_state),
        )
    )
    choices = "".join(
        f'<label><input type="checkbox" name="page" value="{escape(page_id)}" checked> {escape(name)}'
        + (f" and Instagram @{escape(ig['username'])}" if ig else "")
        + f" <span class=meta>({escape(page_id)})</span></label><br>"
        for page_id, name, ig in pages
    )
    body = (
        f"<p>campusvoice (app {escape(client_id)}) asks to manage comments on the Pages you choose, "
        f"with these permissions: {escape(', '.join(PAGE_SCOPES))}.</p>"
        f'<form method="post">{hidden}<fieldset><legend>Pages to share</legend>{choices}</fieldset>'
        '<button class="go" type="submit" name="decision" value="allow">Continue</button>'
        '<button type="submit" name="decision" value="deny">Cancel</button></form>'
    )
    return _page("Connect campusvoice to your Pages", body)


# --- the code and token exchange ---------------------------------------------------------------


def access_token(state: FakeState, request: Request) -> Response:
    params = dict(request.args.items())
    if request.method == "POST":
        params.update(dict(request.form.items()))
    if params.get("client_id") != state.app_id:
        return _error("Error validating application. Invalid application ID.", code=101)
    if not hmac.compare_digest(params.get("client_secret", "").encode(), (state.app_secret or "").encode()):
        return _error("Error validating client secret.", code=1)
    now = state.now()
    with state.lock:
        if params.get("grant_type") == "fb_exchange_token":
            short = state.tokens.get(params.get("fb_exchange_token", ""))
            if (
                short is None
                or short.kind != "user"
                or short.expired
                or (short.expires_at and short.expires_at < now)
            ):
                return _error("Invalid OAuth access token - Cannot parse access token", code=190)
            pages = state.oauth["user_pages"].get(short.value, [])
            return _json(_user_token(state, pages=pages, seconds=LONG_LIVED_SECONDS))
        record = state.oauth["codes"].get(params.get("code", ""))
        if record is None:
            return _error("Invalid verification code format.")
        if record["used"]:
            return _error(CODE_USED[0], subcode=CODE_USED[1])
        if record["expires_at"] < now:
            return _error(CODE_EXPIRED[0], subcode=CODE_EXPIRED[1])
        if params.get("redirect_uri") != record["redirect_uri"]:
            return _error(REDIRECT_MISMATCH[0], subcode=REDIRECT_MISMATCH[1])
        record["used"] = True
        return _json(_user_token(state, pages=record["pages"], seconds=SHORT_LIVED_SECONDS))


def _user_token(state: FakeState, *, pages: list[str], seconds: int) -> dict:
    value = "fake-user-" + secrets.token_urlsafe(24)
    state.tokens[value] = Token(value, kind="user", expires_at=state.now() + seconds)
    state.oauth["user_pages"][value] = list(pages)
    return {"access_token": value, "token_type": "bearer", "expires_in": seconds}


# --- /me/accounts ------------------------------------------------------------------------------


def accounts(state: FakeState, token: Token, wanted: list) -> dict:
    """The Pages this user token was granted, each with its Page token; `wanted` are FieldSpecs."""
    data = []
    for page_id in state.oauth["user_pages"].get(token.value, []):
        page = state.pages.get(page_id)
        if page is None:
            continue
        ig = state.ig_users.get(page.get("ig") or "")
        values = {
            "id": page["id"],
            "name": page["name"],
            "access_token": page_token_for(state, page["id"]),
            "category": "Nonprofit Organization",
            "tasks": PAGE_TASKS,
            "instagram_business_account": {"id": ig["id"], "username": ig["username"]} if ig else None,
        }
        row = {}
        for spec in wanted:
            value = values.get(spec.name)
            if isinstance(value, dict) and spec.subfields is not None:
                value = {s.name: value[s.name] for s in spec.subfields if s.name in value}
            if value is not None:
                row[spec.name] = value
        data.append(row)
    body: dict = {"data": data}
    if data:
        body["paging"] = {"cursors": {"before": "QVFIUmFjY291bnRz", "after": "QVFIUmFjY291bnRz"}}
    return body
