"""The inbox's reads: scoping, each filter, keyset order, and metrics against hand-computed figures."""

import datetime as dt

import pytest
from django.utils import timezone

from campusvoice.accounts import access
from campusvoice.accounts.models import Role
from campusvoice.conversations import selectors
from campusvoice.conversations.models import Comment
from campusvoice.conversations.selectors import InboxFilters, inbox_page
from campusvoice.conversations.tests.factories import CommentFactory, PostFactory
from campusvoice.conversations.tests.factories_ui import campaign_make, campus_post

pytestmark = pytest.mark.django_db


def _ids(user, **filters):
    return {c.pk for c in inbox_page(user=user, filters=InboxFilters(**filters)).comments}


def test_analysts_and_organisers_see_no_comment_at_all(analyst, organiser):
    CommentFactory()
    assert not selectors.comments_for_inbox(user=analyst).exists()
    assert not selectors.comments_for_inbox(user=organiser).exists()
    assert _ids(analyst) == set()


def test_disclosures_are_left_out_for_a_member_without_the_capability(moderator, monkeypatch):
    disclosure, other = CommentFactory(disclosure=True), CommentFactory()
    assert _ids(moderator) == {disclosure.pk, other.pk}
    assert _ids(moderator, tab="disclosures") == {disclosure.pk}

    monkeypatch.setitem(access.CAPABILITIES, "inbox.disclosures", frozenset({Role.ADMIN}))
    assert _ids(moderator) == {other.pk}
    assert _ids(moderator, tab="disclosures") == set()


def test_the_queue_leaves_out_our_own_replies_deleted_and_done_comments(moderator):
    open_one = CommentFactory()
    CommentFactory(is_from_page=True)
    CommentFactory(deleted_at=timezone.now())
    done = CommentFactory(status=Comment.Status.DONE)
    assert _ids(moderator) == {open_one.pk}
    assert _ids(moderator, status="done") == {done.pk}
    assert _ids(moderator, status="any") == {open_one.pk, done.pk}


def test_each_filter_returns_the_right_rows(moderator, admin_user):
    campaign = campaign_make()
    post_a, campus_a = campus_post(campaign=campaign)
    post_b, _ = campus_post(campus_name="Politecnico di Milano", city="Milano")
    now = timezone.now()
    a = CommentFactory(post=post_a, language="it", question=True, created_time=now - dt.timedelta(days=5))
    b = CommentFactory(post=post_b, language="en", hostile=True, assignee=moderator, status="open")
    c = CommentFactory(post=post_b, language="en", assignee=admin_user, status="open", is_hidden=True)

    assert _ids(moderator, campaign=campaign.pk) == {a.pk}
    assert _ids(moderator, post=post_b.pk) == {b.pk, c.pk}
    assert _ids(moderator, campus=campus_a.pk) == {a.pk}
    assert _ids(moderator, label="question") == {a.pk}
    assert _ids(moderator, label="hostile") == {b.pk}
    assert _ids(moderator, label="hidden") == {c.pk}
    assert _ids(moderator, language="it") == {a.pk}
    assert _ids(moderator, assignee="me") == {b.pk}
    assert _ids(moderator, tab="mine") == {b.pk}
    assert _ids(moderator, assignee="none") == {a.pk}
    assert _ids(moderator, assignee=str(admin_user.pk)) == {c.pk}
    assert _ids(moderator, since=(now - dt.timedelta(days=1)).date()) == {b.pk, c.pk}
    assert _ids(moderator, until=(now - dt.timedelta(days=4)).date()) == {a.pk}


def test_pages_follow_priority_then_time_without_gaps_or_repeats(moderator):
    now = timezone.now()
    comments = [
        CommentFactory(priority=n % 3, created_time=now - dt.timedelta(minutes=n % 7)) for n in range(120)
    ]
    expected = [
        c.pk for c in sorted(comments, key=lambda c: (c.priority, c.created_time, c.pk), reverse=True)
    ]
    seen, cursor = [], ""
    while True:
        page = inbox_page(user=moderator, filters=InboxFilters(), cursor=cursor)
        seen += [c.pk for c in page.comments]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == expected

    by_time = inbox_page(user=moderator, filters=InboxFilters(sort="time")).comments
    assert [c.pk for c in by_time] == [
        c.pk for c in sorted(comments, key=lambda c: (c.created_time, c.pk), reverse=True)
    ][:50]


def test_a_malformed_cursor_starts_from_the_top(moderator):
    comment = CommentFactory()
    page = inbox_page(user=moderator, filters=InboxFilters(), cursor="x~y")
    assert [c.pk for c in page.comments] == [comment.pk]


def test_the_count_stops_at_the_cap(moderator, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    CommentFactory.create_batch(5)
    page = inbox_page(user=moderator, filters=InboxFilters())
    assert (page.count, page.count_capped) == (3, True)


def test_new_comments_are_those_after_the_last_id_seen(moderator):
    old = CommentFactory()
    new = CommentFactory()
    CommentFactory(status=Comment.Status.DONE)
    assert selectors.inbox_new_count(user=moderator, filters=InboxFilters(), after_id=old.pk) == 1
    assert [
        c.pk for c in selectors.inbox_new_comments(user=moderator, filters=InboxFilters(), after_id=old.pk)
    ] == [new.pk]


def test_the_thread_hides_a_disclosing_reply_from_a_member_without_the_capability(moderator, monkeypatch):
    comment = CommentFactory()
    reply = CommentFactory(post=comment.post, parent=comment, disclosure=True)
    assert selectors.comment_thread(user=moderator, comment=comment)["replies"] == [reply]
    monkeypatch.setitem(access.CAPABILITIES, "inbox.disclosures", frozenset({Role.ADMIN}))
    assert selectors.comment_thread(user=moderator, comment=comment)["replies"] == []


def test_metrics_match_figures_computed_by_hand(moderator, admin_user):
    t0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
    post_a, campus_a = campus_post()
    post_b, campus_b = campus_post(campus_name="Politecnico di Milano", city="Milano")
    post_b.universities.add(campus_a)  # post B is about both campuses
    minutes = dt.timedelta(minutes=1)

    # Post A: 4 comments, 3 on topic, replies after 10, 20 and 60 minutes (median 20); 1 in backlog.
    for delay, on_topic, status, assignee in [
        (10, True, "done", moderator),
        (20, True, "done", moderator),
        (60, False, "done", admin_user),
        (None, True, "new", None),
    ]:
        CommentFactory(
            post=post_a,
            created_time=t0,
            first_reply_at=t0 + delay * minutes if delay else None,
            on_topic=on_topic,
            status=status,
            assignee=assignee,
        )
    # Post B: 2 comments, 1 on topic, replies after 30 and 50 minutes (median 40); 2 in backlog.
    for delay, on_topic, assignee in [(30, True, moderator), (50, False, None)]:
        CommentFactory(
            post=post_b,
            created_time=t0,
            first_reply_at=t0 + delay * minutes,
            on_topic=on_topic,
            status="open",
            assignee=assignee,
        )
    CommentFactory(post=post_b, is_from_page=True, created_time=t0)  # our own reply: never counted
    PostFactory()  # a post without comments: not listed

    metrics = selectors.inbox_metrics()

    posts = {row["key"]: row for row in metrics["posts"]}
    assert set(posts) == {post_a.pk, post_b.pk}
    assert (
        posts[post_a.pk]["comments"],
        posts[post_a.pk]["on_topic_share"],
        posts[post_a.pk]["backlog"],
    ) == (
        4,
        0.75,
        1,
    )
    assert posts[post_a.pk]["median_first_reply"] == 20 * minutes
    assert (
        posts[post_b.pk]["comments"],
        posts[post_b.pk]["on_topic_share"],
        posts[post_b.pk]["backlog"],
    ) == (
        2,
        0.5,
        2,
    )
    assert posts[post_b.pk]["median_first_reply"] == 40 * minutes

    campuses = {row["key"]: row for row in metrics["campuses"]}
    # Campus A has both posts: 6 comments over 2 posts, delays 10, 20, 30, 50, 60 → median 30.
    assert (campuses[campus_a.pk]["comments"], campuses[campus_a.pk]["per_post"]) == (6, 3.0)
    assert campuses[campus_a.pk]["on_topic_share"] == 4 / 6
    assert campuses[campus_a.pk]["backlog"] == 3
    assert campuses[campus_a.pk]["median_first_reply"] == 30 * minutes
    assert (campuses[campus_b.pk]["comments"], campuses[campus_b.pk]["median_first_reply"]) == (
        2,
        40 * minutes,
    )

    people = {row["key"]: row for row in metrics["moderators"]}
    # The moderator: delays 10, 20, 30 → median 20; backlog 1 (post B's open one).
    assert (people[moderator.pk]["comments"], people[moderator.pk]["backlog"]) == (3, 1)
    assert people[moderator.pk]["median_first_reply"] == 20 * minutes
    assert people[admin_user.pk]["median_first_reply"] == 60 * minutes


def test_metrics_can_be_limited_to_dates(moderator):
    t0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
    CommentFactory(created_time=t0)
    CommentFactory(created_time=t0 - dt.timedelta(days=10))
    rows = selectors.inbox_metrics(since=t0.date())["posts"]
    assert sum(row["comments"] for row in rows) == 1


def test_metric_medians_are_the_same_on_the_postgresql_and_sqlite_paths(moderator, admin_user):
    """Odd and even groups, with delays whose mean falls on half a microsecond."""
    from django.db import connection

    t0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
    odd_post, campus = campus_post()
    even_post = PostFactory()
    even_post.universities.add(campus)
    seconds, micro = dt.timedelta(seconds=1), dt.timedelta(microseconds=1)
    # Odd post: 3 replied comments (moderator), delays 5 s, 1 s, 3 s + 1 µs.
    for delay in [5 * seconds, seconds, 3 * seconds + micro]:
        CommentFactory(post=odd_post, created_time=t0, first_reply_at=t0 + delay, assignee=moderator)
    # Even post: 4 replied comments (admin), delays 1 µs, 2 s, 4 s + 1 µs, 9 s; one not replied.
    for delay in [micro, 2 * seconds, 4 * seconds + micro, 9 * seconds]:
        CommentFactory(post=even_post, created_time=t0, first_reply_at=t0 + delay, assignee=admin_user)
    CommentFactory(post=even_post, created_time=t0, first_reply_at=None, assignee=admin_user)

    expected = {
        "post": {
            odd_post.pk: 3 * seconds + micro,
            even_post.pk: (2 * seconds + 4 * seconds + micro) / 2,
        },
        # The campus has all 7 delays: the 4th in order is 3 s + 1 µs.
        "post__universities": {campus.pk: 3 * seconds + micro},
        "assignee": {
            moderator.pk: 3 * seconds + micro,
            admin_user.pk: (2 * seconds + 4 * seconds + micro) / 2,
        },
    }
    comments = selectors._metric_base()
    for group, medians in expected.items():
        replied = comments.filter(first_reply_at__isnull=False)
        ranked = {
            key: sum(d, dt.timedelta()) / len(d) for key, d in selectors._middles_ranked(replied, group)
        }
        assert ranked == medians, group
        assert selectors._medians(comments, group) == medians, group
        if connection.vendor == "postgresql":
            middles = selectors._middles_ordered_set(replied, group)
            assert {key: sum(d, dt.timedelta()) / len(d) for key, d in middles} == medians, group


def test_metric_figures_are_kept_a_few_minutes_per_date_range(settings):
    from django.core.cache import cache

    settings.CAMPUSVOICE_METRICS_CACHE_SECONDS = 300
    cache.clear()
    day = dt.date(2026, 3, 2)
    CommentFactory(created_time=timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0)))
    first, as_of = selectors.inbox_metrics_as_of(since=day)
    CommentFactory(created_time=timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0)))
    again, again_as_of = selectors.inbox_metrics_as_of(since=day)
    assert again_as_of == as_of  # the kept figures, and their time
    assert [row["comments"] for row in again["posts"]] == [row["comments"] for row in first["posts"]] == [1]
    post = first["posts"][0]["post"]
    assert again["posts"][0]["post"]["platform_id"] == post.platform_id
    other_range, _ = selectors.inbox_metrics_as_of(since=day - dt.timedelta(days=1))
    assert sum(row["comments"] for row in other_range["posts"]) == 2
    cache.clear()


def test_the_scheduled_warm_keeps_the_usual_ranges_fresh_so_nobody_waits(settings, django_assert_num_queries):
    from django.core.cache import cache

    settings.CAMPUSVOICE_METRICS_CACHE_SECONDS = 300
    cache.clear()
    CommentFactory(created_time=timezone.now() - dt.timedelta(days=1))
    CommentFactory(created_time=timezone.now() - dt.timedelta(days=90))
    selectors.inbox_metrics_warm()
    # The page's default range and all time are now served without touching the comments.
    with django_assert_num_queries(0):
        recent, _ = selectors.inbox_metrics_as_of(since=selectors.metrics_default_since())
        everything, as_of = selectors.inbox_metrics_as_of()
    assert sum(row["comments"] for row in recent["posts"]) == 1
    assert sum(row["comments"] for row in everything["posts"]) == 2
    # The next warm recomputes even though the figures are still kept: a new comment shows.
    CommentFactory(created_time=timezone.now())
    selectors.inbox_metrics_warm()
    again, again_as_of = selectors.inbox_metrics_as_of()
    assert sum(row["comments"] for row in again["posts"]) == 3
    assert again_as_of > as_of
    cache.clear()


def test_the_warm_does_nothing_when_figures_are_not_kept(settings, django_assert_num_queries):
    settings.CAMPUSVOICE_METRICS_CACHE_SECONDS = 0
    with django_assert_num_queries(0):
        selectors.inbox_metrics_warm()
