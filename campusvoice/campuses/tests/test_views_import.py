"""The import page: upload a directory file, see the report or every problem, change nothing on error."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campusvoice.accounts.models import Role
from campusvoice.campuses.models import ImportRun, University

pytestmark = pytest.mark.django_db

HEADER = '"COD_Ateneo";"NomeEsteso";"NomeOperativo";"Status";"StataleLibera";"VIA";"COMUNE";"PROVINCIA";"REGIONE";"URL";"Ateneo_dimensione"'
GOOD_ROW = '"00101";"Università degli studi di Torino";"Torino";"Attivo";"Statale";"Via Verdi, 8";"TORINO";"TORINO";"PIEMONTE";"www.unito.it";"60.000 e oltre"'
ROW_WITHOUT_CODE = (
    '"";"Università senza codice";"Senza";"Attivo";"Statale";"Via Roma, 1";"ROMA";"ROMA";"LAZIO";"";""'
)


def mur_file(*rows, name="atenei.csv"):
    return SimpleUploadedFile(name, "\n".join([HEADER, *rows]).encode(), content_type="text/csv")


def upload(client, file, *, kind="mur", dry_run=False):
    data = {"kind": kind, "file": file}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("campuses:import"), data)


@pytest.mark.parametrize(
    ("role", "status"), [(Role.ADMIN, 200), (Role.ORGANISER, 200), (Role.MODERATOR, 403), (Role.ANALYST, 403)]
)
def test_only_importers_reach_the_import_page(client_for, role, status):
    response = client_for(role).get(reverse("campuses:import"))

    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert 'name="kind"' in html and 'name="file"' in html and 'name="dry_run"' in html


def test_it_imports_a_file_and_shows_the_report(client_for):
    response = upload(client_for(Role.ORGANISER), mur_file(GOOD_ROW))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Import finished" in html and "atenei.csv" in html
    assert University.objects.get().enrollment_band == "60.000 e oltre"
    assert ImportRun.objects.get().succeeded


def test_a_dry_run_reports_without_saving(client_for):
    html = upload(client_for(Role.ORGANISER), mur_file(GOOD_ROW), dry_run=True).content.decode()

    assert "Dry run: nothing was saved" in html
    assert not University.objects.exists()


def test_it_shows_each_problem_with_file_line_and_column_and_changes_nothing(client_for):
    response = upload(client_for(Role.ORGANISER), mur_file(GOOD_ROW, ROW_WITHOUT_CODE, name="bad.csv"))

    assert response.status_code == 400
    html = response.content.decode()
    alert = html[html.index('<div class="errors" role="alert"') :]
    assert "bad.csv" in alert and '<td class="num">3</td>' in alert and "COD_Ateneo" in alert
    assert "The MUR code is missing." in alert
    assert not University.objects.exists()
    run = ImportRun.objects.get()
    assert not run.succeeded and "failed" in html


def test_it_refuses_a_file_over_the_size_limit(client_for, settings):
    settings.CAMPUSVOICE_IMPORT_MAX_UPLOAD_MB = 0

    response = upload(client_for(Role.ORGANISER), mur_file(GOOD_ROW))

    assert response.status_code == 400
    assert "larger than 0 MB" in response.content.decode()
    assert not University.objects.exists()


def test_it_refuses_a_file_that_is_not_csv_or_xlsx(client_for):
    response = upload(client_for(Role.ORGANISER), SimpleUploadedFile("notes.pdf", b"%PDF-1.4"))

    assert response.status_code == 400
    assert "Upload a .csv or .xlsx file." in response.content.decode()


def test_the_import_page_renders_in_italian(client_for):
    response = client_for(Role.ORGANISER).get(reverse("campuses:import"), HTTP_ACCEPT_LANGUAGE="it")

    assert response.status_code == 200 and '<html lang="it">' in response.content.decode()
