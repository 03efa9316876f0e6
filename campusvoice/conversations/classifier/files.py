"""Read comments from CSV or JSONL and write triage results as CSV, streaming in batches.

Ids come back exactly as they were written: CSV cells are strings already, and JSON numbers are
parsed as their literal text, so ``"id": 00123`` or ``1e3`` is never re-formatted.
"""

import csv
import json
import sys
from collections.abc import Callable, Iterator
from itertools import chain
from pathlib import Path

from .datasets import LABELS
from .model import TriageClassifier

BATCH = 2048
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".jsonlines"}
OUTPUT_COLUMNS = ["id", "lang", *(col for label in LABELS for col in (label, f"{label}_score"))]
# A field may hold a whole essay; the csv module's default limit is 128 KiB.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class InputError(Exception):
    """A problem with the input file, with a message that names the file (and line)."""


def _is_jsonl(path: Path) -> bool:
    if path.suffix.lower() in JSONL_SUFFIXES:
        return True
    if path.suffix.lower() in {".csv", ".tsv", ".txt"}:
        return False
    with path.open(encoding="utf-8-sig") as fh:
        for line in fh:
            if line.strip():
                return line.lstrip().startswith("{")
    return False


def _read_csv(path: Path) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = reader.fieldnames or []
        if "text" not in columns:
            found = ", ".join(repr(c) for c in columns) if columns else "none (the file is empty)"
            raise InputError(f"{path}: no 'text' column; columns found: {found}")
        has_id = "id" in columns
        try:
            for number, row in enumerate(reader, start=1):
                yield (row["id"] if has_id else str(number)), row["text"] or ""
        except csv.Error as exc:
            raise InputError(f"{path}: line {reader.line_num}: {exc}") from exc


def _read_jsonl(path: Path) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8-sig") as fh:
        number = 0
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            number += 1
            try:
                record = json.loads(line, parse_int=str, parse_float=str)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: line {line_no}: bad JSON: {exc.msg} (column {exc.colno})") from exc
            if not isinstance(record, dict) or "text" not in record:
                raise InputError(f"{path}: line {line_no}: expected an object with a 'text' field")
            text = record["text"]
            if not isinstance(text, str):
                raise InputError(f"{path}: line {line_no}: 'text' must be a string")
            raw_id = record.get("id")
            if raw_id is None:
                yield str(number), text
            elif isinstance(raw_id, str):
                yield raw_id, text
            else:
                # true/false or a nested value: keep it as JSON wrote it.
                yield json.dumps(raw_id, ensure_ascii=False), text


def comments_read(path: Path) -> Iterator[tuple[str, str]]:
    """(id, text) pairs from a CSV (a ``text`` column, optional ``id``) or a JSONL file."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a file")
    try:
        yield from (_read_jsonl(path) if _is_jsonl(path) else _read_csv(path))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _batches(pairs: Iterator[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    batch: list[tuple[str, str]] = []
    for pair in pairs:
        batch.append(pair)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def comments_classify_file(
    *,
    in_path: Path,
    out_path: Path,
    model: TriageClassifier,
    progress: Callable | None = None,
    batch_size: int = BATCH,
) -> int:
    """Classify every comment of ``in_path`` into ``out_path`` (CSV); returns the number of comments.

    Memory stays bounded by ``batch_size``. The output appears only when the whole input was read:
    an error on line 90,000 leaves no half-written file behind. ``progress`` is a tqdm-like factory.
    """
    batches = _batches(comments_read(in_path), batch_size)
    first = next(batches, None)  # a missing file or column fails here, before anything is written
    partial = out_path.with_name(out_path.name + ".part")
    bar = progress(unit=" comments", desc=in_path.name) if progress else None
    count = 0
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(OUTPUT_COLUMNS)
            for batch in chain([first] if first else [], batches):
                langs, probs = model.scores([text for _id, text in batch])
                flags = model.flags(probs, langs)
                for i, (comment_id, _text) in enumerate(batch):
                    row = [comment_id, langs[i]]
                    for j in range(len(model.labels)):
                        row += [int(flags[i, j]), f"{probs[i, j]:.4f}"]
                    writer.writerow(row)
                count += len(batch)
                if bar is not None:
                    bar.update(len(batch))
        partial.replace(out_path)
    finally:
        partial.unlink(missing_ok=True)
        if bar is not None:
            bar.close()
    return count
