"""The log-in page in a real browser: the form, the language switcher, the CSP, no outside requests."""

import pytest
from playwright.sync_api import expect

from conftest import LOCAL_HOSTS, live_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_logs_an_organiser_in_and_switches_the_dashboard_to_italian(browser_page, live_server, organiser):
    page = live_login(browser_page, live_server, organiser)

    assert page.url == f"{live_server.url}/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # The switcher submits itself from our own script: this also proves the script ran under the CSP.
    with page.expect_navigation():
        page.locator("#lang-select").select_option("it")

    expect(page.locator("html")).to_have_attribute("lang", "it")
    assert page.url == f"{live_server.url}/"
    assert page.console_errors == []
    assert page.csp_violations == []
    assert {url.split("/")[2].split(":")[0] for url in page.requests_seen} <= LOCAL_HOSTS


def test_it_shows_an_error_for_a_wrong_password_and_stays_on_the_form(browser_page, live_server, organiser):
    page = live_login(browser_page, live_server, organiser, password="not the password")

    expect(page.get_by_role("alert")).to_contain_text("correct e-mail and password")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    assert page.csp_violations == []


def test_it_opens_the_campus_directory_from_the_menu(browser_page, live_server, organiser):
    page = live_login(browser_page, live_server, organiser)

    with page.expect_navigation():
        page.get_by_role("navigation").get_by_role("link", name="Campuses").click()

    assert page.url == f"{live_server.url}/campuses/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Campuses")
    assert page.console_errors == []
    assert page.csp_violations == []
