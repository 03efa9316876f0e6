"""No self-approval: nobody approves content they created or last edited, unless they are the
organisation's only approver (then it is allowed, recorded and said)."""

import pytest
from django.urls import reverse

from campusvoice.accounts.models import AuditEvent, Role, User
from campusvoice.campaigns.models import ContentItem
from campusvoice.campaigns.services import approval
from campusvoice.campaigns.services.content import (
    content_item_approve,
    content_item_create,
    content_item_edit,
    content_item_submit,
)
from campusvoice.campaigns.tests.factories import CampaignFactory
from campusvoice.campuses.tests.factories import UniversityFactory
from conftest import login_as

pytestmark = pytest.mark.django_db
Status = ContentItem.Status


def _member(role, email):
    return User.objects.create_user(email, "pw", role=role)


@pytest.fixture
def olga(db):
    return _member(Role.ORGANISER, "olga@example.org")


@pytest.fixture
def otto(db):
    return _member(Role.ORGANISER, "otto@example.org")


def _item_by(author):
    campaign = CampaignFactory()
    university = UniversityFactory()
    item = content_item_create(
        campaign=campaign, university=university, kind="page_post", language="en", text="Consent.", by=author
    )
    return content_item_submit(item=item, by=author)


def test_the_author_cannot_approve_and_someone_else_can(olga, otto):
    item = _item_by(olga)

    with pytest.raises(approval.SelfApprovalRefused, match="someone else must approve it"):
        content_item_approve(item=item, by=olga)
    item.refresh_from_db()
    assert item.status == Status.IN_REVIEW and item.approved_by is None

    item = content_item_approve(item=item, by=otto)
    assert (item.status, item.approved_by) == (Status.APPROVED, otto)
    row = item.history.get(action="approved")
    assert row.by == otto and "self_approved" not in row.changes


def test_the_last_editor_cannot_approve_either(olga, otto):
    item = _item_by(olga)
    item = content_item_edit(item=item, text="Consent, always.", by=otto)  # back to draft
    item = content_item_submit(item=item, by=otto)

    with pytest.raises(approval.SelfApprovalRefused):
        content_item_approve(item=item, by=otto)
    # The creator is still an author, too.
    with pytest.raises(approval.SelfApprovalRefused):
        content_item_approve(item=item, by=olga)

    admin = _member(Role.ADMIN, "ada@example.org")
    assert content_item_approve(item=item, by=admin).approved_by == admin


def test_submitting_is_not_authoring(olga, otto):
    item = _item_by(olga)
    assert approval.content_item_authors(item=item) == {olga.pk}
    assert content_item_approve(item=item, by=otto).status == Status.APPROVED


def test_the_only_approver_may_approve_their_own_work_and_the_history_says_so(olga):
    _member(Role.MODERATOR, "mo@example.org")  # cannot approve: does not count
    gone = _member(Role.ORGANISER, "gone@example.org")
    gone.is_active = False  # a former organiser does not count either
    gone.save()
    item = _item_by(olga)

    item = content_item_approve(item=item, by=olga)

    assert (item.status, item.approved_by) == (Status.APPROVED, olga)
    row = item.history.get(action="approved")
    assert row.by == olga and row.changes["self_approved"] is True
    assert AuditEvent.objects.filter(object_type="content_item", summary="self-approved").count() == 1


def test_the_page_explains_instead_of_offering_the_button(client, olga, otto):
    item = _item_by(olga)
    login_as(client, olga)

    page = client.get(reverse("campaigns:item-detail", args=[item.pk]))
    assert "someone else must approve it" in page.text
    assert reverse("campaigns:item-approve", args=[item.pk]) not in page.text

    response = client.post(reverse("campaigns:item-approve", args=[item.pk]), follow=True)
    assert "You created or last edited this item, so someone else must approve it" in response.text
    item.refresh_from_db()
    assert item.status == Status.IN_REVIEW

    login_as(client, otto)
    page = client.get(reverse("campaigns:item-detail", args=[item.pk]))
    assert reverse("campaigns:item-approve", args=[item.pk]) in page.text


def test_a_self_approval_by_the_only_approver_is_said_on_the_page(client, olga):
    item = _item_by(olga)
    login_as(client, olga)

    response = client.post(reverse("campaigns:item-approve", args=[item.pk]), follow=True)

    assert "You approved your own work because you are the only member" in response.text
    item.refresh_from_db()
    assert item.status == Status.APPROVED
