"""The import page and live filtering in a real browser: errors are shown, nothing leaves 127.0.0.1."""

import pytest
from playwright.sync_api import expect

from campusvoice.campuses.models import University
from campusvoice.campuses.tests.factories import UniversityFactory
from conftest import LOCAL_HOSTS, live_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BAD_MUR_FILE = (
    '"COD_Ateneo";"NomeEsteso";"NomeOperativo";"Status";"StataleLibera";"VIA";"COMUNE";"PROVINCIA";"REGIONE";"URL";"Ateneo_dimensione"\n'
    '"00101";"Università degli studi di Torino";"Torino";"Attivo";"Statale";"Via Verdi, 8";"TORINO";"TORINO";"PIEMONTE";"www.unito.it";"60.000 e oltre"\n'
    '"";"Università senza codice";"Senza";"Attivo";"Statale";"Via Roma, 1";"ROMA";"ROMA";"LAZIO";"";""\n'
)


def test_it_shows_the_file_line_and_column_of_a_bad_upload(browser_page, live_server, organiser, tmp_path):
    bad = tmp_path / "atenei-bad.csv"
    bad.write_text(BAD_MUR_FILE, encoding="utf-8")
    page = live_login(browser_page, live_server, organiser)

    page.goto(f"{live_server.url}/campuses/import/")
    page.get_by_label("What the file holds").select_option("mur")
    page.locator("input[name=file]").set_input_files(str(bad))
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()

    alert = page.locator(".errors[role=alert]")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("atenei-bad.csv")
    row = alert.locator("tbody tr").first
    expect(row.locator("td").nth(1)).to_have_text("3")
    expect(row.locator("td").nth(2)).to_have_text("COD_Ateneo")
    assert not University.objects.exists()
    # The page answers 400 (the upload was refused), which Chromium logs; nothing else may be logged.
    assert [e for e in page.console_errors if "status of 400" not in e] == []
    assert page.csp_violations == []
    assert {url.split("/")[2].split(":")[0] for url in page.requests_seen} <= LOCAL_HOSTS


def test_it_filters_the_campus_list_as_you_type(browser_page, live_server, organiser):
    UniversityFactory(name="Università di Bologna", city="Bologna", country="IT")
    UniversityFactory(name="Ohio State University", city="Columbus")
    page = live_login(browser_page, live_server, organiser)
    page.goto(f"{live_server.url}/campuses/")
    rows = page.locator("#campus-results tbody tr")
    expect(rows).to_have_count(2)

    page.get_by_role("searchbox", name="Search").fill("bologna")

    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Università di Bologna")
    assert page.url.endswith("q=bologna") or "q=bologna" in page.url  # htmx pushed the filter into the URL
    assert page.console_errors == [] and page.csp_violations == []
