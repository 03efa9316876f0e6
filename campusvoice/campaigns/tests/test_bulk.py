"""Batch steps: submit all drafts, approve all in review, schedule all approved."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.campaigns.models import ContentItem
from campusvoice.campaigns.services import bulk, content
from campusvoice.campaigns.tests.factories import CampaignFactory, ContentItemFactory
from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.errors import ApplicationError
from conftest import _member, login_as

pytestmark = pytest.mark.django_db
Status = ContentItem.Status


@pytest.fixture
def campaign():
    return CampaignFactory()


def _items(campaign, by, n=3, language="en", status=Status.DRAFT):
    items = []
    for i in range(n):
        item = ContentItemFactory(
            campaign=campaign, language=language, university=UniversityFactory(name=f"{language} campus {i}")
        )
        content._history(item, by=by, action="created")
        if status != Status.DRAFT:
            content.content_item_submit(item=item, by=by)
        items.append(item)
    return items


def _ids(items):
    return [i.pk for i in items]


def test_submit_all_moves_the_confirmed_drafts_and_audits_the_batch(campaign, organiser):
    items = _items(campaign, organiser)

    result = bulk.content_items_submit_all(campaign=campaign, item_ids=_ids(items[:2]), by=organiser)

    assert sorted(result.done) == sorted(_ids(items[:2])) and not result.skipped
    assert [ContentItem.objects.get(pk=i.pk).status for i in items] == [
        Status.IN_REVIEW,
        Status.IN_REVIEW,
        Status.DRAFT,
    ]
    event = AuditEvent.objects.get(object_type="campaign", summary="bulk submit")
    assert event.actor == organiser and event.detail == {"items": 2, "skipped": 0}


def test_approve_all_skips_the_approvers_own_work_and_says_why(campaign, organiser, admin_user):
    theirs = _items(campaign, organiser, status=Status.IN_REVIEW)
    mine = _items(campaign, admin_user, n=1, language="it", status=Status.IN_REVIEW)

    result = bulk.content_items_approve_all(campaign=campaign, item_ids=_ids(theirs + mine), by=admin_user)

    assert sorted(result.done) == sorted(_ids(theirs)) and result.skipped_count == 1
    assert "someone else must approve it" in next(iter(result.skipped))
    assert ContentItem.objects.get(pk=mine[0].pk).status == Status.IN_REVIEW
    assert {ContentItem.objects.get(pk=i.pk).approved_by for i in theirs} == {admin_user}


def test_when_nothing_can_move_it_changes_nothing_and_names_the_reason(campaign, organiser, admin_user):
    items = _items(campaign, organiser, status=Status.IN_REVIEW)

    with pytest.raises(ApplicationError, match="No item was changed. You created or last edited"):
        bulk.content_items_approve_all(campaign=campaign, item_ids=_ids(items), by=organiser)

    assert set(campaign.content_items.values_list("status", flat=True)) == {Status.IN_REVIEW}
    assert not AuditEvent.objects.filter(object_type="campaign").exists()


def test_the_only_approver_may_approve_their_own_work_in_bulk_and_it_is_recorded(campaign, organiser):
    items = _items(campaign, organiser, status=Status.IN_REVIEW)

    bulk.content_items_approve_all(campaign=campaign, item_ids=_ids(items), by=organiser)

    for item in items:
        assert item.history.get(action="approved").changes["self_approved"] is True


def test_items_of_another_campaign_or_step_are_skipped(campaign, organiser):
    other = _items(CampaignFactory(), organiser, n=1)
    mine = _items(campaign, organiser, n=1)

    result = bulk.content_items_submit_all(campaign=campaign, item_ids=_ids(other + mine), by=organiser)

    assert result.done == _ids(mine) and result.skipped_count == 1
    assert ContentItem.objects.get(pk=other[0].pk).status == Status.DRAFT


def test_schedule_times_staggers_campuses_within_each_language():
    at = timezone.now()
    items = [ContentItem(pk=n, language=lang) for n, lang in enumerate(["en", "en", "it", "en", "it"], 1)]

    times = bulk.schedule_times(
        items=items, at_by_language={"en": at, "it": at + dt.timedelta(hours=1)}, stagger_minutes=10
    )

    minutes = {pk: (t - at).total_seconds() / 60 for pk, t in times.items()}
    assert minutes == {1: 0, 2: 10, 3: 60, 4: 20, 5: 70}


def test_schedule_times_names_a_language_without_a_time_and_a_bad_gap():
    items = [ContentItem(pk=1, language="it")]

    with pytest.raises(ValidationError) as missing:
        bulk.schedule_times(items=items, at_by_language={"en": timezone.now()})
    assert "at_it" in missing.value.error_dict

    with pytest.raises(ValidationError) as gap:
        bulk.schedule_times(items=items, at_by_language={"it": timezone.now()}, stagger_minutes=-5)
    assert "stagger_minutes" in gap.value.error_dict


def _approved(campaign, organiser, admin_user, **kw):
    items = _items(campaign, organiser, status=Status.IN_REVIEW, **kw)
    bulk.content_items_approve_all(campaign=campaign, item_ids=_ids(items), by=admin_user)
    return items


def test_the_schedule_page_asks_a_time_per_language_and_schedules_them(
    client, campaign, organiser, admin_user
):
    _approved(campaign, organiser, admin_user, n=2)
    _approved(campaign, organiser, admin_user, n=2, language="it")
    url = reverse("campaigns:bulk-schedule", args=[campaign.pk])
    page = login_as(client, organiser).get(url)
    ids = [item.pk for item, _r in page.context["items"]]
    assert {"at_en", "at_it", "stagger_minutes"} <= set(page.context["form"].fields)

    missing = client.post(url, {"item": ids, "at_en": "2030-01-02T10:00", "stagger_minutes": "0"})
    assert missing.status_code == 200 and "This field is required." in missing.content.decode()
    assert not campaign.content_items.filter(status=Status.SCHEDULED).exists()

    done = client.post(
        url, {"item": ids, "at_en": "2030-01-02T10:00", "at_it": "2030-01-02T12:00", "stagger_minutes": "15"}
    )
    assert done.status_code == 302
    times = sorted(
        timezone.localtime(t).strftime("%H:%M")
        for t in campaign.content_items.values_list("scheduled_at", flat=True)
    )
    assert times == ["10:00", "10:15", "12:00", "12:15"]


def test_a_list_changed_since_the_confirmation_page_is_refused_and_shown_again(
    client, campaign, organiser, admin_user
):
    items = _items(campaign, organiser, status=Status.IN_REVIEW)
    url = reverse("campaigns:bulk-approve", args=[campaign.pk])
    ids = _ids(items)
    content.content_item_reject(item=items[0], by=admin_user)  # someone else was quicker

    response = login_as(client, admin_user).post(url, {"item": ids})

    assert response.status_code == 200 and "Some items changed" in response.content.decode()
    assert campaign.content_items.filter(status=Status.APPROVED).count() == 0
    assert len(response.context["items"]) == 2


def test_with_htmx_the_confirmation_opens_in_place_and_the_result_reloads_the_page(
    client, campaign, organiser
):
    items = _items(campaign, organiser)
    url = reverse("campaigns:bulk-submit", args=[campaign.pk])
    login_as(client, organiser)

    page = client.get(url, headers={"HX-Request": "true"})
    assert "<html" not in page.content.decode() and 'id="bulk-confirm"' in page.content.decode()

    done = client.post(url, {"item": _ids(items)}, headers={"HX-Request": "true"})
    assert done["HX-Redirect"] == reverse("campaigns:detail", args=[campaign.pk])


def test_the_campaign_page_offers_each_batch_step_with_its_count(client, campaign, organiser, admin_user):
    _items(campaign, organiser, n=2)
    _items(campaign, organiser, n=1, language="it", status=Status.IN_REVIEW)

    page = login_as(client, organiser).get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()

    assert "Submit all 2 drafts for review" in page and "Review and approve 1 item" in page
    assert reverse("campaigns:bulk-schedule", args=[campaign.pk]) not in page


@pytest.mark.parametrize(
    "name", ["campaigns:bulk-submit", "campaigns:bulk-approve", "campaigns:bulk-schedule"]
)
@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ANALYST])
def test_other_roles_cannot_post_a_batch(client, campaign, organiser, name, role):
    items = _items(campaign, organiser)

    response = login_as(client, _member(role, f"{role}@example.org")).post(
        reverse(name, args=[campaign.pk]), {"item": _ids(items)}
    )

    assert response.status_code == 403
    assert set(campaign.content_items.values_list("status", flat=True)) == {Status.DRAFT}
