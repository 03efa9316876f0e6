"""In Chromium: connect the sandbox Page with Facebook Login, then watch a live comment arrive.

The whole demo path: our button, the fake's consent dialog, our callback and Page picker; then the
fake adds a comment, its relay POSTs the signed webhook to the live server, and the open inbox
learns of it from its poll, without a reload.
"""

import time

import pytest
from django.conf import settings as django_settings

from campusvoice.conversations.models import Comment
from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_ID
from campusvoice.integrations.meta.fakegraph.drip import Drip, DripText
from campusvoice.integrations.meta.fakegraph.webhooks import WebhookEmitter, WebhookRelay
from campusvoice.integrations.meta.models import MetaConnection
from conftest import login_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Dove trovo lo sportello antiviolenza del mio ateneo?"


def test_a_person_connects_with_facebook_and_sees_a_live_comment_arrive(
    browser_page, live_server, fake_graph, settings, admin_user, client, keyword_classifier
):
    settings.CAMPUSVOICE_META_DIALOG_URL = fake_graph.url
    settings.SITE_URL = live_server.url
    login_as(client, admin_user)
    page = browser_page
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )

    page.goto(f"{live_server.url}/integrations/meta/")
    page.get_by_role("link", name="Connect with Facebook").click()
    page.wait_for_url(f"{fake_graph.url}/**")
    assert "Campus Voice Sandbox" in page.content()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/integrations/meta/login/pages/")
    page.get_by_role("button", name="Connect this Page").click()
    page.wait_for_url(f"{live_server.url}/integrations/meta/")
    assert "Connected Campus Voice Sandbox." in page.content()
    assert MetaConnection.objects.get().page_id == DEMO_PAGE_ID

    # The fake now sends its webhooks to the live server, as in the demo.
    emitter = WebhookEmitter(
        app_secret=settings.CAMPUSVOICE_META_APP_SECRET, url=f"{live_server.url}/integrations/meta/webhook/"
    )
    fake_graph.state.listeners.append(WebhookRelay(emitter, delay=0).enqueue)
    fake_graph.add_posts(1)
    page.goto(f"{live_server.url}/inbox/")
    drip = Drip(fake_graph.state, texts=[DripText(TEXT, "Test data set", "it")], instagram_share=0)

    drip.tick()
    deadline = time.monotonic() + 20
    while not Comment.objects.filter(text=TEXT).exists():
        assert time.monotonic() < deadline, "the webhook did not reach the inbox"
        time.sleep(0.1)
    page.evaluate("htmx.trigger('#inbox-poll', 'cv:poll')")  # instead of waiting for the 12 s poll
    page.get_by_role("button", name="1 new comment — show").click()

    page.get_by_text(TEXT).first.wait_for()
    assert page.url == f"{live_server.url}/inbox/"  # no reload, no navigation
