"""The fake's webhook emitter: signed deliveries the way Meta sends them, retries included.

Meta signs the bytes of its own escaped-unicode, compact JSON serialisation, so the emitter builds
exactly those bytes once and retries *the same bytes*: a redelivery is byte-identical.
"""

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlencode

logger = logging.getLogger(__name__)

# "Immediately, then a few more times with decreasing frequency over the next 36 hours."
RETRY_SCHEDULE = (0, 15, 60, 300, 1800, 3600, 3 * 3600, 6 * 3600, 10 * 3600, 15 * 3600)

Transport = Callable[[bytes, dict[str, str]], int]


def serialise(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def signature(body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def comment_change(
    *,
    post_id: str,
    comment_id: str,
    verb: str = "add",
    message: str | None = None,
    author: dict | None = None,
    parent_id: str = "",
    created_time: int,
) -> dict:
    """One `feed` change about a comment, as in the Page webhook reference."""
    value = {
        "item": "comment",
        "verb": verb,
        "comment_id": comment_id,
        "post_id": post_id,
        "parent_id": parent_id or post_id,
        "created_time": created_time,
        "post": {"id": post_id, "status_type": "mobile_status_update", "is_published": True},
    }
    if author is not None:
        value["from"] = author
    if message is not None:
        value["message"] = message
    return {"field": "feed", "value": value}


def reaction_change(*, post_id: str, author: dict, created_time: int) -> dict:
    value = {
        "item": "reaction",
        "verb": "add",
        "reaction_type": "like",
        "post_id": post_id,
        "parent_id": post_id,
        "from": author,
        "created_time": created_time,
    }
    return {"field": "feed", "value": value}


def ig_comment_change(
    *, comment_id: str, media_id: str, text: str, author: dict, parent_id: str = ""
) -> dict:
    value = {
        "id": comment_id,
        "text": text,
        "from": author,
        "media": {"id": media_id, "media_product_type": "FEED"},
    }
    if parent_id:
        value["parent_id"] = parent_id
    return {"field": "comments", "value": value}


def entry(object_id: str, changes: list[dict], time_: int) -> dict:
    return {"id": object_id, "time": time_, "changes": changes}


def _urllib_post(url: str) -> Transport:
    def post(body: bytes, headers: dict[str, str]) -> int:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own URL
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (urllib.error.URLError, OSError):
            return 0

    return post


class WebhookEmitter:
    """POSTs `{"object": …, "entry": […]}` deliveries, signed, retrying until a 200."""

    def __init__(
        self,
        *,
        app_secret: str,
        url: str = "",
        transport: Transport | None = None,
        get: Callable[[str], tuple[int, str]] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        schedule: tuple[float, ...] = RETRY_SCHEDULE,
    ):
        self.app_secret = app_secret
        self.url = url
        self.transport = transport or _urllib_post(url)
        self._get = get
        self.sleep = sleep
        self.schedule = schedule

    def body(self, object_: str, entries: list[dict]) -> bytes:
        return serialise({"object": object_, "entry": entries})

    def send(self, body: bytes, *, signed: bool = True, forged: bool = False) -> int:
        headers = {"Content-Type": "application/json"}
        if signed:
            secret = "not-the-app-secret" if forged else self.app_secret
            headers["X-Hub-Signature-256"] = signature(body, secret)
        return self.transport(body, headers)

    def deliver(self, object_: str, entries: list[dict]) -> list[int]:
        """Send one delivery and retry the same bytes on the schedule; returns each attempt's status."""
        body = self.body(object_, entries)
        statuses = []
        for delay in self.schedule:
            if delay:
                self.sleep(delay)
            status = self.send(body)
            statuses.append(status)
            if status == 200:
                break
        return statuses

    def handshake(self, verify_token: str, challenge: str = "1158201444") -> tuple[int, str]:
        """The subscription check: Meta expects the challenge back, and a 403 on a wrong token."""
        query = urlencode(
            {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token}
        )
        if self._get is not None:
            return self._get(query)
        try:
            with urllib.request.urlopen(f"{self.url}?{query}", timeout=10) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, ""


class WebhookRelay:
    """Forwards the fake's changes to the app in the background, with Meta's bad habits on request.

    chaos=True sends every delivery twice, groups several entries per POST and reverses their order,
    so the receiver must deduplicate and must not trust order.
    """

    def __init__(self, emitter: WebhookEmitter, *, chaos: bool = False, delay: float = 0.2):
        self.emitter = emitter
        self.chaos = chaos
        self.delay = delay
        self.queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="fakegraph-webhooks", daemon=True)
        self._thread.start()

    def enqueue(self, object_: str, item: dict) -> None:
        self.queue.put((object_, item))

    def _run(self) -> None:
        while True:
            object_, item = self.queue.get()
            batch = {object_: [item]}
            time.sleep(self.delay)  # let a few changes gather, like Meta's batching
            while not self.queue.empty():
                more_object, more = self.queue.get()
                batch.setdefault(more_object, []).append(more)
            for kind, entries in batch.items():
                if self.chaos:
                    entries = list(reversed(entries))
                    self.emitter.deliver(kind, entries)
                statuses = self.emitter.deliver(kind, entries)
                logger.info("fakegraph webhook %s: %d entries, statuses %s", kind, len(entries), statuses)
