"""Triage storage: the classifier's verdict on each comment, a moderator's word over it, priority.

The classifier (`campusvoice.conversations.classifier`) is loaded once per process and kept
until another version becomes active (retraining or a restore, `services/retraining.py`);
`comments_retriage` loads it afresh. A moderator's label for a label always
wins over the model's flag; clearing the label restores the model's verdict (`model_flags`).
"""

import logging
from collections.abc import Iterable
from itertools import batched

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.conversations.models import LABELS, Comment, ModeratorLabel
from campusvoice.errors import ApplicationError

logger = logging.getLogger(__name__)

CLASSIFY_BATCH = 512
TRIAGE_FIELDS = ["language", "scores", "model_flags", "model_version", "triaged_at", *LABELS, "priority"]

# Inbox bands, highest first (the inbox sorts by -priority): a disclosure outranks everything, a
# question waits for an answer, hostility needs review, spam goes last. The score of the band's
# own label orders comments within a band.
BANDS = {"disclosure": 5, "question": 4, "hostile": 3, "supportive": 2, "on_topic": 1}
SPAM_BAND = 0

_loaded = None


class ClassifierUnavailable(ApplicationError):
    pass


def classifier_get(*, reload: bool = False):
    """The active triage classifier, kept until another version becomes active (one small query a call).

    Raises ClassifierUnavailable if none is installed.
    """
    global _loaded
    from campusvoice.conversations.services.retraining import classifier_active_version, classifier_load

    wanted = classifier_active_version()
    if _loaded is None or reload or (wanted and getattr(_loaded, "version", None) != wanted):
        try:
            _loaded = classifier_load()
        except Exception as exc:
            # ImportError while the package is being written, ModelNotFound without an artefact.
            logger.error("triage classifier unavailable: %s", type(exc).__name__)
            raise ClassifierUnavailable(
                _(
                    "The comment classifier is not available, so comments cannot be triaged. "
                    "Install or train a model (campusvoice classifier train) and try again."
                )
            ) from exc
    return _loaded


def comment_priority(*, flags: dict[str, bool], scores: dict[str, float]) -> int:
    """The inbox priority for these effective flags: higher comes first (the inbox sorts by -priority).

    The band comes from the classifier package's `triage_priority` (disclosure, then question,
    then hostile for review, spam last); the score of the band's own label orders a band.
    """
    band_label = _band_label(flags)
    band = BANDS.get(band_label, 0) if band_label != "spam" else SPAM_BAND
    if band_label == "spam":
        # The less sure the model is, the higher a spam comment sits within its band.
        return SPAM_BAND * 100 + round(99 * (1 - scores.get("spam", 1.0)))
    if band_label is None:
        return 100
    return band * 100 + round(99 * scores.get(band_label, 0.0))


def _band_label(flags: dict[str, bool]) -> str | None:
    try:
        from campusvoice.conversations.classifier import Priority, Triage, triage_priority
    except ImportError:
        Priority = None
    if Priority is not None:
        rank = triage_priority(Triage(lang="", scores={}, flags=flags, model_version=""))
        return {
            Priority.DISCLOSURE: "disclosure",
            Priority.QUESTION: "question",
            Priority.HOSTILE: "hostile",
            Priority.SUPPORTIVE: "supportive",
            Priority.NORMAL: "on_topic",
        }.get(rank, "spam" if flags.get("spam") else None)
    # Same order as the classifier package, for when it cannot be imported.
    if flags.get("disclosure"):
        return "disclosure"
    if flags.get("spam"):
        return "spam"
    return next((name for name in ("hostile", "question", "supportive", "on_topic") if flags.get(name)), None)


def comments_triage_fill(
    *, comments: list[Comment], overrides: dict[int, dict[str, bool]] | None = None
) -> int:
    """Classify and set the triage fields on these comments without saving them (for bulk inserts)."""
    if not comments:
        return 0
    clf = classifier_get()
    overrides = overrides or {}
    now = timezone.now()
    for batch in batched(comments, CLASSIFY_BATCH):
        results = clf.classify([comment.text for comment in batch])
        for comment, result in zip(batch, results, strict=True):
            comment.language = result.lang
            comment.scores = {label: round(float(score), 4) for label, score in result.scores.items()}
            comment.model_flags = {label: bool(flag) for label, flag in result.flags.items()}
            comment.model_version = result.model_version
            comment.triaged_at = now
            _flags_apply(comment, overrides.get(comment.pk, {}))
    return len(comments)


def comments_triage(*, comments: Iterable[Comment]) -> int:
    """Classify and store language, scores, flags and priority; returns how many were triaged.

    A moderator's label overrides the model's flag. Raises ClassifierUnavailable (an
    ApplicationError) when no classifier is installed; nothing is stored then.
    """
    comments = list(comments)
    if not comments:
        return 0
    overrides: dict[int, dict[str, bool]] = {}
    for chunk in batched([c.pk for c in comments], 900):
        for comment_id, label, value in ModeratorLabel.objects.filter(comment_id__in=chunk).values_list(
            "comment_id", "label", "value"
        ):
            overrides.setdefault(comment_id, {})[label] = value
    comments_triage_fill(comments=comments, overrides=overrides)
    Comment.objects.bulk_update(comments, TRIAGE_FIELDS, batch_size=CLASSIFY_BATCH)
    return len(comments)


@transaction.atomic
def comment_label_set(*, comment: Comment, label: str, value: bool | None, by: User) -> Comment:
    """Record a moderator's yes/no on one label (None clears it) and recompute flags and priority.

    The audit log records the label and value, never the comment's text.
    """
    if label not in LABELS:
        raise ApplicationError(_("Unknown label."))
    if by is None or not by.pk:
        raise ApplicationError(_("A moderator's label needs the moderator."))
    if value is None:
        ModeratorLabel.objects.filter(comment=comment, label=label).delete()
    else:
        ModeratorLabel.objects.update_or_create(
            comment=comment, label=label, defaults={"value": value, "by": by}
        )
    overrides = dict(ModeratorLabel.objects.filter(comment=comment).values_list("label", "value"))
    _flags_apply(comment, overrides)
    comment.save(update_fields=[*LABELS, "priority"])
    audit_record(
        actor=by,
        action=AuditEvent.Action.CHANGE,
        object_type="comment",
        object_id=comment.pk,
        summary=f"label {label}",
        detail={"label": label, "value": value},
    )
    return comment


def comments_retriage(*, comment_ids: list[int] | None = None, batch_size: int = 2000) -> int:
    """Re-score comments (all, or these ids) with the newest model; returns how many changed.

    Idempotent and resumable: comments already scored by the current model are skipped, and each
    batch commits on its own, so a retried task carries on where it stopped.
    """
    clf = classifier_get(reload=True)
    version = getattr(clf, "version", None) or getattr(clf, "model_version", None)
    comments = Comment.objects.exclude(text="").order_by("pk")
    if comment_ids is not None:
        comments = comments.filter(pk__in=comment_ids)
    if version:
        comments = comments.exclude(model_version=version)
    done, last_pk = 0, 0
    while True:
        batch = list(comments.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            break
        with transaction.atomic():
            done += comments_triage(comments=batch)
        last_pk = batch[-1].pk
    logger.info("comments retriaged: %s", done)
    return done


def _flags_apply(comment: Comment, overrides: dict[str, bool]) -> None:
    flags = {label: overrides.get(label, bool(comment.model_flags.get(label, False))) for label in LABELS}
    for label, flag in flags.items():
        setattr(comment, label, flag)
    comment.priority = comment_priority(flags=flags, scores=comment.scores or {})
