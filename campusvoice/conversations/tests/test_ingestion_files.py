import datetime as dt
import json

import pytest

from campusvoice.accounts.models import AuditEvent
from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.models import University
from campusvoice.conversations.models import Channel, Comment, Post
from campusvoice.conversations.services.ingestion import (
    CommentEvent,
    CommentImportError,
    comment_event_apply,
    comments_import_file,
)
from campusvoice.conversations.tests.factories import ChannelFactory
from campusvoice.conversations.tests.fakes import keyword_classifier  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keyword_classifier")]

HEADER = "id,post_id,parent_id,author_id,author_name,message,created_time\n"


def write(tmp_path, name: str, content: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def jsonl(tmp_path, *items, name="comments.jsonl"):
    return write(tmp_path, name, "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items))


def graph_comment(n: int, **extra) -> dict:
    return {
        "id": f"201_{n}",
        "message": f"Comment {n} about consent",
        "created_time": "2026-10-01T10:00:00+0000",
        "from": {"id": f"70{n}", "name": "Reader"},
        "post_id": "111_201",
        **extra,
    }


def test_it_imports_a_csv_with_quoted_newlines_emoji_and_threads(tmp_path):
    path = write(
        tmp_path,
        "comments.csv",
        HEADER
        + '201_1,111_201,,701,Reader,"Where can I report this?\nAsking for a friend 😔",2026-10-01T10:00:00+0000\n'
        + "201_2,111_201,201_1,111,Page,Here is the office 💜,2026-10-01T11:00:00+02:00\n",
    )

    report = comments_import_file(path=path)

    assert (report.rows, report.created, report.posts_created) == (2, 2, 1)
    first = Comment.objects.get(platform_id="201_1")
    reply = Comment.objects.get(platform_id="201_2")
    assert first.text == "Where can I report this?\nAsking for a friend 😔"
    assert reply.parent == first
    assert first.question is True and first.triaged_at is not None
    assert first.channel.kind == Channel.Kind.IMPORT


def test_it_imports_graph_shaped_jsonl(tmp_path):
    path = jsonl(tmp_path, graph_comment(1), graph_comment(2, parent={"id": "201_1"}))

    report = comments_import_file(path=path)

    assert report.created == 2
    assert Comment.objects.get(platform_id="201_2").parent.platform_id == "201_1"
    assert Post.objects.get().platform_id == "111_201"


def test_a_jsonl_comment_without_post_id_goes_to_the_post_its_id_names(tmp_path):
    item = graph_comment(1)
    del item["post_id"]

    comments_import_file(path=jsonl(tmp_path, item))

    assert Post.objects.get().platform_id == "201"


def test_the_pages_own_comment_marks_the_parent_answered(tmp_path):
    channel = ChannelFactory(platform_id="111")
    path = jsonl(
        tmp_path,
        graph_comment(1),
        graph_comment(
            2, parent={"id": "201_1"}, **{"from": {"id": "111", "name": "Page"}}, created_time=1790000000
        ),
    )

    comments_import_file(path=path, channel=channel)

    parent = Comment.objects.get(platform_id="201_1")
    assert Comment.objects.get(platform_id="201_2").is_from_page is True
    assert parent.first_reply_at is not None


def test_the_same_id_twice_in_a_file_is_one_comment_and_the_later_line_wins(tmp_path):
    path = jsonl(tmp_path, graph_comment(1), graph_comment(1, message="Edited: thank you"))

    report = comments_import_file(path=path)

    assert report.created == 1
    comment = Comment.objects.get()
    assert comment.text == "Edited: thank you"
    assert comment.edited_time is not None


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    path = jsonl(tmp_path, graph_comment(1), graph_comment(2))
    comments_import_file(path=path)

    report = comments_import_file(path=path)

    assert (report.created, report.unchanged) == (0, 2)
    assert Comment.objects.count() == 2


def test_an_import_completes_a_placeholder_left_by_an_early_delete(tmp_path):
    channel = ChannelFactory(platform_id="111")
    comment_event_apply(
        channel=channel,
        event=CommentEvent(
            platform_id="201_1",
            post_platform_id="111_201",
            verb="remove",
            event_time=dt.datetime(2026, 10, 2, 10, 0, tzinfo=dt.UTC),
        ),
    )

    report = comments_import_file(path=jsonl(tmp_path, graph_comment(1)), channel=channel)

    comment = Comment.objects.get()
    assert report.updated == 1
    assert comment.is_placeholder is False
    assert comment.deleted_at is not None
    assert comment.text == "Comment 1 about consent"


def test_it_links_posts_to_a_campaign_and_campuses(tmp_path):
    campaign = Campaign.objects.create(name="Consent on Campus", slug="consent")
    us = University.objects.create(name="Example State", country="US", ipeds_unitid="100654")
    it = University.objects.create(name="Università di Esempio", country="IT", mur_code="IT-042")
    path = write(
        tmp_path,
        "c.csv",
        "id,post_id,message,created_time,campaign,campus\n"
        "201_1,111_201,hello,2026-10-01T10:00:00Z,consent,100654\n"
        "202_1,111_202,ciao,2026-10-01T10:00:00Z,consent,IT-042\n",
    )

    comments_import_file(path=path)

    post = Post.objects.get(platform_id="111_201")
    assert post.campaign == campaign
    assert list(post.universities.all()) == [us]
    assert list(Post.objects.get(platform_id="111_202").universities.all()) == [it]


def test_a_dry_run_counts_and_changes_nothing(tmp_path):
    report = comments_import_file(path=jsonl(tmp_path, graph_comment(1), graph_comment(2)), dry_run=True)

    assert report.created == 2 and report.dry_run
    assert Comment.objects.count() == 0
    assert Post.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="comment").exists()


def test_an_import_is_audited_with_counts_only(tmp_path, organiser):
    comments_import_file(path=jsonl(tmp_path, graph_comment(1)), by=organiser)

    event = AuditEvent.objects.get(object_type="comment")
    assert event.action == AuditEvent.Action.IMPORT
    assert event.actor == organiser
    assert "consent" not in json.dumps(event.detail) + event.summary


@pytest.mark.parametrize(
    ("name", "content", "line", "field"),
    [
        ("bad.jsonl", json.dumps(graph_comment(1)) + "\n{not json\n", 2, "json"),
        ("missing.csv", "id,post_id,created_time\n1,2,2026-10-01T10:00:00Z\n", 1, "message"),
        ("nopost.csv", "id,message,created_time\n1,hi,2026-10-01T10:00:00Z\n", 1, "post_id"),
        (
            "date.csv",
            "id,post_id,message,created_time\n1,2,hi,2026-10-01T10:00:00Z\n3,2,hi,yesterday\n",
            3,
            "created_time",
        ),
        ("date.jsonl", json.dumps(graph_comment(1, created_time="1 Oct")) + "\n", 1, "created_time"),
        ("noid.jsonl", json.dumps(graph_comment(1, id="")) + "\n", 1, "id"),
        (
            "likes.csv",
            "id,post_id,message,created_time,like_count\n1,2,hi,2026-10-01T10:00:00Z,-3\n",
            2,
            "like_count",
        ),
        (
            "campaign.csv",
            "id,post_id,message,created_time,campaign\n1,2,hi,2026-10-01T10:00:00Z,nope\n",
            2,
            "campaign",
        ),
        (
            "campus.csv",
            "id,post_id,message,created_time,campus\n1,2,hi,2026-10-01T10:00:00Z,999999\n",
            2,
            "campus",
        ),
    ],
)
def test_a_bad_line_names_file_line_and_field_and_changes_nothing(tmp_path, name, content, line, field):
    comments_import_file(path=jsonl(tmp_path, graph_comment(9), name="earlier.jsonl"))
    path = write(tmp_path, name, content)

    with pytest.raises(CommentImportError) as error:
        comments_import_file(path=path)

    assert (error.value.line, error.value.field) == (line, field)
    assert str(error.value).startswith(f"{name}:{line}: {field}: ")
    assert Comment.objects.count() == 1
    assert Post.objects.count() == 1


def test_an_oversized_text_is_an_error_not_a_truncation(tmp_path):
    path = write(
        tmp_path,
        "big.csv",
        HEADER
        + "201_1,111_201,,,,ok,2026-10-01T10:00:00Z\n"
        + f'201_2,111_201,,,,"{"x" * 20_001}",2026-10-01T10:00:00Z\n',
    )

    with pytest.raises(CommentImportError) as error:
        comments_import_file(path=path)

    assert (error.value.line, error.value.field) == (3, "message")
    assert "x" * 50 not in str(error.value)
    assert Comment.objects.count() == 0


def test_the_error_line_counts_quoted_newlines(tmp_path):
    path = write(
        tmp_path,
        "lines.csv",
        HEADER + '201_1,111_201,,,,"one\ntwo\nthree",2026-10-01T10:00:00Z\n201_2,111_201,,,,hi,not-a-date\n',
    )

    with pytest.raises(CommentImportError) as error:
        comments_import_file(path=path)

    assert error.value.line == 5


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommentImportError):
        comments_import_file(path=tmp_path / "nope.csv")
