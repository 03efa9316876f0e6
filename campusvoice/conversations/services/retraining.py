"""Which triage model serves, and learning from moderators: retrain, promote or refuse, restore.

A retrained model joins the shipped training data with every moderator label (a comment's labels
become one extra example; labels a moderator did not set stay unknown), is scored against the
active model on the same validation rows, and replaces it only if no label's validation F1 drops
by more than one point. Its weights are stored in `TriageModelVersion` so that every process
serves the same model; they are hashed-feature weights and figures, never comment text. Every
decision is a row an admin can read (admin, `campusvoice classifier status`), and any earlier
version can be made active again (`classifier_restore`). After a change, comments are re-scored
in the background (`tasks.comments_retriage`).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.conversations import tasks
from campusvoice.conversations.models import LABELS, Comment, ModeratorLabel, TriageModelVersion
from campusvoice.errors import ApplicationError

logger = logging.getLogger(__name__)

# Moderator labels are real campus comments: they go by this source name, and training weighs
# them like our own campus rows (a source starting with "own").
MODERATOR_SOURCE = "own_moderators"


class ClassifierVersionUnknown(ApplicationError):
    pass


@dataclass(frozen=True)
class RetrainResult:
    version: TriageModelVersion | None  # None when there was nothing new to learn
    message: str


def moderator_examples() -> list:
    """One training example per labelled comment that still has text; unknown labels stay None.

    The text lives only in memory while the model trains; the split puts each comment on one side
    by its id, so a comment labelled twice over the weeks never moves from validation to fitting.
    """
    from campusvoice.conversations.classifier import Example

    labels: dict[int, dict[str, int]] = {}
    for comment_id, label, value in ModeratorLabel.objects.values_list("comment_id", "label", "value"):
        labels.setdefault(comment_id, {})[label] = int(value)
    examples = []
    rows = Comment.objects.filter(pk__in=list(labels)).exclude(text="").values_list("pk", "text", "language")
    for pk, text, language in rows.order_by("pk").iterator():
        known = {name: labels[pk].get(name) for name in LABELS}
        examples.append(Example(text, language or "other", MODERATOR_SOURCE, known, group=f"comment-{pk}"))
    return examples


def classifier_active_version() -> str:
    """The version that serves: the active row's, else the newest shipped one."""
    from campusvoice.conversations.classifier.model import versions_available

    active = TriageModelVersion.objects.filter(is_active=True).values_list("version", flat=True).first()
    if active:
        return active
    shipped = versions_available()
    return shipped[-1] if shipped else ""


def classifier_load(*, version: str | None = None):
    """The model of that version (default: the active one), from the database or the shipped artefacts."""
    from campusvoice.conversations import classifier
    from campusvoice.conversations.classifier.model import artefact_load, versions_available

    row = TriageModelVersion.objects.filter(
        **({"version": version} if version else {"is_active": True})
    ).first()
    if row is not None and row.artefact:
        return artefact_load(bytes(row.artefact), row.meta, version=row.version)
    name = row.version if row is not None else version
    if name and name not in versions_available():
        raise ClassifierVersionUnknown(_("There is no triage model %(version)s to load.") % {"version": name})
    # No argument for the newest shipped model: tests stand a fake in for this loader.
    return classifier.load_classifier(name) if name else classifier.load_classifier()


def _next_version(base: str) -> str:
    taken = set(
        TriageModelVersion.objects.filter(version__startswith=f"{base}-m").values_list("version", flat=True)
    )
    n = 1
    while f"{base}-m{n}" in taken:
        n += 1
    return f"{base}-m{n}"


def classifier_retrain(
    *,
    by: User | None = None,
    force: bool = False,
    examples: list | None = None,
    c_grid: tuple[float, ...] | None = None,
    log: Callable[[str], None] = lambda _msg: None,
) -> RetrainResult:
    """Train a candidate with every moderator label, promote it if no label's F1 drops over a point.

    Without new moderator labels since the last retraining it does nothing (unless ``force``).
    The decision is stored either way (weights only for a promoted model); a promotion re-scores
    every comment in the background. ``examples`` and ``c_grid`` replace the shipped training
    data and C values (small test fixtures); the default is the full shipped recipe.
    """
    from campusvoice.conversations.classifier import promote_if_not_worse, train
    from campusvoice.conversations.classifier.model import artefact_dump, versions_available
    from campusvoice.conversations.classifier.training import validation_report

    last = TriageModelVersion.objects.filter(source=TriageModelVersion.Source.RETRAINED).first()
    if last is not None and not force and not ModeratorLabel.objects.filter(at__gt=last.created_at).exists():
        return RetrainResult(
            None, _("No moderator label since %(version)s: nothing to retrain.") % {"version": last.version}
        )

    extra = moderator_examples()
    current = classifier_load()
    shipped = versions_available()
    version = _next_version(shipped[-1] if shipped else "0.0.0")
    log(f"training {version} with {len(extra)} moderator-labelled comments")
    options = {"c_grid": c_grid} if c_grid else {}
    if examples is not None:
        options["examples"] = examples
    candidate, new_report = train(extra_examples=extra, version=version, log=log, **options)
    # Both models on the same rows: the candidate's validation split, moderator rows included.
    base = list(examples) if examples is not None else None
    if base is None:
        from campusvoice.conversations.classifier.datasets import examples_load

        base = examples_load(datasets=candidate.meta["datasets"])
    old_report = validation_report(current, examples=base + extra)
    promote = promote_if_not_worse(new_report, old_report)
    comparison = {label: [old_report[label]["all"]["f1"], new_report[label]["all"]["f1"]] for label in LABELS}
    data, meta = artefact_dump(candidate)
    with transaction.atomic():
        row = TriageModelVersion(
            version=version,
            source=TriageModelVersion.Source.RETRAINED,
            decision=TriageModelVersion.Decision.PROMOTED if promote else TriageModelVersion.Decision.REFUSED,
            artefact=data if promote else None,
            meta=meta,
            compared_with=current.version,
            comparison=comparison,
            moderator_labels=len(extra),
            created_by=by if by is not None and by.pk else None,
        )
        row.full_clean(exclude=["artefact"])
        if promote:
            _activate(row)
        row.save()
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            object_type="triage_model",
            object_id=row.pk,
            summary=f"retrained {version}: {row.decision}",
            detail={"version": version, "decision": row.decision, "moderator_labels": len(extra)},
        )
        if promote:
            transaction.on_commit(partial(tasks.comments_retriage.enqueue))
    if promote:
        message = _("%(new)s replaces %(old)s; comments are being re-scored.") % {
            "new": version,
            "old": current.version,
        }
    else:
        worse = ", ".join(label for label, (old, new) in comparison.items() if new < old - 0.01)
        message = _(
            "%(new)s was refused: validation F1 fell more than one point on %(labels)s; %(old)s stays."
        ) % {
            "new": version,
            "labels": worse,
            "old": current.version,
        }
    logger.info("triage model retrained: %s %s", version, row.decision)
    return RetrainResult(row, message)


def _activate(row: TriageModelVersion) -> None:
    TriageModelVersion.objects.filter(is_active=True).exclude(pk=row.pk).update(is_active=False)
    row.is_active = True
    row.activated_at = timezone.now()


@transaction.atomic
def classifier_restore(*, version: str, by: User | None = None) -> TriageModelVersion:
    """Make an earlier version serve again (a promoted retrained one, or any shipped one) and re-score.

    Raises ClassifierVersionUnknown for a version that is neither shipped nor kept with its weights.
    """
    from campusvoice.conversations.classifier.model import versions_available

    row = TriageModelVersion.objects.select_for_update().filter(version=version).first()
    if row is None and version in versions_available():
        row = TriageModelVersion(
            version=version,
            source=TriageModelVersion.Source.SHIPPED,
            decision=TriageModelVersion.Decision.RESTORED,
        )
    if row is None or (row.source == TriageModelVersion.Source.RETRAINED and not row.artefact):
        known = ", ".join(classifier_versions_restorable())
        raise ClassifierVersionUnknown(
            _("There is no triage model %(version)s to restore; available: %(known)s.")
            % {"version": version, "known": known}
        )
    _activate(row)
    row.save()
    audit_record(
        actor=by,
        action=AuditEvent.Action.CHANGE,
        object_type="triage_model",
        object_id=row.pk,
        summary=f"restored {version}",
        detail={"version": version},
    )
    transaction.on_commit(partial(tasks.comments_retriage.enqueue))
    return row


def classifier_versions_restorable() -> list[str]:
    from campusvoice.conversations.classifier.model import versions_available

    kept = TriageModelVersion.objects.filter(
        source=TriageModelVersion.Source.RETRAINED, artefact__isnull=False
    )
    return [*versions_available(), *kept.order_by("created_at").values_list("version", flat=True)]
