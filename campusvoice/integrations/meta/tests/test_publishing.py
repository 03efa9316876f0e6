"""Campaign content published on the fake Graph API over HTTP, through campaigns' own publishing."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from campusvoice.accounts.models import AuditEvent
from campusvoice.campaigns import publishing
from campusvoice.campaigns.models import ContentItem, ContentKind
from campusvoice.campaigns.services import content
from campusvoice.campaigns.tests.factories import CampaignFactory, ContentItemFactory, ContentTemplateFactory
from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.conversations.models import Comment
from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_ID
from campusvoice.integrations.meta.models import MetaConnection
from campusvoice.integrations.meta.publishing import PagePublisher
from conftest import login_as

pytestmark = pytest.mark.django_db
Status = ContentItem.Status
TEXT = "Consent is not optional at Springfield. Find the support desk: https://example.org/desk"


@pytest.fixture
def campus():
    return UniversityFactory(name="Springfield University", short_name="SpringU", country="US")


def _scheduled(organiser, admin_user, campus, *, kind=ContentKind.PAGE_POST, template=None, text=TEXT):
    campaign = template.campaign if template else CampaignFactory()
    item = ContentItemFactory(
        campaign=campaign,
        template=template,
        university=campus,
        kind=kind,
        text=text,
        link="https://example.org/desk?utm_source=facebook",
    )
    content.content_item_submit(item=item, by=organiser)
    content.content_item_approve(item=item, by=admin_user)
    return content.content_item_schedule(item=item, at=timezone.now() - dt.timedelta(minutes=1), by=organiser)


def _posts_on_page(fake_graph) -> list[dict]:
    return [fake_graph.state.posts[pid] for pid in fake_graph.snapshot()["posts_created"]]


def test_settings_route_page_kinds_to_the_page_publisher():
    for kind in (ContentKind.PAGE_POST, ContentKind.QUESTION_POST, ContentKind.ALLY_SHARE):
        assert isinstance(publishing.publisher_for(kind), PagePublisher)


def test_a_due_item_is_posted_on_the_page_and_becomes_the_inbox_post_of_its_campaign_and_campus(
    fake_graph, connection, organiser, admin_user, campus
):
    item = _scheduled(organiser, admin_user, campus, kind=ContentKind.QUESTION_POST)

    assert publishing.content_publish_due() == [item.pk]

    (posted,) = _posts_on_page(fake_graph)
    assert posted["message"] == TEXT and posted["link"] == item.link
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED and item.platform_id == posted["id"]
    assert item.failure_reason == "" and item.publish_attempts == 1
    post = item.post
    assert (post.channel, post.platform_id, post.campaign) == (
        connection.channel,
        posted["id"],
        item.campaign,
    )
    assert list(post.universities.all()) == [campus] and post.is_question
    assert post.permalink == posted["permalink_url"]
    audit = AuditEvent.objects.get(
        object_type="content_item", object_id=str(item.pk), summary="published on the platform"
    )
    assert audit.action == AuditEvent.Action.CREATE and audit.actor is None
    assert audit.detail == {
        "kind": "question_post",
        "platform_id": posted["id"],
        "already_posted": False,
        "attempts": 1,
    }
    assert TEXT not in str(audit.detail) + audit.summary


def test_comments_on_the_published_post_reach_the_inbox_for_its_campaign_and_campus(
    fake_graph, connection, organiser, admin_user, campus
):
    from campusvoice.integrations.meta.sync import connection_sync

    item = _scheduled(organiser, admin_user, campus)
    publishing.content_publish_due()
    item.refresh_from_db()
    fake_graph.add_comments(item.platform_id, 2)

    connection_sync(connection=connection)

    comments = Comment.objects.filter(post__campaign=item.campaign, post__universities=campus)
    assert comments.count() == 2
    assert {c.post_id for c in comments} == {item.post_id}


def test_an_item_with_an_image_is_posted_as_a_photo_with_the_text_as_caption(
    fake_graph, connection, organiser, admin_user, campus, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    png = io.BytesIO()
    Image.new("RGB", (4, 4), "purple").save(png, "PNG")
    template = ContentTemplateFactory(image=SimpleUploadedFile("consent.png", png.getvalue()))
    item = _scheduled(organiser, admin_user, campus, template=template)

    publishing.content_publish_due()

    (posted,) = _posts_on_page(fake_graph)
    assert posted["message"] == TEXT
    assert posted["photo"] == {"filename": "consent.png", "size": len(png.getvalue())}
    assert "POST /448242228374517/photos" in fake_graph.snapshot()["requests"]
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED and item.platform_id == posted["id"]


def test_a_timeout_after_meta_posted_is_found_on_retry_and_not_posted_twice(
    fake_graph, connection, organiser, admin_user, campus, settings
):
    settings.CAMPUSVOICE_META_PUBLISH_TIMEOUT_SECONDS = 0.5
    item = _scheduled(organiser, admin_user, campus)
    # Meta posts, then answers after our client gave up: a real read timeout.
    fake_graph.inject(code=2, count=1, method="POST", match="/feed", after_effect=True, delay=1.5)

    first = publishing.content_item_publish(item_id=item.pk)

    assert first.status == Status.SCHEDULED and first.publish_attempts == 1
    assert "tried again" in first.failure_reason and first.publish_claimed_until is None
    assert len(fake_graph.snapshot()["posts_created"]) == 1

    second = publishing.content_item_publish(item_id=item.pk)

    (posted,) = _posts_on_page(fake_graph)
    assert second.status == Status.PUBLISHED and second.platform_id == posted["id"]
    assert second.post.platform_id == posted["id"] and second.failure_reason == ""
    assert fake_graph.snapshot()["requests"].count(f"POST /{DEMO_PAGE_ID}/feed") == 1
    audit = AuditEvent.objects.get(
        object_type="content_item", object_id=str(item.pk), summary="published on the platform"
    )
    assert audit.detail["already_posted"] is True and audit.detail["attempts"] == 2


def test_a_rate_limit_leaves_the_item_scheduled_and_the_next_run_posts_it_once(
    fake_graph, connection, organiser, admin_user, campus
):
    item = _scheduled(organiser, admin_user, campus)
    fake_graph.inject(code=80001, count=1, method="POST", match="/feed")

    publishing.content_publish_due()
    item.refresh_from_db()
    assert item.status == Status.SCHEDULED and "slow down" in item.failure_reason

    publishing.content_publish_due()

    item.refresh_from_db()
    assert item.status == Status.PUBLISHED
    assert len(fake_graph.snapshot()["posts_created"]) == 1


@pytest.mark.parametrize(
    ("code", "reason", "connection_status"),
    [
        (190, "connect the Page again", MetaConnection.Status.TOKEN_INVALID),
        (200, "pages_manage_posts", MetaConnection.Status.PERMISSION_MISSING),
        (368, "Change the text", MetaConnection.Status.ACTIVE),
    ],
)
def test_a_refusal_fails_the_item_with_a_reason_an_organiser_can_act_on(
    fake_graph, connection, organiser, admin_user, campus, code, reason, connection_status
):
    item = _scheduled(organiser, admin_user, campus)
    fake_graph.inject(code=code, count=1, method="POST", match="/feed")

    publishing.content_publish_due()

    item.refresh_from_db()
    assert item.status == Status.FAILED and reason in item.failure_reason
    assert item.history.last().action == "failed"
    connection.refresh_from_db()
    assert connection.status == connection_status
    assert fake_graph.snapshot()["posts_created"] == []


def test_after_the_token_expired_the_next_items_wait_with_a_note(
    fake_graph, connection, organiser, admin_user, campus
):
    first = _scheduled(organiser, admin_user, campus)
    second = _scheduled(organiser, admin_user, campus, text="Another post")
    fake_graph.inject(code=190, count=5, method="POST")

    publishing.content_publish_due()

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.FAILED
    assert second.status == Status.SCHEDULED and second.publish_attempts == 0
    assert "connection stopped" in publishing.publishing_unavailable(kind=ContentKind.PAGE_POST)


def test_the_same_text_already_latest_on_the_page_long_ago_is_refused_as_a_duplicate(
    fake_graph, connection, organiser, admin_user, campus
):
    fake_graph.add_posts(1, message=TEXT, created_time=int(timezone.now().timestamp()) - 86400)
    item = _scheduled(organiser, admin_user, campus)

    publishing.content_publish_due()

    item.refresh_from_db()
    assert item.status == Status.FAILED and "duplicate" in item.failure_reason


def test_without_a_connection_items_stay_scheduled_for_the_export_bundle(
    fake_graph, organiser, admin_user, campus
):
    item = _scheduled(organiser, admin_user, campus)

    assert publishing.content_publish_due() == [item.pk]

    item.refresh_from_db()
    assert item.status == Status.SCHEDULED and item.publish_attempts == 0
    assert fake_graph.snapshot()["calls"] == 0
    note = publishing.publishing_unavailable(kind=ContentKind.PAGE_POST)
    assert "No Facebook Page is connected" in note and "export bundle" in note


def test_an_item_another_worker_is_sending_is_left_to_it(
    fake_graph, connection, organiser, admin_user, campus
):
    item = _scheduled(organiser, admin_user, campus)
    ContentItem.objects.filter(pk=item.pk).update(
        publish_claimed_until=timezone.now() + dt.timedelta(minutes=5)
    )

    publishing.content_publish_due()

    item.refresh_from_db()
    assert item.status == Status.SCHEDULED and fake_graph.snapshot()["posts_created"] == []


# --- "Publish now" on the item page ---------------------------------------------------------------


def test_publish_now_posts_an_approved_item_and_the_pages_show_its_link(
    client, fake_graph, connection, organiser, admin_user, campus, django_capture_on_commit_callbacks
):
    item = ContentItemFactory(university=campus, text=TEXT)
    content.content_item_submit(item=item, by=organiser)
    content.content_item_approve(item=item, by=admin_user)
    login_as(client, organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/campaigns/items/{item.pk}/publish/")

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED
    assert item.history.filter(action="published", by=organiser).exists()
    assert item.post.permalink.encode() in client.get(f"/campaigns/items/{item.pk}/").content
    page = client.get(f"/campaigns/{item.campaign_id}/")
    assert item.post.permalink.encode() in page.content
    assert b"No Facebook Page is connected" not in page.content


def test_publish_now_without_a_connection_says_so_and_changes_nothing(
    client, fake_graph, organiser, admin_user, campus
):
    item = ContentItemFactory(university=campus, text=TEXT)
    content.content_item_submit(item=item, by=organiser)
    content.content_item_approve(item=item, by=admin_user)
    login_as(client, organiser)

    response = client.post(f"/campaigns/items/{item.pk}/publish/", follow=True)

    item.refresh_from_db()
    assert item.status == Status.APPROVED and item.scheduled_at is None
    assert b"No Facebook Page is connected" in response.content
    assert fake_graph.snapshot()["calls"] == 0
