"""A campaign from plan to schedule in a real browser: two organisers, no Page connected."""

import pytest
from playwright.sync_api import expect

from campusvoice.accounts.models import Role, User
from campusvoice.campaigns.models import ContentItem
from campusvoice.campuses.tests.factories import UniversityFactory
from conftest import PASSWORD, live_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organiser_plans_writes_and_submits_and_another_approves_and_schedules(
    browser_page, live_server, organiser
):
    campus = UniversityFactory(name="Springfield University", short_name="SpringU", country="US")
    approver = User.objects.create_user("ari.approver@example.org", PASSWORD, role=Role.ORGANISER)
    page = live_login(browser_page, live_server, organiser)

    page.goto(f"{live_server.url}/campaigns/add/")
    page.locator("#id_name").fill("Consent week")
    page.locator("#id_slug").fill("consent-week")
    page.locator("#id_universities").select_option(str(campus.pk))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consent week")

    page.get_by_role("link", name="New template").click()
    page.locator("#id_name").fill("Opening post")
    page.locator("#id_body").fill("Consent matters at {{ campus.name }}. {{ link }}")
    page.locator("#id_link_url").fill("https://example.org/pledge")
    page.get_by_role("button", name="Save and preview").click()
    expect(page.get_by_text("Consent matters at Springfield University.")).to_be_visible()

    page.get_by_role("button", name="Create or update the draft for each campus").click()
    expect(page.get_by_text("1 items created")).to_be_visible()
    page.get_by_role("link", name="Consent matters at Springfield University.").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".facts .badge")).to_have_text("In review")

    page.context.clear_cookies()
    live_login(page, live_server, approver)
    item = ContentItem.objects.get()
    page.goto(f"{live_server.url}/campaigns/items/{item.pk}/")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".facts .badge")).to_have_text("Approved")
    page.locator("#id_scheduled_at").fill("2030-03-04T10:30")
    page.get_by_role("button", name="Schedule", exact=True).click()

    expect(page.locator(".facts .badge")).to_have_text("Scheduled")
    # No Page is connected: the item waits for the export bundle, and nothing offers to publish it.
    expect(page.get_by_text("No Facebook Page is connected")).to_be_visible()
    expect(page.get_by_role("button", name="Publish now")).to_have_count(0)
    page.get_by_role("link", name="Consent week").click()
    row = page.get_by_role("row", name="Springfield University")
    expect(row).to_contain_text("Scheduled")
    expect(page.get_by_text("No Facebook Page is connected")).to_be_visible()
    item.refresh_from_db()
    assert item.status == ContentItem.Status.SCHEDULED and item.approved_by == approver
    assert page.console_errors == [] and page.csp_violations == []
