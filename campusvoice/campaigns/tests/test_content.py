import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from campusvoice.accounts.models import Role
from campusvoice.campaigns import publishing
from campusvoice.campaigns.models import ContentItem, ContentKind
from campusvoice.campaigns.services import content
from campusvoice.campaigns.tests import publishers
from campusvoice.campaigns.tests.factories import CampaignFactory, ContentItemFactory, ContentTemplateFactory
from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.errors import ApplicationError

pytestmark = pytest.mark.django_db
Status = ContentItem.Status


@pytest.fixture
def campaign():
    campaign = CampaignFactory(slug="consent-2026")
    campaign.universities.add(
        UniversityFactory(name="Springfield University", short_name="SpringU", country="US"),
        UniversityFactory(name="Università di Bologna", short_name="UniBo", country="IT"),
    )
    return campaign


def test_it_renders_one_draft_per_campus_with_a_tracking_link(campaign, organiser):
    template = ContentTemplateFactory(campaign=campaign, body="Hi {{ campus.short_name }}! {{ link }}")

    report = content.content_render(template=template, by=organiser)

    assert report.created == 2
    items = {i.university.short_name: i for i in ContentItem.objects.all()}
    assert items["SpringU"].text.startswith("Hi SpringU! https://example.org/petition?")
    query = parse_qs(urlsplit(items["UniBo"].link).query)
    assert query == {
        "utm_source": ["facebook"],
        "utm_medium": ["post"],
        "utm_campaign": ["consent-2026"],
        "utm_content": [str(items["UniBo"].pk)],
        "ref": ["unibo"],
    }
    assert items["UniBo"].link in items["UniBo"].text
    assert [h.action for h in items["SpringU"].history.all()] == ["created"]


def test_it_saves_nothing_when_one_campus_fails_and_names_it(campaign, organiser):
    template = ContentTemplateFactory(campaign=campaign, body="Read {{ newspaper.name }}")

    with pytest.raises(ApplicationError) as error:
        content.content_render(template=template, by=organiser)

    assert "newspaper.name" in error.value.message and "Springfield University" in error.value.message
    assert not ContentItem.objects.exists()


def test_a_hand_edit_is_kept_and_marked_when_rendering_again(campaign, organiser):
    template = ContentTemplateFactory(campaign=campaign, body="Hi {{ campus.name }}")
    content.content_render(template=template, by=organiser)
    item = ContentItem.objects.get(university__short_name="SpringU")

    content.content_item_edit(item=item, text="Hello, Springfield!", by=organiser)
    template.body = "Hey {{ campus.name }}"
    template.save()
    report = content.content_render(template=template, by=organiser)

    item.refresh_from_db()
    assert item.text == "Hello, Springfield!" and item.is_hand_edited
    assert (report.kept, report.updated) == (1, 1)
    edit = item.history.get(action="edited")
    assert edit.by == organiser and edit.changes["text"] == [
        "Hi Springfield University",
        "Hello, Springfield!",
    ]


def test_it_refuses_ads_for_eu_campuses_up_front(campaign, organiser):
    template = ContentTemplateFactory(campaign=campaign, kind=ContentKind.AD, body="{{ campus.name }}")

    report = content.content_render(template=template, by=organiser)

    assert report.refused == ["Università di Bologna"]
    assert list(ContentItem.objects.values_list("university__country", "kind")) == [("US", "ad")]
    with pytest.raises(content.EuAdRefused, match="October 2025"):
        content.content_item_create(
            campaign=campaign,
            university=campaign.universities.get(country="IT"),
            kind=ContentKind.AD,
            language="it",
            text="x",
            by=organiser,
        )


def test_it_offers_the_organic_path_for_eu_campuses(campaign, organiser):
    template = ContentTemplateFactory(campaign=campaign, kind=ContentKind.AD, body="{{ campus.name }}")

    content.content_render(template=template, by=organiser, organic_for_eu=True)

    kinds = dict(ContentItem.objects.values_list("university__country", "kind"))
    assert kinds == {"US": ContentKind.AD, "IT": ContentKind.PAGE_POST}
    it_item = ContentItem.objects.get(university__country="IT")
    assert "utm_medium=post" in it_item.link


def _approved(by):
    item = ContentItemFactory()
    content.content_item_submit(item=item, by=by)
    return content.content_item_approve(item=item, by=by)


def test_the_workflow_goes_from_draft_to_published_and_records_each_step(organiser, admin_user):
    item = ContentItemFactory()
    at = timezone.now() + dt.timedelta(days=1)

    content.content_item_submit(item=item, by=organiser)
    content.content_item_approve(item=item, by=admin_user)
    content.content_item_schedule(item=item, at=at, by=organiser)
    content.content_item_mark_published(item=item, by=organiser, platform_id="1_2")

    item.refresh_from_db()
    assert item.status == Status.PUBLISHED and item.approved_by == admin_user and item.platform_id == "1_2"
    steps = [(h.action, h.by, h.changes["status"]) for h in item.history.all()]
    assert steps == [
        ("submitted", organiser, ["draft", "in_review"]),
        ("approved", admin_user, ["in_review", "approved"]),
        ("scheduled", organiser, ["approved", "scheduled"]),
        ("published", organiser, ["scheduled", "published"]),
    ]


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ANALYST])
def test_only_organisers_and_admins_may_approve(role, django_user_model):
    member = django_user_model.objects.create_user(f"{role}@example.org", "pw-123456789", role=role)
    item = ContentItemFactory(status=Status.IN_REVIEW)

    with pytest.raises(ApplicationError):
        content.content_item_approve(item=item, by=member)

    item.refresh_from_db()
    assert item.status == Status.IN_REVIEW and not item.history.exists()


def test_a_draft_cannot_be_approved_or_scheduled(organiser):
    item = ContentItemFactory()

    with pytest.raises(ApplicationError):
        content.content_item_approve(item=item, by=organiser)
    with pytest.raises(ApplicationError):
        content.content_item_schedule(item=item, at=timezone.now(), by=organiser)


def test_editing_an_approved_item_sends_it_back_to_draft(organiser):
    item = _approved(organiser)

    content.content_item_edit(item=item, text="New words", by=organiser)

    item.refresh_from_db()
    assert item.status == Status.DRAFT and item.approved_by is None


def test_a_scheduled_item_cannot_be_edited(organiser):
    item = _approved(organiser)
    content.content_item_schedule(item=item, at=timezone.now(), by=organiser)

    with pytest.raises(ApplicationError):
        content.content_item_edit(item=item, text="Sneaky change", by=organiser)


def test_scheduling_needs_a_time(organiser):
    item = _approved(organiser)

    with pytest.raises(ValidationError):
        content.content_item_schedule(item=item, at=None, by=organiser)


def _scheduled(by, *, minutes_ago=5):
    item = _approved(by)
    return content.content_item_schedule(
        item=item, at=timezone.now() - dt.timedelta(minutes=minutes_ago), by=by
    )


def test_due_items_wait_without_a_publisher(organiser, settings):
    settings.CAMPUSVOICE_PUBLISHERS = {}
    item = _scheduled(organiser)

    assert publishing.content_publish_due() == [item.pk]

    item.refresh_from_db()
    assert item.status == Status.SCHEDULED


def test_due_items_are_published_through_the_registry(organiser, settings):
    settings.CAMPUSVOICE_PUBLISHERS = {
        "page_post": "campusvoice.campaigns.tests.publishers.RecordingPublisher"
    }
    due, later = _scheduled(organiser), _approved(organiser)
    content.content_item_schedule(item=later, at=timezone.now() + dt.timedelta(hours=1), by=organiser)

    publishing.content_publish_due()
    publishing.content_publish_due()  # a second run sends nothing twice

    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == Status.PUBLISHED and due.platform_id == f"448242228374517_{due.pk}"
    assert later.status == Status.SCHEDULED
    assert publishers.SENT.count(due.pk) == 1


def test_a_refused_item_is_marked_failed_with_the_reason(organiser, settings):
    settings.CAMPUSVOICE_PUBLISHERS = {
        "page_post": "campusvoice.campaigns.tests.publishers.RefusingPublisher"
    }
    item = _scheduled(organiser)

    publishing.content_publish_due()

    item.refresh_from_db()
    assert item.status == Status.FAILED and item.failure_reason == "Ad account disabled"
    assert item.history.last().action == "failed"


def test_temporary_errors_fail_the_item_after_the_last_attempt(organiser, settings):
    settings.CAMPUSVOICE_PUBLISHERS = {"page_post": "campusvoice.campaigns.tests.publishers.FlakyPublisher"}
    item = _scheduled(organiser)

    for _ in range(publishing.MAX_ATTEMPTS - 1):
        publishing.content_publish_due()
        item.refresh_from_db()
        assert item.status == Status.SCHEDULED
    publishing.content_publish_due()

    item.refresh_from_db()
    assert item.status == Status.FAILED and item.failure_reason == "rate limited"


def test_the_task_publishes_what_is_due(organiser, settings):
    from campusvoice.campaigns import tasks

    settings.CAMPUSVOICE_PUBLISHERS = {
        "page_post": "campusvoice.campaigns.tests.publishers.RecordingPublisher"
    }
    item = _scheduled(organiser, minutes_ago=-30)

    with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
        tasks.content_publish_due.enqueue()

    item.refresh_from_db()
    assert item.status == Status.PUBLISHED
