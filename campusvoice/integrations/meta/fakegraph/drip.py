"""The live feed: the fake keeps adding real public comments to the sandbox Page, as visitors would.

Every few seconds it picks a text and one of the Page's posts and adds a comment; the state's
listeners (the webhook relay) then send Meta's signed `feed` webhook to the app. Sometimes the
comment is a reply to an earlier one, sometimes it goes to the linked Instagram account instead.

The texts are never invented: the caller passes real public comments from the research data sets
the demo inbox uses (campusvoice/conversations/demo.py), and each comment's author is the data
set's name, as in the demo inbox. This module needs no Django, so tests can feed it their own list.
"""

import hashlib
import logging
import random
import threading
from dataclasses import dataclass

from .state import FakeState

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DripText:
    text: str
    source: str  # the data set's name, shown as the comment's author
    language: str = "en"


class Drip:
    """Adds one comment per `every` seconds, alternating languages, until stopped or `limit` is reached."""

    def __init__(
        self,
        state: FakeState,
        *,
        texts: list[DripText],
        every: float = 5.0,
        limit: int = 0,
        reply_share: float = 0.2,
        instagram_share: float = 0.2,
        seed: int | None = None,
    ):
        if not texts:
            raise ValueError("The drip needs at least one text.")
        if every <= 0:
            raise ValueError("The drip interval must be more than 0 seconds.")
        self.state = state
        self.every = every
        self.limit = limit
        self.reply_share = reply_share
        self.instagram_share = instagram_share
        self.rng = random.Random(seed)  # noqa: S311 - picks demo texts, nothing secret
        self.pools: dict[str, list[DripText]] = {}
        for item in texts:
            self.pools.setdefault(item.language, []).append(item)
        for pool in self.pools.values():
            self.rng.shuffle(pool)
        self.added = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- one comment --------------------------------------------------------------------------

    def _next_text(self) -> DripText:
        languages = sorted(self.pools)
        pool = self.pools[languages[self.added % len(languages)]]
        return pool[(self.added // len(languages)) % len(pool)]

    @staticmethod
    def _author_id(source: str) -> str:
        # A stable, Page-scoped-looking id per data set: the same "person" for each source.
        return "61" + str(int(hashlib.sha256(source.encode()).hexdigest()[:10], 16)).zfill(13)[:13]

    def tick(self) -> dict | None:
        """Add one comment now and return it (its webhook follows); None if the Page has no posts."""
        item = self._next_text()
        with self.state.lock:
            media = [m for m in self.state.ig_media.values() if m.get("comment_enabled", True)]
            if media and self.rng.random() < self.instagram_share:
                comment = self.state.add_ig_comment(
                    media_id=self.rng.choice(media)["id"],
                    text=item.text,
                    author={"id": "1786" + self._author_id(item.source)[2:], "username": item.source},
                )
            else:
                posts = [p for p in self.state.posts.values() if not p["deleted"]]
                if not posts:
                    return None
                post = self.rng.choice(posts)
                parents = [
                    c
                    for c in self.state.comments.values()
                    if c["post_id"] == post["id"] and not c["parent_id"] and not c["deleted"]
                ]
                parent = (
                    self.rng.choice(parents) if parents and self.rng.random() < self.reply_share else None
                )
                comment = self.state.add_comment(
                    post_id=post["id"],
                    message=item.text,
                    author={"id": self._author_id(item.source), "name": item.source},
                    parent_id=parent["id"] if parent else "",
                )
            self.added += 1
        return comment

    # --- running in the background ------------------------------------------------------------

    def start(self) -> "Drip":
        self._thread = threading.Thread(target=self._run, name="fakegraph-drip", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            if self.limit and self.added >= self.limit:
                return
            try:
                self.tick()
            except Exception:  # a bad tick must not end the demo's live feed
                logger.exception("fakegraph drip: adding a comment failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
