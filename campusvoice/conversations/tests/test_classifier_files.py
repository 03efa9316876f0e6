"""`campusvoice classify` and its Django-free twin: ids, awkward CSV, JSONL and clear errors."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from campusvoice.conversations.classifier import LABELS
from campusvoice.conversations.classifier.files import OUTPUT_COLUMNS

REPO = Path(__file__).resolve().parents[3]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_it_round_trips_csv_ids_exactly_and_survives_quotes_newlines_and_emoji(tmp_path):
    rows = [
        {"id": "007", "text": 'She said "no".\nHe did not stop. It happened to me 😔'},
        {"id": "1.50", "text": "Where can I report this at my school?"},
        {"id": "12345678901234567890", "text": "Dove posso chiedere aiuto all'università? 🙏"},
        {"id": " spaced id ", "text": "line one\r\nline two, with a comma"},
        {"id": "", "text": ""},
    ]
    src = _write_csv(tmp_path / "in.csv", rows)
    out = tmp_path / "out.csv"

    call_command("classify", "--in", str(src), "--out", str(out), "--quiet")

    got = _rows(out)
    assert [r["id"] for r in got] == [r["id"] for r in rows]
    assert list(got[0]) == OUTPUT_COLUMNS
    for row in got:
        assert row["lang"] in {"en", "it", "other"}
        for label in LABELS:
            assert row[label] in {"0", "1"}
            assert 0.0 <= float(row[f"{label}_score"]) <= 1.0


def test_it_numbers_rows_from_one_when_there_is_no_id_column(tmp_path):
    src = _write_csv(tmp_path / "in.csv", [{"text": "hello"}, {"text": "ciao a tutti"}, {"text": "third"}])
    out = tmp_path / "out.csv"

    call_command("classify", "--in", str(src), "--out", str(out), "--quiet")

    assert [r["id"] for r in _rows(out)] == ["1", "2", "3"]


def test_it_reads_jsonl_and_keeps_ids_as_written(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": 12345678901234567890, "text": "Is the hotline free?"}\n'
        '{"id": 1.50, "text": "ciao"}\n'
        "\n"
        '{"id": "a\\"b", "text": "quote \\" and newline \\n 🎉"}\n'
        '{"text": "no id here"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"

    call_command("classify", "--in", str(src), "--out", str(out), "--quiet")

    assert [r["id"] for r in _rows(out)] == ["12345678901234567890", "1.50", 'a"b', "4"]


def test_it_names_the_file_when_it_is_missing(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(CommandError, match=r"nope\.csv: no such file"):
        call_command("classify", "--in", str(missing), "--out", str(tmp_path / "out.csv"))


def test_it_names_the_file_and_the_columns_found_without_a_text_column(tmp_path):
    src = _write_csv(tmp_path / "in.csv", [{"id": "1", "body": "hello", "author": "x"}])
    out = tmp_path / "out.csv"

    with pytest.raises(CommandError) as exc:
        call_command("classify", "--in", str(src), "--out", str(out))

    assert "in.csv" in str(exc.value)
    assert "'id', 'body', 'author'" in str(exc.value)
    assert not out.exists()


def test_it_reports_the_line_of_bad_json_and_writes_nothing(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "fine"}\n\n{"id": 2, "text": "broken"\n', encoding="utf-8")
    out = tmp_path / "out.csv"

    with pytest.raises(CommandError, match=r"in\.jsonl: line 3: bad JSON"):
        call_command("classify", "--in", str(src), "--out", str(out))
    assert not out.exists()
    assert not (tmp_path / "out.csv.part").exists()


def test_it_runs_without_django(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "x1", "text": "Where can I report this at my school?"}) + "\n", encoding="utf-8"
    )
    out = tmp_path / "out.csv"
    code = (
        "import sys, runpy; sys.argv = ['x', 'classify', '--in', sys.argv[1], '--out', sys.argv[2]];"
        "from campusvoice.conversations.classifier.cli import main; rc = main();"
        "assert 'django' not in sys.modules, 'imported django'; sys.exit(rc)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}

    done = subprocess.run(
        [sys.executable, "-c", code, str(src), str(out)], cwd=REPO, env=env, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr
    assert _rows(out)[0]["id"] == "x1"


def test_the_module_entry_point_reports_errors_with_status_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "campusvoice.conversations.classifier",
            "classify",
            "--in",
            str(tmp_path / "x.csv"),
            "--out",
            str(tmp_path / "o.csv"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )

    assert done.returncode == 2
    assert "x.csv: no such file" in done.stderr
