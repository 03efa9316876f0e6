"""The Graph API client: the only module that imports `facebook_business`.

It speaks the SDK's wire format (access_token and appsecret_proof on every request, JSON-encoded
parameters, batches), returns our dataclasses, raises our exceptions, retries transient failures
and throttling with tenacity, and reads Meta's usage headers to slow down before Meta blocks us.
The base URL comes from settings (or the connection), so tests and the demo talk to the fake.

Never log a request's parameters or an SDK exception's text: they carry comment text and tokens.
"""

import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

import requests
from django.conf import settings
from facebook_business.api import FacebookAdsApi, FacebookResponse
from facebook_business.exceptions import FacebookRequestError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

logger = logging.getLogger(__name__)

API_VERSION = "v26.0"
BATCH_MAX = 50
# Fields the inbox needs; `from` is optional everywhere (privacy, non-Page tokens).
COMMENT_FIELDS = "id,message,created_time,from,parent,like_count,comment_count,is_hidden,permalink_url"
IG_COMMENT_FIELDS = "id,text,timestamp,from,username,like_count,hidden,parent_id"
POST_FIELDS = "id,message,created_time,permalink_url"
IG_MEDIA_FIELDS = "id,caption,timestamp,permalink,comments_count"
POSTS_PER_PAGE = 25
INSIGHT_FIELDS = "campaign_id,adset_id,adset_name,reach,impressions,frequency,spend,clicks,account_currency"
# Page post metrics; post_impressions_unique is reach. Meta renames Page metrics often: re-check.
POST_METRICS = (
    "post_impressions_unique,post_impressions,post_reactions_by_type_total,post_activity_by_action_type"
)
# (unverified) The subcode of Meta's refusal of a social-issue ad set aimed at the EU; the fake's.
EU_ISSUE_ADS_SUBCODE = 3858495
RATE_LIMIT_CODES = {4, 17, 32, 613, 80000, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009, 80014}
TOKEN_CODES = {102, 190}
TRANSIENT_CODES = {1, 2}


# --- exceptions ---------------------------------------------------------------------------------


class MetaError(Exception):
    """Meta refused or failed a call. `message` is Meta's own text, never our request's."""

    def __init__(self, message: str, *, code: int | None = None, subcode: int | None = None):
        super().__init__(f"Meta error {code}/{subcode}: {message}" if code else message)
        self.message = message
        self.code = code
        self.subcode = subcode


class MetaRateLimited(MetaError):
    def __init__(self, message: str, *, retry_after: float, code=None, subcode=None, from_usage=False):
        super().__init__(message, code=code, subcode=subcode)
        self.retry_after = retry_after
        # Raised by us before calling, because the usage headers crossed the stop threshold.
        self.from_usage = from_usage


class MetaTokenError(MetaError):
    """The token expired or was revoked (190): a person must reconnect; never retry."""


class MetaPermissionError(MetaError):
    """A permission or task is missing (10, 200–299): a person must grant it; never retry."""


class MetaTransientError(MetaError):
    """A server-side hiccup (1, 2, 5xx, network): retry later."""


class MetaPermanentError(MetaError):
    """Anything else: the request itself is wrong or the object is gone."""


class MetaNotFound(MetaPermanentError):
    """The object does not exist (any more), e.g. a deleted comment (100/33)."""


# --- what we return -----------------------------------------------------------------------------


def parse_time(value: str | int | None) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) or str(value).isdigit():
        return datetime.fromtimestamp(int(value), tz=UTC)
    return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z")


@dataclass(frozen=True)
class Usage:
    """The highest usage Meta reported, in percent, and how long until access returns."""

    app: float = 0
    business: float = 0
    ad_account: float = 0
    regain_seconds: float = 0

    @property
    def highest(self) -> float:
        return max(self.app, self.business, self.ad_account)

    @classmethod
    def from_headers(cls, headers) -> "Usage | None":
        if not headers:
            return None
        if isinstance(headers, list):  # batch entries carry [{"name", "value"}]
            headers = {h.get("name", ""): h.get("value", "") for h in headers if isinstance(h, dict)}
        lower = {str(k).lower(): v for k, v in dict(headers).items()}
        found = False
        app = business = ad_account = regain = 0.0
        try:
            if "x-app-usage" in lower:
                found = True
                data = json.loads(lower["x-app-usage"])
                app = max(float(data.get(k, 0)) for k in ("call_count", "total_cputime", "total_time"))
            if "x-business-use-case-usage" in lower:
                found = True
                for entries in json.loads(lower["x-business-use-case-usage"]).values():
                    for buc in entries:
                        business = max(
                            business,
                            *(float(buc.get(k, 0)) for k in ("call_count", "total_cputime", "total_time")),
                        )
                        regain = max(regain, 60.0 * float(buc.get("estimated_time_to_regain_access", 0)))
            if "x-ad-account-usage" in lower:
                found = True
                data = json.loads(lower["x-ad-account-usage"])
                ad_account = float(data.get("acc_id_util_pct", 0))
                regain = max(regain, float(data.get("reset_time_duration", 0)))
        except (ValueError, TypeError, AttributeError):
            logger.warning("meta: unreadable usage header ignored")
        return cls(app, business, ad_account, regain) if found else None


@dataclass(frozen=True)
class PageInfo:
    id: str
    name: str
    instagram_account_id: str = ""


@dataclass(frozen=True)
class TokenInfo:
    is_valid: bool
    type: str
    app_id: str
    scopes: tuple[str, ...]
    expires_at: datetime | None  # None: never expires
    profile_id: str = ""


@dataclass(frozen=True)
class CommentPage:
    """One page of GET /{object}/comments, Graph-shaped (Instagram comments are normalised to it)."""

    object_id: str
    comments: list[dict]
    after: str | None  # a cursor for the *next* page, only while this sync runs; None at the end
    total_count: int | None = None

    def payload(self) -> dict:
        body: dict = {"data": self.comments}
        if self.after:
            body["paging"] = {"cursors": {"after": self.after}, "next": "present"}
        if self.total_count is not None:
            body["summary"] = {"total_count": self.total_count}
        return body


@dataclass(frozen=True)
class PostItem:
    id: str
    kind: str  # "page_post" | "ad_post" | "instagram_media", as conversations.Post.Kind
    message: str
    created_time: datetime | None
    permalink: str
    comments: CommentPage | None = None


@dataclass(frozen=True)
class Reply:
    id: str
    message: str
    author_id: str


@dataclass(frozen=True)
class UserToken:
    """A user access token from Facebook Login; held only until the admin picks a Page."""

    access_token: str
    expires_at: datetime | None


@dataclass(frozen=True)
class PageAccount:
    """One Page of GET /me/accounts, with its Page token."""

    id: str
    name: str
    access_token: str
    tasks: tuple[str, ...] = ()
    instagram_account_id: str = ""
    instagram_username: str = ""


@dataclass(frozen=True)
class CommentRequest:
    """Ask for one page of comments on an object: after a cursor, or since a time."""

    object_id: str
    after: str | None = None
    since: datetime | None = None
    instagram: bool = False


@dataclass(frozen=True)
class Listing:
    """An edge that lists posts: a Page's published_posts or ads_posts, an Instagram account's media."""

    owner_id: str
    edge: str

    @property
    def instagram(self) -> bool:
        return self.edge == "media"

    @property
    def path(self) -> str:
        return f"{self.owner_id}/{self.edge}"


@dataclass
class _Call:
    method: str
    path: str
    params: dict = field(default_factory=dict)


# --- error mapping ------------------------------------------------------------------------------


def _error_from(exc: FacebookRequestError) -> MetaError:
    code = exc.api_error_code()
    subcode = exc.api_error_subcode()
    message = exc.api_error_message() or "no message"
    status = exc.http_status() or 0
    usage = Usage.from_headers(exc.http_headers())
    if code in TOKEN_CODES:
        return MetaTokenError(message, code=code, subcode=subcode)
    if code == 10 or (code is not None and 200 <= code <= 299):
        return MetaPermissionError(message, code=code, subcode=subcode)
    if code in RATE_LIMIT_CODES:
        retry_after = usage.regain_seconds if usage and usage.regain_seconds else 60.0
        return MetaRateLimited(message, retry_after=retry_after, code=code, subcode=subcode)
    if code in TRANSIENT_CODES or exc.api_transient_error() or status >= 500 or code is None:
        return MetaTransientError(message, code=code, subcode=subcode)
    if code == 100 and subcode == 33:
        return MetaNotFound(message, code=code, subcode=subcode)
    return MetaPermanentError(message, code=code, subcode=subcode)


def _error_from_response(response: FacebookResponse) -> MetaError:
    error = response.error()
    if error is None:  # a non-JSON 5xx the SDK mistakes for success
        return MetaTransientError(f"HTTP {response.status()}")
    return _error_from(error)


# --- the client ---------------------------------------------------------------------------------


class MetaClient:
    """A Graph API session for one token. Cheap to create; not shared between threads."""

    def __init__(
        self,
        *,
        access_token: str,
        graph_url: str = "",
        app_id: str | None = None,
        app_secret: str | None = None,
        timeout: float = 30,
        sleep: Callable[[float], None] = time.sleep,
    ):
        app_secret = settings.CAMPUSVOICE_META_APP_SECRET if app_secret is None else app_secret
        self.api = FacebookAdsApi.init(
            app_id=app_id if app_id is not None else settings.CAMPUSVOICE_META_APP_ID,
            app_secret=app_secret or None,
            access_token=access_token,
            api_version=API_VERSION,
            crash_log=False,  # the default posts tracebacks to Meta from a global excepthook
            timeout=timeout,
        )
        # The instance attribute beats the class default; never change the class (it is global).
        self.api._session.GRAPH = (graph_url or settings.CAMPUSVOICE_META_GRAPH_URL).rstrip("/")
        self.sleep = sleep
        self.usage = Usage()
        self.http_calls = 0  # HTTP requests sent, a batch counting one

    # --- transport with retries and usage-based slow-down --------------------------------------

    def _retrying(self) -> Retrying:
        max_wait = settings.CAMPUSVOICE_META_RETRY_MAX_WAIT_SECONDS

        def should_retry(exc: BaseException) -> bool:
            if isinstance(exc, MetaRateLimited):
                # Long blocks go back to the caller, which reschedules instead of holding a worker.
                return not exc.from_usage and exc.retry_after <= max_wait
            return isinstance(exc, MetaTransientError)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, MetaRateLimited):
                return min(max_wait, exc.retry_after) + random.uniform(0, 1)  # noqa: S311
            initial = settings.CAMPUSVOICE_META_RETRY_WAIT_SECONDS
            return min(max_wait, initial * 2 ** (state.attempt_number - 1) * random.uniform(1, 1.5))  # noqa: S311

        return Retrying(
            stop=stop_after_attempt(settings.CAMPUSVOICE_META_RETRY_ATTEMPTS),
            wait=wait,
            retry=retry_if_exception(should_retry),
            sleep=self.sleep,
            reraise=True,
        )

    def _throttle(self) -> None:
        highest = self.usage.highest
        if highest >= settings.CAMPUSVOICE_META_USAGE_STOP_PERCENT:
            raise MetaRateLimited(
                f"usage at {highest:.0f}%: paused before Meta blocks the app",
                retry_after=self.usage.regain_seconds or 300.0,
                from_usage=True,
            )
        if highest >= settings.CAMPUSVOICE_META_USAGE_SLOW_PERCENT:
            self.sleep(settings.CAMPUSVOICE_META_SLOW_DOWN_SECONDS)

    def _note_usage(self, headers) -> None:
        usage = Usage.from_headers(headers)
        if usage is not None:
            self.usage = usage

    def _failed(self, exc: FacebookRequestError) -> MetaError:
        error = _error_from(exc)
        # A throttling error is waited out (or handed back) by its own retry_after; its 100 %
        # usage header must not also block the retry that follows the wait.
        self._note_usage(None if isinstance(error, MetaRateLimited) else exc.http_headers())
        return error

    def _send(
        self, method: str, path: tuple, params: dict | None = None, files: dict | None = None
    ) -> FacebookResponse:
        self._throttle()
        self.http_calls += 1
        try:
            response = self.api.call(method, path, params=params or {}, files=files)
        except FacebookRequestError as exc:
            raise self._failed(exc) from None
        except requests.RequestException as exc:
            raise MetaTransientError(type(exc).__name__) from None
        self._note_usage(response.headers())
        if response.status() and response.status() >= 500:
            raise MetaTransientError(f"HTTP {response.status()}")
        return response

    def call(
        self, method: str, path: str, params: dict | None = None, *, retry: bool = True, files=None
    ) -> dict:
        """One Graph call; `retry=False` for writes that are not idempotent (replies, posts).

        `files` maps a parameter to (file name, bytes), sent as a multipart upload.
        """
        segments = tuple(s for s in path.strip("/").split("/") if s)
        if not retry:
            return self._send(method, segments, params, files).json()
        for attempt in self._retrying():
            with attempt:
                return self._send(method, segments, params).json()
        raise AssertionError("unreachable")  # pragma: no cover

    def batch(self, calls: list[_Call]) -> list[dict | MetaError]:
        """Run calls in batches of 50; returns, in order, each body or the error it met.

        Entries Meta did not execute (null) and entries that failed transiently are sent again,
        a bounded number of times; a batch counts one HTTP call but each entry counts for limits.
        """
        results: list[dict | MetaError | None] = [None] * len(calls)
        pending = list(range(len(calls)))
        for round_number in range(settings.CAMPUSVOICE_META_RETRY_ATTEMPTS):
            if not pending:
                break
            retry_next: list[int] = []
            for start in range(0, len(pending), BATCH_MAX):
                chunk = pending[start : start + BATCH_MAX]
                retry_next += self._batch_chunk(calls, chunk, results)
            pending = retry_next
            if pending and round_number + 1 < settings.CAMPUSVOICE_META_RETRY_ATTEMPTS:
                waits = [r.retry_after for i in pending if isinstance(r := results[i], MetaRateLimited)]
                initial = settings.CAMPUSVOICE_META_RETRY_WAIT_SECONDS * 2**round_number
                self.sleep(min(max(waits, default=initial), settings.CAMPUSVOICE_META_RETRY_MAX_WAIT_SECONDS))
        for index in pending:
            if results[index] is None:
                results[index] = MetaTransientError("not executed by Meta's batch endpoint")
        return results  # type: ignore[return-value]

    def _batch_chunk(self, calls: list[_Call], chunk: list[int], results: list) -> list[int]:
        batch = self.api.new_batch()
        answered: set[int] = set()

        for index in chunk:
            call = calls[index]

            def success(response, index=index):
                answered.add(index)
                self._note_usage(response.headers())
                results[index] = response.json()

            def failure(response, index=index):
                answered.add(index)
                self._note_usage(response.headers())
                results[index] = _error_from_response(response)

            batch.add(call.method, call.path.strip("/"), params=call.params, success=success, failure=failure)

        for attempt in self._retrying():
            with attempt:
                self._throttle()
                self.http_calls += 1
                try:
                    batch.execute()
                except FacebookRequestError as exc:
                    raise self._failed(exc) from None
                except requests.RequestException as exc:
                    raise MetaTransientError(type(exc).__name__) from None
        retry = []
        max_wait = settings.CAMPUSVOICE_META_RETRY_MAX_WAIT_SECONDS
        for index in chunk:
            result = results[index]
            # Long throttling blocks go back to the caller, as for single calls.
            short_block = isinstance(result, MetaRateLimited) and result.retry_after <= max_wait
            if index not in answered or isinstance(result, MetaTransientError) or short_block:
                retry.append(index)
        return retry

    # --- reads ----------------------------------------------------------------------------------

    def me(self) -> PageInfo:
        body = self.call("GET", "me", {"fields": "id,name,instagram_business_account"})
        ig = body.get("instagram_business_account") or {}
        return PageInfo(
            id=str(body["id"]), name=body.get("name", ""), instagram_account_id=str(ig.get("id", ""))
        )

    def debug_token(self, token: str) -> TokenInfo:
        data = self.call("GET", "debug_token", {"input_token": token}).get("data", {})
        expires = int(data.get("expires_at") or 0)
        return TokenInfo(
            is_valid=bool(data.get("is_valid")),
            type=str(data.get("type", "")),
            app_id=str(data.get("app_id", "")),
            scopes=tuple(data.get("scopes", [])),
            expires_at=datetime.fromtimestamp(expires, tz=UTC) if expires else None,
            profile_id=str(data.get("profile_id", "")),
        )

    def _listing_params(self, listing: "Listing", since: datetime | None) -> dict:
        size = settings.CAMPUSVOICE_META_PAGE_SIZE
        if listing.instagram:
            inline = (
                f"comments.limit({size}){{{IG_COMMENT_FIELDS},replies.limit({size}){{{IG_COMMENT_FIELDS}}}}}"
            )
            params = {"fields": f"{IG_MEDIA_FIELDS},{inline}", "limit": POSTS_PER_PAGE}
        else:
            inline = f"comments.filter(stream).order(chronological).limit({size}).summary(true){{{COMMENT_FIELDS}}}"
            params = {"fields": f"{POST_FIELDS},{inline}", "limit": POSTS_PER_PAGE}
        if since:
            params["since"] = int(since.timestamp())
        return params

    def listing_first_pages(
        self, listings: list["Listing"], *, since: datetime | None = None
    ) -> list[dict | MetaError]:
        """The first page of several listings in one batch (posts, ad posts, Instagram media)."""
        return self.batch(
            [_Call("GET", listing.path, self._listing_params(listing, since)) for listing in listings]
        )

    def listing_items(
        self, listing: "Listing", *, since: datetime | None = None, first: dict | None = None
    ) -> Iterator[PostItem]:
        """A listing's posts, newest first, each with its first page of comments (field expansion).

        `first` is the listing's first page when it was already fetched (in a batch).
        """
        for item in self._pages(listing.path, self._listing_params(listing, since), first=first):
            if listing.instagram:
                page = _ig_comment_page(str(item["id"]), item.get("comments") or {"data": []})
                if page.total_count is None and "comments_count" in item:
                    page = CommentPage(page.object_id, page.comments, page.after, int(item["comments_count"]))
                yield PostItem(
                    id=str(item["id"]),
                    kind="instagram_media",
                    message=item.get("caption", ""),
                    created_time=parse_time(item.get("timestamp")),
                    permalink=item.get("permalink", ""),
                    comments=page,
                )
            else:
                yield PostItem(
                    id=str(item["id"]),
                    kind="ad_post" if listing.edge == "ads_posts" else "page_post",
                    message=item.get("message", ""),
                    created_time=parse_time(item.get("created_time")),
                    permalink=item.get("permalink_url", ""),
                    comments=_comment_page(str(item["id"]), item.get("comments") or {"data": []}),
                )

    def posts(
        self, page_id: str, *, edge: str = "published_posts", since: datetime | None = None
    ) -> Iterator[PostItem]:
        return self.listing_items(Listing(page_id, edge), since=since)

    def instagram_media(self, ig_user_id: str, *, since: datetime | None = None) -> Iterator[PostItem]:
        return self.listing_items(Listing(ig_user_id, "media"), since=since)

    def _pages(self, path: str, params: dict, *, first: dict | None = None) -> Iterator[dict]:
        """Items of an edge across cursor pages; stops only when `next` is absent."""
        params = dict(params)
        empty_in_a_row = 0
        while True:
            body, first = (first, None) if first is not None else (self.call("GET", path, params), None)
            yield from body.get("data", [])
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return
            # An empty page may still carry `next`; a run of them means the cursor is stuck.
            empty_in_a_row = 0 if body.get("data") else empty_in_a_row + 1
            if empty_in_a_row >= 10:
                raise MetaTransientError("Meta kept answering empty pages")
            params["after"] = after

    def comment_pages(self, requests_: list[CommentRequest]) -> list[CommentPage | MetaError]:
        """One page of comments for each request, fetched in batches of 50."""
        calls = []
        for request in requests_:
            if request.instagram:
                params = {
                    "fields": f"{IG_COMMENT_FIELDS},replies.limit({settings.CAMPUSVOICE_META_PAGE_SIZE}){{{IG_COMMENT_FIELDS}}}"
                }
            else:
                params = {
                    "fields": COMMENT_FIELDS,
                    "filter": "stream",
                    "order": "chronological",
                    "summary": True,
                }
            params["limit"] = settings.CAMPUSVOICE_META_PAGE_SIZE
            if request.after:
                params["after"] = request.after
            if request.since:
                params["since"] = int(request.since.timestamp())
            calls.append(_Call("GET", f"{request.object_id}/comments", params))
        pages: list[CommentPage | MetaError] = []
        for request, result in zip(requests_, self.batch(calls), strict=True):
            if isinstance(result, MetaError):
                pages.append(result)
            elif request.instagram:
                pages.append(_ig_comment_page(request.object_id, result))
            else:
                pages.append(_comment_page(request.object_id, result))
        return pages

    def replies(self, comment_id: str, *, instagram: bool = False) -> list[Reply]:
        """Every reply to a comment (all pages), to find one we may already have posted."""
        if instagram:
            items = self._pages(f"{comment_id}/replies", {"fields": "id,text,from,username", "limit": 100})
            return [
                Reply(str(i["id"]), i.get("text", ""), str((i.get("from") or {}).get("id", "")))
                for i in items
            ]
        items = self._pages(f"{comment_id}/comments", {"fields": "id,message,from", "limit": 100})
        return [
            Reply(str(i["id"]), i.get("message", ""), str((i.get("from") or {}).get("id", ""))) for i in items
        ]

    # --- writes ---------------------------------------------------------------------------------

    def reply(self, comment_id: str, message: str, *, instagram: bool = False) -> str:
        """Reply as the Page; not retried here, since a lost answer could mean a posted reply."""
        edge = "replies" if instagram else "comments"
        return str(self.call("POST", f"{comment_id}/{edge}", {"message": message}, retry=False)["id"])

    def hide(self, comment_id: str, hidden: bool, *, instagram: bool = False) -> None:
        self.call("POST", comment_id, {"hide" if instagram else "is_hidden": hidden})

    def delete(self, comment_id: str) -> None:
        self.call("DELETE", comment_id)

    def subscribe_page(self, page_id: str) -> None:
        self.call("POST", f"{page_id}/subscribed_apps", {"subscribed_fields": "feed"})

    # --- Facebook Login for Business (login.py) ------------------------------------------------

    @classmethod
    def for_app(cls, *, graph_url: str = "") -> "MetaClient":
        """A client with the app's own token (`app-id|app-secret`), for the OAuth exchanges."""
        app_id, secret = settings.CAMPUSVOICE_META_APP_ID, settings.CAMPUSVOICE_META_APP_SECRET
        return cls(access_token=f"{app_id}|{secret}", graph_url=graph_url)

    def _oauth_token(self, params: dict) -> UserToken:
        params = {
            "client_id": settings.CAMPUSVOICE_META_APP_ID,
            "client_secret": settings.CAMPUSVOICE_META_APP_SECRET,
            **params,
        }
        # Never retried: a code works once, so a retry after a lost answer could only fail.
        body = self.call("GET", "oauth/access_token", params, retry=False)
        seconds = int(body.get("expires_in") or 0)
        expires = datetime.fromtimestamp(time.time() + seconds, tz=UTC) if seconds else None
        return UserToken(access_token=str(body["access_token"]), expires_at=expires)

    def code_exchange(self, *, code: str, redirect_uri: str) -> UserToken:
        """The login dialog's code, swapped for a (short-lived) user token."""
        return self._oauth_token({"code": code, "redirect_uri": redirect_uri})

    def token_extend(self, token: str) -> UserToken:
        """A short-lived user token swapped for a long-lived one (about 60 days)."""
        return self._oauth_token({"grant_type": "fb_exchange_token", "fb_exchange_token": token})

    def accounts(self) -> list[PageAccount]:
        """The Pages the user shared with the app (call with a user token), each with a Page token."""
        fields = "id,name,access_token,tasks,instagram_business_account{id,username}"
        pages = []
        for item in self._pages("me/accounts", {"fields": fields, "limit": 100}):
            ig = item.get("instagram_business_account") or {}
            pages.append(
                PageAccount(
                    id=str(item["id"]),
                    name=str(item.get("name", "")),
                    access_token=str(item.get("access_token", "")),
                    tasks=tuple(item.get("tasks") or ()),
                    instagram_account_id=str(ig.get("id", "")),
                    instagram_username=str(ig.get("username", "")),
                )
            )
        return pages

    # --- Marketing API (ads.py, insights.py) ---------------------------------------------------

    def ad_objects_named(self, account_id: str, edge: str, name: str) -> list[dict]:
        """The campaigns, ad sets, creatives or ads of an ad account with exactly this name."""
        params = {
            "fields": "id,name",
            "filtering": [{"field": "name", "operator": "EQUAL", "value": name}],
            "limit": 100,
        }
        return list(self._pages(f"{account_id}/{edge}", params))

    def ad_create(self, account_id: str, edge: str, params: dict) -> str:
        """POST /act_{id}/{edge}; never retried here, since a lost answer may hide a created object.

        The caller looks the object up by its unique name before trying again (ads.py).
        """
        return str(self.call("POST", f"{account_id}/{edge}", params, retry=False)["id"])

    def insights(
        self, object_id: str, *, since: date, until: date, daily: bool = False
    ) -> list["InsightRow"]:
        """Delivery of a campaign or ad set over the range (one row), or one row per day.

        Reach in each row is de-duplicated over that row's range only: never add rows up.
        """
        params = {
            "fields": INSIGHT_FIELDS,
            "time_range": {"since": since.isoformat(), "until": until.isoformat()},
            "time_increment": 1 if daily else "all_days",
            "limit": 100,
        }
        return [InsightRow.from_graph(object_id, row) for row in self._pages(f"{object_id}/insights", params)]

    def post_insights(self, post_id: str) -> "PostInsight":
        """A Page post's lifetime reach, impressions, reactions, comments and shares."""
        body = self.call("GET", f"{post_id}/insights", {"metric": POST_METRICS, "period": "lifetime"})
        values = {}
        for metric in body.get("data", []):
            points = metric.get("values") or [{}]
            values[metric.get("name")] = points[-1].get("value")
        activity = values.get("post_activity_by_action_type") or {}
        reactions = values.get("post_reactions_by_type_total") or {}
        return PostInsight(
            post_id=post_id,
            reach=_whole(values.get("post_impressions_unique")),
            impressions=_whole(values.get("post_impressions")),
            reactions=sum(int(v) for v in reactions.values()) if reactions else None,
            comments=_whole(activity.get("comment")),
            shares=_whole(activity.get("share")),
        )

    def page_post_create(self, page_id: str, *, message: str, link: str = "") -> str:
        """Post on the Page's feed; returns "{page}_{post}". Not retried: a lost answer may be a post."""
        params = {"message": message}
        if link:
            params["link"] = link
        return str(self.call("POST", f"{page_id}/feed", params, retry=False)["id"])

    def page_photo_create(self, page_id: str, *, caption: str, image: bytes, filename: str) -> str:
        """Post a photo with its caption on the Page; returns the post's id. Not retried either."""
        body = self.call(
            "POST",
            f"{page_id}/photos",
            {"caption": caption},
            retry=False,
            files={"source": (filename, image)},
        )
        return str(body.get("post_id") or body["id"])

    def page_posts_since(self, page_id: str, *, since: datetime) -> list[PostItem]:
        """The Page's own posts published since a time, newest first, without their comments."""
        params = {"fields": POST_FIELDS, "since": int(since.timestamp()), "limit": POSTS_PER_PAGE}
        return [
            PostItem(
                id=str(i["id"]),
                kind="page_post",
                message=i.get("message", ""),
                created_time=parse_time(i.get("created_time")),
                permalink=i.get("permalink_url", ""),
            )
            for i in self._pages(f"{page_id}/published_posts", params)
        ]

    def post_permalink(self, post_id: str) -> str:
        return str(self.call("GET", post_id, {"fields": "id,permalink_url"}).get("permalink_url", ""))


def _whole(value) -> int | None:
    return None if value in (None, "") else int(Decimal(str(value)))


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


@dataclass(frozen=True)
class InsightRow:
    """One row of /{object}/insights; Meta sends numbers as strings."""

    object_id: str
    date_start: date
    date_stop: date
    reach: int | None
    impressions: int | None
    frequency: Decimal | None
    spend: Decimal | None
    clicks: int | None
    currency: str = ""

    @classmethod
    def from_graph(cls, object_id: str, row: dict) -> "InsightRow":
        return cls(
            object_id=str(row.get("adset_id") or row.get("campaign_id") or object_id),
            date_start=date.fromisoformat(row["date_start"]),
            date_stop=date.fromisoformat(row["date_stop"]),
            reach=_whole(row.get("reach")),
            impressions=_whole(row.get("impressions")),
            frequency=_decimal(row.get("frequency")),
            spend=_decimal(row.get("spend")),
            clicks=_whole(row.get("clicks")),
            currency=str(row.get("account_currency", "")),
        )


@dataclass(frozen=True)
class PostInsight:
    post_id: str
    reach: int | None
    impressions: int | None
    reactions: int | None
    comments: int | None
    shares: int | None


def _comment_page(object_id: str, body: dict) -> CommentPage:
    paging = body.get("paging") or {}
    after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
    total = (body.get("summary") or {}).get("total_count")
    return CommentPage(
        object_id, list(body.get("data", [])), after, int(total) if total is not None else None
    )


def _ig_as_graph(comment: dict, parent_id: str = "") -> dict:
    author = comment.get("from") or {}
    graph = {
        "id": str(comment["id"]),
        "message": comment.get("text", ""),
        "created_time": comment.get("timestamp"),
        "like_count": comment.get("like_count", 0),
        "is_hidden": bool(comment.get("hidden", False)),
    }
    if author or comment.get("username"):
        graph["from"] = {
            "id": str(author.get("id", "")),
            "name": author.get("username") or comment.get("username", ""),
        }
    parent = parent_id or comment.get("parent_id") or ""
    if parent:
        graph["parent"] = {"id": str(parent)}
    return graph


def _ig_comment_page(object_id: str, body: dict) -> CommentPage:
    """Instagram comments with their replies, flattened into the Facebook `filter=stream` shape."""
    flat = []
    for comment in body.get("data", []):
        flat.append(_ig_as_graph(comment))
        for reply in (comment.get("replies") or {}).get("data", []):
            flat.append(_ig_as_graph(reply, parent_id=str(comment["id"])))
    paging = body.get("paging") or {}
    after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
    return CommentPage(object_id, flat, after, None)
