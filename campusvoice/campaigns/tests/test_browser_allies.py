"""Deleting an ally in a real browser: the confirmation and the result appear in place (htmx)."""

import os

import pytest
from playwright.sync_api import expect

from campusvoice.campaigns.models import Ally
from campusvoice.campaigns.tests.factories import AllyFactory, AllyItemFactory, ContentItemFactory
from conftest import live_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organiser_confirms_in_place_and_the_ally_goes(browser_page, live_server, organiser):
    keep = AllyFactory(name="Student Union")
    ally = AllyFactory(name="Consent Collective")
    item = AllyItemFactory(ally=ally, title="Rally on Friday")
    ContentItemFactory(ally_item=item)
    page = live_login(browser_page, live_server, organiser)

    page.goto(f"{live_server.url}/campaigns/allies/")
    card = page.locator(f"#ally-{ally.pk}")
    card.get_by_role("link", name="Delete").click()
    expect(card.get_by_text("Its 1 fetched item will be deleted.")).to_be_visible()
    expect(card.get_by_text("1 post of ours shared its items")).to_be_visible()
    assert page.url.endswith("/campaigns/allies/")  # asked in place, no new page
    if os.environ.get("CAMPUSVOICE_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["CAMPUSVOICE_SCREENSHOTS"], "ally-delete.png"))

    card.get_by_role("button", name="Delete the ally").click()

    expect(page.get_by_text("Ally “Consent Collective” deleted with 1 fetched items")).to_be_visible()
    expect(page.get_by_role("heading", name="Student Union")).to_be_visible()
    assert list(Ally.objects.values_list("pk", flat=True)) == [keep.pk]
