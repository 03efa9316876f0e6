import pytest

from campusvoice.accounts.models import AuditEvent
from campusvoice.conversations import tasks
from campusvoice.conversations.models import Comment, ModeratorLabel
from campusvoice.conversations.services import triage
from campusvoice.conversations.services.triage import (
    ClassifierUnavailable,
    comment_label_set,
    comment_priority,
    comments_retriage,
    comments_triage,
)
from campusvoice.conversations.tests.factories import CommentFactory
from campusvoice.conversations.tests.fakes import keyword_classifier  # noqa: F401
from campusvoice.errors import ApplicationError

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("keyword_classifier")
def test_it_stores_language_scores_flags_version_and_priority():
    comment = CommentFactory(text="Grazie per il supporto, che bello")

    assert comments_triage(comments=[comment]) == 1

    comment.refresh_from_db()
    assert comment.language == "it"
    assert comment.supportive is True and comment.hostile is False
    assert comment.model_flags["supportive"] is True
    assert comment.scores["supportive"] == 0.9
    assert comment.model_version == "test-1.0.0"
    assert comment.triaged_at is not None


def test_disclosure_and_question_come_first_hostile_next_spam_last():
    scores = dict.fromkeys(("disclosure", "question", "hostile", "supportive", "on_topic", "spam"), 0.9)

    def rank(*flags):
        return comment_priority(flags=dict.fromkeys(flags, True), scores=scores)

    assert rank("disclosure", "spam") > rank("question") > rank("hostile") > rank("supportive")
    assert rank("supportive") > rank("on_topic") > rank() > rank("spam")
    # A hostile question is for review, not an answer.
    assert rank("hostile", "question") == rank("hostile")


@pytest.mark.usefixtures("keyword_classifier")
def test_it_classifies_in_batches(keyword_classifier, monkeypatch):  # noqa: F811
    monkeypatch.setattr(triage, "CLASSIFY_BATCH", 2)
    comments = CommentFactory.create_batch(5)

    comments_triage(comments=comments)

    assert keyword_classifier.calls == 3


@pytest.mark.usefixtures("keyword_classifier")
def test_a_moderator_label_overrides_the_model_and_survives_retriage(moderator):
    comment = CommentFactory(text="This happened to me in first year")
    comments_triage(comments=[comment])
    assert comment.disclosure is True
    before = comment.priority

    comment_label_set(comment=comment, label="disclosure", value=False, by=moderator)
    comments_triage(comments=[Comment.objects.get(pk=comment.pk)])

    comment.refresh_from_db()
    assert comment.disclosure is False
    assert comment.model_flags["disclosure"] is True
    assert comment.priority < before
    assert ModeratorLabel.objects.get().by == moderator


@pytest.mark.usefixtures("keyword_classifier")
def test_clearing_a_label_restores_the_models_verdict(moderator):
    comment = CommentFactory(text="This happened to me")
    comments_triage(comments=[comment])
    comment_label_set(comment=comment, label="disclosure", value=False, by=moderator)

    comment_label_set(comment=comment, label="disclosure", value=None, by=moderator)

    comment.refresh_from_db()
    assert comment.disclosure is True
    assert not ModeratorLabel.objects.exists()


@pytest.mark.usefixtures("keyword_classifier")
def test_a_label_change_is_audited_without_text(moderator):
    comment = CommentFactory(text="Secret words here")

    comment_label_set(comment=comment, label="hostile", value=True, by=moderator)

    event = AuditEvent.objects.get(object_type="comment")
    assert event.action == AuditEvent.Action.CHANGE
    assert event.detail == {"label": "hostile", "value": True}
    assert "Secret" not in event.summary


def test_a_label_needs_a_moderator_and_a_known_label(moderator):
    comment = CommentFactory()

    with pytest.raises(ApplicationError):
        comment_label_set(comment=comment, label="hostile", value=True, by=None)
    with pytest.raises(ApplicationError):
        comment_label_set(comment=comment, label="angry", value=True, by=moderator)


@pytest.mark.usefixtures("keyword_classifier")
def test_retriage_rescores_only_comments_from_another_model(keyword_classifier):  # noqa: F811
    stale = CommentFactory(text="Where do I report?", model_version="old")
    current = CommentFactory(text="Where do I report?", model_version="test-1.0.0")

    assert comments_retriage() == 1

    stale.refresh_from_db()
    current.refresh_from_db()
    assert stale.model_version == "test-1.0.0" and stale.question is True
    assert current.question is False  # untouched: already scored by this model


@pytest.mark.usefixtures("keyword_classifier")
def test_the_retriage_task_takes_ids_only():
    comment = CommentFactory(text="thank you")

    tasks.comments_retriage.enqueue([comment.pk])

    comment.refresh_from_db()
    assert comment.supportive is True


def test_it_fails_clearly_without_a_classifier(monkeypatch):
    from campusvoice.conversations import classifier

    def missing():
        raise FileNotFoundError("no artefacts")

    monkeypatch.setattr(classifier, "load_classifier", missing, raising=False)
    monkeypatch.setattr(triage, "_loaded", None)
    comment = CommentFactory()

    with pytest.raises(ClassifierUnavailable) as error:
        comments_triage(comments=[comment])

    assert "classifier" in error.value.message
    comment.refresh_from_db()
    assert comment.triaged_at is None
