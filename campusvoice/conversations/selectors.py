"""Reads for the inbox: the queue, one thread, the new-comment poll and the metrics.

Every read starts from `comments_for_inbox`, which decides what a member may see. The queue is
built for a million comments on PostgreSQL: it filters on indexed columns, orders by a key
that ends in the primary key, and pages by that key (keyset) instead of by OFFSET, so the
hundredth page costs what the first does. The indexes it relies on are in the model and in
migration 0002 (`comment_todo_*`).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.db import connections
from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Field,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from campusvoice.accounts.access import can
from campusvoice.accounts.models import Role, User
from campusvoice.campuses.models import SupportResource, University
from campusvoice.conversations import search
from campusvoice.conversations.models import LABELS, Comment, OutboxAction, Post, ReplyTemplate

TODO = (Comment.Status.NEW, Comment.Status.OPEN)
PAGE_SIZE = 50
# Counting a million rows to print "page 3 of 20,000" costs more than the page itself; above
# this many the inbox says "1,000+".
COUNT_CAP = 1000


class _Row(Func):
    function = ""
    template = "(%(expressions)s)"
    output_field = Field()


class _RowBefore(Func):
    """`(a, b, c) < (x, y, z)`: one range on a composite index, however deep the page."""

    arg_joiner = " < "
    template = "%(expressions)s"
    output_field = BooleanField()


@dataclass(frozen=True)
class InboxFilters:
    tab: str = "todo"  # todo, mine, disclosures, all
    status: str = ""
    campaign: int | None = None
    post: int | None = None
    campus: int | None = None
    label: str = ""
    language: str = ""
    assignee: str = ""  # "", "me", "none" or a user id
    since: date | None = None
    until: date | None = None
    q: str = ""
    sort: str = "priority"  # priority or time


@dataclass
class InboxPage:
    comments: list[Comment]
    next_cursor: str
    count: int
    count_capped: bool
    newest_id: int


def comments_for_inbox(*, user: User) -> QuerySet[Comment]:
    """Comments this member may see in the inbox; disclosures only with `inbox.disclosures`.

    Analysts and organisers get nothing at all: the views refuse them first, and this is the
    second lock on the same door.
    """
    if not can(user, "inbox.view"):
        return Comment.objects.none()
    comments = Comment.objects.all()
    if not can(user, "inbox.disclosures"):
        comments = comments.filter(disclosure=False)
    return comments


def _filtered(*, user: User, filters: InboxFilters) -> QuerySet[Comment]:
    # The page's own replies are part of threads, not work to do; deleted comments are gone.
    comments = comments_for_inbox(user=user).filter(is_from_page=False, deleted_at__isnull=True)
    if filters.tab == "disclosures":
        comments = comments.filter(disclosure=True) if can(user, "inbox.disclosures") else comments.none()
    elif filters.tab == "mine":
        comments = comments.filter(assignee=user)

    if filters.status in Comment.Status.values:
        comments = comments.filter(status=filters.status)
    elif filters.status != "any":
        comments = comments.filter(status__in=TODO)
    if filters.campaign:
        comments = comments.filter(post__in=Post.objects.filter(campaign_id=filters.campaign).values("pk"))
    if filters.post:
        comments = comments.filter(post_id=filters.post)
    if filters.campus:
        # A campus's posts become a list of ids first (tens, or a few hundred): PostgreSQL then
        # checks each index entry against the list, and counts through comment_thread_idx where
        # a subquery made it scan the table (300 ms at a million comments).
        comments = comments.filter(
            post_id__in=list(
                Post.universities.through.objects.filter(university_id=filters.campus).values_list(
                    "post_id", flat=True
                )
            )
        )
    if filters.label in LABELS:
        comments = comments.filter(**{filters.label: True})
    elif filters.label == "hidden":
        comments = comments.filter(is_hidden=True)
    if filters.language:
        comments = comments.filter(language=filters.language)
    if filters.assignee == "me":
        comments = comments.filter(assignee=user)
    elif filters.assignee == "none":
        comments = comments.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        comments = comments.filter(assignee_id=int(filters.assignee))
    if filters.since:
        comments = comments.filter(created_time__gte=_day_start(filters.since))
    if filters.until:
        comments = comments.filter(created_time__lt=_day_start(filters.until + timedelta(days=1)))
    if filters.q.strip():
        comments = search.comments_matching(comments, query=filters.q)
    return comments


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _sort_key(sort: str) -> tuple[str, ...]:
    return ("priority", "created_time", "id") if sort == "priority" else ("created_time", "id")


def _cursor_encode(comment: Comment, sort: str) -> str:
    values = [str(getattr(comment, name)) for name in _sort_key(sort)]
    values[-2] = comment.created_time.isoformat()
    return "~".join(values)


def _cursor_decode(cursor: str, sort: str) -> list | None:
    parts = cursor.split("~")
    if len(parts) != len(_sort_key(sort)):
        return None
    try:
        *head, moment, pk = parts
        when = parse_datetime(moment)
        values = [int(v) for v in head] + [when, int(pk)]
    except (TypeError, ValueError):
        return None
    return values if when is not None else None


def inbox_page(*, user: User, filters: InboxFilters, cursor: str = "") -> InboxPage:
    """One page of the queue, ordered by priority (or time), newest first within a priority.

    `cursor` is the `next_cursor` of the previous page; a malformed one starts from the top.
    """
    comments = _filtered(user=user, filters=filters)
    # The poll asks "what arrived after this page was drawn?", so the newest id of any comment
    # will do; the newest *matching* one can cost a walk down the whole primary key (a search).
    newest_id = Comment.objects.order_by("-id").values_list("id", flat=True).first() or 0
    count = comments.order_by()[: COUNT_CAP + 1].count()

    key = _sort_key(filters.sort)
    values = _cursor_decode(cursor, filters.sort) if cursor else None
    if values:
        comments = comments.filter(
            _RowBefore(
                _Row(*[F(name) for name in key]),
                _Row(
                    *[
                        Value(v, output_field=DateTimeField()) if isinstance(v, datetime) else Value(v)
                        for v in values
                    ]
                ),
            )
        )
    rows = list(_for_rows(comments).order_by(*[F(name).desc() for name in key])[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return InboxPage(
        comments=rows,
        next_cursor=_cursor_encode(rows[-1], filters.sort) if more else "",
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
        newest_id=newest_id,
    )


def _for_rows(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    """What a row shows besides the comment: its post, assignee and a pending hide or unhide.

    A subquery rather than a join and GROUP BY, so PostgreSQL runs it only for the rows of the
    page, after the index has produced them in order.
    """
    pending = OutboxAction.objects.filter(
        comment=OuterRef("pk"),
        status=OutboxAction.Status.PENDING,
        kind__in=[OutboxAction.Kind.HIDE, OutboxAction.Kind.UNHIDE],
    ).order_by("-requested_at", "-id")
    return comments.select_related("post", "post__campaign", "assignee").annotate(
        pending_visibility=Subquery(pending.values("kind")[:1])
    )


def inbox_new_count(*, user: User, filters: InboxFilters, after_id: int) -> int:
    """How many comments matching these filters arrived after `after_id` (the poll's question)."""
    return _filtered(user=user, filters=filters).filter(id__gt=after_id).order_by()[:COUNT_CAP].count()


def inbox_new_comments(*, user: User, filters: InboxFilters, after_id: int) -> list[Comment]:
    """The comments the poll announced, newest first, capped at one page."""
    comments = _filtered(user=user, filters=filters).filter(id__gt=after_id)
    return list(_for_rows(comments).order_by("-id")[:PAGE_SIZE])


def comments_by_ids(*, user: User, ids: list[int]) -> QuerySet[Comment]:
    """The given comments, as far as this member may see them (bulk actions, row refreshes)."""
    return comments_for_inbox(user=user).filter(pk__in=ids)


def comment_for_row(*, user: User, pk: int) -> Comment:
    """One row of the queue, annotated as `inbox_page` annotates it; Comment.DoesNotExist if unseen."""
    return _for_rows(comments_for_inbox(user=user)).get(pk=pk)


def comment_thread(*, user: User, comment: Comment) -> dict:
    """The comment in context: its post and campuses, parent, replies and platform actions.

    A disclosure in the parent or the replies is left out for a member who may not see it.
    """
    visible = comments_for_inbox(user=user)
    parent = visible.filter(pk=comment.parent_id).first() if comment.parent_id else None
    replies = list(visible.filter(parent=comment).select_related("assignee").order_by("created_time", "id"))
    post = Post.objects.select_related("campaign", "channel").get(pk=comment.post_id)
    return {
        "post": post,
        "campuses": list(post.universities.order_by("name")),
        "parent": parent,
        "replies": replies,
        "actions": list(comment.outbox_actions.select_related("requested_by", "template")),
        "labels": comment_labels(comment=comment),
    }


def comment_labels(*, comment: Comment) -> list[dict]:
    """Each label with the model's score, the effective flag and the moderator's word if any."""
    by_moderator = {m.label: m for m in comment.moderator_labels.select_related("by")}
    rows = []
    for label in LABELS:
        score = comment.scores.get(label) if isinstance(comment.scores, dict) else None
        rows.append(
            {
                "name": label,
                "value": getattr(comment, label),
                "score": score if isinstance(score, int | float) else None,
                "moderator": by_moderator.get(label),
            }
        )
    return rows


def comment_is_pending(*, comment: Comment, kind: str) -> bool:
    return comment.outbox_actions.filter(kind=kind, status=OutboxAction.Status.PENDING).exists()


def reply_templates_for(*, comment: Comment) -> QuerySet[ReplyTemplate]:
    """Active templates, the comment's language first; disclosure templates first for a disclosure."""
    templates = ReplyTemplate.objects.filter(is_active=True)
    if not comment.disclosure:
        templates = templates.exclude(kind=ReplyTemplate.Kind.DISCLOSURE)
    first = Q(kind=ReplyTemplate.Kind.DISCLOSURE) if comment.disclosure else Q(pk__in=[])
    return templates.order_by(
        Case(When(first, then=0), default=1),
        Case(When(language=comment.language, then=0), default=1),
        "language",
        "kind",
        "name",
    )


def reply_template_suggested(*, comment: Comment) -> ReplyTemplate | None:
    """The template to start from: for a disclosure, the disclosure template in its language."""
    if comment.disclosure:
        kind = ReplyTemplate.Kind.DISCLOSURE
    elif comment.question:
        kind = ReplyTemplate.Kind.QUESTION
    elif comment.hostile:
        kind = ReplyTemplate.Kind.HOSTILE
    elif comment.supportive:
        kind = ReplyTemplate.Kind.THANKS
    else:
        return None
    templates = ReplyTemplate.objects.filter(is_active=True, kind=kind)
    return templates.filter(language=comment.language).first() or templates.filter(language="en").first()


def support_resources_for(*, campus: University | None, country: str) -> QuerySet[SupportResource]:
    """The campus's own offices first, then the country's national lines."""
    national = Q(university__isnull=True, country=country) if country else Q(pk__in=[])
    resources = SupportResource.objects.filter(national | Q(university=campus) if campus else national)
    return resources.order_by(F("university").asc(nulls_last=True), "name")


def moderators() -> QuerySet[User]:
    """Members who can be given comments to handle."""
    return User.objects.filter(is_active=True, role__in=[Role.ADMIN, Role.MODERATOR]).order_by(
        "full_name", "email"
    )


def inbox_facets() -> dict:
    """Choices for the filter form: campaigns, posts, campuses and languages with comments."""
    from campusvoice.campaigns.models import Campaign

    return {
        "campaigns": list(Campaign.objects.order_by("name").values_list("pk", "name")),
        "posts": list(Post.objects.order_by("-published_at", "-pk").values_list("pk", "platform_id")[:200]),
        "campuses": list(
            University.objects.filter(posts__isnull=False)
            .distinct()
            .order_by("name")
            .values_list("pk", "name")
        ),
    }


def inbox_tab_counts(*, user: User) -> dict:
    """Open comments per tab, counted up to the cap."""
    base = comments_for_inbox(user=user).filter(is_from_page=False, deleted_at__isnull=True, status__in=TODO)
    counts = {
        "todo": base.order_by()[: COUNT_CAP + 1].count(),
        "mine": base.filter(assignee=user).order_by()[: COUNT_CAP + 1].count(),
    }
    if can(user, "inbox.disclosures"):
        counts["disclosures"] = base.filter(disclosure=True).order_by()[: COUNT_CAP + 1].count()
    return counts


# Metrics ---------------------------------------------------------------------------------------

_REPLY_DELAY = ExpressionWrapper(F("first_reply_at") - F("created_time"), output_field=DurationField())


def _metric_base() -> QuerySet[Comment]:
    return Comment.objects.filter(is_from_page=False, deleted_at__isnull=True)


class _MiddleDelays(Aggregate):
    """PostgreSQL: each group's two middle values in order (the middle one twice if odd).

    PERCENTILE_DISC(f) returns the row at ceil(f × n): 0.5 gives the lower middle, a hair above
    0.5 the upper one (exact while n < 10⁹). Their mean is the same median, to the microsecond,
    as the window path computes, in one grouped pass instead of numbering every row.
    """

    function = "PERCENTILE_DISC"
    template = "%(function)s(ARRAY[0.5, 0.500000001]::float8[]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(DurationField())


def _medians(comments: QuerySet[Comment], group: str) -> dict:
    """Median reply delay per group, found in the database.

    PostgreSQL picks each group's middle values with an ordered-set aggregate. SQLite has none,
    so there each group's delays are numbered in order with window functions and only the middle
    one or two rows per group come back. Either way the median is the mean of those values.
    """
    replied = comments.filter(first_reply_at__isnull=False, **{f"{group}__isnull": False})
    pick = _middles_ordered_set if connections[comments.db].vendor == "postgresql" else _middles_ranked
    return {key: sum(delays, timedelta()) / len(delays) for key, delays in pick(replied, group)}


def _middles_ordered_set(replied: QuerySet[Comment], group: str) -> list[tuple]:
    rows = replied.values(group).annotate(middle=_MiddleDelays(_REPLY_DELAY)).order_by()
    return [(row[group], row["middle"]) for row in rows]


def _middles_ranked(replied: QuerySet[Comment], group: str) -> list[tuple]:
    ranked = (
        replied.annotate(
            group_key=F(group),
            delay=_REPLY_DELAY,
            position=Window(
                RowNumber(), partition_by=[F(group)], order_by=[_REPLY_DELAY.asc(), F("id").asc()]
            ),
            size=Window(Count("id"), partition_by=[F(group)]),
        )
        .filter(
            Q(position=ExpressionWrapper((F("size") + 1) / 2, output_field=IntegerField()))
            | Q(position=ExpressionWrapper((F("size") + 2) / 2, output_field=IntegerField()))
        )
        .values_list("group_key", "delay")
    )
    middle: dict = {}
    for key, delay in ranked:
        middle.setdefault(key, []).append(delay)
    return list(middle.items())


_COUNTS = ("comments", "on_topic", "backlog", "posts")


def _counts(comments: QuerySet[Comment]) -> tuple[list[dict], list[dict]]:
    """Per-post and per-moderator counts, added up from one grouped scan by (post, assignee).

    Each comment is in exactly one (post, assignee) group, so the sums are exact; a moderator's
    post count is the number of their groups, since each of their groups is a different post.
    """
    groups = (
        comments.values("post", "assignee")
        .annotate(
            comments=Count("id"),
            on_topic=Count("id", filter=Q(on_topic=True)),
            backlog=Count("id", filter=Q(status__in=TODO)),
        )
        .order_by()
    )
    by_post: dict[int, dict] = {}
    by_assignee: dict[int, dict] = {}
    for row in groups:
        targets = [(by_post, "post", row["post"])]
        if row["assignee"] is not None:
            targets.append((by_assignee, "assignee", row["assignee"]))
        for totals, group, key in targets:
            total = totals.setdefault(key, dict.fromkeys(_COUNTS, 0) | {group: key})
            for name in ("comments", "on_topic", "backlog"):
                total[name] += row[name]
        by_post[row["post"]]["posts"] = 1
        if row["assignee"] is not None:
            by_assignee[row["assignee"]]["posts"] += 1
    return list(by_post.values()), list(by_assignee.values())


def _campus_counts(post_counts: list[dict]) -> list[dict]:
    """Per-campus counts added up from the per-post ones.

    A comment belongs to one post, so the sums are exact, and they save joining a million
    comments to the post-campus table (8 s at a million comments, against none).
    """
    campuses_of: dict[int, list[int]] = {}
    for post_id, campus_id in Post.universities.through.objects.filter(
        post_id__in=[row["post"] for row in post_counts]
    ).values_list("post_id", "university_id"):
        campuses_of.setdefault(post_id, []).append(campus_id)
    totals: dict[int, dict] = {}
    for row in post_counts:
        for campus_id in campuses_of.get(row["post"], []):
            total = totals.setdefault(
                campus_id, dict.fromkeys(_COUNTS, 0) | {"post__universities": campus_id}
            )
            for name in _COUNTS:
                total[name] += row[name]
    return list(totals.values())


def _rows(comments: QuerySet[Comment], group: str, names: dict, counts: list[dict]) -> list[dict]:
    medians = _medians(comments, group)
    rows = []
    for row in counts:
        key = row[group]
        rows.append(
            {
                "key": key,
                "name": names.get(key, str(key)),
                "comments": row["comments"],
                "posts": row["posts"],
                "per_post": row["comments"] / row["posts"] if row["posts"] else None,
                "on_topic_share": row["on_topic"] / row["comments"] if row["comments"] else None,
                "backlog": row["backlog"],
                "median_first_reply": medians.get(key),
            }
        )
    return sorted(rows, key=lambda r: (-r["comments"], str(r["name"])))


def _metric_posts() -> QuerySet[Post]:
    # What the page shows of a post; thousands of whole rows would cost a quarter of a second.
    return Post.objects.select_related("campaign").only("message", "platform_id", "campaign__name")


def inbox_metrics(*, since: date | None = None, until: date | None = None) -> dict:
    """Per post, per campus and per moderator: volume, on-topic share, backlog, median reply time.

    Figures only, never comment text, so any member with `inbox.view` may read them. One grouped
    scan gives every count; the medians, which cannot be added up, take one pass per table.
    """
    comments = _metric_base()
    if since:
        comments = comments.filter(created_time__gte=_day_start(since))
    if until:
        comments = comments.filter(created_time__lt=_day_start(until + timedelta(days=1)))
    post_counts, people_counts = _counts(comments)
    # Names for the keys found, not a second scan of the comments to find them.
    posts = {p.pk: p for p in _metric_posts().filter(pk__in=[row["post"] for row in post_counts])}
    campuses = dict(University.objects.filter(posts__isnull=False).values_list("pk", "name").distinct())
    people = {u.pk: str(u) for u in User.objects.filter(pk__in=[row["assignee"] for row in people_counts])}
    return {
        "posts": [
            row | {"post": posts.get(row["key"])}
            for row in _rows(comments, "post", {pk: str(p) for pk, p in posts.items()}, post_counts)
        ],
        "campuses": _rows(comments, "post__universities", campuses, _campus_counts(post_counts)),
        "moderators": _rows(comments, "assignee", people, people_counts),
    }


def metrics_default_since() -> date:
    """Where the metrics page starts unless asked otherwise: 30 days ago (empty means all time)."""
    return timezone.localdate() - timedelta(days=30)


def inbox_metrics_as_of(
    *, since: date | None = None, until: date | None = None, refresh: bool = False
) -> tuple[dict, datetime]:
    """`inbox_metrics` and when it was computed, kept a few minutes per date range.

    Over all time at a million comments the figures take seconds to compute; a few minutes'
    delay costs a moderator nothing, and the page says how old they are. `refresh` recomputes
    and keeps the figures twice as long: the scheduler refreshes the page's usual ranges more
    often than that (`inbox_metrics_warm`), so nobody waits for them.
    """
    seconds = settings.CAMPUSVOICE_METRICS_CACHE_SECONDS
    if not seconds:
        return inbox_metrics(since=since, until=until), timezone.now()
    key = f"inbox-metrics:v1:{since}:{until}"
    cached = None if refresh else cache.get(key)
    if cached is None:
        metrics, as_of = inbox_metrics(since=since, until=until), timezone.now()
        # Posts kept as what the page shows of them: pickling or re-reading thousands of Post
        # objects would cost more than the figures.
        shown = {
            pk: {"platform_id": p.platform_id, "campaign": p.campaign and {"name": p.campaign.name}}
            for pk, p in ((row["key"], row["post"]) for row in metrics["posts"])
            if p is not None
        }
        figures = metrics | {"posts": [row | {"post": shown.get(row["key"])} for row in metrics["posts"]]}
        cache.set(key, (figures, as_of), seconds * 2 if refresh else seconds)
        return metrics, as_of
    return cached


def inbox_metrics_warm() -> None:
    """Recompute the figures of the metrics page's usual ranges: the last 30 days and all time."""
    if settings.CAMPUSVOICE_METRICS_CACHE_SECONDS:
        for since in (metrics_default_since(), None):
            inbox_metrics_as_of(since=since, refresh=True)
