"""Comment triage: language, six yes/no labels with scores, and an inbox priority.

The web app uses only this interface::

    from campusvoice.conversations.classifier import load_classifier, triage_priority

    classifier = load_classifier()              # the newest shipped version
    for triage in classifier.classify(["Where can I report this?"]):
        triage.lang, triage.scores["question"], triage.flags["question"], triage_priority(triage)

Retraining (moderator labels as ``extra_examples``) goes through ``train`` and ``promote_if_not_worse``.
Nothing here imports Django, and nothing is downloaded at run time.
"""

from .datasets import LABELS, Example
from .model import ModelNotFound, Priority, Triage, TriageClassifier, load_classifier, triage_priority


def train(**kwargs):
    """See training.train; imported lazily so that serving never loads scikit-learn's trainers."""
    from .training import train as _train

    return _train(**kwargs)


def promote_if_not_worse(new_report: dict, old_report: dict, tolerance: float = 0.01) -> bool:
    from .training import promote_if_not_worse as _promote

    return _promote(new_report, old_report, tolerance)


__all__ = [
    "LABELS",
    "Example",
    "ModelNotFound",
    "Priority",
    "Triage",
    "TriageClassifier",
    "load_classifier",
    "promote_if_not_worse",
    "train",
    "triage_priority",
]
