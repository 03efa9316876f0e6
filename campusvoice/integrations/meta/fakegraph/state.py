"""The fake Graph API's world: Pages, posts, comments, Instagram media, tokens and injected faults.

Everything lives in memory behind one re-entrant lock, so the threaded server, the control API
and the webhook emitter can touch it at once. Ids and texts are invented.
"""

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

PAGE_SCOPES = (
    "pages_show_list",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_engagement",
    "pages_manage_metadata",
    "pages_manage_posts",
    "pages_manage_ads",
    "pages_messaging",
    "ads_read",
    "ads_management",
    "instagram_basic",
    "instagram_manage_comments",
)

DEMO_PAGE_ID = "448242228374517"
DEMO_IG_USER_ID = "17841400000000001"
DEMO_PAGE_TOKEN = "demo-page-token"  # noqa: S105 - an invented token for the fake server only
DEMO_USER_TOKEN = "demo-user-token"  # noqa: S105
DEMO_EXPIRED_TOKEN = "demo-expired-token"  # noqa: S105
DEMO_AD_ACCOUNT_ID = "act_100000000000001"  # the sandbox ad account (fakegraph/ads.py)
# The sandbox ad account's time zone: the organisation's own, which the app also runs in.
AD_ACCOUNT_TIMEZONE = os.environ.get("CAMPUSVOICE_TIME_ZONE") or "Europe/Rome"


@dataclass
class Token:
    value: str
    kind: str = "page"  # "page" tokens see `from`; "user" tokens do not
    page_id: str = DEMO_PAGE_ID
    scopes: tuple[str, ...] = PAGE_SCOPES
    expires_at: int = 0  # 0: a long-lived Page token that never expires
    expired: bool = False


@dataclass
class Journal:
    """What the server saw, for tests to assert on; never holds tokens."""

    calls: int = 0  # HTTP requests to the Graph routes (a batch is one)
    operations: int = 0  # calls as Meta counts them for rate limits (each batch entry is one)
    requests: list[str] = field(default_factory=list)
    replies: list[dict] = field(default_factory=list)
    hidden: dict[str, bool] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    private_replies: list[dict] = field(default_factory=list)
    posts_created: list[str] = field(default_factory=list)


class FakeState:
    def __init__(self, *, app_id: str, app_secret: str):
        self.lock = threading.RLock()
        self.app_id = app_id
        self.app_secret = app_secret
        self.reset()

    def reset(self, seed: str = "empty") -> None:
        with self.lock:
            self.pages: dict[str, dict] = {}
            self.posts: dict[str, dict] = {}
            self.comments: dict[str, dict] = {}
            self.ig_users: dict[str, dict] = {}
            self.ig_media: dict[str, dict] = {}
            self.ig_comments: dict[str, dict] = {}
            self.tokens: dict[str, Token] = {}
            self.faults: list[dict] = []
            self.usage: dict[str, Any] = {}
            self.journal = Journal()
            self._seq = 0
            # The Marketing API objects (fakegraph/ads.py): id -> object, each with "account_id".
            # Meta reports an ad account's insights by the days of its own time zone (the
            # account's `timezone_name`), not UTC: an Italian organisation's account is Rome's.
            self.ad_accounts: dict[str, dict] = {
                DEMO_AD_ACCOUNT_ID: {"id": DEMO_AD_ACCOUNT_ID, "timezone_name": AD_ACCOUNT_TIMEZONE}
            }
            self.ad_campaigns: dict[str, dict] = {}
            self.adsets: dict[str, dict] = {}
            self.adcreatives: dict[str, dict] = {}
            self.ads: dict[str, dict] = {}
            # Listeners get (object, entry) for every change, to emit webhooks.
            self.listeners: list = getattr(self, "listeners", [])
            self._seed_sandbox()
            from . import oauth  # imported here: oauth.py imports this module

            oauth.seed(self)  # Facebook Login for Business: codes, and the Pages' OAuth tokens
            if seed == "demo":
                self._seed_demo()

    # --- ids and time -------------------------------------------------------------------------

    def next_id(self) -> str:
        with self.lock:
            self._seq += 1
            return str(122131676912590000 + self._seq)

    @staticmethod
    def now() -> int:
        return int(time.time())

    # --- building the world -------------------------------------------------------------------

    def _seed_sandbox(self) -> None:
        self.pages[DEMO_PAGE_ID] = {"id": DEMO_PAGE_ID, "name": "Campus Voice Sandbox", "ig": DEMO_IG_USER_ID}
        self.ig_users[DEMO_IG_USER_ID] = {
            "id": DEMO_IG_USER_ID,
            "username": "campusvoice.sandbox",
            "page_id": DEMO_PAGE_ID,
        }
        self.tokens[DEMO_PAGE_TOKEN] = Token(DEMO_PAGE_TOKEN)
        self.tokens[DEMO_USER_TOKEN] = Token(DEMO_USER_TOKEN, kind="user")
        self.tokens[DEMO_EXPIRED_TOKEN] = Token(DEMO_EXPIRED_TOKEN, expired=True, expires_at=1790000000)

    def _seed_demo(self) -> None:
        start = self.now() - 3 * 86400
        texts = [
            ("Sei al sicuro nel tuo campus? Raccontaci cosa cambieresti.", "published"),
            ("Consent is not optional. Find the support desk on your campus.", "published"),
            ("Sportello antiviolenza: orari e contatti per ogni ateneo.", "published"),
            ("Parliamone: un questionario anonimo per la tua università.", "ad"),
        ]
        users = [("7001", "Anna B."), ("7002", "Luca M."), ("7003", "Sara T."), ("7004", "Marco P.")]
        replies = ["Grazie per questo post", "Anch'io", "Dove trovo lo sportello?", "Thanks, sharing this"]
        for n, (message, kind) in enumerate(texts):
            post = self.add_post(
                page_id=DEMO_PAGE_ID, message=message, kind=kind, created_time=start + n * 3600
            )
            for i in range(6):
                author = users[(n + i) % len(users)]
                self.add_comment(
                    post_id=post["id"],
                    message=replies[i % len(replies)],
                    author={"id": author[0], "name": author[1]},
                    created_time=post["created_time"] + 60 * (i + 1),
                    notify=False,
                )
        for n, caption in enumerate(["Il consenso si chiede. #campus", "Campus safety walk tonight"]):
            media = self.add_ig_media(ig_user_id=DEMO_IG_USER_ID, caption=caption, timestamp=start + n * 7200)
            for i in range(4):
                self.add_ig_comment(
                    media_id=media["id"],
                    text=replies[(i + n) % len(replies)],
                    author={"id": f"1784{i}", "username": f"student_{i}"},
                    timestamp=media["timestamp"] + 90 * (i + 1),
                    notify=False,
                )

    def add_post(
        self, *, page_id: str, message: str, kind: str = "published", created_time: int | None = None
    ):
        with self.lock:
            object_id = self.next_id()
            post = {
                "id": f"{page_id}_{object_id}",
                "page_id": page_id,
                "message": message,
                "kind": kind,  # published | visitor | ad
                "created_time": created_time or self.now(),
                "deleted": False,
            }
            post["permalink_url"] = f"https://www.facebook.com/{page_id}/posts/{object_id}"
            self.posts[post["id"]] = post
            return post

    def add_comment(
        self,
        *,
        post_id: str,
        message: str,
        author: dict | None,
        parent_id: str = "",
        created_time: int | None = None,
        notify: bool = True,
    ) -> dict:
        with self.lock:
            post = self.posts[post_id]
            if parent_id and self.comments[parent_id]["parent_id"]:
                # Facebook threads are two levels deep: a reply to a reply joins the top comment.
                parent_id = self.comments[parent_id]["parent_id"]
            object_id = post_id.split("_", 1)[1]
            comment_object_id = self.next_id()
            comment = {
                "id": f"{object_id}_{comment_object_id}",
                "post_id": post_id,
                "parent_id": parent_id,
                "message": message,
                "created_time": created_time or self.now(),
                "from": author,
                "like_count": 0,
                "is_hidden": False,
                "deleted": False,
                "private_reply_sent": False,
                "permalink_url": f"https://www.facebook.com/{post['page_id']}/posts/{object_id}"
                f"?comment_id={comment_object_id}",
            }
            self.comments[comment["id"]] = comment
            if notify:
                self.notify_comment(comment, "add")
            return comment

    def add_ig_media(self, *, ig_user_id: str, caption: str, timestamp: int | None = None) -> dict:
        with self.lock:
            media_id = str(18172143295340000 + self._bump())
            media = {
                "id": media_id,
                "ig_user_id": ig_user_id,
                "caption": caption,
                "timestamp": timestamp or self.now(),
                "media_type": "IMAGE",
                "media_product_type": "FEED",
                "permalink": f"https://www.instagram.com/p/FAKE{media_id[-6:]}/",
                "comment_enabled": True,
            }
            self.ig_media[media_id] = media
            return media

    def add_ig_comment(
        self,
        *,
        media_id: str,
        text: str,
        author: dict,
        parent_id: str = "",
        timestamp: int | None = None,
        notify: bool = True,
    ) -> dict:
        with self.lock:
            comment_id = str(17919697626110000 + self._bump())
            comment = {
                "id": comment_id,
                "media_id": media_id,
                "parent_id": parent_id,
                "text": text,
                "timestamp": timestamp or self.now(),
                "from": author,
                "like_count": 0,
                "hidden": False,
                "deleted": False,
            }
            self.ig_comments[comment_id] = comment
            if notify:
                self.notify_ig_comment(comment)
            return comment

    def _bump(self) -> int:
        self._seq += 1
        return self._seq

    # --- webhooks -----------------------------------------------------------------------------

    def notify_comment(self, comment: dict, verb: str) -> None:
        post = self.posts[comment["post_id"]]
        value = {
            "item": "comment",
            "verb": verb,
            "comment_id": comment["id"],
            "post_id": post["id"],
            "parent_id": comment["parent_id"] or post["id"],
            "created_time": comment["created_time"],
            "post": {"id": post["id"], "status_type": "mobile_status_update", "is_published": True},
        }
        if comment["from"]:
            value["from"] = comment["from"]
        if verb in ("add", "edited"):
            value["message"] = comment["message"]
        entry = {"id": post["page_id"], "time": self.now(), "changes": [{"field": "feed", "value": value}]}
        for listener in list(self.listeners):
            listener("page", entry)

    def notify_ig_comment(self, comment: dict) -> None:
        media = self.ig_media[comment["media_id"]]
        value = {
            "id": comment["id"],
            "text": comment["text"],
            "from": comment["from"],
            "media": {"id": media["id"], "media_product_type": media["media_product_type"]},
        }
        if comment["parent_id"]:
            value["parent_id"] = comment["parent_id"]
        entry = {
            "id": media["ig_user_id"],
            "time": self.now(),
            "changes": [{"field": "comments", "value": value}],
        }
        for listener in list(self.listeners):
            listener("instagram", entry)

    # --- faults -------------------------------------------------------------------------------

    def take_fault(self, kind: str, *, path: str = "", method: str = "") -> dict | None:
        """The first live fault of this kind that matches, consuming one of its uses."""
        with self.lock:
            for fault in self.faults:
                if fault.get("kind", "error") != kind or fault.get("count", 1) <= 0:
                    continue
                if fault.get("match") and fault["match"] not in path:
                    continue
                if fault.get("method") and fault["method"].upper() != method.upper():
                    continue
                if fault.get("after_calls", 0) > 0:
                    fault["after_calls"] -= 1
                    continue
                fault["count"] = fault.get("count", 1) - 1
                return dict(fault)
            return None

    def snapshot(self) -> dict:
        with self.lock:
            journal = self.journal
            return {
                "calls": journal.calls,
                "operations": journal.operations,
                "requests": list(journal.requests),
                "replies": list(journal.replies),
                "hidden": dict(journal.hidden),
                "deleted": list(journal.deleted),
                "private_replies": list(journal.private_replies),
                "posts_created": list(journal.posts_created),
                "pages": sorted(self.pages),
                "posts": sorted(self.posts),
                "comment_count": sum(1 for c in self.comments.values() if not c["deleted"]),
                "ig_comment_count": sum(1 for c in self.ig_comments.values() if not c["deleted"]),
                "faults": [dict(f) for f in self.faults if f.get("count", 1) > 0],
            }
