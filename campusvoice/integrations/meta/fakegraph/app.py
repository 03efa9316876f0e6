"""The fake Graph API as a WSGI application (werkzeug).

Why werkzeug rather than the standard library's ThreadingHTTPServer: the Graph API's wire format
leans on exactly what is fiddly to parse by hand (urlencoded *and* multipart POST bodies, repeated
query keys, percent-encoded JSON in `batch`), and werkzeug's `Request` parses all of it the way
every WSGI server does, while `werkzeug.serving` gives a threaded server that shuts down cleanly
from a test fixture. It is one small, well-kept dependency (Flask's foundation) with no C code.

What it imitates is §9 of docs/meta-graph-api.md; each rule below names the behaviour it copies.
"""

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import oauth, pageview
from .ads import AdsMixin
from .fields import FieldSpec, FieldSyntaxError, parse_fields
from .state import FakeState, Token

CURSOR_LIMIT_MESSAGE = "(#100) The After Cursor specified exceeds the max limit supported by this endpoint"
NOT_FOUND_MESSAGE = (
    "(#100) Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due to "
    "missing permissions, or does not support this operation."
)

# code: (HTTP status, message, subcode, is_transient). The SDK reads only the body; statuses vary.
ERRORS: dict[int, tuple[int, str, int | None, bool]] = {
    1: (500, "An unknown error occurred", None, True),
    2: (500, "An unexpected error has occurred. Please retry your request later.", None, True),
    4: (400, "(#4) Application request limit reached", None, True),
    10: (400, "(#10) Application does not have permission for this action", None, False),
    17: (400, "(#17) User request limit reached", 2446079, True),
    32: (400, "(#32) Page request limit reached", None, True),
    100: (400, "(#100) Invalid parameter", None, False),
    190: (
        400,
        "Error validating access token: Session has expired on Thursday, 01-Oct-26 10:00:00 PDT.",
        463,
        False,
    ),
    200: (403, "(#200) Requires pages_read_engagement permission to manage the object", None, False),
    368: (400, "(#368) The action attempted has been deemed abusive or is otherwise disallowed", None, False),
    506: (400, "(#506) Duplicate status message", None, False),
    613: (400, "(#613) Calls to this api have exceeded the rate limit.", 1487742, True),
    80001: (
        400,
        "(#80001) There have been too many calls to this Page account. Wait a bit and try again.",
        None,
        True,
    ),
    80002: (400, "(#80002) There have been too many calls to this Instagram account.", None, True),
    80004: (400, "(#80004) There have been too many calls to this ad-account.", None, True),
}
MAX_LIMIT = 100
DEFAULT_LIMIT = 25
BATCH_MAX = 50
VERSION = re.compile(r"^v\d+\.\d+$")


class GraphError(Exception):
    def __init__(self, code: int, message: str | None = None, *, subcode: int | None = None, status=None):
        default_status, default_message, default_subcode, transient = ERRORS.get(code, (400, "", None, False))
        self.code = code
        self.message = message or default_message
        self.subcode = subcode if subcode is not None else default_subcode
        self.status = status or default_status
        self.transient = transient
        super().__init__(self.message)

    def body(self) -> dict:
        error = {"message": self.message, "type": "OAuthException", "code": self.code}
        if self.subcode:
            error["error_subcode"] = self.subcode
        if self.transient:
            error["is_transient"] = True
        if getattr(self, "user_title", ""):  # what Ads Manager would show (fakegraph/ads.py)
            error["error_user_title"] = self.user_title
            error["error_user_msg"] = getattr(self, "user_msg", "")
        error["fbtrace_id"] = "Fake" + secrets.token_hex(6)
        return {"error": error}


def graph_time(timestamp: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def fields_to_str(specs: list[FieldSpec]) -> str:
    parts = []
    for spec in specs:
        text = spec.name + "".join(f".{k}({v})" for k, v in spec.modifiers.items())
        if spec.subfields is not None:
            text += "{" + fields_to_str(spec.subfields) + "}"
        parts.append(text)
    return ",".join(parts)


def _encode_cursor(key: tuple) -> str:
    return base64.urlsafe_b64encode(f"{key[0]}:{key[1]}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        first, second = raw.split(":", 1)
        return (int(first), second)
    except (ValueError, UnicodeDecodeError) as exc:
        raise GraphError(100, "(#100) The parameter after is not a valid cursor") from exc


START = (-1, "")  # the cursor before every item, used by empty pages that still carry `next`


def _truthy(value) -> bool:
    return str(value).lower() in ("1", "true")


@dataclass
class Ctx:
    token: Token
    base_url: str
    version: str
    query: dict  # the caller's access_token and appsecret_proof, repeated in `next` links like Meta does


class FakeGraphApp(AdsMixin):
    def __init__(self, state: FakeState):
        self.state = state
        self.url_map = Map(
            [
                Rule("/__fake__/<action>", endpoint="control", methods=["GET", "POST", "DELETE"]),
                Rule("/__fake__/<action>/<sub>", endpoint="control", methods=["GET", "POST", "DELETE"]),
                # Facebook Login for Business (fakegraph/oauth.py): the dialog and the code exchange.
                *(
                    Rule(path, endpoint="oauth", defaults={"name": n}, methods=["GET", "POST"])
                    for path, n in oauth.ROUTES
                ),
                Rule("/<path:rest>", endpoint="graph", methods=["GET", "POST", "DELETE"]),
                Rule("/", endpoint="graph", defaults={"rest": ""}, methods=["GET", "POST", "DELETE"]),
            ],
            strict_slashes=False,
        )
        self.webhook_sink = None  # set by the server when it emits webhooks

    # --- WSGI ---------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            endpoint, values = adapter.match()
            if endpoint == "control":
                response = self.control(request, values["action"], values.get("sub", ""))
            elif endpoint == "oauth":
                response = oauth.handle(self.state, request, values["name"])
            else:
                response = self.graph(request, values["rest"])
        except HTTPException as exc:
            response = self._json(exc.code or 400, GraphError(100, f"(#100) {exc.name}").body(), {})
        return response(environ, start_response)

    @staticmethod
    def _json(status: int, body, headers: dict) -> Response:
        response = Response(json.dumps(body), status=status, content_type="application/json; charset=UTF-8")
        for name, value in headers.items():
            response.headers[name] = value
        return response

    # --- the Graph API ------------------------------------------------------------------------

    def graph(self, request: Request, rest: str) -> Response:
        segments = [s for s in rest.split("/") if s]
        version = "v26.0"
        if segments and VERSION.match(segments[0]):
            version = segments.pop(0)
        params = dict(request.args.items())
        if request.method == "POST":
            params.update(dict(request.form.items()))
            # An upload (a photo's `source`) is kept as its name and size, never its bytes.
            params.update(
                {k: {"filename": f.filename, "size": len(f.read())} for k, f in request.files.items()}
            )
        base_url = request.host_url.rstrip("/")
        with self.state.lock:
            self.state.journal.calls += 1
        try:
            token = self._authenticate(params)
        except GraphError as exc:
            return self._json(exc.status, exc.body(), self._usage_headers(None, "", exc))
        ctx = Ctx(
            token=token,
            base_url=base_url,
            version=version,
            query={k: params[k] for k in ("access_token", "appsecret_proof") if k in params},
        )
        if not segments and request.method == "POST" and "batch" in params:
            return self._batch(ctx, params)
        status, headers, body = self.operation(ctx, request.method, segments, params)
        return self._json(status, body, headers)

    def _authenticate(self, params: dict) -> Token:
        access_token = params.get("access_token", "")
        if not access_token:
            raise GraphError(104, "An access token is required to request this resource.", status=400)
        if self.state.app_secret:
            proof = params.get("appsecret_proof", "")
            if not proof:
                raise GraphError(100, "API calls from the server require an appsecret_proof argument")
            expected = hmac.new(
                self.state.app_secret.encode(), access_token.encode(), hashlib.sha256
            ).hexdigest()
            if not hmac.compare_digest(proof, expected):
                raise GraphError(100, "Invalid appsecret_proof provided in the API argument")
        with self.state.lock:
            token = self.state.tokens.get(access_token)
        if token is None:
            raise GraphError(190, "Invalid OAuth access token - Cannot parse access token", subcode=0)
        if token.expired:
            raise GraphError(190)
        return token

    def operation(self, ctx: Ctx, method: str, segments: list[str], params: dict) -> tuple[int, dict, object]:
        """One Graph call, top-level or inside a batch: (status, headers, body)."""
        path = "/" + "/".join(segments)
        with self.state.lock:
            self.state.journal.operations += 1
            self.state.journal.requests.append(f"{method} {path}")
        fault = self.state.take_fault("error", path=path, method=method)
        try:
            if fault and fault.get("after_effect"):
                # The write happens, then the answer is lost: what a timeout after commit looks like.
                with self.state.lock:
                    self.dispatch(ctx, method, segments, params)
                if fault.get("delay"):
                    time.sleep(float(fault["delay"]))  # longer than the client's timeout: a real one
            if fault:
                raise GraphError(
                    int(fault.get("code", 2)),
                    fault.get("message"),
                    subcode=fault.get("subcode"),
                    status=fault.get("status"),
                )
            with self.state.lock:
                body = self.dispatch(ctx, method, segments, params)
            status = 200
            error = None
        except GraphError as exc:
            status, body, error = exc.status, exc.body(), exc
        return status, self._usage_headers(ctx.token, path, error), body

    def _usage_headers(self, token: Token | None, path: str, error: GraphError | None) -> dict:
        with self.state.lock:
            operations = self.state.journal.operations
            usage = dict(self.state.usage)
        percent = min(100, operations // 100)
        app = {"call_count": percent, "total_cputime": percent // 2, "total_time": percent // 2}
        app.update(usage.get("app", {}))
        if error and error.code == 4:
            app["call_count"] = 100
        headers = {"X-App-Usage": json.dumps(app), "x-fb-trace-id": secrets.token_hex(6)}
        object_id = path.strip("/").split("/")[0].split("_")[0] if path else ""
        business_id = token.page_id if token and token.kind == "page" else ""
        if object_id.startswith("act"):
            business_id = object_id.removeprefix("act")
            account = {"acc_id_util_pct": round(percent * 1.0, 2), "reset_time_duration": 0}
            account["ads_api_access_tier"] = "standard_access"
            account.update(usage.get("ad_account", {}))
            if error and error.code in (17, 613, 80004):
                account.update(acc_id_util_pct=100, reset_time_duration=100)
            headers["X-Ad-Account-Usage"] = json.dumps(account)
        if business_id:
            buc = {
                "type": "ads_management" if object_id.startswith("act") else "pages",
                "call_count": percent,
                "total_cputime": percent // 2,
                "total_time": percent // 2,
                "estimated_time_to_regain_access": 0,
                "ads_api_access_tier": "development_access",
            }
            buc.update(usage.get("buc", {}))
            if error and error.code in (80001, 80002, 80004, 32):
                buc.update(call_count=100, estimated_time_to_regain_access=3)
            headers["X-Business-Use-Case-Usage"] = json.dumps({business_id: [buc]})
        return headers

    def _batch(self, ctx: Ctx, params: dict) -> Response:
        try:
            calls = json.loads(params["batch"])
        except ValueError:
            error = GraphError(100, "(#100) The parameter batch must be a JSON array")
            return self._json(400, error.body(), self._usage_headers(ctx.token, "", error))
        if not isinstance(calls, list) or len(calls) > BATCH_MAX:
            error = GraphError(
                1, "(#1) Too many requests in batch message. Maximum batch size is 50", status=400
            )
            return self._json(400, error.body(), self._usage_headers(ctx.token, "", error))
        include_headers = params.get("include_headers", "true") != "false"
        fault = self.state.take_fault("batch_null")
        skipped = set(range(len(calls) - int(fault.get("entries", 1)), len(calls))) if fault else set()
        answers = []
        for index, call in enumerate(calls):
            if index in skipped:
                answers.append(None)
                continue
            answers.append(self._batch_entry(ctx, call, include_headers))
        return self._json(200, answers, self._usage_headers(ctx.token, "", None))

    def _batch_entry(self, ctx: Ctx, call: dict, include_headers: bool) -> dict:
        method = str(call.get("method", "GET")).upper()
        split = urlsplit(call.get("relative_url", ""))
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        if call.get("body"):
            params.update(dict(parse_qsl(call["body"], keep_blank_values=True)))
        segments = [s for s in split.path.split("/") if s]
        if segments and VERSION.match(segments[0]):
            segments.pop(0)
        entry_ctx = ctx
        if params.get("access_token") and params["access_token"] != ctx.token.value:
            try:
                entry_ctx = Ctx(self._authenticate(params), ctx.base_url, ctx.version, ctx.query)
            except GraphError as exc:
                return {"code": exc.status, "body": json.dumps(exc.body())}
        status, headers, body = self.operation(entry_ctx, method, segments, params)
        answer = {"code": status, "body": json.dumps(body)}
        if include_headers:
            answer["headers"] = [{"name": "Content-Type", "value": "text/javascript; charset=UTF-8"}] + [
                {"name": name, "value": value} for name, value in headers.items()
            ]
        return answer

    # --- routing Graph paths ------------------------------------------------------------------

    def resolve(self, node_id: str, method: str = "GET") -> tuple[str, dict]:
        state = self.state
        for kind, table in (
            ("page", state.pages),
            ("post", state.posts),
            ("comment", state.comments),
            ("ig_user", state.ig_users),
            ("ig_media", state.ig_media),
            ("ig_comment", state.ig_comments),
            *AdsMixin.ad_tables(state),
        ):
            obj = table.get(node_id)
            if obj is not None and not obj.get("deleted"):
                return kind, obj
        raise GraphError(100, NOT_FOUND_MESSAGE.format(method=method.lower(), id=node_id), subcode=33)

    def dispatch(self, ctx: Ctx, method: str, segments: list[str], params: dict):
        if not segments:
            raise GraphError(100, "(#100) Missing node id")
        if len(segments) > 2:
            raise GraphError(100, f"(#100) Unknown path components: /{'/'.join(segments[2:])}")
        node_id, edge = segments[0], (segments[1] if len(segments) > 1 else "")
        if node_id == "me" and edge == "accounts" and ctx.token.kind == "user":
            return oauth.accounts(self.state, ctx.token, self._specs(params, "id,name,access_token,tasks"))
        if node_id == "me":
            node_id = ctx.token.page_id if ctx.token.kind == "page" else "me"
            if node_id == "me":
                return self._render_scalar({"id": "6120000000009", "name": "Fake User"}, params)
        if node_id == "debug_token":
            return self.debug_token(params)
        kind, obj = self.resolve(node_id, method)
        handler = getattr(self, f"{method.lower()}_{kind}{'_' + edge if edge else ''}", None)
        if handler is None:
            if edge:
                raise GraphError(100, f"(#100) Unknown path components: /{edge}")
            raise GraphError(100, NOT_FOUND_MESSAGE.format(method=method.lower(), id=node_id), subcode=33)
        return handler(ctx, obj, params)

    def _specs(self, params: dict, default: str) -> list[FieldSpec]:
        try:
            return parse_fields(params.get("fields") or default)
        except FieldSyntaxError as exc:
            raise GraphError(100, f"(#100) {exc}") from exc

    @staticmethod
    def _render_scalar(obj: dict, params: dict) -> dict:
        wanted = (params.get("fields") or "id,name").split(",")
        return {k: obj[k] for k in wanted if k in obj}

    def _require(self, ctx: Ctx, *scopes: str, code: int = 200) -> None:
        if not any(scope in ctx.token.scopes for scope in scopes):
            raise GraphError(code, f"(#{code}) Requires {scopes[0]} permission to manage the object")

    # --- debug_token --------------------------------------------------------------------------

    def debug_token(self, params: dict) -> dict:
        token = self.state.tokens.get(params.get("input_token", ""))
        if token is None:
            return {
                "data": {"is_valid": False, "error": {"code": 190, "message": "Invalid OAuth access token."}}
            }
        return {
            "data": {
                "app_id": self.state.app_id,
                "type": "PAGE" if token.kind == "page" else "USER",
                "application": "campusvoice (fake)",
                "expires_at": token.expires_at,
                "data_access_expires_at": 0,
                "is_valid": not token.expired,
                "scopes": list(token.scopes),
                "profile_id": token.page_id,
                "user_id": "6120000000009",
            }
        }

    # --- rendering ----------------------------------------------------------------------------

    def _render(self, ctx: Ctx, node_type: str, obj: dict, specs: list[FieldSpec]) -> dict:
        out: dict = {}
        values = self._values(ctx, node_type, obj, wanted={spec.name for spec in specs})
        for spec in specs:
            if (node_type, spec.name) in EDGES:
                params = dict(spec.modifiers.items())
                if spec.subfields is not None:
                    params["fields"] = fields_to_str(spec.subfields)
                params.update(ctx.query)
                listing = getattr(self, f"get_{node_type}_{spec.name}")(ctx, obj, params)
                out[spec.name] = listing
                continue
            value = values.get(spec.name, _MISSING)
            if value is _MISSING:
                raise GraphError(
                    100,
                    f"(#100) Tried accessing nonexisting field ({spec.name}) on node type ({TYPE_NAMES[node_type]})",
                )
            if value is None:
                continue
            if isinstance(value, dict) and spec.subfields is not None:
                value = {s.name: value[s.name] for s in spec.subfields if s.name in value}
            out[spec.name] = value
        return out

    def _values(self, ctx: Ctx, node_type: str, obj: dict, wanted: set[str]) -> dict:
        state = self.state
        if node_type == "page":
            ig = obj.get("ig")
            values = {
                "id": obj["id"],
                "name": obj["name"],
                "instagram_business_account": {"id": ig} if ig else None,
                "category": "Nonprofit Organization",
                "link": f"https://www.facebook.com/{obj['id']}",
            }
        elif node_type == "post":
            page = state.pages[obj["page_id"]]
            values = {
                "id": obj["id"],
                "message": obj["message"],
                "created_time": graph_time(obj["created_time"]),
                "updated_time": graph_time(obj["created_time"]),
                "permalink_url": obj["permalink_url"],
                "link": obj.get("link") or None,
                "is_published": True,
                "is_hidden": False,
                "status_type": "mobile_status_update",
                "promotion_status": "active" if obj["kind"] == "ad" else "inactive",
                "from": {"id": page["id"], "name": page["name"]},
            }
        elif node_type == "comment":
            author = obj["from"]
            if (
                author is not None
                and "from" in wanted
                and (ctx.token.kind != "page" or state.take_fault("missing_from"))
            ):
                author = None
            replies = [c for c in state.comments.values() if c["parent_id"] == obj["id"] and not c["deleted"]]
            values = {
                "id": obj["id"],
                "message": obj["message"],
                "created_time": graph_time(obj["created_time"]),
                "from": author,
                "parent": {"id": obj["parent_id"]} if obj["parent_id"] else None,
                "like_count": obj["like_count"],
                "comment_count": len(replies),
                "is_hidden": obj["is_hidden"],
                "is_private": False,
                "permalink_url": obj["permalink_url"],
                "can_hide": True,
                "can_remove": True,
                "can_like": True,
                "can_comment": not obj["parent_id"],
                "can_reply_privately": not obj["private_reply_sent"],
                "user_likes": False,
                "object": {"id": obj["post_id"]},
                "message_tags": None,
                "attachment": None,
            }
        elif node_type == "ig_user":
            values = {
                "id": obj["id"],
                "username": obj["username"],
                "name": state.pages[obj["page_id"]]["name"],
                "media_count": sum(1 for m in state.ig_media.values() if m["ig_user_id"] == obj["id"]),
            }
        elif node_type == "ig_media":
            comments = [
                c for c in state.ig_comments.values() if c["media_id"] == obj["id"] and not c["deleted"]
            ]
            values = {
                "id": obj["id"],
                "caption": obj["caption"],
                "timestamp": graph_time(obj["timestamp"]),
                "permalink": obj["permalink"],
                "media_type": obj["media_type"],
                "media_product_type": obj["media_product_type"],
                "comments_count": len(comments),
                "like_count": 0,
                "comment_enabled": obj["comment_enabled"],
                "username": state.ig_users[obj["ig_user_id"]]["username"],
            }
        elif node_type == "ig_comment":
            author = obj["from"]
            if "from" in wanted and state.take_fault("missing_from"):
                author = None
            values = {
                "id": obj["id"],
                "text": obj["text"],
                "timestamp": graph_time(obj["timestamp"]),
                "from": author,
                "username": author["username"] if author else None,
                "like_count": obj["like_count"],
                "hidden": obj["hidden"],
                "parent_id": obj["parent_id"] or None,
                "media": {"id": obj["media_id"]},
            }
        else:  # pragma: no cover - resolve() only returns the kinds above
            values = {}
        return values

    # --- listing edges with cursor paging -----------------------------------------------------

    def _listing(
        self,
        ctx: Ctx,
        *,
        path: str,
        node_type: str,
        items: list[dict],
        time_key: str,
        params: dict,
        default_fields: str,
        default_order: str,
        summary_extra: dict | None = None,
    ) -> dict:
        specs = self._specs(params, default_fields)
        order = params.get("order", default_order)
        if order not in ("chronological", "reverse_chronological"):
            raise GraphError(100, "(#100) param order must be one of {CHRONOLOGICAL, REVERSE_CHRONOLOGICAL}")
        if params.get("since"):
            since = _timestamp(params["since"])
            items = [i for i in items if i[time_key] >= since]
        if params.get("until"):
            until = _timestamp(params["until"])
            items = [i for i in items if i[time_key] <= until]
        reverse = order == "reverse_chronological"
        ordered = sorted(items, key=lambda i: (i[time_key], i["id"]), reverse=reverse)
        try:
            limit = max(1, min(MAX_LIMIT, int(params.get("limit", DEFAULT_LIMIT))))
        except ValueError as exc:
            raise GraphError(100, "(#100) param limit must be a number") from exc

        def beyond(item, key) -> bool:
            item_key = (item[time_key], item["id"])
            return item_key < key if reverse else item_key > key

        start = 0
        position = START
        if params.get("after"):
            if self.state.take_fault("cursor_limit", path=path):
                raise GraphError(100, CURSOR_LIMIT_MESSAGE)
            position = _decode_cursor(params["after"])
            if position != START:
                start = next((n for n, item in enumerate(ordered) if beyond(item, position)), len(ordered))
        window = ordered[start : start + limit]
        has_more = start + limit < len(ordered)
        body: dict = {}
        if window and self.state.take_fault("empty_pages", path=path):
            # Meta may answer an empty page that still carries `next`; the caller must keep going.
            after = _encode_cursor(position)
            body["data"] = []
            body["paging"] = {
                "cursors": {"before": after, "after": after},
                "next": self._link(ctx, path, params, after=after),
            }
        else:
            body["data"] = [self._render(ctx, node_type, item, specs) for item in window]
            if window:
                first = _encode_cursor((window[0][time_key], window[0]["id"]))
                last = _encode_cursor((window[-1][time_key], window[-1]["id"]))
                body["paging"] = {"cursors": {"before": first, "after": last}}
                if has_more:
                    body["paging"]["next"] = self._link(ctx, path, params, after=last)
                if start > 0:
                    body["paging"]["previous"] = self._link(ctx, path, params, before=first)
        if _truthy(params.get("summary", "")):
            body["summary"] = {"order": order, "total_count": len(items), **(summary_extra or {})}
        return body

    def _link(self, ctx: Ctx, path: str, params: dict, **cursor) -> str:
        query = {k: v for k, v in params.items() if k not in ("after", "before")}
        query.update(ctx.query)
        query.update(cursor)
        return f"{ctx.base_url}/{ctx.version}/{path}?{urlencode(query)}"

    def _posts(self, page: dict, kinds: tuple[str, ...]) -> list[dict]:
        return [
            p
            for p in self.state.posts.values()
            if p["page_id"] == page["id"] and p["kind"] in kinds and not p["deleted"]
        ]

    def _post_listing(self, ctx, page, params, kinds, edge) -> dict:
        self._require(ctx, "pages_read_engagement", "pages_manage_posts", code=10)
        return self._listing(
            ctx,
            path=f"{page['id']}/{edge}",
            node_type="post",
            items=self._posts(page, kinds),
            time_key="created_time",
            params=params,
            default_fields="id,message,created_time",
            default_order="reverse_chronological",
        )

    def get_page(self, ctx, page, params):
        return self._render(ctx, "page", page, self._specs(params, "id,name"))

    def get_page_published_posts(self, ctx, page, params):
        return self._post_listing(ctx, page, params, ("published",), "published_posts")

    def get_page_feed(self, ctx, page, params):
        return self._post_listing(ctx, page, params, ("published", "visitor"), "feed")

    def get_page_posts(self, ctx, page, params):
        return self._post_listing(ctx, page, params, ("published",), "posts")

    def get_page_ads_posts(self, ctx, page, params):
        self._require(ctx, "pages_manage_ads", "ads_management", "ads_read")
        return self._post_listing(ctx, page, params, ("ad",), "ads_posts")

    def get_page_subscribed_apps(self, ctx, page, params):
        return {"data": [{"id": self.state.app_id, "subscribed_fields": ["feed"]}]}

    def get_post(self, ctx, post, params):
        return self._render(ctx, "post", post, self._specs(params, "id,message,created_time"))

    def _comment_listing(self, ctx, path, items, params):
        self._require(ctx, "pages_read_engagement", "pages_read_user_content", code=10)
        return self._listing(
            ctx,
            path=path,
            node_type="comment",
            items=items,
            time_key="created_time",
            params=params,
            default_fields="id,message,created_time,from",
            default_order="chronological",
            summary_extra={"can_comment": True},
        )

    def get_post_comments(self, ctx, post, params):
        items = [c for c in self.state.comments.values() if c["post_id"] == post["id"] and not c["deleted"]]
        if params.get("filter", "toplevel") != "stream":
            items = [c for c in items if not c["parent_id"]]
        return self._comment_listing(ctx, f"{post['id']}/comments", items, params)

    def get_comment(self, ctx, comment, params):
        return self._render(ctx, "comment", comment, self._specs(params, "id,message,created_time,from"))

    def get_comment_comments(self, ctx, comment, params):
        items = [
            c for c in self.state.comments.values() if c["parent_id"] == comment["id"] and not c["deleted"]
        ]
        return self._comment_listing(ctx, f"{comment['id']}/comments", items, params)

    def get_ig_user(self, ctx, user, params):
        return self._render(ctx, "ig_user", user, self._specs(params, "id,username"))

    def get_ig_user_media(self, ctx, user, params):
        self._require(ctx, "instagram_basic", code=10)
        items = [m for m in self.state.ig_media.values() if m["ig_user_id"] == user["id"]]
        return self._listing(
            ctx,
            path=f"{user['id']}/media",
            node_type="ig_media",
            items=items,
            time_key="timestamp",
            params=params,
            default_fields="id",
            default_order="reverse_chronological",
        )

    def get_ig_media(self, ctx, media, params):
        return self._render(ctx, "ig_media", media, self._specs(params, "id"))

    def _ig_comment_listing(self, ctx, path, items, params):
        self._require(ctx, "instagram_manage_comments", "instagram_basic", code=10)
        return self._listing(
            ctx,
            path=path,
            node_type="ig_comment",
            items=items,
            time_key="timestamp",
            params=params,
            default_fields="id,text,timestamp",
            default_order="chronological",
        )

    def get_ig_media_comments(self, ctx, media, params):
        items = [
            c
            for c in self.state.ig_comments.values()
            if c["media_id"] == media["id"] and not c["parent_id"] and not c["deleted"]
        ]
        return self._ig_comment_listing(ctx, f"{media['id']}/comments", items, params)

    def get_ig_comment(self, ctx, comment, params):
        return self._render(ctx, "ig_comment", comment, self._specs(params, "id,text,timestamp"))

    def get_ig_comment_replies(self, ctx, comment, params):
        items = [
            c for c in self.state.ig_comments.values() if c["parent_id"] == comment["id"] and not c["deleted"]
        ]
        return self._ig_comment_listing(ctx, f"{comment['id']}/replies", items, params)

    # --- writes -------------------------------------------------------------------------------

    def post_page_feed(self, ctx, page, params):
        self._require(ctx, "pages_manage_posts")
        message = params.get("message", "")
        mine = self._posts(page, ("published",))
        if mine and message and max(mine, key=lambda p: p["created_time"])["message"] == message:
            raise GraphError(506)
        kind = "published" if params.get("published", "true") != "false" else "ad"
        post = self.state.add_post(page_id=page["id"], message=message, kind=kind)
        post["link"] = params.get("link", "")
        self.state.journal.posts_created.append(post["id"])
        return {"id": post["id"]}

    def post_page_photos(self, ctx, page, params):
        # POST /{page-id}/photos with `source` (multipart) or `url`, and `caption`.
        self._require(ctx, "pages_manage_posts")
        image = params.get("source") or params.get("url")
        if not image:
            raise GraphError(324, "(#324) Requires upload file")
        kind = "published" if params.get("published", "true") != "false" else "ad"
        post = self.state.add_post(page_id=page["id"], message=params.get("caption", ""), kind=kind)
        post["photo"] = image
        self.state.journal.posts_created.append(post["id"])
        return {"id": self.state.next_id(), "post_id": post["id"]}

    def _reply(self, ctx, post_id: str, parent_id: str, params) -> dict:
        self._require(ctx, "pages_manage_engagement")
        message = params.get("message", "")
        if not message and not params.get("attachment_url"):
            raise GraphError(100, "(#100) Missing message or attachment")
        page = self.state.pages[self.state.posts[post_id]["page_id"]]
        comment = self.state.add_comment(
            post_id=post_id,
            message=message,
            author={"id": page["id"], "name": page["name"]},
            parent_id=parent_id,
        )
        self.state.journal.replies.append(
            {"id": comment["id"], "parent": parent_id or post_id, "message": message}
        )
        return {"id": comment["id"]}

    def post_post_comments(self, ctx, post, params):
        return self._reply(ctx, post["id"], "", params)

    def post_comment_comments(self, ctx, comment, params):
        return self._reply(ctx, comment["post_id"], comment["id"], params)

    def post_comment(self, ctx, comment, params):
        self._require(ctx, "pages_manage_engagement")
        if "is_hidden" in params:
            hidden = _truthy(params["is_hidden"])
            comment["is_hidden"] = hidden
            self.state.journal.hidden[comment["id"]] = hidden
            self.state.notify_comment(comment, "hide" if hidden else "unhide")
        elif "message" in params:
            comment["message"] = params["message"]
            self.state.notify_comment(comment, "edited")
        else:
            raise GraphError(100, "(#100) No fields to update")
        return {"success": True}

    def post_comment_likes(self, ctx, comment, params):
        comment["like_count"] += 1
        return {"success": True}

    def post_page_subscribed_apps(self, ctx, page, params):
        self._require(ctx, "pages_manage_metadata")
        return {"success": "true"}

    def post_page_messages(self, ctx, page, params):
        self._require(ctx, "pages_messaging")
        try:
            recipient = json.loads(params.get("recipient", "{}"))
            json.loads(params.get("message", "{}"))
        except ValueError as exc:
            raise GraphError(100, "(#100) param recipient must be JSON") from exc
        comment = self.state.comments.get(recipient.get("comment_id", ""))
        if comment is None or comment["deleted"]:
            raise GraphError(100, "(#100) No matching comment", subcode=2018001)
        if comment["private_reply_sent"]:
            raise GraphError(10, "(#10) Only one private reply is allowed per comment", subcode=2018108)
        if self.state.now() - comment["created_time"] > 7 * 86400:
            raise GraphError(10, "(#10) This message is sent outside of allowed window.", subcode=2018278)
        comment["private_reply_sent"] = True
        message_id = "m_" + secrets.token_hex(8)
        self.state.journal.private_replies.append({"comment_id": comment["id"], "message_id": message_id})
        return {"recipient_id": "9001", "message_id": message_id}

    def post_ig_comment_replies(self, ctx, comment, params):
        self._require(ctx, "instagram_manage_comments")
        if comment["parent_id"]:
            raise GraphError(100, "(#100) Replies are only allowed on top-level comments")
        if comment["hidden"]:
            raise GraphError(100, "(#100) Cannot reply to a hidden comment")
        message = params.get("message", "")
        if not message:
            raise GraphError(100, "(#100) The parameter message is required")
        user = self.state.ig_users[self.state.ig_media[comment["media_id"]]["ig_user_id"]]
        reply = self.state.add_ig_comment(
            media_id=comment["media_id"],
            text=message,
            author={"id": user["id"], "username": user["username"]},
            parent_id=comment["id"],
        )
        self.state.journal.replies.append({"id": reply["id"], "parent": comment["id"], "message": message})
        return {"id": reply["id"]}

    def post_ig_comment(self, ctx, comment, params):
        self._require(ctx, "instagram_manage_comments")
        if "hide" not in params:
            raise GraphError(100, "(#100) The parameter hide is required")
        comment["hidden"] = _truthy(params["hide"])
        self.state.journal.hidden[comment["id"]] = comment["hidden"]
        return {"success": True}

    def post_ig_media(self, ctx, media, params):
        self._require(ctx, "instagram_manage_comments")
        media["comment_enabled"] = _truthy(params.get("comment_enabled", "true"))
        return {"success": True}

    def _delete(self, ctx, obj, scope):
        self._require(ctx, scope)
        obj["deleted"] = True
        self.state.journal.deleted.append(obj["id"])
        return {"success": True}

    def delete_comment(self, ctx, comment, params):
        result = self._delete(ctx, comment, "pages_manage_engagement")
        self.state.notify_comment(comment, "remove")
        return result

    def delete_ig_comment(self, ctx, comment, params):
        return self._delete(ctx, comment, "instagram_manage_comments")

    def delete_post(self, ctx, post, params):
        return self._delete(ctx, post, "pages_manage_posts")

    # --- the control API for tests ------------------------------------------------------------

    def control(self, request: Request, action: str, sub: str) -> Response:
        state = self.state
        payload = request.get_json(silent=True) or {}
        if action == "state":
            return self._json(200, state.snapshot(), {})
        if action == "page":  # a person's read-only view of the Page (fakegraph/pageview.py)
            return Response(pageview.page_view_html(state), content_type="text/html; charset=utf-8")
        if action == "reset":
            state.reset(payload.get("seed", "empty"))
            return self._json(200, {"ok": True}, {})
        if action == "faults":
            with state.lock:
                if request.method == "DELETE":
                    state.faults.clear()
                else:
                    faults = payload.get("faults", [payload] if payload else [])
                    state.faults.extend(dict(f) for f in faults)
            return self._json(200, {"faults": len(state.faults)}, {})
        if action == "usage":
            with state.lock:
                state.usage = payload
            return self._json(200, {"ok": True}, {})
        if action == "tokens":
            token = Token(
                value=payload["token"],
                kind=payload.get("kind", "page"),
                page_id=payload.get("page_id", next(iter(state.pages), "")),
                scopes=tuple(payload.get("scopes", Token.__dataclass_fields__["scopes"].default)),
                expires_at=int(payload.get("expires_at", 0)),
                expired=bool(payload.get("expired", False)),
            )
            with state.lock:
                state.tokens[token.value] = token
            return self._json(200, {"ok": True}, {})
        if action == "posts":
            created = []
            with state.lock:
                for n in range(int(payload.get("count", 1))):
                    post = state.add_post(
                        page_id=payload.get("page_id", next(iter(state.pages))),
                        message=payload.get("message", f"Post {n + 1}"),
                        kind=payload.get("kind", "published"),
                        created_time=payload.get("created_time"),
                    )
                    created.append(post["id"])
            return self._json(200, {"ids": created}, {})
        if action == "comments" and sub in ("edit", "delete", "hide"):
            return self._control_comment_action(sub, payload)
        if action == "comments":
            return self._json(200, {"ids": self._control_add_comments(payload)}, {})
        if action == "media":
            with state.lock:
                media = state.add_ig_media(
                    ig_user_id=payload.get("ig_user_id", next(iter(state.ig_users))),
                    caption=payload.get("caption", "Photo"),
                )
            return self._json(200, {"id": media["id"]}, {})
        if action == "webhooks" and self.webhook_sink is not None:
            statuses = self.webhook_sink(payload.get("object", "page"), payload.get("entries", []))
            return self._json(200, {"statuses": statuses}, {})
        return self._json(404, {"error": f"unknown control action {action}"}, {})

    def _control_add_comments(self, payload: dict) -> list[str]:
        state = self.state
        ids = []
        start = int(payload.get("start_time") or state.now() - int(payload.get("count", 0)))
        with state.lock:
            if payload.get("media_id"):
                for n, spec in enumerate(_comment_specs(payload)):
                    comment = state.add_ig_comment(
                        media_id=payload["media_id"],
                        text=spec.get("text") or spec.get("message", ""),
                        author=spec.get("from") or {"id": f"1785{n % 50}", "username": f"student_{n % 50}"},
                        parent_id=spec.get("parent_id", ""),
                        timestamp=spec.get("created_time") or start + n,
                        notify=payload.get("notify", True),
                    )
                    ids.append(comment["id"])
                return ids
            for n, spec in enumerate(_comment_specs(payload)):
                author = (
                    spec["from"] if "from" in spec else {"id": f"70{n % 50:02d}", "name": f"Visitor {n % 50}"}
                )
                comment = state.add_comment(
                    post_id=payload["post_id"],
                    message=spec.get("message", ""),
                    author=author,
                    parent_id=spec.get("parent_id", ""),
                    created_time=spec.get("created_time") or start + n,
                    notify=payload.get("notify", True),
                )
                ids.append(comment["id"])
        return ids

    def _control_comment_action(self, sub: str, payload: dict) -> Response:
        """A visitor edits or deletes their own comment (the webhooks follow)."""
        with self.state.lock:
            comment = self.state.comments[payload["id"]]
            if sub == "edit":
                comment["message"] = payload.get("message", "")
                self.state.notify_comment(comment, "edited")
            elif sub == "hide":
                comment["is_hidden"] = True
                self.state.notify_comment(comment, "hide")
            else:
                comment["deleted"] = True
                self.state.notify_comment(comment, "remove")
        return self._json(200, {"ok": True}, {})


def _comment_specs(payload: dict) -> list[dict]:
    if "comments" in payload:
        return payload["comments"]
    return [{"message": f"Comment {n + 1}"} for n in range(int(payload.get("count", 1)))]


def _timestamp(value) -> int:
    from datetime import datetime

    text = str(value)
    if text.isdigit():
        return int(text)
    try:
        return int(datetime.fromisoformat(text.replace("+0000", "+00:00")).timestamp())
    except ValueError as exc:
        raise GraphError(100, "(#100) param since/until must be a time") from exc


class _Missing:
    pass


_MISSING = _Missing()

EDGES = frozenset(
    {
        ("page", "published_posts"),
        ("page", "feed"),
        ("page", "posts"),
        ("page", "ads_posts"),
        ("post", "comments"),
        ("comment", "comments"),
        ("ig_user", "media"),
        ("ig_media", "comments"),
        ("ig_comment", "replies"),
    }
)
TYPE_NAMES = {
    "page": "Page",
    "post": "Post",
    "comment": "Comment",
    "ig_user": "IGUser",
    "ig_media": "IGMedia",
    "ig_comment": "IGComment",
}
