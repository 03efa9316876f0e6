"""`campusvoice campuses import` and `import-all` through call_command."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from campusvoice.campuses.models import IncidentStatistic, University

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def campuses(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("campuses", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_a_file_and_prints_the_summary():
    out, _err = campuses("import", "ipeds", str(FIXTURES / "hd2020_sample.csv"))

    assert "hd2020_sample.csv: 4 created, 0 updated, 0 unchanged, 1 skipped" in out
    assert University.objects.count() == 4


def test_a_dry_run_saves_nothing():
    out, _err = campuses("import", "mur", str(FIXTURES / "atenei_sample.csv"), "--dry-run")

    assert "4 created" in out and "dry run" in out
    assert University.objects.count() == 0


def test_it_prints_each_error_as_file_line_field_and_fails(tmp_path):
    path = tmp_path / "hd2020.csv"
    path.write_bytes((FIXTURES / "hd2020_sample.csv").read_bytes().replace(b",33.505697,", b",north,"))
    err = StringIO()

    with pytest.raises(CommandError, match="1 problem, nothing was imported"):
        call_command("campuses", "import", "ipeds", str(path), stdout=StringIO(), stderr=err)

    assert "hd2020.csv:3: LATITUDE: “north” is not a number." in err.getvalue()
    assert University.objects.count() == 0


def test_it_maps_columns_with_map_options(tmp_path):
    path = tmp_path / "partners.csv"
    path.write_text("Ateneo,Paese,Sito\nUniversità di Pisa,IT,www.unipi.it\n")

    campuses(
        "import", "csv", str(path), "--map", "Ateneo=name", "--map", "Paese=country", "--map", "Sito=website"
    )

    assert University.objects.get().website == "https://www.unipi.it"


def test_it_refuses_a_map_option_without_an_equals_sign(tmp_path):
    with pytest.raises(CommandError, match="COLUMN=FIELD"):
        campuses("import", "csv", str(FIXTURES / "atenei_sample.csv"), "--map", "Ateneo")


def test_it_says_when_the_file_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        campuses("import", "mur", str(tmp_path / "missing.csv"))


def test_import_all_runs_the_four_sources_from_a_data_folder(tmp_path):
    layout = {
        "us_ipeds_hd2020/hd2020.csv": "hd2020_sample.csv",
        "us_hifld_colleges/Colleges_and_Universities.csv": "hifld_sample.csv",
        "us_clery_oncampus_2020_2022/oncampus_crime_2020_2022.csv": "oncampus_crime_sample.csv",
        "us_clery_oncampus_2020_2022/oncampus_vawa_2020_2022.csv": "oncampus_vawa_sample.csv",
        "us_clery_oncampus_2020_2022/residencehall_crime_2020_2022.csv": "residencehall_crime_sample.csv",
        "it_mur_atenei/atenei.csv": "atenei_sample.csv",
    }
    for target, fixture in layout.items():
        (tmp_path / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / fixture, tmp_path / target)

    out, _err = campuses("import-all", "--data-dir", str(tmp_path))

    assert out.count("created") == 6
    assert University.objects.filter(country="US").count() == 6
    assert University.objects.filter(country="IT").count() == 4
    assert IncidentStatistic.objects.filter(location="residence_hall").exists()


def test_import_all_names_the_missing_files(tmp_path):
    with pytest.raises(CommandError, match="hd2020.csv"):
        campuses("import-all", "--data-dir", str(tmp_path))
