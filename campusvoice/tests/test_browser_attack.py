"""The hostile corpus in Chromium: on every kind of page that shows it, nothing runs, no dialog
opens, the Content-Security-Policy reports nothing and no request leaves 127.0.0.1 (the
browser_page fixture fails the test on any). One browser session visits them all."""

import pytest
from django.conf import settings
from django.urls import reverse

from campusvoice.conversations.templatetags.inbox_text import INVISIBLE
from campusvoice.petitions.tests.factories import PetitionFactory
from campusvoice.tests.conftest import render_letters
from conftest import login_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hostile_text_never_runs_in_the_browser(
    browser_page, live_server, admin_user, analyst, client, hostile
):
    render_letters(hostile)
    page = browser_page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login_as(client, admin_user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    campaign = hostile["campaign"][0]
    petition = PetitionFactory(campaign_id=campaign)
    paths = [
        reverse("campuses:detail", kwargs={"pk": hostile["university"][0]}),
        reverse("campuses:list"),
        reverse("supporters:person-list"),
        reverse("supporters:person-detail", kwargs={"pk": hostile["person"][3]}),
        reverse("petitions:story-detail", kwargs={"pk": hostile["story"][0]}),
        reverse("petitions:signature-list", kwargs={"pk": hostile["petition"][0]}),
        reverse("campaigns:detail", kwargs={"pk": campaign}),
        reverse("campaigns:item-detail", kwargs={"pk": hostile["item"][0]}),
        reverse("campaigns:template-preview", kwargs={"pk": hostile["template"][0]}),
        reverse("outreach:letter-detail", kwargs={"pk": hostile["letter"][2]}),
        reverse("outreach:board", kwargs={"campaign_pk": campaign}),
        reverse("conversations:comment-detail", kwargs={"pk": hostile["comment"][0]}),
        reverse("home"),
        # Drop-downs whose options are names people typed: a form's select, hand-written ones.
        reverse("petitions:version-create", kwargs={"petition_pk": hostile["petition"][0]}),
        reverse("campaigns:calendar", kwargs={"pk": campaign}),
        reverse("outreach:letter-list"),
        reverse("petitions_public:petition", kwargs={"lang": "en", "slug": petition.slug}),
        reverse(
            "petitions_public:story-create", kwargs={"lang": "en", "campaign_slug": petition.campaign.slug}
        ),
    ]

    options: set[str] = set()
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("load")
        # Let deferred scripts, htmx's load triggers and any onerror from a broken image run.
        page.wait_for_timeout(150)
        assert page.evaluate("window.__pwned") is None, path
        assert dialogs == [], path
        assert page.evaluate("document.querySelectorAll('a[href^=\"javascript:\" i]').length") == 0, path
        options.update(page.eval_on_selector_all("option", "els => els.map(e => e.textContent)"))

    assert page.csp_violations == []
    # The drop-downs showed the controls in typed names as markers, never the controls themselves.
    assert any("[U+202E]" in option for option in options)
    assert not [option for option in options if INVISIBLE.search(option)]
