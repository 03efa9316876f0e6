"""Campaigns' side of publishing, with test publishers at the edge (the Meta one has its own tests)."""

import datetime as dt

import pytest
from django.utils import timezone

from campusvoice.campaigns import publishing
from campusvoice.campaigns.models import ContentItem
from campusvoice.campaigns.services import content
from campusvoice.campaigns.tests import publishers
from campusvoice.campaigns.tests.factories import ContentItemFactory
from campusvoice.errors import ApplicationError

pytestmark = pytest.mark.django_db
Status = ContentItem.Status
RECORDING = {"page_post": "campusvoice.campaigns.tests.publishers.RecordingPublisher"}


def _approved(organiser, admin_user):
    item = ContentItemFactory()
    content.content_item_submit(item=item, by=organiser)
    return content.content_item_approve(item=item, by=admin_user)


def test_publish_now_sends_an_approved_item_after_commit_as_the_member_who_asked(
    organiser, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.CAMPUSVOICE_PUBLISHERS = RECORDING
    publishers.SENT.clear()  # shared by every test that uses the recording publisher
    item = _approved(organiser, admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        publishing.content_item_publish_now(item=item, by=organiser)

    item.refresh_from_db()
    assert item.status == Status.PUBLISHED and publishers.SENT.count(item.pk) == 1
    assert [(h.action, h.by) for h in item.history.all()][-2:] == [
        ("scheduled", organiser),
        ("published", organiser),
    ]


def test_publish_now_refuses_a_draft_and_changes_nothing(organiser, settings):
    settings.CAMPUSVOICE_PUBLISHERS = RECORDING
    item = ContentItemFactory()

    with pytest.raises(ApplicationError, match="only approved or scheduled"):
        publishing.content_item_publish_now(item=item, by=organiser)

    item.refresh_from_db()
    assert item.status == Status.DRAFT and item.scheduled_at is None


def test_publish_now_without_a_publisher_points_to_the_export_bundle(organiser, admin_user, settings):
    settings.CAMPUSVOICE_PUBLISHERS = {}
    item = _approved(organiser, admin_user)

    with pytest.raises(ApplicationError, match="export bundle"):
        publishing.content_item_publish_now(item=item, by=organiser)

    item.refresh_from_db()
    assert item.status == Status.APPROVED


def test_a_new_schedule_gets_fresh_attempts_but_keeps_the_first_attempt_time(organiser, admin_user, settings):
    settings.CAMPUSVOICE_PUBLISHERS = {"page_post": "campusvoice.campaigns.tests.publishers.FlakyPublisher"}
    item = _approved(organiser, admin_user)
    content.content_item_schedule(item=item, at=timezone.now() - dt.timedelta(minutes=1), by=organiser)
    publishing.content_publish_due()
    item.refresh_from_db()
    started = item.publish_started_at
    assert item.publish_attempts == 1 and started is not None and item.failure_reason == "rate limited"

    content.content_item_schedule(item=item, at=timezone.now() + dt.timedelta(hours=1), by=organiser)

    item.refresh_from_db()
    assert item.publish_attempts == 0 and item.publish_started_at == started and item.failure_reason == ""
