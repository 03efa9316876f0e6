"""The relationships board in a real browser: htmx moves a card, the CSP holds, nothing leaves."""

import pytest
from playwright.sync_api import expect

from campusvoice.outreach.models import Stage
from campusvoice.outreach.tests.factories import RelationshipFactory
from conftest import live_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organiser_moves_a_group_to_replied_without_a_reload(browser_page, live_server, organiser):
    relationship = RelationshipFactory(next_step="Send the toolkit")
    page = live_login(browser_page, live_server, organiser)
    page.goto(f"{live_server.url}/outreach/campaigns/{relationship.campaign_id}/board/")
    card = page.locator(f"#rel-{relationship.pk}")
    expect(card.locator("strong")).to_have_text("Identified")

    card.get_by_role("button", name="Replied").click()

    # The stage is in <strong>; "Replied" is also a button label before the swap.
    expect(page.locator(f"#rel-{relationship.pk} strong")).to_have_text("Replied")
    expect(card.get_by_role("button", name="Identified")).to_be_visible()
    relationship.refresh_from_db()
    assert relationship.stage == Stage.REPLIED
    assert page.url.endswith("/board/")  # swapped in place, no navigation
    assert page.console_errors == []
    assert page.csp_violations == []
