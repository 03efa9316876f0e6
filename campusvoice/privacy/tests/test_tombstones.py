"""After erasure, no ingestion path brings the person's comments back (erasure tombstones)."""

import csv
import datetime as dt
import json
import logging

import pytest

from campusvoice.conversations.models import Channel, Comment, ErasureTombstone
from campusvoice.conversations.services.ingestion import (
    CommentEvent,
    comment_event_apply,
    comments_import_file,
    comments_ingest_graph,
)
from campusvoice.conversations.services.tombstones import tombstone_hash, tombstoned_ids
from campusvoice.conversations.tests.fakes import keyword_classifier  # noqa: F401
from campusvoice.privacy.services import person_erase
from campusvoice.privacy.tests.conftest import PHRASE, REPLY, SCOPED_ID

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keyword_classifier")]

OTHER_AUTHOR = "6120000099999"
T0 = "2026-10-01T09:05:00+0000"


@pytest.fixture
def erased(subject, admin_user):
    """Giulia, erased: her comment row stays, blank; what she wrote exists only in old exports."""
    person_erase(person=subject.person, by=admin_user, reason="request")
    subject.comment.refresh_from_db()
    subject.reply.refresh_from_db()
    assert subject.comment.text == "" and subject.comment.author_platform_id == ""
    return subject


def _her_rows() -> list[Comment]:
    return list(Comment.objects.filter(author_platform_id=SCOPED_ID)) + list(
        Comment.objects.filter(text__icontains="lilacwhisperzebra")
    )


def _csv(tmp_path, rows: list[dict]):
    path = tmp_path / "comments.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(
            file, fieldnames=["id", "post_id", "created_time", "message", "author_id", "author_name"]
        )
        writer.writeheader()
        writer.writerows(rows)
    return path


def _row(platform_id: str, post_id: str, author_id: str, message: str) -> dict:
    return {
        "id": platform_id,
        "post_id": post_id,
        "created_time": T0,
        "message": message,
        "author_id": author_id,
        "author_name": "Giulia Verdiani",
    }


def test_erasure_keeps_keyed_hashes_and_never_the_ids(erased):
    hashes = set(ErasureTombstone.objects.values_list("kind", "key_hash"))

    assert (ErasureTombstone.Kind.AUTHOR, tombstone_hash(kind="author", value=SCOPED_ID)) in hashes
    assert (
        ErasureTombstone.Kind.COMMENT,
        tombstone_hash(kind="comment", value=erased.comment.platform_id),
    ) in hashes
    assert not ErasureTombstone.objects.filter(key_hash__contains=SCOPED_ID).exists()
    assert all(len(key_hash) == 64 for _kind, key_hash in hashes)


def test_the_hash_depends_on_the_key(settings):
    settings.CAMPUSVOICE_ERASURE_KEY = "k" * 50
    first = tombstone_hash(kind="author", value=SCOPED_ID)
    settings.CAMPUSVOICE_ERASURE_KEY = "m" * 50

    assert tombstone_hash(kind="author", value=SCOPED_ID) != first


def test_erasing_twice_records_each_tombstone_once(erased, admin_user):
    from campusvoice.conversations.services.tombstones import tombstones_record

    count = ErasureTombstone.objects.count()

    assert tombstones_record(author_ids=[SCOPED_ID], comment_ids=[erased.comment.platform_id]) == 0
    assert ErasureTombstone.objects.count() == count


def test_a_csv_import_of_her_comments_brings_nothing_back(erased, tmp_path, caplog):
    post_id = erased.comment.post.platform_id
    path = _csv(
        tmp_path,
        [
            _row(erased.comment.platform_id, post_id, SCOPED_ID, f"Something {PHRASE}."),
            _row("122131676912594941_9990001", post_id, SCOPED_ID, f"Again: {PHRASE}"),
            _row("122131676912594941_9990002", post_id, OTHER_AUTHOR, "Where is the help desk?"),
        ],
    )

    with caplog.at_level(logging.DEBUG):
        report = comments_import_file(path=path, channel=erased.comment.channel)

    assert (report.rows, report.created, report.skipped) == (3, 1, 2)
    assert _her_rows() == []
    assert Comment.objects.get(pk=erased.comment.pk).text == ""
    assert Comment.objects.filter(author_platform_id=OTHER_AUTHOR).count() == 1
    assert SCOPED_ID not in caplog.text and PHRASE not in caplog.text


def test_the_command_says_how_many_were_skipped_and_not_whose(erased, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = _csv(tmp_path, [_row("999_2", "999", SCOPED_ID, f"Something {PHRASE}.")])
    out = StringIO()

    call_command("comments", "import", str(path), stdout=out)

    assert "(1 skipped: erased authors)" in out.getvalue()
    assert SCOPED_ID not in out.getvalue()
    assert not Comment.objects.filter(platform_id="999_2").exists()


def test_a_csv_import_into_the_imported_comments_channel_is_dropped_too(erased, tmp_path):
    path = _csv(tmp_path, [_row("999_1", "999", SCOPED_ID, f"Something {PHRASE}.")])

    report = comments_import_file(path=path)

    assert (report.created, report.skipped) == (0, 1)
    assert not Comment.objects.filter(channel__kind=Channel.Kind.IMPORT).exists()


def test_a_graph_shaped_jsonl_import_is_dropped(erased, tmp_path):
    item = {
        "id": erased.comment.platform_id,
        "post_id": erased.comment.post.platform_id,
        "message": f"Something {PHRASE}.",
        "created_time": T0,
        "from": {"id": SCOPED_ID, "name": "Giulia Verdiani"},
    }
    path = tmp_path / "comments.jsonl"
    path.write_text(json.dumps(item) + "\n", encoding="utf-8")

    report = comments_import_file(path=path, channel=erased.comment.channel)

    assert (report.created, report.updated, report.skipped) == (0, 0, 1)
    assert _her_rows() == []


def test_a_graph_page_of_her_comments_brings_nothing_back(erased):
    channel, post = erased.comment.channel, erased.comment.post
    payload = {
        "data": [
            {
                "id": erased.comment.platform_id,
                "message": f"Something {PHRASE}.",
                "created_time": T0,
                "from": {"id": SCOPED_ID, "name": "Giulia Verdiani"},
            },
            {
                "id": "122131676912594941_9990003",
                "message": f"More: {PHRASE}",
                "created_time": T0,
                "from": {"id": SCOPED_ID, "name": "Giulia Verdiani"},
            },
            # Our Page's reply to her, which named her: erased with her, so not re-imported.
            {
                "id": erased.reply.platform_id,
                "message": REPLY,
                "created_time": T0,
                "from": {"id": channel.platform_id, "name": "Campus Page"},
                "parent": {"id": erased.comment.platform_id},
            },
            {
                "id": "122131676912594941_9990004",
                "message": "Thank you for this",
                "created_time": T0,
                "from": {"id": OTHER_AUTHOR, "name": "Someone else"},
            },
        ]
    }

    report = comments_ingest_graph(channel=channel, post=post, payload=payload)

    assert (report.rows, report.created, report.skipped) == (4, 1, 3)
    assert _her_rows() == []
    assert Comment.objects.get(pk=erased.comment.pk).text == ""
    assert Comment.objects.get(pk=erased.reply.pk).text == ""


def test_a_webhook_event_for_her_is_dropped_even_without_an_author(erased):
    channel = erased.comment.channel
    at = dt.datetime(2026, 10, 2, 9, 0, tzinfo=dt.UTC)
    new = CommentEvent(
        platform_id="122131676912594941_9990005",
        post_platform_id=erased.comment.post.platform_id,
        verb="add",
        event_time=at,
        author_platform_id=SCOPED_ID,
        text=PHRASE,
        created_time=at,
    )
    # An edit of her erased comment may come without "from": its own id is enough.
    edit = CommentEvent(
        platform_id=erased.comment.platform_id,
        post_platform_id=erased.comment.post.platform_id,
        verb="edited",
        event_time=at,
        text=PHRASE,
    )

    assert comment_event_apply(channel=channel, event=new) is None
    assert comment_event_apply(channel=channel, event=edit) is None
    assert _her_rows() == []
    assert Comment.objects.get(pk=erased.comment.pk).text == ""


def test_other_people_are_not_tombstoned(erased):
    assert tombstoned_ids(author_ids=[OTHER_AUTHOR], comment_ids=["1_2"]) == (set(), set())
