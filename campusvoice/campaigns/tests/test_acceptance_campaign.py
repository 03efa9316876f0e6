"""Issue 6 end to end, through the web pages: twenty campuses, one template per language, forty
versions previewed, approved by a second organiser, scheduled, and published on the fake Graph API
over HTTP, then found in the export bundle.
"""

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.campaigns import publishing, selectors
from campusvoice.campaigns.models import Campaign, ContentItem
from campusvoice.campuses.tests.factories import StudentNewspaperFactory, UniversityFactory
from campusvoice.conversations.models import Post
from campusvoice.conversations.tests.fakes import keyword_classifier  # noqa: F401 - a fixture
from campusvoice.integrations.meta.tests.conftest import (  # noqa: F401 - fixtures
    connection,
    fake_graph,
    fake_graph_server,
)
from conftest import _member, login_as

pytestmark = pytest.mark.django_db
Status = ContentItem.Status

EN_BODY = "Consent matters at {{ campus.name }}. Read it in {{ newspaper.name }}."
EN_FIXED = "Consent matters at {{ campus.name }}. Sign the pledge."
IT_BODY = "Il consenso conta a {{ campus.name }}. Firma l'impegno."


def _template(client, campaign, *, name, language, body):
    response = client.post(
        reverse("campaigns:template-create", args=[campaign.pk]),
        {
            "name": name,
            "kind": "page_post",
            "language": language,
            "body": body,
            "call_to_action": "sign_petition",
            "link_url": "https://example.org/pledge",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return campaign.content_templates.get(name=name)


def _confirm(client, name, campaign, **extra):
    """Open a batch step's confirmation page and confirm the items it lists."""
    url = reverse(name, args=[campaign.pk])
    page = client.get(url)
    assert page.status_code == 200
    ids = [item.pk for item, _refusal in page.context["items"]]
    return page, client.post(url, {"item": ids, **extra}, follow=True)


def test_an_organiser_takes_twenty_campuses_in_two_languages_from_template_to_the_page(
    client,
    organiser,
    admin_user,
    connection,  # noqa: F811
    fake_graph,  # noqa: F811
):
    campuses = [
        UniversityFactory(name=f"Campus {n:02d}", short_name=f"C{n:02d}", country="US" if n < 10 else "IT")
        for n in range(20)
    ]
    for campus in campuses[1:]:  # the first has no student newspaper on record
        StudentNewspaperFactory(university=campus)
    writer = login_as(client, organiser)

    # The plan, for twenty campuses.
    response = writer.post(
        reverse("campaigns:create"),
        {
            "name": "Consent Week",
            "slug": "consent-week",
            "status": "running",
            "language_codes": ["en", "it"],
            "currency": "EUR",
            "radius_km": "3",
            "age_min": "18",
            "age_max": "26",
            "universities": [c.pk for c in campuses],
        },
    )
    campaign = Campaign.objects.get(slug="consent-week")
    assert response.status_code == 302 and campaign.universities.count() == 20

    # One template per language; the English one needs a newspaper the first campus lacks.
    english = _template(writer, campaign, name="Pledge EN", language="en", body=EN_BODY)
    italian = _template(writer, campaign, name="Pledge IT", language="it", body=IT_BODY)
    preview = writer.get(reverse("campaigns:template-preview", args=[english.pk]))
    versions = [v for p in preview.context["previews"] for v in p.versions]
    assert len(versions) == 40
    assert [v.university for v in versions if v.error] == [campuses[0]]
    assert "1 campus cannot be rendered yet." in preview.content.decode()

    # The error blocks it: nothing is created for any campus until the template is fixed.
    writer.post(reverse("campaigns:template-render", args=[english.pk]), follow=True)
    assert not campaign.content_items.exists()
    writer.post(
        reverse("campaigns:template-update", args=[english.pk]),
        {"name": "Pledge EN", "kind": "page_post", "language": "en", "body": EN_FIXED,
         "call_to_action": "sign_petition", "link_url": "https://example.org/pledge"},
    )  # fmt: skip
    preview = writer.get(reverse("campaigns:template-preview", args=[english.pk]))
    assert sum(p.error_count for p in preview.context["previews"]) == 0
    for template in (english, italian):
        writer.post(reverse("campaigns:template-render", args=[template.pk]))
    assert campaign.content_items.filter(status=Status.DRAFT).count() == 40

    # Submit all; the author cannot approve their own work, a second organiser approves all forty.
    _page, done = _confirm(writer, "campaigns:bulk-submit", campaign)
    assert "40 items submitted for review." in done.content.decode()
    page, refused = _confirm(writer, "campaigns:bulk-approve", campaign)
    assert "40 of them you created or last edited" in page.content.decode()
    assert "No item was changed." in refused.content.decode()
    assert campaign.content_items.filter(status=Status.IN_REVIEW).count() == 40
    reviewer = login_as(client, _member(Role.ORGANISER, "rita.reviewer@example.org"))
    page, done = _confirm(reviewer, "campaigns:bulk-approve", campaign)
    assert "Il consenso conta a Campus 07." in page.content.decode()  # the reviewer reads every text
    assert "40 items approved." in done.content.decode()

    # Schedule all: English at one time, Italian an hour later, campuses five minutes apart.
    start = timezone.localtime() + dt.timedelta(hours=1)
    fmt = "%Y-%m-%dT%H:%M"
    _page, done = _confirm(
        reviewer,
        "campaigns:bulk-schedule",
        campaign,
        at_en=start.strftime(fmt),
        at_it=(start + dt.timedelta(hours=1)).strftime(fmt),
        stagger_minutes="5",
    )
    assert "40 items scheduled." in done.content.decode()
    items = list(campaign.content_items.select_related("university").order_by("scheduled_at", "pk"))
    assert {i.status for i in items} == {Status.SCHEDULED}
    last_en = max(i.scheduled_at for i in items if i.language == "en")
    assert last_en - min(i.scheduled_at for i in items) == dt.timedelta(minutes=5 * 19)

    # Nothing goes out early; when due, all forty are on the Page, each with its campus's link.
    assert publishing.content_publish_due() == []
    assert len(publishing.content_publish_due(now=timezone.now() + dt.timedelta(hours=4))) == 40
    posted = {
        p["message"]: p for p in (fake_graph.state.posts[i] for i in fake_graph.snapshot()["posts_created"])
    }
    assert len(posted) == 40
    for item in campaign.content_items.select_related("university", "post"):
        assert item.status == Status.PUBLISHED, item.failure_reason
        assert item.university.name in item.text and posted[item.text]["link"] == item.link
        assert f"ref={selectors.campus_code(item.university).lower()}" in item.link
        assert f"utm_content={item.pk}" in item.link
        assert item.post.platform_id == posted[item.text]["id"] and item.post.campaign_id == campaign.pk
        assert list(item.post.universities.all()) == [item.university]
    assert Post.objects.filter(campaign=campaign).count() == 40
    assert AuditEvent.objects.filter(object_type="campaign", summary__startswith="bulk").count() == 3

    # The export bundle has the same forty texts.
    bundle = zipfile.ZipFile(
        io.BytesIO(reviewer.get(reverse("campaigns:export", args=[campaign.pk])).content)
    )
    rows = list(csv.DictReader(io.StringIO(bundle.read("texts.csv").decode())))
    assert sorted(r["text"] for r in rows) == sorted(posted)
