"""Learning from moderators: retrain, promote or refuse, restore, and no comment text in a model."""

import dataclasses
import io
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from campusvoice.accounts.models import Role
from campusvoice.conversations.classifier import train
from campusvoice.conversations.classifier.datasets import load_own, split_of
from campusvoice.conversations.classifier.model import artefact_dump, versions_available
from campusvoice.conversations.models import Comment, ModeratorLabel, TriageModelVersion
from campusvoice.conversations.services.retraining import (
    ClassifierVersionUnknown,
    classifier_active_version,
    classifier_restore,
    classifier_retrain,
)
from campusvoice.conversations.services.triage import classifier_get
from campusvoice.conversations.tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

GRID = (1.0,)
# Words no training set holds, to find in an artefact if text ever leaked into one.
SECRET_WORDS = ("quizzaciously", "flummoxwort", "zebrunculus")


@pytest.fixture(scope="module")
def tiny():
    # Every eighth own row: all labels present, seconds to train.
    return [e for lang in ("en", "it") for e in load_own(lang)][::8]


@pytest.fixture(scope="module")
def tiny_model(tiny):
    model, _report = train(examples=tiny, c_grid=GRID, version="0.9.0")
    return model


def _install(model, *, version: str, never_flags: bool = False) -> TriageModelVersion:
    """Store a model as the active retrained version, as a promotion would."""
    if never_flags:
        model = dataclasses.replace(model, thresholds=dict.fromkeys(model.thresholds, 1.01))
    data, meta = artefact_dump(model)
    return TriageModelVersion.objects.create(
        version=version,
        source=TriageModelVersion.Source.RETRAINED,
        decision=TriageModelVersion.Decision.PROMOTED,
        artefact=data,
        meta=meta,
        is_active=True,
    )


def _labelled_comments(moderator, texts_and_labels):
    comments = []
    for text, labels in texts_and_labels:
        comment = CommentFactory(text=text)
        for label, value in labels.items():
            ModeratorLabel.objects.create(comment=comment, label=label, value=value, by=moderator)
        comments.append(comment)
    return comments


MODERATED = [
    (f"{SECRET_WORDS[0]} {SECRET_WORDS[1]} it happened to me in the library, {n}", {"disclosure": True})
    for n in range(6)
] + [
    (f"Buy {SECRET_WORDS[2]} followers now, link in bio {n}", {"spam": True, "on_topic": False})
    for n in range(6)
]


def test_it_promotes_a_candidate_that_is_not_worse_and_rescores_comments(
    tiny, tiny_model, moderator, django_capture_on_commit_callbacks
):
    old = _install(tiny_model, version="0.9.0-m1", never_flags=True)
    comments = _labelled_comments(moderator, MODERATED)

    with django_capture_on_commit_callbacks(execute=True):
        result = classifier_retrain(examples=tiny, c_grid=GRID, by=moderator)

    row = result.version
    assert row.decision == TriageModelVersion.Decision.PROMOTED
    assert row.is_active and row.artefact
    assert row.compared_with == "0.9.0-m1"
    assert row.moderator_labels == len(MODERATED)
    assert row.meta["rows"]["own_moderators"] == len(MODERATED)
    assert all(new >= old_f1 for old_f1, new in row.comparison.values())
    old.refresh_from_db()
    assert not old.is_active
    assert classifier_active_version() == row.version
    assert classifier_get().version == row.version
    # Re-scored in the background (the immediate backend in tests).
    assert {c.model_version for c in Comment.objects.filter(pk__in=[c.pk for c in comments])} == {row.version}


def test_it_refuses_a_candidate_that_loses_a_label_and_keeps_the_active_model(tiny, tiny_model, moderator):
    _install(tiny_model, version="0.9.0-m1")
    _labelled_comments(moderator, MODERATED[:3])
    # Fitting rows without a single spam example: the candidate's spam head can never flag.
    crippled = [e for e in tiny if split_of(e) == "validation" or e.labels["spam"] != 1]

    result = classifier_retrain(examples=crippled, c_grid=GRID)

    row = result.version
    assert row.decision == TriageModelVersion.Decision.REFUSED
    assert not row.is_active and not row.artefact
    old_f1, new_f1 = row.comparison["spam"]
    assert new_f1 < old_f1 - 0.01
    assert "spam" in result.message
    assert classifier_active_version() == "0.9.0-m1"
    assert TriageModelVersion.objects.get(is_active=True).version == "0.9.0-m1"


def test_it_does_not_retrain_without_new_moderator_labels(tiny, tiny_model, moderator):
    _install(tiny_model, version="0.9.0-m1")
    _labelled_comments(moderator, MODERATED[:2])
    first = classifier_retrain(examples=tiny, c_grid=GRID)

    again = classifier_retrain(examples=tiny, c_grid=GRID)

    assert first.version is not None
    assert again.version is None
    assert TriageModelVersion.objects.filter(source="retrained").count() == 2


def test_a_stored_model_holds_no_comment_text(tiny, tiny_model, moderator):
    _install(tiny_model, version="0.9.0-m1", never_flags=True)
    _labelled_comments(moderator, MODERATED)

    row = classifier_retrain(examples=tiny, c_grid=GRID).version

    assert row.decision == TriageModelVersion.Decision.PROMOTED
    with np.load(io.BytesIO(bytes(row.artefact)), allow_pickle=False) as arrays:
        assert all(arrays[name].dtype.kind in "fb" for name in arrays.files)
    stored = (json.dumps(row.meta) + json.dumps(row.comparison) + repr(row.__dict__)).lower()
    for word in (*SECRET_WORDS, "library", "followers"):
        assert word not in stored


def test_an_admin_can_restore_the_previous_version(
    tiny, tiny_model, moderator, django_capture_on_commit_callbacks
):
    previous = _install(tiny_model, version="0.9.0-m1")
    previous.is_active = False
    previous.save()
    _install(tiny_model, version="0.9.0-m2")
    comment = CommentFactory(text="Where can I report this?")

    with django_capture_on_commit_callbacks(execute=True):
        classifier_restore(version="0.9.0-m1", by=moderator)

    assert TriageModelVersion.objects.get(is_active=True).version == "0.9.0-m1"
    assert classifier_get().version == "0.9.0-m1"
    comment.refresh_from_db()
    assert comment.model_version == "0.9.0-m1"


def test_a_shipped_version_can_be_restored_over_a_retrained_one(tiny_model):
    _install(tiny_model, version="0.9.0-m1")
    shipped = versions_available()[0]

    classifier_restore(version=shipped)

    assert classifier_active_version() == shipped
    assert classifier_get().version == shipped


def test_restoring_an_unknown_or_refused_version_is_a_clear_error_and_changes_nothing(tiny_model):
    _install(tiny_model, version="0.9.0-m1")
    TriageModelVersion.objects.create(
        version="0.9.0-m2", source="retrained", decision=TriageModelVersion.Decision.REFUSED
    )

    for version in ("9.9.9", "0.9.0-m2"):
        with pytest.raises(ClassifierVersionUnknown, match="no triage model"):
            classifier_restore(version=version)
    assert classifier_active_version() == "0.9.0-m1"


def test_the_command_shows_the_status_and_restores(tiny_model):
    _install(tiny_model, version="0.9.0-m1")
    shipped = versions_available()[-1]
    out = io.StringIO()

    call_command("classifier", "status", stdout=out)
    assert "serving: 0.9.0-m1" in out.getvalue()

    call_command("classifier", "restore", shipped, stdout=out)
    assert classifier_active_version() == shipped
    with pytest.raises(CommandError, match="no triage model 7.7.7"):
        call_command("classifier", "restore", "7.7.7")


def test_an_admin_sees_the_decisions_and_restores_a_version_from_the_admin(
    tiny_model, client_for, django_capture_on_commit_callbacks
):
    _install(tiny_model, version="0.9.0-m1")
    shipped = versions_available()[-1]
    TriageModelVersion.objects.create(
        version=shipped, source="shipped", decision=TriageModelVersion.Decision.RESTORED
    )
    admin = client_for(Role.ADMIN)

    page = admin.get(reverse("admin:conversations_triagemodelversion_changelist"))
    assert page.status_code == 200
    assert b"0.9.0-m1" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            reverse("admin:conversations_triagemodelversion_changelist"),
            {
                "action": "make_active",
                "_selected_action": [TriageModelVersion.objects.get(version=shipped).pk],
            },
        )

    assert classifier_active_version() == shipped
