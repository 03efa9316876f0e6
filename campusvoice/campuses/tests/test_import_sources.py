"""directory_import on small copies of the real files (rows copied unchanged from shared/data)."""

import csv
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from campusvoice.accounts.models import AuditEvent
from campusvoice.campuses.imports import IMPORT_KINDS, ImportReport, directory_import
from campusvoice.campuses.models import ImportRun, IncidentStatistic, University

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
CLERY_FILES = ("oncampus_crime_sample.csv", "oncampus_vawa_sample.csv", "residencehall_crime_sample.csv")


def run(kind: str, name: str, **kwargs) -> ImportReport:
    return directory_import(kind=kind, path=FIXTURES / name, **kwargs)


def counts(report: ImportReport) -> tuple[int, int, int, int]:
    return report.created, report.updated, report.unchanged, report.skipped


def statistic(unitid: str, year: int, category: str, location: str = "on_campus") -> int:
    return IncidentStatistic.objects.get(
        university__ipeds_unitid=unitid, year=year, category=category, location=location
    ).count


def test_the_kinds_are_the_five_the_upload_page_offers():
    assert list(IMPORT_KINDS) == ["ipeds", "hifld", "clery", "mur", "csv"]


def test_it_imports_ipeds_directory_rows_from_a_windows_1252_file(organiser):
    report = run("ipeds", "hd2020_sample.csv", by=organiser)

    assert counts(report) == (4, 0, 0, 1)  # Avalon School of Cosmetology closed in 2020: skipped
    aamu = University.objects.get(ipeds_unitid="100654")
    assert (aamu.name, aamu.short_name, aamu.country, aamu.region, aamu.city) == (
        "Alabama A & M University",
        "AAMU",
        "US",
        "AL",
        "Normal",
    )
    assert aamu.website == "https://www.aamu.edu/"
    assert aamu.control == University.Control.PUBLIC
    assert (aamu.latitude, aamu.longitude, aamu.coordinates_source) == (
        Decimal("34.783368"),
        Decimal("-86.568502"),
        "ipeds",
    )
    assert aamu.chief_admin_title == "President"
    assert University.objects.filter(name="Dewey University-Juana Díaz").exists()
    assert not University.objects.filter(ipeds_unitid="108649").exists()


def test_it_records_the_run_and_an_audit_event(organiser):
    run("ipeds", "hd2020_sample.csv", by=organiser)

    import_run = ImportRun.objects.get()
    assert (import_run.kind, import_run.file_name, import_run.by, import_run.succeeded) == (
        "ipeds",
        "hd2020_sample.csv",
        organiser,
        True,
    )
    assert (import_run.created, import_run.skipped) == (4, 1)
    assert import_run.finished_at is not None
    event = AuditEvent.objects.get(action="import")
    assert (event.actor, event.object_type, event.object_id) == (
        organiser,
        "campus_import",
        str(import_run.pk),
    )
    assert event.detail["created"] == 4


def test_a_second_run_reports_everything_unchanged():
    run("ipeds", "hd2020_sample.csv")
    for name in CLERY_FILES:
        run("clery", name)

    assert counts(run("ipeds", "hd2020_sample.csv")) == (0, 0, 4, 1)
    assert counts(run("clery", "oncampus_vawa_sample.csv")) == (0, 0, 3, 0)


def test_it_fills_enrollment_and_coordinates_from_hifld_without_replacing_ipeds_fields():
    run("ipeds", "hd2020_sample.csv")

    report = run("hifld", "hifld_sample.csv")

    assert counts(report) == (2, 3, 0, 0)
    uab = University.objects.get(ipeds_unitid="100663")
    assert uab.name == "University of Alabama at Birmingham"  # not HIFLD's upper-case name
    assert uab.coordinates_source == "ipeds"
    assert (uab.enrollment_total, uab.enrollment_source) == (
        22080,
        "HIFLD Colleges and Universities (IPEDS-based, 2020)",
    )
    bryant = University.objects.get(ipeds_unitid="189556")
    assert bryant.name == "Bryant & Stratton College-Amherst"
    assert bryant.coordinates_source == "hifld"
    assert bryant.enrollment_total is None  # -999: not available


def test_it_adds_up_clery_campuses_per_institution_and_year():
    for name in CLERY_FILES:
        run("clery", name)

    # Auburn reports three campuses here; UAB two.
    assert statistic("100858", 2022, "rape") == 12
    assert statistic("100858", 2022, "stalking") == 71
    assert statistic("100858", 2022, "domestic_violence") == 25
    assert statistic("100663", 2022, "fondling") == 18
    assert statistic("100663", 2022, "rape", "residence_hall") == 2
    assert statistic("100654", 2020, "rape") == 2
    assert set(IncidentStatistic.objects.values_list("year", flat=True)) == {2020, 2021, 2022}
    source = (
        IncidentStatistic.objects.filter(location="residence_hall").values_list("source", flat=True).first()
    )
    assert "residence-hall crime" in source


def test_a_blank_clery_count_is_not_reported_rather_than_zero(tmp_path):
    with (FIXTURES / "oncampus_crime_sample.csv").open(newline="") as source:
        rows = list(csv.DictReader(source))
    aamu = next(row for row in rows if row["UNITID_P"] == "100654001")
    aamu["RAPE22"] = ""  # its only campus did not report rapes for 2022
    path = tmp_path / "Oncampuscrime202122.csv"
    with path.open("w", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=list(aamu))
        writer.writeheader()
        writer.writerow(aamu)

    directory_import(kind="clery", path=path)

    assert not IncidentStatistic.objects.filter(year=2022, category="rape").exists()
    assert statistic("100654", 2021, "rape") == 2


def test_clery_before_ipeds_gives_the_same_directory_as_ipeds_first():
    for name in CLERY_FILES:
        run("clery", name)
    run("hifld", "hifld_sample.csv")
    run("ipeds", "hd2020_sample.csv")
    clery_first = _directory()
    University.objects.all().delete()

    run("ipeds", "hd2020_sample.csv")
    run("hifld", "hifld_sample.csv")
    for name in CLERY_FILES:
        run("clery", name)

    assert _directory() == clery_first
    auburn = University.objects.get(ipeds_unitid="100858")
    assert (auburn.name, auburn.enrollment_total) == ("Auburn University", 30460)


def _directory() -> list[tuple]:
    fields = [f.name for f in University._meta.fields if f.name not in ("id", "created_at", "updated_at")]
    universities = list(University.objects.order_by("ipeds_unitid").values_list(*fields))
    statistics = list(
        IncidentStatistic.objects.order_by(
            "university__ipeds_unitid", "year", "category", "location"
        ).values_list("university__ipeds_unitid", "year", "category", "location", "count")
    )
    return universities + statistics


def test_clery_creates_the_university_and_a_later_ipeds_import_completes_it():
    run("clery", "oncampus_crime_sample.csv")
    auburn = University.objects.get(ipeds_unitid="100858")
    assert (auburn.name, auburn.city, auburn.enrollment_total) == ("Auburn University", "Auburn", 31764)
    assert auburn.latitude is None

    run("ipeds", "hd2020_sample.csv")

    auburn.refresh_from_db()
    assert auburn.coordinates_source == "ipeds"
    assert auburn.chief_admin_title == "President"
    assert statistic("100858", 2022, "rape") == 12


def test_it_imports_mur_atenei_with_gazetteer_coordinates():
    report = run("mur", "atenei_sample.csv")

    assert counts(report) == (4, 0, 0, 1)  # the Turin ISEF is "Non attivo"
    unito = University.objects.get(mur_code="00101")
    assert (unito.name, unito.short_name, unito.country, unito.region, unito.city) == (
        "Università degli studi di Torino",
        "Torino",
        "IT",
        "Piemonte",
        "Torino",
    )
    assert unito.website == "https://www.unito.it"
    assert unito.enrollment_band == "60.000 e oltre"
    assert unito.coordinates_source == "gazetteer"
    assert abs(unito.latitude - Decimal("45.07")) < 1 and abs(unito.longitude - Decimal("7.69")) < 1
    bolzano = University.objects.get(mur_code="02101")
    assert bolzano.city == "Bolzano - Bozen" and bolzano.latitude is not None
    assert bolzano.control == ""  # non-state: not necessarily non-profit


def test_a_gazetteer_never_replaces_coordinates_an_organiser_set():
    run("mur", "atenei_sample.csv")
    University.objects.filter(mur_code="01502").update(
        latitude=Decimal("45.478"), longitude=Decimal("9.227"), coordinates_source="manual"
    )

    run("mur", "atenei_sample.csv")

    polimi = University.objects.get(mur_code="01502")
    assert (polimi.latitude, polimi.coordinates_source) == (Decimal("45.478000"), "manual")


def test_it_imports_a_mapped_csv_and_upserts_by_name_and_country(tmp_path):
    path = tmp_path / "partners.csv"
    path.write_text(
        "Ateneo;Paese;Città;Iscritti;Lat;Lon\n"
        "Università di Esempio;it;Pisa;1.234;43.7;10.4\n"
        '"Scuola di Prova";IT;Siena;"2,500";;\n'
    )
    mapping = {"Ateneo": "name", "Paese": "country", "Città": "city", "Iscritti": "enrollment_total"}
    mapping |= {"Lat": "latitude", "Lon": "longitude"}

    with pytest.raises(Exception, match="whole number"):
        # "1.234" is 1.234 people, not 1,234: the Italian thousands dot is refused.
        directory_import(kind="csv", path=path, mapping=mapping)
    path.write_text(path.read_text().replace("1.234", "1234"))
    report = directory_import(kind="csv", path=path, mapping=mapping)

    assert counts(report) == (2, 0, 0, 0)
    esempio = University.objects.get(name="Università di Esempio")
    assert (esempio.country, esempio.city, esempio.enrollment_total) == ("IT", "Pisa", 1234)
    assert (esempio.latitude, esempio.coordinates_source) == (Decimal("43.700000"), "manual")
    assert esempio.enrollment_source == "partners.csv"
    assert University.objects.get(name="Scuola di Prova").enrollment_total == 2500

    path.write_text("Ateneo;Paese;Città\nUNIVERSITÀ DI ESEMPIO;IT;Lucca\n")
    report = directory_import(
        kind="csv", path=path, mapping={"Ateneo": "name", "Paese": "country", "Città": "city"}
    )

    assert counts(report) == (0, 1, 0, 0)
    assert University.objects.get(pk=esempio.pk).city == "Lucca"


def test_an_organisers_enrollment_is_not_overwritten_by_hifld(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text("ipeds_unitid,enrollment_total,enrollment_source\n100654,6106,Fall 2023 census\n")
    run("hifld", "hifld_sample.csv")

    directory_import(kind="csv", path=path)
    run("hifld", "hifld_sample.csv")

    aamu = University.objects.get(ipeds_unitid="100654")
    assert (aamu.enrollment_total, aamu.enrollment_source) == (6106, "Fall 2023 census")


def test_it_reads_an_xlsx_workbook(tmp_path):
    path = tmp_path / "universities.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["UNITID", "Name", "Country", "Students", "Website"])
    sheet.append([166027, "Harvard University", "US", 31655.0, "www.harvard.edu"])
    sheet.append([110635, "University of California-Berkeley", "US", None, None])
    workbook.save(path)
    mapping = {"UNITID": "ipeds_unitid", "Name": "name", "Country": "country", "Students": "enrollment_total"}
    mapping["Website"] = "website"

    report = directory_import(kind="csv", path=path, mapping=mapping)

    assert counts(report) == (2, 0, 0, 0)
    harvard = University.objects.get(ipeds_unitid="166027")
    assert (harvard.enrollment_total, harvard.website) == (31655, "https://www.harvard.edu")


def test_a_dry_run_counts_but_writes_nothing(organiser):
    run("ipeds", "hd2020_sample.csv")
    runs = ImportRun.objects.count()

    report = run("hifld", "hifld_sample.csv", dry_run=True, by=organiser)

    assert counts(report) == (2, 3, 0, 0) and report.dry_run
    assert University.objects.count() == 4
    assert University.objects.get(ipeds_unitid="100654").enrollment_total is None
    assert ImportRun.objects.count() == runs
    assert "dry run" in str(report)


def test_the_progress_wrapper_sees_every_row():
    seen = []

    def progress(rows, **options):
        seen.append(options)
        yield from rows

    run("ipeds", "hd2020_sample.csv", progress=progress)

    assert seen == [{"total": 5, "desc": "hd2020_sample.csv", "unit": " rows"}]
