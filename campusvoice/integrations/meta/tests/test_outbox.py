"""Inbox actions sent to the fake Graph API through conversations' own outbox service."""

import pytest

from campusvoice.accounts.models import AuditEvent
from campusvoice.conversations.models import Comment, OutboxAction
from campusvoice.conversations.outbox import outbox_action_send, outbox_for
from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_ID
from campusvoice.integrations.meta.models import MetaConnection
from campusvoice.integrations.meta.outbox import MetaOutbox

pytestmark = pytest.mark.django_db

REPLY = "Grazie per averlo scritto. Ti mandiamo i contatti dello sportello."


@pytest.fixture
def comment(fake_graph, connection):
    """A comment that exists on the fake and in the inbox (read by a sync)."""
    from campusvoice.integrations.meta.sync import connection_sync

    post_id = fake_graph.add_posts(1)[0]
    fake_graph.add_comments(post_id, 1)
    connection_sync(connection=connection)
    return Comment.objects.get()


def queue(comment, kind, admin_user, text=""):
    return OutboxAction.objects.create(comment=comment, kind=kind, text=text, requested_by=admin_user)


def test_settings_route_both_meta_channels_to_the_meta_outbox(connection):
    assert isinstance(outbox_for(connection.channel), MetaOutbox)
    assert isinstance(outbox_for(connection.instagram_channel), MetaOutbox)


def test_it_replies_as_the_page_and_records_the_reply(fake_graph, comment, admin_user):
    action = queue(comment, OutboxAction.Kind.REPLY, admin_user, REPLY)

    action = outbox_action_send(action_id=action.pk)

    (reply,) = fake_graph.snapshot()["replies"]
    assert action.status == OutboxAction.Status.SENT and action.platform_id == reply["id"]
    assert reply == {"id": reply["id"], "parent": comment.platform_id, "message": REPLY}
    stored = Comment.objects.get(platform_id=reply["id"])
    assert stored.is_from_page and stored.parent == comment
    audit = AuditEvent.objects.filter(object_type="comment", summary__startswith="reply sent").get()
    assert audit.detail == {"outbox_action": action.pk, "platform_id": reply["id"], "already_done": False}
    assert REPLY not in str(audit.detail) + audit.summary


def test_a_retried_reply_whose_answer_was_lost_is_not_posted_twice(fake_graph, comment, admin_user):
    action = queue(comment, OutboxAction.Kind.REPLY, admin_user, REPLY)
    # Meta posts the reply, then the answer is lost (a timeout): the send looks failed.
    fake_graph.inject(code=2, count=1, method="POST", after_effect=True)

    first = outbox_action_send(action_id=action.pk)
    second = outbox_action_send(action_id=action.pk)

    replies = fake_graph.snapshot()["replies"]
    assert first.status == OutboxAction.Status.PENDING and first.attempts == 1
    assert len(replies) == 1
    assert second.status == OutboxAction.Status.SENT and second.platform_id == replies[0]["id"]


def test_another_reply_with_other_text_is_posted(fake_graph, comment, admin_user):
    outbox_action_send(action_id=queue(comment, OutboxAction.Kind.REPLY, admin_user, REPLY).pk)
    outbox_action_send(action_id=queue(comment, OutboxAction.Kind.REPLY, admin_user, "Un'altra cosa").pk)

    assert [r["message"] for r in fake_graph.snapshot()["replies"]] == [REPLY, "Un'altra cosa"]


def test_it_hides_unhides_and_deletes(fake_graph, comment, admin_user):
    outbox_action_send(action_id=queue(comment, OutboxAction.Kind.HIDE, admin_user).pk)
    hidden = dict(fake_graph.snapshot()["hidden"])
    outbox_action_send(action_id=queue(comment, OutboxAction.Kind.UNHIDE, admin_user).pk)
    action = outbox_action_send(action_id=queue(comment, OutboxAction.Kind.DELETE, admin_user).pk)

    state = fake_graph.snapshot()
    assert hidden == {comment.platform_id: True}
    assert state["hidden"] == {comment.platform_id: False}
    assert state["deleted"] == [comment.platform_id]
    assert action.status == OutboxAction.Status.SENT
    assert Comment.objects.get(pk=comment.pk).deleted_at is not None


def test_deleting_a_comment_already_gone_succeeds(fake_graph, comment, admin_user):
    outbox_action_send(action_id=queue(comment, OutboxAction.Kind.DELETE, admin_user).pk)

    again = outbox_action_send(action_id=queue(comment, OutboxAction.Kind.DELETE, admin_user).pk)

    assert again.status == OutboxAction.Status.SENT


def test_throttling_is_a_temporary_error(fake_graph, comment, admin_user, settings):
    settings.CAMPUSVOICE_META_RETRY_MAX_WAIT_SECONDS = 0
    fake_graph.inject(code=80001, count=1)

    action = outbox_action_send(action_id=queue(comment, OutboxAction.Kind.HIDE, admin_user).pk)

    assert action.status == OutboxAction.Status.PENDING and "slow down" in action.error


def test_an_expired_token_fails_the_action_and_stops_the_connection(
    fake_graph, comment, admin_user, connection
):
    fake_graph.inject(code=190, subcode=463, count=1)

    action = outbox_action_send(action_id=queue(comment, OutboxAction.Kind.HIDE, admin_user).pk)

    connection.refresh_from_db()
    assert action.status == OutboxAction.Status.FAILED and "expired or was revoked" in action.error
    assert connection.status == MetaConnection.Status.TOKEN_INVALID
    later = outbox_action_send(action_id=queue(comment, OutboxAction.Kind.HIDE, admin_user).pk)
    assert later.status == OutboxAction.Status.FAILED and "not connected" in later.error


def test_it_replies_and_hides_on_instagram(fake_graph, connection, admin_user):
    from campusvoice.integrations.meta.sync import connection_sync

    media_id = fake_graph.control("media", {"caption": "Campus walk"})["id"]
    fake_graph.control("comments", {"media_id": media_id, "count": 1, "notify": False})
    connection_sync(connection=connection)
    comment = Comment.objects.get(channel=connection.instagram_channel)

    reply = outbox_action_send(action_id=queue(comment, OutboxAction.Kind.REPLY, admin_user, "Grazie!").pk)
    retried = MetaOutbox(channel=connection.instagram_channel).send(
        OutboxAction(comment=comment, kind=OutboxAction.Kind.REPLY, text="Grazie!")
    )
    outbox_action_send(action_id=queue(comment, OutboxAction.Kind.HIDE, admin_user).pk)

    state = fake_graph.snapshot()
    assert reply.status == OutboxAction.Status.SENT
    assert retried == reply.platform_id and len(state["replies"]) == 1
    assert state["hidden"] == {comment.platform_id: True}
    assert Comment.objects.get(platform_id=reply.platform_id).is_from_page


def test_the_page_token_never_reaches_the_audit_log_or_the_error(fake_graph, comment, admin_user):
    fake_graph.inject(code=100, count=1)

    action = outbox_action_send(action_id=queue(comment, OutboxAction.Kind.HIDE, admin_user).pk)

    assert action.status == OutboxAction.Status.FAILED
    assert "demo-page-token" not in action.error
    assert DEMO_PAGE_ID not in action.error
