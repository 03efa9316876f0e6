"""A bad file changes nothing, and every problem names the file, the line and the column."""

import tracemalloc
from pathlib import Path

import pytest

from campusvoice.accounts.models import AuditEvent
from campusvoice.campuses.imports import (
    DirectoryImportError,
    RowError,
    directory_import,
    directory_upload_check,
)
from campusvoice.campuses.models import ImportRun, IncidentStatistic, University

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def ipeds_copy(tmp_path: Path, *, edit=None, extra: bytes = b"") -> Path:
    """The IPEDS sample (Windows-1252), with `edit(lines)` applied to its lines of bytes."""
    lines = (FIXTURES / "hd2020_sample.csv").read_bytes().splitlines(keepends=True)
    if edit:
        edit(lines)
    path = tmp_path / "hd2020.csv"
    path.write_bytes(b"".join(lines) + extra)
    return path


def import_error(**kwargs) -> DirectoryImportError:
    with pytest.raises(DirectoryImportError) as caught:
        directory_import(**kwargs)
    return caught.value


def test_a_row_error_reads_as_file_line_field_message():
    assert str(RowError("hd2020.csv", 7, "LATITUDE", "“north” is not a number.")) == (
        "hd2020.csv:7: LATITUDE: “north” is not a number."
    )


def test_it_names_the_required_columns_that_are_missing():
    error = import_error(kind="ipeds", path=FIXTURES / "atenei_sample.csv")

    assert error.errors[0].line == 1
    assert error.errors[0].field == "header"
    assert "UNITID, INSTNM" in error.errors[0].message
    assert University.objects.count() == 0


def test_it_rejects_a_bad_number_with_its_line_and_column(tmp_path):
    def bad_latitude(lines):
        lines[2] = lines[2].replace(b",33.505697,", b",north,")

    error = import_error(kind="ipeds", path=ipeds_copy(tmp_path, edit=bad_latitude))

    assert [str(e) for e in error.errors] == ["hd2020.csv:3: LATITUDE: “north” is not a number."]


def test_it_rejects_coordinates_out_of_range_or_half_given(tmp_path):
    def bad_coordinates(lines):
        lines[1] = lines[1].replace(b",34.783368,", b",134.783368,")
        lines[2] = lines[2].replace(b",33.505697,", b",,")

    error = import_error(kind="ipeds", path=ipeds_copy(tmp_path, edit=bad_coordinates))

    assert [(e.line, e.field) for e in error.errors] == [(2, "LATITUDE"), (3, "LATITUDE")]
    assert "outside -90…90" in error.errors[0].message
    assert "both coordinates" in error.errors[1].message


def test_it_reads_thousands_separators_and_ipeds_blank_markers(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text('ipeds_unitid,name,country,enrollment_total,city\n100654,AAMU,US,"6,106",NULL\n')

    directory_import(kind="csv", path=path)

    aamu = University.objects.get()
    assert (aamu.enrollment_total, aamu.city) == (6106, "")


def test_it_rejects_a_binary_file(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)

    error = import_error(kind="csv", path=path)

    assert error.errors[0].field == "encoding"
    assert "CSV UTF-8" in error.errors[0].message


def test_it_rejects_utf16_text(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("name,country\nUniversità di Pisa,IT\n", encoding="utf-16")

    error = import_error(kind="csv", path=path)

    assert error.errors[0].field == "encoding"


def test_it_finds_a_windows_1252_character_far_down_a_file(tmp_path):
    long_name = "Istituto di prova con un nome abbastanza lungo da riempire la riga"
    rows = "".join(f"{long_name} {n},IT\n" for n in range(16_000))  # over 1 MB of ASCII first
    path = tmp_path / "atenei.csv"
    path.write_bytes(("name,country\n" + rows + "Università di Trento,IT\n").encode("cp1252"))
    assert path.stat().st_size > 1024 * 1024

    report = directory_import(kind="csv", path=path, dry_run=True)

    assert report.created == 16_001


def test_it_rejects_duplicate_ids_in_one_file(tmp_path):
    def repeat_auburn(lines):
        lines.append(next(line for line in lines if line.startswith(b"100858")))

    error = import_error(kind="ipeds", path=ipeds_copy(tmp_path, edit=repeat_auburn))

    assert [str(e) for e in error.errors] == ["hd2020.csv:7: UNITID: Duplicate id: already on line 4."]


def test_it_rejects_an_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"\r\n")

    error = import_error(kind="mur", path=path)

    assert str(error.errors[0]) == "empty.csv:1: file: The file is empty."


def test_a_file_with_only_its_header_imports_nothing(tmp_path):
    path = tmp_path / "hd2020.csv"
    path.write_bytes((FIXTURES / "hd2020_sample.csv").read_bytes().splitlines(keepends=True)[0])

    report = directory_import(kind="ipeds", path=path)

    assert (report.created, report.updated, report.unchanged, report.skipped) == (0, 0, 0, 0)


def test_it_rejects_a_line_with_too_many_values(tmp_path):
    error = import_error(kind="csv", path=_write(tmp_path, "name,country\nPisa,IT,extra\n"))

    assert (error.errors[0].line, error.errors[0].field) == (2, "columns")


def test_a_bad_row_at_the_end_changes_nothing_and_the_failure_is_recorded(tmp_path, organiser):
    def bad_last_row(lines):
        lines[-1] = lines[-1].replace(b",18.057023,", b",999,")

    error = import_error(kind="ipeds", path=ipeds_copy(tmp_path, edit=bad_last_row), by=organiser)

    assert error.errors[0].line == 6
    assert University.objects.count() == 0
    import_run = ImportRun.objects.get()
    assert not import_run.succeeded
    assert "hd2020.csv:6: LATITUDE" in import_run.error
    event = AuditEvent.objects.get(action="import")
    assert event.detail["succeeded"] is False


def test_a_failed_clery_import_leaves_earlier_statistics_alone(tmp_path):
    directory_import(kind="clery", path=FIXTURES / "oncampus_vawa_sample.csv")
    before = list(IncidentStatistic.objects.values_list("pk", "count"))
    text = (FIXTURES / "oncampus_vawa_sample.csv").read_text().replace(",70,", ",seventy,")
    path = _write(tmp_path, text, name="oncampus_vawa_sample.csv")

    error = import_error(kind="clery", path=path)

    assert error.errors[0].field == "STALK22"
    assert list(IncidentStatistic.objects.values_list("pk", "count")) == before


def test_it_lists_the_first_fifty_errors_and_counts_the_rest(tmp_path):
    rows = "".join(f"Ateneo {n},Italia\n" for n in range(120))

    error = import_error(kind="csv", path=_write(tmp_path, "name,country\n" + rows))

    assert len(error.errors) == 50
    assert error.total == 120
    assert "120 problems" in error.message


def test_it_cannot_tell_an_unnamed_clery_crime_file_from_the_residence_hall_one(tmp_path):
    path = _write(tmp_path, (FIXTURES / "oncampus_crime_sample.csv").read_text(), name="crime.csv")

    error = import_error(kind="clery", path=path)

    assert "Residencehallcrime202122" in error.errors[0].message


def test_it_rejects_a_mapping_to_an_unknown_field_or_a_missing_column(tmp_path):
    path = _write(tmp_path, "Ateneo,Paese\nPisa,IT\n")

    error = import_error(kind="csv", path=path, mapping={"Ateneo": "name", "Paese": "nation"})
    assert (error.errors[0].field, error.errors[0].line) == ("Paese", 1)

    error = import_error(kind="csv", path=path, mapping={"Ateneo": "name", "Country": "country"})
    assert "Country" in error.errors[0].message


def test_it_refuses_an_unknown_kind():
    error = import_error(kind="ustat", path=FIXTURES / "atenei_sample.csv")

    assert error.errors[0].field == "kind"


def test_the_web_upload_limit_names_the_file_and_the_command_line(settings):
    settings.CAMPUSVOICE_IMPORT_MAX_UPLOAD_MB = 1

    directory_upload_check(file_name="small.csv", size=1024 * 1024)
    with pytest.raises(DirectoryImportError) as caught:
        directory_upload_check(file_name="big.csv", size=1024 * 1024 + 1)

    assert str(caught.value.errors[0]).startswith("big.csv:1: file: The file is larger than 1 MB")
    assert "campusvoice campuses import" in caught.value.errors[0].message


def test_a_50_mb_file_streams_with_bounded_memory_and_fails_cleanly(tmp_path):
    path = tmp_path / "big.csv"
    notes = "x" * 5_000
    with path.open("w") as target:
        target.write("name,country,notes\n")
        target.write("Università zero,Italia,\n")  # bad: after it the importer only validates
        for n in range(10_000):
            target.write(f"Università {n},IT,{notes}\n")
        target.write("Università finale,Francia,\n")  # bad, and 50 MB further down
    assert path.stat().st_size > 50_000_000

    tracemalloc.start()
    try:
        with pytest.raises(DirectoryImportError) as caught:
            directory_import(kind="csv", path=path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert [(error.line, error.field) for error in caught.value.errors] == [
        (2, "country"),
        (10003, "country"),
    ]
    assert peak < 40_000_000  # never the whole file: a row, and a batch of records, at a time
    assert University.objects.count() == 0
    with pytest.raises(DirectoryImportError):
        directory_upload_check(file_name="big.csv", size=path.stat().st_size * 3)


def _write(tmp_path: Path, text: str, *, name: str = "upload.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path
