"""Publish now in a real browser, against the fake Graph API: confirm, then see the post's link."""

import pytest
from playwright.sync_api import expect

from campusvoice.campaigns.models import ContentItem
from campusvoice.campaigns.services import content
from campusvoice.campaigns.tests.factories import ContentItemFactory
from campusvoice.campuses.tests.factories import UniversityFactory
from conftest import live_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organiser_confirms_publish_now_and_sees_the_link_to_the_post(
    browser_page, live_server, fake_graph, connection, organiser, admin_user
):
    campus = UniversityFactory(name="Springfield University", short_name="SpringU", country="US")
    item = ContentItemFactory(university=campus, text="Consent matters at Springfield University.")
    content.content_item_submit(item=item, by=organiser)
    content.content_item_approve(item=item, by=admin_user)
    page = live_login(browser_page, live_server, organiser)
    page.goto(f"{live_server.url}/campaigns/items/{item.pk}/")

    # The first time the organiser changes their mind; the second time they confirm.
    answer, asked = "dismiss", []

    def on_dialog(dialog):
        asked.append(dialog.message)
        dialog.accept() if answer == "accept" else dialog.dismiss()

    page.on("dialog", on_dialog)
    page.get_by_role("button", name="Publish now").click()
    assert fake_graph.snapshot()["posts_created"] == []
    answer = "accept"
    with page.expect_navigation():
        page.get_by_role("button", name="Publish now").click()

    expect(page.get_by_text("Published on the Page.")).to_be_visible()
    expect(page.locator(".facts .badge")).to_have_text("Published")
    (post_id,) = fake_graph.snapshot()["posts_created"]
    permalink = fake_graph.state.posts[post_id]["permalink_url"]
    expect(page.get_by_role("link", name=permalink)).to_have_attribute("href", permalink)
    page.get_by_role("link", name=item.campaign.name).click()
    expect(
        page.get_by_role("row", name="Springfield University").get_by_role("link", name="View the post")
    ).to_have_attribute("href", permalink)
    assert ContentItem.objects.get().status == ContentItem.Status.PUBLISHED
    # Asked once per click, not twice.
    assert asked == ["Publish this item on the Page now? Everyone who follows the Page will see it."] * 2
    assert page.console_errors == [] and page.csp_violations == []
