"""Erasure tombstones: the comments an erased person wrote must never be imported again.

Erasure (campusvoice/privacy) records keyed hashes of the person's platform ids and of their
comments' ids; ingestion asks `tombstoned_ids` before it stores anything. Hashes are HMAC-SHA256
under CAMPUSVOICE_ERASURE_KEY (or a key derived from SECRET_KEY): without the key a hash cannot
be matched to an account, and the raw ids are not kept anywhere.

Authors are matched whatever the platform: a file import cannot tell Facebook ids from Instagram
ones, and Meta's ids do not repeat across the two.
"""

import hashlib
import hmac
from collections.abc import Callable, Iterable
from itertools import batched

from django.conf import settings

from campusvoice.conversations.models import ErasureTombstone

Kind = ErasureTombstone.Kind
# Django's SQLite backend binds at most 999 parameters per query.
LOOKUP_CHUNK = 900


def _hasher() -> Callable[[str, str], str]:
    # The key is derived once per call of the functions below, not once per id: a file import
    # hashes two ids per row.
    secret = settings.CAMPUSVOICE_ERASURE_KEY or settings.SECRET_KEY
    key = hashlib.sha256(b"campusvoice.erasure-tombstone" + secret.encode()).digest()
    return lambda kind, value: hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def tombstone_hash(*, kind: str, value: str) -> str:
    """The keyed hash of one platform id (an author's or a comment's)."""
    return _hasher()(kind, value)


def tombstones_record(*, author_ids: Iterable[str] = (), comment_ids: Iterable[str] = ()) -> int:
    """Remember these authors and comments as erased; returns how many were new. Idempotent."""
    wanted = {(Kind.AUTHOR, value) for value in author_ids if value} | {
        (Kind.COMMENT, value) for value in comment_ids if value
    }
    digest = _hasher()
    rows = [ErasureTombstone(kind=kind, key_hash=digest(kind, value)) for kind, value in wanted]
    before = ErasureTombstone.objects.count()
    ErasureTombstone.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return ErasureTombstone.objects.count() - before


def tombstoned_ids(
    *, author_ids: Iterable[str] = (), comment_ids: Iterable[str] = ()
) -> tuple[set[str], set[str]]:
    """Which of these author ids and comment ids were erased: (authors, comments), raw ids back.

    One query per 900 ids.
    """
    digest = _hasher()
    by_hash: dict[tuple[str, str], str] = {}
    for kind, values in ((Kind.AUTHOR, author_ids), (Kind.COMMENT, comment_ids)):
        for value in set(values):
            if value:
                by_hash[(kind, digest(kind, value))] = value
    authors: set[str] = set()
    comments: set[str] = set()
    # A large import against an empty table (the usual case) costs one query, not one per chunk.
    if not by_hash or (len(by_hash) > LOOKUP_CHUNK and not ErasureTombstone.objects.exists()):
        return authors, comments
    for chunk in batched(by_hash, LOOKUP_CHUNK):
        hashes = [key_hash for _kind, key_hash in chunk]
        for kind, key_hash in ErasureTombstone.objects.filter(key_hash__in=hashes).values_list(
            "kind", "key_hash"
        ):
            value = by_hash.get((kind, key_hash))
            if value is not None:
                (authors if kind == Kind.AUTHOR else comments).add(value)
    return authors, comments
