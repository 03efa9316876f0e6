"""Moderators' actions: state changes, audit with ids only, refusals, bulk all-or-nothing."""

import pytest
from django.core.exceptions import ValidationError

from campusvoice.accounts import access
from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.conversations.models import Comment, OutboxAction
from campusvoice.conversations.services import actions
from campusvoice.conversations.tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

TEXT = "words that must never reach the audit log"


def _changes(comment):
    return AuditEvent.objects.filter(action="change", object_type="comment", object_id=str(comment.pk))


def test_assigning_makes_a_new_comment_in_progress_and_audits_ids(moderator, admin_user):
    comment = CommentFactory(text=TEXT)

    actions.comment_assign(comment=comment, assignee=moderator, by=admin_user)

    comment.refresh_from_db()
    assert (comment.assignee, comment.status) == (moderator, Comment.Status.OPEN)
    event = _changes(comment).get()
    assert event.actor == admin_user
    assert event.detail == {"fields": ["assignee", "status"], "assignee_id": moderator.pk, "status": "open"}
    assert TEXT not in str(event.detail) + event.summary


def test_assigning_twice_changes_and_audits_once(moderator):
    comment = CommentFactory()
    actions.comment_assign(comment=comment, assignee=moderator, by=moderator)
    actions.comment_assign(comment=comment, assignee=moderator, by=moderator)
    assert _changes(comment).count() == 1


def test_it_refuses_an_assignee_who_cannot_work_in_the_inbox(moderator, analyst):
    comment = CommentFactory()
    with pytest.raises(ValidationError):
        actions.comment_assign(comment=comment, assignee=analyst, by=moderator)
    comment.refresh_from_db()
    assert comment.assignee is None


def test_a_disclosure_goes_only_to_someone_who_may_read_it(moderator, admin_user, monkeypatch):
    monkeypatch.setitem(access.CAPABILITIES, "inbox.disclosures", frozenset({Role.ADMIN}))
    comment = CommentFactory(disclosure=True)
    with pytest.raises(ValidationError):
        actions.comment_assign(comment=comment, assignee=moderator, by=admin_user)
    with pytest.raises(PermissionError):
        actions.comment_mark_done(comment=comment, by=moderator)


def test_done_and_reopen(moderator):
    comment = CommentFactory()
    actions.comment_mark_done(comment=comment, by=moderator)
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.DONE
    actions.comment_reopen(comment=comment, by=moderator)
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.OPEN
    assert [e.detail["status"] for e in _changes(comment).order_by("id")] == ["done", "open"]


def test_an_analyst_cannot_act(analyst):
    comment = CommentFactory()
    with pytest.raises(PermissionError):
        actions.comment_mark_done(comment=comment, by=analyst)


def test_hide_queues_once_and_unhide_follows(moderator):
    comment = CommentFactory()

    first = actions.comment_hide(comment=comment, by=moderator)
    again = actions.comment_hide(comment=comment, by=moderator)

    assert first.kind == OutboxAction.Kind.HIDE and first.status == OutboxAction.Status.PENDING
    assert again is None
    assert actions.comment_unhide(comment=comment, by=moderator).kind == OutboxAction.Kind.UNHIDE
    assert _changes(comment).count() == 2  # one per queued action


def test_a_visible_comment_needs_no_unhide(moderator):
    assert actions.comment_unhide(comment=CommentFactory(), by=moderator) is None


def test_labels_go_through_triage(moderator):
    comment = CommentFactory()
    actions.comment_label(comment=comment, label="supportive", value=True, by=moderator)
    comment.refresh_from_db()
    assert comment.supportive is True
    with pytest.raises(ValidationError):
        actions.comment_label(comment=comment, label="nonsense", value=True, by=moderator)


def test_bulk_handles_every_selected_comment(moderator):
    comments = CommentFactory.create_batch(3)
    selected = Comment.objects.filter(pk__in=[c.pk for c in comments[:2]])

    assert actions.comments_bulk(comments=selected, action="assign_me", by=moderator) == 2
    assert actions.comments_bulk(comments=selected, action="hide", by=moderator) == 2
    assert (
        actions.comments_bulk(comments=selected, action="label", label="spam", value=True, by=moderator) == 2
    )

    assert list(Comment.objects.filter(assignee=moderator).order_by("pk")) == comments[:2]
    assert OutboxAction.objects.filter(kind="hide").count() == 2
    assert Comment.objects.filter(spam=True).count() == 2


def test_bulk_is_all_or_nothing(moderator, analyst):
    comments = CommentFactory.create_batch(2)
    with pytest.raises(ValidationError):
        actions.comments_bulk(
            comments=Comment.objects.filter(pk__in=[c.pk for c in comments]), action="assign", by=moderator
        )
    with pytest.raises(ValidationError):
        actions.comments_bulk(comments=Comment.objects.all(), action="label", label="spam", by=moderator)
    assert not Comment.objects.exclude(assignee=None).exists()
