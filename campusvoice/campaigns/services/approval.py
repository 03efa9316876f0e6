"""Four eyes on what we publish: nobody approves content they created or last edited.

The author is whoever created the item (rendering a template counts) and whoever last changed
its text (a re-render or a hand edit), read from its ContentHistory. An organisation with a
single active member who may approve (`campaigns.approve`) would otherwise be stuck forever, so
there, and only there, that member may approve their own work: the approval is recorded in the
history as `self_approved` and the page says so. As soon as a second approver exists, the rule
applies in full. Admins are not exempt.
"""

from django.utils.translation import gettext as _

from campusvoice.accounts.access import CAPABILITIES
from campusvoice.accounts.models import User
from campusvoice.campaigns.models import ContentHistory, ContentItem
from campusvoice.errors import ApplicationError

# History actions that write the item's text.
AUTHORING_ACTIONS = ("created", "rendered", "edited")


class SelfApprovalRefused(ApplicationError):
    """The approver created or last edited the item, and someone else could approve it."""


def content_item_authors(*, item: ContentItem) -> set[int]:
    """Ids of the members who created the item and who last changed its text."""
    rows = ContentHistory.objects.filter(item=item, action__in=AUTHORING_ACTIONS)
    created = rows.filter(action="created").order_by("at", "pk").values_list("by_id", flat=True).first()
    last = rows.order_by("-at", "-pk").values_list("by_id", flat=True).first()
    return {pk for pk in (created, last) if pk is not None}


def approvers_count() -> int:
    """Active members whose role may approve content."""
    return User.objects.filter(is_active=True, role__in=CAPABILITIES["campaigns.approve"]).count()


def approval_check(*, item: ContentItem, by: User) -> bool:
    """Raise SelfApprovalRefused if `by` may not approve this item; True if it is a
    self-approval allowed because `by` is the organisation's only approver."""
    if by.pk not in content_item_authors(item=item):
        return False
    if approvers_count() > 1:
        raise SelfApprovalRefused(
            _(
                "You created or last edited this item, so someone else must approve it: ask another "
                "organiser or admin to review it."
            )
        )
    return True


def approval_refusal(*, item: ContentItem, by: User) -> str:
    """The message approval_check would raise for `by`, or "" (for showing before they try)."""
    try:
        approval_check(item=item, by=by)
    except SelfApprovalRefused as exc:
        return exc.message
    return ""
