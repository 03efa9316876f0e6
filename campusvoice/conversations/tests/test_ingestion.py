import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from campusvoice.conversations.models import Comment, Post
from campusvoice.conversations.services.ingestion import (
    CommentEvent,
    comment_event_apply,
    comments_ingest_graph,
)
from campusvoice.conversations.tests.factories import ChannelFactory, PostFactory
from campusvoice.conversations.tests.fakes import keyword_classifier  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keyword_classifier")]

T0 = dt.datetime(2026, 10, 1, 10, 0, tzinfo=dt.UTC)
PAGE_ID = "448242228374517"
POST_ID = f"{PAGE_ID}_122131676912594941"


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def event(verb="add", minute=0, platform_id="201_301", **kwargs) -> CommentEvent:
    values = {
        "platform_id": platform_id,
        "post_platform_id": POST_ID,
        "verb": verb,
        "event_time": at(minute),
        "author_platform_id": "6120000000001",
        "author_name": "Reader",
    }
    if verb == "add":
        values.update(text="Where can I report this on campus?", created_time=at(minute))
    values.update(kwargs)
    return CommentEvent(**values)


@pytest.fixture
def channel():
    return ChannelFactory(platform_id=PAGE_ID)


def test_it_stores_one_row_when_the_same_comment_arrives_twice(channel):
    first = comment_event_apply(channel=channel, event=event())
    again = comment_event_apply(channel=channel, event=event())

    assert first.pk == again.pk
    assert Comment.objects.count() == 1
    assert Post.objects.get().platform_id == POST_ID


def test_it_creates_an_unknown_post_under_the_channel(channel):
    comment = comment_event_apply(channel=channel, event=event())

    assert comment.post.channel == channel
    assert comment.post.platform_id == POST_ID


def test_it_triages_a_new_comment_on_arrival(channel):
    comment = comment_event_apply(channel=channel, event=event())

    comment.refresh_from_db()
    assert comment.question is True
    assert comment.triaged_at is not None
    assert comment.model_version == "test-1.0.0"
    assert comment.scores["question"] == 0.9
    assert comment.priority > 0


def test_it_updates_text_and_edited_time_on_an_edit(channel):
    comment_event_apply(channel=channel, event=event())
    comment_event_apply(channel=channel, event=event("edited", 5, text="Thank you for this"))

    comment = Comment.objects.get()
    assert comment.text == "Thank you for this"
    assert comment.edited_time == at(5)
    assert comment.supportive is True and comment.question is False


def test_it_keeps_the_row_and_its_text_when_a_comment_is_deleted(channel):
    comment_event_apply(channel=channel, event=event())
    comment_event_apply(channel=channel, event=event("remove", 9))

    comment = Comment.objects.get()
    assert comment.deleted_at == at(9)
    assert comment.text == "Where can I report this on campus?"


def test_it_hides_and_unhides_in_platform_order(channel):
    comment_event_apply(channel=channel, event=event())
    comment_event_apply(channel=channel, event=event("hide", 3))
    comment_event_apply(channel=channel, event=event("unhide", 4))
    comment_event_apply(channel=channel, event=event("hide", 2))  # late and older: ignored

    assert Comment.objects.get().is_hidden is False


def test_a_late_hide_is_not_lost_to_a_newer_edit(channel):
    comment_event_apply(channel=channel, event=event())
    comment_event_apply(channel=channel, event=event("edited", 5, text="changed"))
    comment_event_apply(channel=channel, event=event("hide", 3))

    comment = Comment.objects.get()
    assert comment.is_hidden is True
    assert comment.text == "changed"
    assert comment.last_event_time == at(5)


def test_a_delete_that_arrives_before_the_create_is_kept(channel):
    comment_event_apply(channel=channel, event=event("remove", 9))
    placeholder = Comment.objects.get()
    assert placeholder.is_placeholder is True
    assert placeholder.deleted_at == at(9)

    comment_event_apply(channel=channel, event=event("add", 0))

    comment = Comment.objects.get()
    assert comment.is_placeholder is False
    assert comment.deleted_at == at(9)
    assert comment.created_time == at(0)
    assert comment.text == "Where can I report this on campus?"


def test_an_edit_that_arrives_before_the_create_wins_over_the_original_text(channel):
    comment_event_apply(channel=channel, event=event("edited", 5, text="Thank you, edited"))
    comment_event_apply(channel=channel, event=event("add", 0))

    comment = Comment.objects.get()
    assert comment.text == "Thank you, edited"
    assert comment.edited_time == at(5)
    assert comment.created_time == at(0)
    assert comment.author_name == "Reader"
    assert comment.is_placeholder is False


def test_a_stale_edit_never_overwrites_a_newer_one(channel):
    comment_event_apply(channel=channel, event=event())
    comment_event_apply(channel=channel, event=event("edited", 10, text="newest"))
    comment_event_apply(channel=channel, event=event("edited", 5, text="older"))

    comment = Comment.objects.get()
    assert comment.text == "newest"
    assert comment.edited_time == at(10)


def test_a_reply_that_arrives_before_its_parent_is_linked_when_the_parent_comes(channel):
    reply = comment_event_apply(
        channel=channel,
        event=event(platform_id="201_302", minute=2, parent_platform_id="201_301", text="me too"),
    )
    assert reply.parent is None
    assert reply.parent_platform_id == "201_301"

    parent = comment_event_apply(channel=channel, event=event(platform_id="201_301"))

    reply.refresh_from_db()
    assert reply.parent == parent


def test_a_top_level_comment_from_a_webhook_has_no_parent(channel):
    comment = comment_event_apply(channel=channel, event=event(parent_platform_id=POST_ID))

    assert comment.parent_platform_id == ""
    assert comment.parent is None


def test_the_pages_own_reply_counts_as_the_first_reply(channel):
    parent = comment_event_apply(channel=channel, event=event())
    comment_event_apply(
        channel=channel,
        event=event(
            platform_id="201_399",
            minute=30,
            parent_platform_id="201_301",
            author_platform_id=PAGE_ID,
            is_from_page=True,
            text="Here is where to get help.",
        ),
    )

    parent.refresh_from_db()
    assert parent.first_reply_at == at(30)


def test_a_page_reply_that_came_first_marks_the_parent_answered_when_it_arrives(channel):
    comment_event_apply(
        channel=channel,
        event=event(
            platform_id="201_399", minute=30, parent_platform_id="201_301", is_from_page=True, text="Hi"
        ),
    )
    parent = comment_event_apply(channel=channel, event=event())

    parent.refresh_from_db()
    assert parent.first_reply_at == at(30)


def test_it_ignores_verbs_that_are_not_about_content(channel):
    assert comment_event_apply(channel=channel, event=event("mute")) is None
    assert Comment.objects.count() == 0


def test_it_rejects_an_oversized_text_and_stores_nothing(channel):
    with pytest.raises(ValidationError) as error:
        comment_event_apply(channel=channel, event=event(text="x" * 20_001))

    assert "text" in error.value.message_dict
    assert Comment.objects.count() == 0
    assert Post.objects.count() == 0


def test_it_rejects_a_naive_time(channel):
    with pytest.raises(ValidationError):
        comment_event_apply(channel=channel, event=event(event_time=dt.datetime(2026, 10, 1, 10, 0)))


GRAPH_PAGE = {
    "data": [
        {
            "id": "201_301",
            "message": "Grazie per questo post",
            "created_time": "2026-10-01T09:05:00+0000",
            "from": {"id": "7001", "name": "Anna B."},
            "like_count": 3,
            "comment_count": 1,
            "is_hidden": False,
            "permalink_url": "https://www.facebook.com/111/posts/201?comment_id=301",
        },
        {
            "id": "201_302",
            "message": "Anch'io, dove posso segnalare?",
            "created_time": "2026-10-01T09:06:00+0000",
            "parent": {"id": "201_301"},
            "like_count": 0,
            "is_hidden": True,
        },
        {"message": "no id: the token lacks the MODERATE task", "created_time": "2026-10-01T09:07:00+0000"},
    ],
    "paging": {
        "cursors": {"before": "MQ", "after": "Mg"},
        "next": "http://127.0.0.1:8765/v26.0/111_201/comments?after=Mg",
    },
    "summary": {"order": "chronological", "total_count": 140},
}


def test_it_stores_a_graph_page_with_threads_and_reports_the_next_page(channel):
    post = PostFactory(channel=channel, platform_id=POST_ID)

    report = comments_ingest_graph(channel=channel, post=post, payload=GRAPH_PAGE)

    assert (report.rows, report.created, report.skipped) == (3, 2, 1)
    assert report.next_url.endswith("after=Mg")
    first, reply = Comment.objects.order_by("platform_id")
    assert reply.parent == first
    assert reply.is_hidden is True
    assert first.like_count == 3
    assert first.author_name == "Anna B."
    assert first.created_time == dt.datetime(2026, 10, 1, 9, 5, tzinfo=dt.UTC)
    assert first.supportive is True


def test_the_same_graph_page_twice_changes_nothing(channel):
    post = PostFactory(channel=channel, platform_id=POST_ID)
    comments_ingest_graph(channel=channel, post=post, payload=GRAPH_PAGE)

    report = comments_ingest_graph(channel=channel, post=post, payload=GRAPH_PAGE)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert Comment.objects.count() == 2


def test_a_graph_page_updates_text_changed_since_the_last_fetch(channel):
    post = PostFactory(channel=channel, platform_id=POST_ID)
    comments_ingest_graph(channel=channel, post=post, payload=GRAPH_PAGE)
    edited = {"data": [{**GRAPH_PAGE["data"][0], "message": "Grazie! Condiviso", "is_hidden": True}]}

    report = comments_ingest_graph(channel=channel, post=post, payload=edited)

    comment = Comment.objects.get(platform_id="201_301")
    assert report.updated == 1
    assert comment.text == "Grazie! Condiviso"
    assert comment.edited_time is not None
    assert comment.is_hidden is True


def test_a_graph_page_without_next_is_the_last(channel):
    post = PostFactory(channel=channel, platform_id=POST_ID)

    report = comments_ingest_graph(channel=channel, post=post, payload={"data": [], "paging": {}})

    assert report.next_url == ""
    assert report.rows == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers at BEGIN (IMMEDIATE)"
)
def test_two_workers_applying_the_same_events_at_once_store_one_row_each():
    channel = ChannelFactory(platform_id=PAGE_ID)
    events = [event(platform_id=f"201_{n}") for n in range(30)]
    barrier = threading.Barrier(2)
    errors = []

    def work():
        try:
            barrier.wait()
            for one in events:
                comment_event_apply(channel=channel, event=one)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Comment.objects.count() == 30
    assert Post.objects.count() == 1
