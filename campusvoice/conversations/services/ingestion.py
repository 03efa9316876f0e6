"""Comments in: webhook events, Graph pages and files, idempotent by platform id.

Every source is reduced to `CommentEvent`s keyed by (channel, platform id), so the same comment
delivered twice is one row.

Out of order: Meta may deliver an edit, hide or delete before the comment's own "add". We do not
park such events; we create a *placeholder* row from them (`is_placeholder=True`, with whatever
the event carried) and the "add" fills in the rest when it comes. Each kind of change has its own
clock, so an older event never overwrites a newer one:

- text: `edited_time` (an "add" only sets the text of a row that has not seen an edit);
- hidden: `hidden_event_time`;
- deleted: `deleted_at` keeps the first deletion; nothing undeletes.

`last_event_time` records the newest event applied, whatever its kind.

Replies whose parent has not arrived keep `parent_platform_id` and are linked when it arrives.
The Page's own comments count as the first reply to their parent (`first_reply_at`).

Concurrency: the row is read with `select_for_update()`; if it is missing we insert in a
savepoint, and a unique-constraint clash (another worker inserted first) turns into a locked read
of that row. On SQLite the whole transaction holds the write lock from BEGIN (IMMEDIATE mode).
"""

import csv
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import batched
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Min, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.models import University
from campusvoice.conversations.models import Channel, Comment, Post
from campusvoice.conversations.services import triage
from campusvoice.conversations.services.tombstones import tombstoned_ids
from campusvoice.errors import ApplicationError

logger = logging.getLogger(__name__)

VERBS = ("add", "edited", "remove", "hide", "unhide")
# Webhooks also say "edit" and "delete"; other verbs (block, mute, ...) are not about a comment's content.
VERB_ALIASES = {"edit": "edited", "delete": "remove"}
# Facebook caps a comment at 8,000 characters; anything far past that is not a comment.
MAX_TEXT_LENGTH = 20_000
DEFAULT_IMPORT_CHANNEL = ("import", "Imported comments")
BATCH_SIZE = 1000
# Django's SQLite backend binds at most 999 parameters per query.
LOOKUP_CHUNK = 900


@dataclass(frozen=True)
class CommentEvent:
    """One normalised change to a comment, from a webhook, a Graph page or a file row."""

    platform_id: str
    post_platform_id: str
    verb: str  # "add" | "edited" | "remove" | "hide" | "unhide"
    event_time: datetime  # aware; when the change happened on the platform
    parent_platform_id: str = ""
    author_platform_id: str = ""
    author_name: str = ""
    text: str | None = None
    created_time: datetime | None = None
    is_from_page: bool = False
    like_count: int | None = None


@dataclass
class IngestReport:
    """What an ingestion changed. Counts only: safe to print and log."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    posts_created: int = 0
    triaged: int = 0
    dry_run: bool = False
    # Graph pages only: the URL of the next page, empty on the last one.
    next_url: str = ""


class CommentImportError(ApplicationError):
    """A file row is wrong; nothing was imported. Names the file, line and field, never the text."""

    def __init__(self, *, path: Path, line: int, field: str, message: str):
        super().__init__(f"{path.name}:{line}: {field}: {message}")
        self.path, self.line, self.field, self.reason = path, line, field, message


# --- one event at a time (webhooks, Graph pages) -------------------------------------------------


@transaction.atomic
def comment_event_apply(*, channel: Channel, event: CommentEvent) -> Comment | None:
    """Apply one change to the comment it names, creating the comment (and its post) if new.

    Idempotent: the same event twice changes nothing the second time. Returns None for verbs
    that do not concern a comment's content (block, mute, ...) and for comments of erased
    authors (tombstones), which are dropped unstored. Raises ValidationError keyed by
    field for a malformed event, and ApplicationError if the classifier is unavailable; in
    both cases nothing is stored, so the caller (a webhook) can answer with an error and Meta
    retries.
    """
    verb = VERB_ALIASES.get(event.verb, event.verb)
    if verb not in VERBS:
        return None
    event = replace(event, verb=verb)
    _event_validate(event)
    authors, comments = tombstoned_ids(author_ids=[event.author_platform_id], comment_ids=[event.platform_id])
    if authors or comments:
        return None
    comment, outcome, text_changed = _event_apply(channel=channel, event=event)
    if text_changed and comment.text:
        triage.comments_triage(comments=[comment])
    return comment


@transaction.atomic
def comments_ingest_graph(*, channel: Channel, post: Post, payload: dict) -> IngestReport:
    """Store one page of `GET /{object-id}/comments` (filter=stream) for `post`.

    The page is a snapshot taken now: a differing text or hidden flag on a comment we hold is
    applied as an edit or hide at the time of the fetch, unless a newer webhook event has already
    been applied. Items without an id (no MODERATE task on the Page) and comments of erased
    authors (tombstones) are skipped and counted. The caller follows `report.next_url` for the
    next page; cursors are never stored.
    """
    fetched_at = timezone.now()
    report = IngestReport(next_url=(payload.get("paging") or {}).get("next", "") or "")
    to_triage: dict[int, Comment] = {}
    items = payload.get("data") or []
    erased_authors, erased_comments = tombstoned_ids(
        author_ids=[_graph_author_id(item) for item in items if isinstance(item, dict)],
        comment_ids=[str(item.get("id") or "") for item in items if isinstance(item, dict)],
    )
    for item in items:
        report.rows += 1
        if not isinstance(item, dict) or not item.get("id"):
            report.skipped += 1
            continue
        if str(item["id"]) in erased_comments or _graph_author_id(item) in erased_authors:
            report.skipped += 1
            continue
        event = _event_from_graph(item, post=post, channel=channel)
        _event_validate(event)
        comment, outcome, text_changed = _event_apply(channel=channel, event=event, post=post)
        if outcome != "created" and event.text is not None and comment.text != event.text:
            edit = replace(event, verb="edited", event_time=fetched_at)
            comment, edit_outcome, edit_changed = _event_apply(channel=channel, event=edit, post=post)
            text_changed = text_changed or edit_changed
            outcome = "updated" if edit_changed else outcome
        if "is_hidden" in item and bool(item["is_hidden"]) != comment.is_hidden:
            verb = "hide" if item["is_hidden"] else "unhide"
            hide = replace(event, verb=verb, event_time=fetched_at)
            comment, hide_outcome, _changed = _event_apply(channel=channel, event=hide, post=post)
            if hide_outcome == "updated" and outcome == "unchanged":
                outcome = "updated"
        setattr(report, outcome, getattr(report, outcome) + 1)
        if text_changed and comment.text:
            to_triage[comment.pk] = comment
    report.triaged = triage.comments_triage(comments=to_triage.values()) if to_triage else 0
    return report


def _event_validate(event: CommentEvent) -> None:
    errors = {}
    if not event.platform_id or len(event.platform_id) > 100:
        errors["platform_id"] = _("A comment id is required, at most 100 characters.")
    if not event.post_platform_id or len(event.post_platform_id) > 100:
        errors["post_platform_id"] = _("A post id is required, at most 100 characters.")
    if len(event.parent_platform_id) > 100:
        errors["parent_platform_id"] = _("At most 100 characters.")
    if len(event.author_platform_id) > 64:
        errors["author_platform_id"] = _("At most 64 characters.")
    if len(event.author_name) > 200:
        errors["author_name"] = _("At most 200 characters.")
    if event.text is not None and len(event.text) > MAX_TEXT_LENGTH:
        errors["text"] = _("The text is longer than %(max)s characters.") % {"max": f"{MAX_TEXT_LENGTH:,}"}
    for name in ("event_time", "created_time"):
        value = getattr(event, name)
        if value is not None and timezone.is_naive(value):
            errors[name] = _("The time must carry a time zone.")
    if event.like_count is not None and event.like_count < 0:
        errors["like_count"] = _("Must be zero or more.")
    if errors:
        raise ValidationError(errors)


def _event_apply(
    *, channel: Channel, event: CommentEvent, post: Post | None = None
) -> tuple[Comment, str, bool]:
    """Apply a validated event; returns the comment, "created"/"updated"/"unchanged", text changed."""
    if post is None or post.platform_id != event.post_platform_id:
        post, _created = _post_get_or_create(channel=channel, platform_id=event.post_platform_id)
    lookup = {"channel": channel, "platform_id": event.platform_id}
    comment = Comment.objects.select_for_update().filter(**lookup).first()
    if comment is None:
        comment = _comment_from_event(channel=channel, post=post, event=event)
        try:
            with transaction.atomic():
                comment.save(force_insert=True)
        except IntegrityError:
            # Another worker stored the same comment between our read and our insert.
            comment = Comment.objects.select_for_update().get(**lookup)
        else:
            _comment_link(comment, created=True)
            return comment, "created", True

    changed, text_changed, identity_changed = _comment_merge(comment, event)
    if not changed:
        return comment, "unchanged", False
    comment.save(update_fields=sorted(changed))
    if identity_changed:
        _comment_link(comment, created=False)
    return comment, "updated", text_changed


def _post_get_or_create(*, channel: Channel, platform_id: str) -> tuple[Post, bool]:
    # get_or_create already retries the read when a concurrent insert wins the race.
    kind = Post.Kind.INSTAGRAM_MEDIA if channel.kind == Channel.Kind.INSTAGRAM else Post.Kind.PAGE_POST
    return Post.objects.get_or_create(channel=channel, platform_id=platform_id, defaults={"kind": kind})


def _parent_id(event: CommentEvent) -> str:
    # Webhooks give a top-level comment the post's id as its parent.
    return "" if event.parent_platform_id == event.post_platform_id else event.parent_platform_id


def _comment_from_event(*, channel: Channel, post: Post, event: CommentEvent) -> Comment:
    comment = Comment(
        channel=channel,
        post=post,
        platform_id=event.platform_id,
        parent_platform_id=_parent_id(event),
        author_platform_id=event.author_platform_id,
        author_name=event.author_name,
        is_from_page=event.is_from_page,
        text=event.text or "",
        created_time=event.created_time or event.event_time,
        last_event_time=event.event_time,
        like_count=event.like_count or 0,
        is_placeholder=event.verb != "add",
    )
    if event.verb == "edited" and event.text is not None:
        comment.edited_time = event.event_time
    elif event.verb == "remove":
        comment.deleted_at = event.event_time
    elif event.verb in ("hide", "unhide"):
        comment.is_hidden = event.verb == "hide"
        comment.hidden_event_time = event.event_time
    return comment


def _comment_merge(comment: Comment, event: CommentEvent) -> tuple[set[str], bool, bool]:
    """Fold an event into an existing row; returns changed fields, text changed, identity changed."""
    changed: set[str] = set()

    def put(name, value):
        if getattr(comment, name) != value:
            setattr(comment, name, value)
            changed.add(name)

    # Who wrote it and where it sits never change on the platform: fill what we lack.
    parent_platform_id = _parent_id(event)
    if parent_platform_id and not comment.parent_platform_id:
        put("parent_platform_id", parent_platform_id)
    if event.author_platform_id and not comment.author_platform_id:
        put("author_platform_id", event.author_platform_id)
    if event.author_name and not comment.author_name:
        put("author_name", event.author_name)
    if event.is_from_page and not comment.is_from_page:
        put("is_from_page", True)
    identity_changed = bool(changed)

    text_before = comment.text
    if event.verb == "add":
        if comment.is_placeholder:
            put("is_placeholder", False)
            put("created_time", event.created_time or event.event_time)
            identity_changed = True
            # An edit that came first holds newer text than the original.
            if comment.edited_time is None and event.text is not None:
                put("text", event.text)
    elif event.verb == "edited":
        if event.text is not None and (comment.edited_time is None or event.event_time > comment.edited_time):
            put("text", event.text)
            put("edited_time", event.event_time)
    elif event.verb == "remove":
        if comment.deleted_at is None or event.event_time < comment.deleted_at:
            put("deleted_at", event.event_time)
    elif event.verb in ("hide", "unhide"):
        if comment.hidden_event_time is None or event.event_time > comment.hidden_event_time:
            put("is_hidden", event.verb == "hide")
            put("hidden_event_time", event.event_time)

    is_newest = comment.last_event_time is None or event.event_time >= comment.last_event_time
    if event.like_count is not None and is_newest:
        put("like_count", event.like_count)
    if is_newest and changed:
        put("last_event_time", event.event_time)
    return changed, comment.text != text_before, identity_changed


def _comment_link(comment: Comment, *, created: bool) -> None:
    """Join the comment to its parent and to replies that arrived first; record Page replies."""
    if comment.parent_id is None and comment.parent_platform_id:
        parent = Comment.objects.filter(
            channel=comment.channel, platform_id=comment.parent_platform_id
        ).first()
        if parent is not None:
            comment.parent = parent
            Comment.objects.filter(pk=comment.pk).update(parent=parent)
    if comment.parent_id is not None and comment.is_from_page and not comment.is_placeholder:
        _mark_answered(comment.parent_id, comment.created_time)
    if created:
        orphans = Comment.objects.filter(
            channel=comment.channel, parent_platform_id=comment.platform_id, parent__isnull=True
        )
        if orphans.update(parent=comment):
            first = comment.replies_received.filter(is_from_page=True, is_placeholder=False).aggregate(
                at=Min("created_time")
            )["at"]
            if first is not None:
                _mark_answered(comment.pk, first)


def _mark_answered(comment_id: int, at: datetime) -> None:
    # One conditional UPDATE: safe when two replies are recorded at once.
    Comment.objects.filter(pk=comment_id).filter(
        Q(first_reply_at__isnull=True) | Q(first_reply_at__gt=at)
    ).update(first_reply_at=at)


def _graph_author_id(item: dict) -> str:
    author = item.get("from")
    return str(author.get("id") or "") if isinstance(author, dict) else ""


def _event_from_graph(item: dict, *, post: Post, channel: Channel) -> CommentEvent:
    author = item.get("from") or {}
    created = _parse_time(item.get("created_time"))
    if created is None:
        raise ValidationError({"created_time": _("Not a date and time.")})
    return CommentEvent(
        platform_id=str(item["id"]),
        post_platform_id=post.platform_id,
        verb="add",
        event_time=created,
        parent_platform_id=str((item.get("parent") or {}).get("id", "")),
        author_platform_id=str(author.get("id", "")),
        author_name=str(author.get("name", author.get("username", ""))),
        text=item.get("message", item.get("text")),
        created_time=created,
        is_from_page=bool(author.get("id")) and str(author.get("id")) == channel.platform_id,
        like_count=_int_or_none(item.get("like_count")),
    )


def _parse_time(value) -> datetime | None:
    """ISO 8601, Graph's `2026-10-01T10:00:00+0000`, or Unix seconds; naive times are UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), tz=UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _int_or_none(value) -> int | None:
    try:
        return None if value is None or value == "" else int(value)
    except (TypeError, ValueError):
        return None


# --- files (CSV or JSONL), in bulk ---------------------------------------------------------------


@dataclass
class _Row:
    line: int
    platform_id: str
    post_platform_id: str
    parent_platform_id: str
    author_platform_id: str
    author_name: str
    text: str
    created_time: datetime
    edited_time: datetime | None = None
    like_count: int | None = None
    is_hidden: bool | None = None
    campaign: str = ""
    campus: str = ""
    # Set when the same id appears again later in the file with other text.
    edited_in_file: bool = field(default=False)


TEXT_COLUMNS = ("message", "text")
REQUIRED_COLUMNS = ("id", "post_id", "created_time")


def comments_import_file(
    *,
    path: Path,
    channel: Channel | None = None,
    dry_run: bool = False,
    progress: Callable | None = None,
    by: User | None = None,
) -> IngestReport:
    """Import comments from a CSV or JSONL file: every row or none.

    CSV columns: id, post_id, created_time, message (or text); optional parent_id, author_id,
    author_name, like_count, edited_time, is_hidden, campaign (slug), campus (IPEDS UNITID or
    MUR code). JSONL: one Graph comment per line (`id, message, created_time, from{id,name},
    parent{id}, post_id`, optionally `campaign`, `campus`). Without `channel`, the rows go to
    the "Imported comments" channel. The same id twice in a file is one comment, the later
    line winning. Comments of erased authors (tombstones) are dropped and counted as skipped.
    Raises CommentImportError naming the file, line and field of the first bad row;
    with `dry_run` everything is checked and counted, then rolled back.
    """
    path = Path(path)
    wrap = progress or (lambda iterable, **kwargs: iterable)
    report = IngestReport(dry_run=dry_run)
    with transaction.atomic():
        if channel is None:
            channel, _created = Channel.objects.get_or_create(
                kind=Channel.Kind.IMPORT,
                platform_id=DEFAULT_IMPORT_CHANNEL[0],
                defaults={"name": DEFAULT_IMPORT_CHANNEL[1]},
            )
        rows: dict[str, _Row] = {}
        for row in wrap(_rows_read(path, channel=channel), desc=_("reading"), unit=" rows"):
            report.rows += 1
            earlier = rows.pop(row.platform_id, None)
            if earlier is not None and earlier.text != row.text:
                row.edited_in_file = True
            rows[row.platform_id] = row
        report.skipped += _rows_drop_erased(rows)
        posts = _posts_for_rows(path=path, channel=channel, rows=rows.values(), report=report)
        _comments_bulk_store(
            channel=channel, rows=rows, posts=posts, report=report, dry_run=dry_run, wrap=wrap
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            audit_record(
                actor=by,
                action=AuditEvent.Action.IMPORT,
                object_type="comment",
                summary=f"{report.created} created, {report.updated} updated from {path.suffix or 'file'}",
                detail={
                    "file": path.name,
                    "channel": channel.pk,
                    "rows": report.rows,
                    "created": report.created,
                    "skipped": report.skipped,
                },
            )
    logger.info(
        "comments import: %s rows, %s created, %s updated, %s skipped, dry_run=%s",
        report.rows,
        report.created,
        report.updated,
        report.skipped,
        dry_run,
    )
    return report


def _rows_drop_erased(rows: dict[str, _Row]) -> int:
    """Take out the rows of erased authors and erased comments; returns how many went."""
    authors, comments = tombstoned_ids(
        author_ids=[row.author_platform_id for row in rows.values()], comment_ids=list(rows)
    )
    doomed = [pid for pid, row in rows.items() if pid in comments or row.author_platform_id in authors]
    for platform_id in doomed:
        del rows[platform_id]
    return len(doomed)


def _rows_read(path: Path, *, channel: Channel) -> Iterator[_Row]:
    if not path.is_file():
        raise CommentImportError(path=path, line=0, field="file", message=_("No such file."))
    is_jsonl = path.suffix.lower() in (".jsonl", ".ndjson", ".json")
    if not is_jsonl and path.suffix.lower() != ".csv":
        with path.open("rb") as file:
            is_jsonl = file.read(64).lstrip().startswith(b"{")
    return _rows_from_jsonl(path, channel) if is_jsonl else _rows_from_csv(path, channel)


def _rows_from_csv(path: Path, channel: Channel) -> Iterator[_Row]:
    # Our own length check gives a clearer error than the csv module's field limit.
    csv.field_size_limit(16 * 1024 * 1024)
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.reader(file)
        try:
            header = [name.strip().lower() for name in next(reader)]
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CommentImportError(path=path, line=1, field="header", message=_("Not a CSV file.")) from exc
        for column in REQUIRED_COLUMNS:
            if column not in header:
                raise CommentImportError(
                    path=path, line=1, field=column, message=_("This column is missing.")
                )
        if not any(column in header for column in TEXT_COLUMNS):
            raise CommentImportError(path=path, line=1, field="message", message=_("This column is missing."))
        line = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                raise CommentImportError(
                    path=path, line=line, field="-", message=_("This line is not valid CSV.")
                ) from exc
            if not any(value.strip() for value in values):
                line = reader.line_num + 1
                continue
            if len(values) > len(header):
                raise CommentImportError(
                    path=path, line=line, field="-", message=_("More values than columns.")
                )
            record = dict(zip(header, values, strict=False))
            text = record.get("message", record.get("text")) or ""
            author_id = record.get("author_id", "").strip()
            yield _row_build(
                path=path,
                line=line,
                platform_id=record.get("id", "").strip(),
                post_platform_id=record.get("post_id", "").strip(),
                parent_platform_id=record.get("parent_id", "").strip(),
                author_platform_id=author_id,
                author_name=record.get("author_name", "").strip(),
                text=text,
                text_field="message" if "message" in record else "text",
                created_time=record.get("created_time"),
                edited_time=record.get("edited_time"),
                like_count=record.get("like_count"),
                is_hidden=record.get("is_hidden"),
                campaign=record.get("campaign", "").strip(),
                campus=record.get("campus", "").strip(),
            )
            line = reader.line_num + 1


def _rows_from_jsonl(path: Path, channel: Channel) -> Iterator[_Row]:
    with path.open(encoding="utf-8-sig") as file:
        line = 0
        while True:
            line += 1
            try:
                raw = file.readline()
            except UnicodeDecodeError as exc:
                raise CommentImportError(
                    path=path, line=line, field="-", message=_("Not UTF-8 text.")
                ) from exc
            if not raw:
                return
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise CommentImportError(
                    path=path, line=line, field="json", message=_("Not valid JSON.")
                ) from exc
            if not isinstance(item, dict):
                raise CommentImportError(path=path, line=line, field="json", message=_("Not a JSON object."))
            author = item.get("from") or {}
            parent = item.get("parent") or {}
            if not isinstance(author, dict) or not isinstance(parent, dict):
                bad = "from" if not isinstance(author, dict) else "parent"
                raise CommentImportError(path=path, line=line, field=bad, message=_("Must be an object."))
            platform_id = str(item.get("id") or "").strip()
            post_platform_id = str(item.get("post_id") or (item.get("object") or {}).get("id") or "").strip()
            if not post_platform_id and "_" in platform_id:
                # A comment id is "{post-object-id}_{comment-object-id}".
                post_platform_id = platform_id.split("_", 1)[0]
            text = item.get("message", item.get("text"))
            if text is not None and not isinstance(text, str):
                raise CommentImportError(path=path, line=line, field="message", message=_("Must be text."))
            yield _row_build(
                path=path,
                line=line,
                platform_id=platform_id,
                post_platform_id=post_platform_id,
                parent_platform_id=str(parent.get("id") or "").strip(),
                author_platform_id=str(author.get("id") or "").strip(),
                author_name=str(author.get("name") or author.get("username") or "").strip(),
                text=text or "",
                text_field="message",
                created_time=item.get("created_time", item.get("timestamp")),
                edited_time=item.get("edited_time"),
                like_count=item.get("like_count"),
                is_hidden=item.get("is_hidden"),
                campaign=str(item.get("campaign") or "").strip(),
                campus=str(item.get("campus") or "").strip(),
            )


def _row_build(*, path: Path, line: int, text_field: str, **values) -> _Row:
    def fail(name: str, message: str):
        raise CommentImportError(path=path, line=line, field=name, message=message)

    for name, column, limit in (
        ("platform_id", "id", 100),
        ("post_platform_id", "post_id", 100),
        ("parent_platform_id", "parent_id", 100),
        ("author_platform_id", "author_id", 64),
        ("author_name", "author_name", 200),
    ):
        if len(values[name]) > limit:
            fail(column, _("Longer than %(max)s characters.") % {"max": limit})
    if not values["platform_id"]:
        fail("id", _("A comment id is required."))
    if not values["post_platform_id"]:
        fail("post_id", _("A post id is required."))
    if len(values["text"]) > MAX_TEXT_LENGTH:
        fail(text_field, _("The text is longer than %(max)s characters.") % {"max": f"{MAX_TEXT_LENGTH:,}"})
    created = _parse_time(values["created_time"])
    if created is None:
        fail("created_time", _("Not a date and time (ISO 8601, e.g. 2026-10-01T10:00:00+0000)."))
    edited = None
    if values["edited_time"] not in (None, ""):
        edited = _parse_time(values["edited_time"])
        if edited is None:
            fail("edited_time", _("Not a date and time (ISO 8601, e.g. 2026-10-01T10:00:00+0000)."))
    like_count = None
    if values["like_count"] not in (None, ""):
        like_count = _int_or_none(values["like_count"])
        if like_count is None or like_count < 0:
            fail("like_count", _("Not a whole number of zero or more."))
    is_hidden = values["is_hidden"]
    if isinstance(is_hidden, str):
        lowered = is_hidden.strip().lower()
        if lowered in ("", "none"):
            is_hidden = None
        elif lowered in ("1", "true", "yes"):
            is_hidden = True
        elif lowered in ("0", "false", "no"):
            is_hidden = False
        else:
            fail("is_hidden", _("Use true or false."))
    if values["parent_platform_id"] == values["post_platform_id"]:
        values["parent_platform_id"] = ""
    values.update(created_time=created, edited_time=edited, like_count=like_count, is_hidden=is_hidden)
    return _Row(line=line, **values)


def _posts_for_rows(
    *, path: Path, channel: Channel, rows: Iterable[_Row], report: IngestReport
) -> dict[str, Post]:
    """The rows' posts by platform id, creating missing ones and linking campaigns and campuses."""
    first_row: dict[str, _Row] = {}
    campaign_slugs: dict[str, _Row] = {}
    campus_codes: dict[str, _Row] = {}
    for row in rows:
        first_row.setdefault(row.post_platform_id, row)
        if row.campaign:
            campaign_slugs.setdefault(row.campaign, row)
        if row.campus:
            campus_codes.setdefault(row.campus, row)

    campaigns = {c.slug: c for c in Campaign.objects.filter(slug__in=list(campaign_slugs))}
    for slug, row in campaign_slugs.items():
        if slug not in campaigns:
            raise CommentImportError(
                path=path, line=row.line, field="campaign", message=_("No campaign has this slug.")
            )
    universities: dict[str, University] = {}
    codes = list(campus_codes)
    for chunk in batched(codes, LOOKUP_CHUNK):
        for university in University.objects.filter(Q(ipeds_unitid__in=chunk) | Q(mur_code__in=chunk)):
            for code in (university.ipeds_unitid, university.mur_code):
                if code:
                    universities[code] = university
    for code, row in campus_codes.items():
        if code not in universities:
            raise CommentImportError(
                path=path,
                line=row.line,
                field="campus",
                message=_("No campus has this IPEDS id or MUR code."),
            )

    posts: dict[str, Post] = {}
    for chunk in batched(list(first_row), LOOKUP_CHUNK):
        posts.update((p.platform_id, p) for p in Post.objects.filter(channel=channel, platform_id__in=chunk))
    kind = Post.Kind.INSTAGRAM_MEDIA if channel.kind == Channel.Kind.INSTAGRAM else Post.Kind.PAGE_POST
    missing = [Post(channel=channel, platform_id=pid, kind=kind) for pid in first_row if pid not in posts]
    if missing:
        Post.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        report.posts_created = len(missing)
        for chunk in batched([p.platform_id for p in missing], LOOKUP_CHUNK):
            posts.update(
                (p.platform_id, p) for p in Post.objects.filter(channel=channel, platform_id__in=chunk)
            )

    links = Post.universities.through
    wanted_links = []
    for row in rows:
        post = posts[row.post_platform_id]
        if row.campaign and post.campaign_id is None:
            post.campaign = campaigns[row.campaign]
            Post.objects.filter(pk=post.pk, campaign__isnull=True).update(campaign=post.campaign)
        if row.campus:
            wanted_links.append(links(post_id=post.pk, university_id=universities[row.campus].pk))
    if wanted_links:
        links.objects.bulk_create(wanted_links, ignore_conflicts=True, batch_size=BATCH_SIZE)
    return posts


def _comments_bulk_store(
    *,
    channel: Channel,
    rows: dict[str, _Row],
    posts: dict[str, Post],
    report: IngestReport,
    dry_run: bool,
    wrap,
) -> None:
    existing: set[str] = set()
    ids = list(rows)
    for chunk in batched(ids, LOOKUP_CHUNK):
        existing.update(
            Comment.objects.filter(channel=channel, platform_id__in=chunk).values_list(
                "platform_id", flat=True
            )
        )

    # Rows we already hold: decide on an unlocked copy, and send only the rows that change through
    # the locked event path (a re-import of the same file then costs one read per 900 rows).
    to_triage: list[Comment] = []
    for chunk in batched(sorted(existing), LOOKUP_CHUNK):
        for stored in Comment.objects.filter(channel=channel, platform_id__in=chunk):
            row = rows[stored.platform_id]
            events = _events_from_row(row, channel=channel, is_hidden_now=stored.is_hidden)
            if not any(_comment_merge(stored, event)[0] for event in events):
                report.unchanged += 1
                continue
            outcome, text_changed, comment = "unchanged", False, None
            for event in events:
                comment, event_outcome, event_text_changed = _event_apply(
                    channel=channel, event=event, post=posts[row.post_platform_id]
                )
                text_changed = text_changed or event_text_changed
                outcome = "updated" if event_outcome == "updated" else outcome
            setattr(report, outcome, getattr(report, outcome) + 1)
            if text_changed and comment.text:
                to_triage.append(comment)
    if to_triage and not dry_run:
        report.triaged += triage.comments_triage(comments=to_triage)

    new_rows = [rows[platform_id] for platform_id in ids if platform_id not in existing]
    if not new_rows:
        return
    now = timezone.now()
    for batch in wrap(
        batched(new_rows, BATCH_SIZE),
        desc=_("storing"),
        unit=" batches",
        total=-(-len(new_rows) // BATCH_SIZE),
    ):
        comments = [
            _comment_from_row(row, channel=channel, post=posts[row.post_platform_id], now=now)
            for row in batch
        ]
        if not dry_run:
            report.triaged += triage.comments_triage_fill(comments=[c for c in comments if c.text])
        _comments_insert(comments, now=now)
        report.created += len(comments)
    _comments_link_bulk(channel=channel)


def _comments_insert(comments: list[Comment], *, now: datetime) -> None:
    """INSERT new comments with executemany: the bulk path of an import.

    bulk_create spent as much CPU compiling SQL as the classifier spent scoring; the values are
    still prepared by each field (`get_db_prep_save`), so types and time zones match the ORM's.
    Database triggers (the SQLite search index) fire as for any insert.
    """
    fields = [f for f in Comment._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    # Table and column names come from the model, values are bound parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(Comment._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    params = []
    for comment in comments:
        comment.received_at = now
        params.append([f.get_db_prep_save(getattr(comment, f.attname), connection) for f in fields])
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _events_from_row(row: _Row, *, channel: Channel, is_hidden_now: bool) -> list[CommentEvent]:
    """A file row as events: the comment as created, then its edit and hidden state if given."""
    add = CommentEvent(
        platform_id=row.platform_id,
        post_platform_id=row.post_platform_id,
        verb="add",
        event_time=row.created_time,
        parent_platform_id=row.parent_platform_id,
        author_platform_id=row.author_platform_id,
        author_name=row.author_name,
        text=row.text,
        created_time=row.created_time,
        is_from_page=_is_from_page(row, channel),
        like_count=row.like_count,
    )
    events = [add]
    if row.edited_time is not None:
        events.append(replace(add, verb="edited", event_time=row.edited_time))
    if row.is_hidden is not None and row.is_hidden != is_hidden_now:
        events.append(replace(add, verb="hide" if row.is_hidden else "unhide", event_time=timezone.now()))
    return events


def _is_from_page(row: _Row, channel: Channel) -> bool:
    return (
        bool(row.author_platform_id)
        and channel.kind != Channel.Kind.IMPORT
        and (row.author_platform_id == channel.platform_id)
    )


def _comment_from_row(row: _Row, *, channel: Channel, post: Post, now: datetime) -> Comment:
    edited_time = row.edited_time
    if edited_time is None and row.edited_in_file:
        # The file shows the comment changed but not when: the import is the first time we saw it.
        edited_time = now
    return Comment(
        channel=channel,
        post=post,
        platform_id=row.platform_id,
        parent_platform_id=row.parent_platform_id,
        author_platform_id=row.author_platform_id,
        author_name=row.author_name,
        is_from_page=_is_from_page(row, channel),
        text=row.text,
        created_time=row.created_time,
        edited_time=edited_time,
        last_event_time=edited_time or row.created_time,
        like_count=row.like_count or 0,
        is_hidden=bool(row.is_hidden),
        hidden_event_time=now if row.is_hidden is not None else None,
    )


def _comments_link_bulk(*, channel: Channel) -> None:
    """Link every waiting reply in the channel to its parent, and record the Page's first replies."""
    parents = Comment.objects.filter(channel=channel, platform_id=OuterRef("parent_platform_id")).values(
        "pk"
    )[:1]
    Comment.objects.filter(channel=channel, parent__isnull=True).exclude(parent_platform_id="").update(
        parent=Subquery(parents)
    )
    first_page_reply = (
        Comment.objects.filter(parent=OuterRef("pk"), is_from_page=True, is_placeholder=False)
        .order_by()
        .values("parent")
        .annotate(at=Min("created_time"))
        .values("at")
    )
    answered = Comment.objects.filter(channel=channel, is_from_page=True, parent__isnull=False).values(
        "parent_id"
    )
    Comment.objects.filter(pk__in=answered, first_reply_at__isnull=True).update(
        first_reply_at=Subquery(first_page_reply)
    )
