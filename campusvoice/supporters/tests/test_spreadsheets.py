import csv
import io

import pytest
from openpyxl import load_workbook

from campusvoice.supporters.spreadsheets import cell_safe, rows_to_csv, rows_to_xlsx

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=cmd", "\r=cmd", '=HYPERLINK("http://evil","x")']


@pytest.mark.parametrize("value", DANGEROUS)
def test_cells_that_a_spreadsheet_would_run_get_an_apostrophe(value):
    assert cell_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Anna", "anna@example.org", "", "1+1", 5, None])
def test_harmless_cells_are_unchanged(value):
    assert cell_safe(value) == value


def test_csv_and_xlsx_files_hold_no_formula():
    rows = [[value, 3] for value in DANGEROUS]

    from_csv = list(csv.reader(io.StringIO(rows_to_csv(["a", "b"], rows).decode("utf-8-sig"), newline="")))
    sheet = load_workbook(io.BytesIO(rows_to_xlsx(["a", "b"], rows))).active

    assert [r[0] for r in from_csv[1:]] == ["'" + v for v in DANGEROUS]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells)
    # XML may store a carriage return as a line feed; either way the apostrophe comes first.
    assert [cell.value.replace("\r", "\n") for cell in cells] == [
        "'" + v.replace("\r", "\n") for v in DANGEROUS
    ]
