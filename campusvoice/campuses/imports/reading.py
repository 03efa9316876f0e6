"""Opening a directory file: CSV in UTF-8 or Windows-1252, or an XLSX workbook, streamed row by row."""

import codecs
import contextlib
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import charset_normalizer
import openpyxl
from django.utils.translation import gettext as _

from campusvoice.campuses.imports.errors import ErrorList, file_error, missing_columns_error

CHUNK = 1 << 20
XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Table:
    """A file's header and a stream of (line number, {column: stripped text}) rows."""

    header: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]
    approx_rows: int | None

    def require(self, file_name: str, columns: list[str] | tuple[str, ...]) -> None:
        present = set(self.header)
        missing = [column for column in columns if column not in present]
        if missing:
            missing_columns_error(file_name, missing)


@contextlib.contextmanager
def table_open(*, path: Path, file_name: str, errors: ErrorList) -> Iterator[Table]:
    """Open a CSV or XLSX file; problems with the file as a whole raise DirectoryImportError."""
    try:
        with path.open("rb") as raw:
            head = raw.read(CHUNK)
    except OSError:
        file_error(file_name, _("file"), _("The file cannot be opened."))
    if not head.strip():
        file_error(file_name, _("file"), _("The file is empty."))
    if head.startswith(XLSX_MAGIC):
        with _xlsx_open(path, file_name, errors) as table:
            yield table
        return
    encoding, newlines = _text_encoding(path, head, file_name)
    with path.open(encoding=encoding, newline="") as text:
        yield _csv_table(text, file_name, errors, approx_rows=newlines)


def _text_encoding(path: Path, head: bytes, file_name: str) -> tuple[str, int]:
    """UTF-8 when every byte of the file decodes as UTF-8, else Windows-1252 or Latin-1.

    The government files come in both; a whole-file pass is cheap (about 10 ms per 4 MB) and
    catches a Windows-1252 character that only appears near the end.
    """
    if b"\x00" in head:
        file_error(file_name, _("encoding"), _not_text_message())
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8, newlines = True, 0
    with path.open("rb") as raw:
        while chunk := raw.read(CHUNK):
            newlines += chunk.count(b"\n")
            if is_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    if is_utf8:
        return "utf-8-sig", newlines
    guess = charset_normalizer.from_bytes(head, cp_isolation=["cp1252", "latin_1"]).best()
    if guess is None:
        file_error(file_name, _("encoding"), _not_text_message())
    return guess.encoding, newlines


def _not_text_message() -> str:
    return _(
        "This is not a text CSV file in UTF-8 or Windows-1252, nor an XLSX workbook. "
        "Save it as “CSV UTF-8” and try again."
    )


def _csv_table(text, file_name: str, errors: ErrorList, *, approx_rows: int) -> Table:
    sample = text.read(8192)
    text.seek(0)
    try:
        delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = [cell.strip().lstrip("\ufeff") for cell in next(reader)]
    except (StopIteration, csv.Error, UnicodeDecodeError):
        file_error(file_name, _("header"), _("The first line must name the columns."))
    _check_header(header, file_name)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        width, last = len(header), reader.line_num
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                errors.add(line=last + 1, field=_("encoding"), message=_not_text_message())
                return
            except csv.Error as exc:
                errors.add(line=last + 1, field=_("file"), message=str(exc))
                return
            line, last = last + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) != width:
                errors.add(
                    line=line,
                    field=_("columns"),
                    message=_("This line has %(found)d values but the header names %(expected)d columns.")
                    % {"found": len(values), "expected": width},
                )
                continue
            yield line, {column: value.strip() for column, value in zip(header, values, strict=True)}

    return Table(header=header, rows=rows(), approx_rows=max(approx_rows - 1, 0))


def _check_header(header: list[str], file_name: str) -> None:
    if not any(header):
        file_error(file_name, _("header"), _("The first line must name the columns."))
    seen: set[str] = set()
    for column in header:
        if column in seen:
            file_error(file_name, column, _("This column appears twice in the header."))
        seen.add(column)


@contextlib.contextmanager
def _xlsx_open(path: Path, file_name: str, errors: ErrorList) -> Iterator[Table]:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        file_error(file_name, _("file"), _("This XLSX workbook is damaged or not a workbook."))
    try:
        sheet = workbook.worksheets[0]
        cells = sheet.iter_rows(values_only=True)
        first = next(cells, None)
        if first is None:
            file_error(file_name, _("file"), _("The file is empty."))
        header = [_xlsx_text(value).strip() for value in first]
        while header and not header[-1]:
            header.pop()
        _check_header(header, file_name)
        width = len(header)

        def rows() -> Iterator[tuple[int, dict[str, str]]]:
            for line, values in enumerate(cells, start=2):
                texts = [_xlsx_text(value).strip() for value in values]
                if any(texts[width:]):
                    errors.add(
                        line=line,
                        field=_("columns"),
                        message=_("This row has values beyond the last named column."),
                    )
                    continue
                texts = texts[:width] + [""] * (width - len(texts))
                if any(texts):
                    yield line, dict(zip(header, texts, strict=True))

        total = sheet.max_row - 1 if sheet.max_row else None
        yield Table(header=header, rows=rows(), approx_rows=total)
    finally:
        workbook.close()


def _xlsx_text(value: object) -> str:
    """A cell as the text a CSV export would show (whole numbers without “.0”)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
