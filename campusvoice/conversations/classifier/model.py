"""The shipped triage model: load it, classify comments, rank them for the inbox.

An artefact is two files in artefacts/: ``triage-<version>.npz`` (the weight matrix as float16, the
intercepts and, from 1.1.0, the features' idf; read with ``allow_pickle=False``, so loading runs no
code) and
``triage-<version>.json`` (labels, thresholds, datasets, validation report).

From 1.2.0 a label's score may blend several weight columns (``mix``, columns x labels): one head
fitted on the binary rows and one on the TF-IDF rows, averaged. ``artefact_dump``/``artefact_load``
give the same two parts as bytes and a dict, for models kept in the database (moderator retraining).
Neither part holds any text: weights are indexed by hashed features, the JSON holds counts and figures.
"""

import io
import json
import re
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

import numpy as np

from .datasets import LABELS
from .features import CHAR_NGRAMS, N_FEATURES, margins
from .lang import detect_languages

ARTEFACTS_DIR = Path(__file__).resolve().parent / "artefacts"
_VERSION = re.compile(r"^triage-(\d+)\.(\d+)\.(\d+)\.json$")


class ModelNotFound(Exception):
    pass


@dataclass(frozen=True)
class Triage:
    lang: str
    scores: dict[str, float]
    flags: dict[str, bool]
    model_version: str


@dataclass
class TriageClassifier:
    version: str
    coef: np.ndarray  # (n_features, n_labels) float32
    intercept: np.ndarray  # (n_labels,)
    thresholds: dict[str, float]
    labels: tuple[str, ...] = LABELS
    meta: dict = field(default_factory=dict)
    # From 1.1.0: per-column idf, and which heads use TF-IDF rows (their ``coef`` includes the idf);
    # None: every head uses the binary rows, as in 1.0.x.
    idf: np.ndarray | None = None
    tfidf_heads: np.ndarray | None = None
    # From 1.2.0: (n_columns, n_labels) weights that blend the columns of ``coef`` into label margins;
    # None: one column per label (``coef`` is (n_features, n_labels)).
    mix: np.ndarray | None = None
    # From 1.3.0 an artefact may name its character n-gram range (2-5); older ones use 3-5.
    char_ngrams: tuple[int, ...] = CHAR_NGRAMS

    def scores(self, texts: list[str], langs: list[str] | None = None) -> tuple[list[str], np.ndarray]:
        """Detected languages and a (len(texts), n_labels) array of probabilities."""
        if langs is None:
            langs = detect_languages(texts)
        if not texts:
            return langs, np.zeros((0, len(self.labels)), dtype=np.float32)
        if self.mix is None:
            values = margins(
                texts, langs, self.coef, self.intercept, self.idf, self.tfidf_heads, self.char_ngrams
            )
        else:
            columns = margins(
                texts,
                langs,
                self.coef,
                np.zeros(self.coef.shape[1]),
                self.idf,
                self.tfidf_heads,
                self.char_ngrams,
            )
            values = columns @ self.mix + self.intercept
        return langs, (1.0 / (1.0 + np.exp(-values))).astype(np.float32)

    def classify(self, texts: list[str]) -> list[Triage]:
        langs, probs = self.scores(texts)
        cut = np.array([self.thresholds[label] for label in self.labels])
        flags = probs >= cut
        out = []
        for i, lang in enumerate(langs):
            out.append(
                Triage(
                    lang=lang,
                    scores={label: float(probs[i, j]) for j, label in enumerate(self.labels)},
                    flags={label: bool(flags[i, j]) for j, label in enumerate(self.labels)},
                    model_version=self.version,
                )
            )
        return out

    def save(self, directory: Path = ARTEFACTS_DIR) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        npz, meta_path = artefact_paths(self.version, directory)
        data, meta = artefact_dump(self)
        npz.write_bytes(data)
        meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return npz


def artefact_dump(model: TriageClassifier) -> tuple[bytes, dict]:
    """The model as npz bytes (weights only, no pickle) and a JSON-able dict (labels, thresholds, report)."""
    arrays = {"coef": model.coef.astype(np.float16), "intercept": model.intercept.astype(np.float32)}
    if model.idf is not None and model.tfidf_heads is not None:
        arrays["idf"] = model.idf.astype(np.float16)
        arrays["tfidf_heads"] = model.tfidf_heads.astype(bool)
    if model.mix is not None:
        arrays["mix"] = model.mix.astype(np.float32)
    if tuple(model.char_ngrams) != CHAR_NGRAMS:
        arrays["char_ngrams"] = np.asarray(model.char_ngrams, dtype=np.int64)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    meta = {
        **model.meta,
        "version": model.version,
        "labels": list(model.labels),
        "thresholds": model.thresholds,
    }
    return buffer.getvalue(), meta


def artefact_load(data: bytes | Path, meta: dict, *, version: str | None = None) -> TriageClassifier:
    """A model from ``artefact_dump``'s two parts (or an .npz path); raises ModelNotFound if they do not fit."""
    source = io.BytesIO(data) if isinstance(data, bytes | bytearray | memoryview) else data
    with np.load(source, allow_pickle=False) as arrays:
        coef = arrays["coef"].astype(np.float32)
        intercept = arrays["intercept"].astype(np.float32)
        idf = arrays["idf"].astype(np.float32) if "idf" in arrays.files else None
        tfidf_heads = arrays["tfidf_heads"].astype(bool) if "tfidf_heads" in arrays.files else None
        mix = arrays["mix"].astype(np.float32) if "mix" in arrays.files else None
        char_ngrams = (
            tuple(int(n) for n in arrays["char_ngrams"]) if "char_ngrams" in arrays.files else CHAR_NGRAMS
        )
    columns = mix.shape[0] if mix is not None else len(meta["labels"])
    if coef.shape != (N_FEATURES, columns):
        raise ModelNotFound(
            f"model {version or meta.get('version')} has weights of shape {coef.shape}; "
            f"this code expects ({N_FEATURES}, {columns})"
        )
    return TriageClassifier(
        version=version or meta["version"],
        coef=coef,
        intercept=intercept,
        thresholds={k: float(v) for k, v in meta["thresholds"].items()},
        labels=tuple(meta["labels"]),
        meta=meta,
        idf=idf,
        tfidf_heads=tfidf_heads,
        mix=mix,
        char_ngrams=char_ngrams,
    )


def artefact_paths(version: str, directory: Path = ARTEFACTS_DIR) -> tuple[Path, Path]:
    return directory / f"triage-{version}.npz", directory / f"triage-{version}.json"


def versions_available(directory: Path = ARTEFACTS_DIR) -> list[str]:
    found = []
    for path in directory.glob("triage-*.json"):
        match = _VERSION.match(path.name)
        if match:
            found.append(tuple(int(part) for part in match.groups()))
    return [".".join(map(str, v)) for v in sorted(found)]


def load_classifier(version: str | None = None, *, directory: Path = ARTEFACTS_DIR) -> TriageClassifier:
    """The shipped model of that version, or the newest one; raises ModelNotFound."""
    available = versions_available(directory)
    if not available:
        raise ModelNotFound(f"no triage model in {directory}; run `campusvoice classifier train`")
    version = version or available[-1]
    if version not in available:
        raise ModelNotFound(f"no triage model {version} in {directory}; available: {', '.join(available)}")
    npz, meta_path = artefact_paths(version, directory)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    return artefact_load(npz, meta, version=version)


class Priority(IntEnum):
    """Inbox order: lower comes first."""

    DISCLOSURE = 0  # a survivor or witness: a trained person answers, never an automatic action
    QUESTION = 1  # someone waits for an answer
    HOSTILE = 2  # review: hide or report
    SUPPORTIVE = 3  # thank, invite to act
    NORMAL = 4
    LOW = 5  # spam or off topic


def triage_priority(triage: Triage) -> Priority:
    """Where a classified comment goes in the inbox; a disclosure outranks every other flag."""
    flags = triage.flags
    if flags.get("disclosure"):
        return Priority.DISCLOSURE
    if flags.get("spam"):
        return Priority.LOW
    # A hostile question ("what was she wearing?") is for review, not for an answer.
    if flags.get("hostile"):
        return Priority.HOSTILE
    if flags.get("question"):
        return Priority.QUESTION
    if flags.get("supportive"):
        return Priority.SUPPORTIVE
    if flags.get("on_topic"):
        return Priority.NORMAL
    return Priority.LOW
