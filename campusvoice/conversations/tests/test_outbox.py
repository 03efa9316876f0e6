import pytest
from django.core.exceptions import ValidationError

from campusvoice.accounts.models import AuditEvent
from campusvoice.conversations import outbox as outbox_module
from campusvoice.conversations.models import Channel, Comment, OutboxAction
from campusvoice.conversations.outbox import (
    MAX_ATTEMPTS,
    OutboxPermanentError,
    OutboxTemporaryError,
    outbox_action_queue,
    outbox_action_send,
    outbox_for,
)
from campusvoice.conversations.tests.factories import CommentFactory, OutboxActionFactory
from campusvoice.conversations.tests.fakes import keyword_classifier  # noqa: F401
from campusvoice.errors import ApplicationError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keyword_classifier")]


class FakeOutbox:
    """Stands in for the Meta integration: the edge of our process."""

    sent: list = []
    failures: list = []

    def __init__(self, *, channel):
        self.channel = channel

    def send(self, action):
        if FakeOutbox.failures:
            raise FakeOutbox.failures.pop(0)
        FakeOutbox.sent.append((action.pk, action.kind, action.idempotency_key))
        return f"reply_{action.pk}" if action.kind == OutboxAction.Kind.REPLY else None


@pytest.fixture
def fake_outbox(settings):
    FakeOutbox.sent, FakeOutbox.failures = [], []
    settings.CAMPUSVOICE_OUTBOXES = {Channel.Kind.FACEBOOK_PAGE: f"{__name__}.FakeOutbox"}
    return FakeOutbox


def queue(comment, by, kind=OutboxAction.Kind.REPLY, text="We are here for you."):
    return outbox_action_queue(comment=comment, kind=kind, by=by, text=text)


def test_a_queued_reply_is_sent_after_commit_and_answers_the_comment(
    fake_outbox, moderator, django_capture_on_commit_callbacks
):
    comment = CommentFactory()

    with django_capture_on_commit_callbacks(execute=True):
        action = queue(comment, moderator)

    action.refresh_from_db()
    comment.refresh_from_db()
    assert action.status == OutboxAction.Status.SENT
    assert action.platform_id == f"reply_{action.pk}"
    assert action.attempts == 1
    assert comment.first_reply_at == action.done_at
    assert fake_outbox.sent == [(action.pk, "reply", action.idempotency_key)]
    reply = Comment.objects.get(platform_id=action.platform_id)
    assert reply.is_from_page and reply.parent == comment


def test_a_queued_action_is_audited_without_its_text(fake_outbox, moderator):
    comment = CommentFactory()

    action = queue(comment, moderator, text="Private words")

    event = AuditEvent.objects.get(object_type="comment")
    assert (event.action, event.object_id, event.actor) == ("change", str(comment.pk), moderator)
    assert event.detail["outbox_action"] == action.pk
    assert "Private" not in str(event.detail) + event.summary


def test_nothing_is_queued_without_a_member(fake_outbox):
    with pytest.raises(ApplicationError):
        queue(CommentFactory(), None)
    assert not OutboxAction.objects.exists()


def test_a_reply_needs_text(fake_outbox, moderator):
    with pytest.raises(ValidationError) as error:
        queue(CommentFactory(), moderator, text="   ")
    assert "text" in error.value.message_dict


def test_sending_twice_sends_once(fake_outbox, moderator):
    action = OutboxActionFactory()

    outbox_action_send(action_id=action.pk)
    outbox_action_send(action_id=action.pk)

    assert len(fake_outbox.sent) == 1


def test_without_an_integration_the_action_stays_pending(
    settings, moderator, django_capture_on_commit_callbacks
):
    settings.CAMPUSVOICE_OUTBOXES = {}
    comment = CommentFactory()

    with django_capture_on_commit_callbacks(execute=True):
        action = queue(comment, moderator)

    action.refresh_from_db()
    assert outbox_for(comment.channel) is None
    assert (action.status, action.attempts) == (OutboxAction.Status.PENDING, 0)


def test_a_temporary_error_is_retried_and_recorded(
    fake_outbox, moderator, django_capture_on_commit_callbacks
):
    fake_outbox.failures = [OutboxTemporaryError("rate limited (80001)")]
    comment = CommentFactory()

    with django_capture_on_commit_callbacks(execute=True):
        action = queue(comment, moderator, kind=OutboxAction.Kind.HIDE, text="")

    action.refresh_from_db()
    comment.refresh_from_db()
    assert action.status == OutboxAction.Status.SENT
    assert action.attempts == 2
    assert comment.is_hidden is True


def test_it_gives_up_after_the_last_attempt(fake_outbox, moderator, django_capture_on_commit_callbacks):
    fake_outbox.failures = [OutboxTemporaryError("server error") for _ in range(MAX_ATTEMPTS + 2)]

    with django_capture_on_commit_callbacks(execute=True):
        action = queue(CommentFactory(), moderator)

    action.refresh_from_db()
    assert action.status == OutboxAction.Status.FAILED
    assert action.attempts == MAX_ATTEMPTS
    assert action.error == "server error"


def test_a_permanent_error_fails_at_once_with_the_message(
    fake_outbox, moderator, django_capture_on_commit_callbacks
):
    fake_outbox.failures = [OutboxPermanentError("(#100) comment does not exist")]
    comment = CommentFactory()

    with django_capture_on_commit_callbacks(execute=True):
        action = queue(comment, moderator)

    action.refresh_from_db()
    comment.refresh_from_db()
    assert (action.status, action.attempts) == (OutboxAction.Status.FAILED, 1)
    assert action.error == "(#100) comment does not exist"
    assert comment.first_reply_at is None


def test_a_sent_reply_keeps_an_earlier_first_reply(fake_outbox, moderator):
    comment = CommentFactory()
    earlier = comment.created_time
    Comment.objects.filter(pk=comment.pk).update(first_reply_at=earlier)
    action = OutboxActionFactory(comment=comment)

    outbox_action_send(action_id=action.pk)

    comment.refresh_from_db()
    assert comment.first_reply_at == earlier


def test_no_code_path_queues_a_reply_on_its_own():
    # Survivor safety: only code that acts for a member may queue. Grep-like check on the app.
    import pathlib

    app = pathlib.Path(outbox_module.__file__).parent
    callers = {
        path.relative_to(app).as_posix()
        for path in app.rglob("*.py")
        if "tests" not in path.parts and "outbox_action_queue(" in path.read_text(encoding="utf-8")
    }
    assert callers <= {"outbox.py", "services/actions.py", "services/replies.py", "demo.py", "views.py"}
