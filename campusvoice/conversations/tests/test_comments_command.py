import io
import json

import pytest
from django.core.management import CommandError, call_command

from campusvoice.conversations.models import Channel, Comment
from campusvoice.conversations.tests.fakes import keyword_classifier  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keyword_classifier")]


def write_jsonl(tmp_path, *lines):
    path = tmp_path / "comments.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def comment(n):
    return json.dumps(
        {
            "id": f"201_{n}",
            "message": "thank you",
            "created_time": "2026-10-01T10:00:00+0000",
            "post_id": "111_201",
        }
    )


def test_it_imports_a_file_and_prints_counts(tmp_path):
    out = io.StringIO()

    call_command(
        "comments",
        "import",
        str(write_jsonl(tmp_path, comment(1), comment(2))),
        stdout=out,
        stderr=io.StringIO(),
    )

    assert "2 rows: 2 created" in out.getvalue()
    assert Comment.objects.count() == 2


def test_it_imports_into_a_named_channel(tmp_path):
    call_command(
        "comments",
        "import",
        str(write_jsonl(tmp_path, comment(1))),
        "--channel",
        "Consent Week",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    assert Comment.objects.get().channel == Channel.objects.get(name="Consent Week")


def test_a_dry_run_saves_nothing(tmp_path):
    out = io.StringIO()

    call_command(
        "comments",
        "import",
        str(write_jsonl(tmp_path, comment(1))),
        "--dry-run",
        stdout=out,
        stderr=io.StringIO(),
    )

    assert "dry run" in out.getvalue()
    assert not Comment.objects.exists()


def test_a_bad_line_stops_the_import_with_file_line_and_field(tmp_path):
    path = write_jsonl(tmp_path, comment(1), "{oops")

    with pytest.raises(CommandError, match=r"^comments.jsonl:2: json: "):
        call_command("comments", "import", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Comment.objects.exists()


def test_retriage_now_rescores_comments(tmp_path):
    call_command(
        "comments",
        "import",
        str(write_jsonl(tmp_path, comment(1))),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    Comment.objects.update(model_version="old")
    out = io.StringIO()

    call_command("comments", "retriage", "--now", stdout=out)

    assert "1 comments re-scored" in out.getvalue()
