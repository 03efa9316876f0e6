"""A keyword classifier for data-layer tests: the verdicts stay fixed whatever the model learns.

The real model is tested in classifier/; these tests check what we store, so they need verdicts
that do not move when the model is retrained. `keyword_classifier` installs it for one test.
"""

from dataclasses import dataclass

import pytest

from campusvoice.conversations.models import LABELS
from campusvoice.conversations.services import triage

KEYWORDS = {
    "question": ("?",),
    "disclosure": ("happened to me", "mi è successo", "i was assaulted"),
    "hostile": ("liar", "bugiard", "shut up"),
    "supportive": ("thank", "grazie", "support"),
    "spam": ("buy now", "crypto"),
    "on_topic": ("consent", "consenso", "campus", "report", "happened"),
}


@dataclass(frozen=True)
class FakeTriage:
    lang: str
    scores: dict[str, float]
    flags: dict[str, bool]
    model_version: str


class KeywordClassifier:
    version = "test-1.0.0"

    def __init__(self):
        self.calls = 0

    def classify(self, texts: list[str]) -> list[FakeTriage]:
        self.calls += 1
        out = []
        for text in texts:
            lowered = text.lower()
            flags = {label: any(k in lowered for k in KEYWORDS[label]) for label in LABELS}
            scores = {label: 0.9 if flag else 0.1 for label, flag in flags.items()}
            lang = "it" if any(w in lowered.split() for w in ("il", "la", "che", "mi", "grazie")) else "en"
            out.append(FakeTriage(lang=lang, scores=scores, flags=flags, model_version=self.version))
        return out


@pytest.fixture
def keyword_classifier(monkeypatch):
    """Stand in for the classifier package's loader (the edge of this layer), for one test."""
    from campusvoice.conversations import classifier

    fake = KeywordClassifier()
    monkeypatch.setattr(classifier, "load_classifier", lambda: fake, raising=False)
    monkeypatch.setattr(triage, "_loaded", None)
    return fake
