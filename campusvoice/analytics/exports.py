"""The all-campus table as CSV or XLSX, safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab or carriage return) is a formula to Excel and
LibreOffice, so campus names typed by someone else could run one; such cells get a leading
apostrophe. Numbers stay numbers: only text is neutralised.
"""

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from campusvoice.analytics.figures import CampusFigures, Kind

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "enrollment",
    "reach_share",
    "reach",
    "impressions",
    "frequency",
    "posts",
    "comments",
    "comments_per_post",
    "on_topic_share",
    "questions_answered",
    "median_reply",
    "disclosures",
    "new_people",
    "active_supporters",
    "signatures_confirmed",
    "signatures_unconfirmed",
    "groups_by_stage",
    "letters_sent",
    "articles_published",
)


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table_rows(rows: list[CampusFigures]) -> list[list]:
    """Header plus one row per campus; raw values (fractions for shares, minutes for medians)."""
    if not rows:
        header_labels = [_("Campus"), _("Country")]
        return [header_labels]
    sample = rows[0]
    header = [_("Campus"), _("Country")]
    for name in COLUMNS:
        figure = getattr(sample, name)
        unit = {Kind.PERCENT: " (0–1)", Kind.MINUTES: " (min)"}.get(figure.kind, "")
        header.append(f"{figure.label}{unit}")
    table = [header]
    for row in rows:
        line = [row.name, row.country]
        for name in COLUMNS:
            figure = getattr(row, name)
            line.append(figure.value if figure.available else "")
        table.append(line)
    return [[neutralise(cell) if cell is not None else "" for cell in line] for line in table]


def table_csv(rows: list[CampusFigures]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(table_rows(rows))
    # A BOM so Excel opens UTF-8 (accented campus names) correctly.
    return ("\ufeff" + out.getvalue()).encode()


def table_xlsx(rows: list[CampusFigures]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Campuses")[:31]
    for line in table_rows(rows):
        sheet.append(line)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
