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
from .features import LEXICON, N_FEATURES, WIDE_CHAR_NGRAMS, Analysed, analyse, lexicon, margins, widen
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
    # From 1.3.0: which weight columns use character 2-5-grams (features.WIDE_CHAR_NGRAMS) instead of
    # 3-5, and those columns' idf (a 2-gram shares its hashed column with some 3-5-grams, so its
    # document frequency differs). None: every column uses 3-5-grams, as in 1.0.0-1.2.0.
    wide_columns: np.ndarray | None = None
    idf_wide: np.ndarray | None = None
    # From 1.4.0: (len(features.LEXICON), n_columns) weights of the disclosure cue columns, added to
    # each weight column's margin. None: no cue columns, as in 1.0.0-1.3.0.
    lexicon_coef: np.ndarray | None = None
    # From 1.6.0: each distinct token and bigram counts once per comment (features.analyse). False: as
    # counted up to 1.5.0, every occurrence.
    distinct_tokens: bool = False
    _split: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def scores(self, texts: list[str], langs: list[str] | None = None) -> tuple[list[str], np.ndarray]:
        """Detected languages and a (len(texts), n_labels) array of probabilities."""
        if langs is None:
            langs = detect_languages(texts)
        if not texts:
            return langs, np.zeros((0, len(self.labels)), dtype=np.float32)
        if self.mix is None:
            values = margins(texts, langs, self.coef, self.intercept, self.idf, self.tfidf_heads)
        else:
            a = analyse(texts, langs, distinct=self.distinct_tokens)
            if self.wide_columns is None or not self.wide_columns.any():
                columns = margins(
                    texts,
                    langs,
                    self.coef,
                    np.zeros(self.coef.shape[1]),
                    self.idf,
                    self.tfidf_heads,
                    analysed=a,
                )
            else:
                columns = self._wide_columns_margins(texts, langs, a)
            if self.lexicon_coef is not None:
                columns = columns + lexicon(a) @ self.lexicon_coef
            values = columns @ self.mix + self.intercept
        return langs, (1.0 / (1.0 + np.exp(-values))).astype(np.float32)

    def _wide_columns_margins(self, texts: list[str], langs: list[str], a: Analysed) -> np.ndarray:
        """Each weight column's margin, the wide columns from the 2-5-gram features of the same tokens."""
        wide = self.wide_columns
        if self._split is None:
            # Contiguous copies once per model: slicing the weights per batch would copy them each time.
            tfidf = self.tfidf_heads if self.tfidf_heads is not None else np.zeros(len(wide), dtype=bool)
            self._split = (
                np.ascontiguousarray(self.coef[:, ~wide]),
                tfidf[~wide],
                np.ascontiguousarray(self.coef[:, wide]),
                tfidf[wide],
            )
        narrow_coef, narrow_tfidf, wide_coef, wide_tfidf = self._split
        out = np.zeros((a.n, len(wide)), dtype=np.float64)
        if narrow_coef.shape[1]:
            out[:, ~wide] = margins(
                texts, langs, narrow_coef, np.zeros(narrow_coef.shape[1]), self.idf, narrow_tfidf, analysed=a
            )
        out[:, wide] = margins(
            texts,
            langs,
            wide_coef,
            np.zeros(wide_coef.shape[1]),
            self.idf_wide,
            wide_tfidf,
            WIDE_CHAR_NGRAMS,
            analysed=widen(a, WIDE_CHAR_NGRAMS),
        )
        return out

    def flags(self, probs: np.ndarray, langs: list[str]) -> np.ndarray:
        """Yes/no per comment and label: each score against its label's threshold for that language."""
        return probs >= thresholds_matrix(self.thresholds, self.labels, langs)

    def classify(self, texts: list[str]) -> list[Triage]:
        langs, probs = self.scores(texts)
        flags = self.flags(probs, langs)
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


def thresholds_matrix(thresholds: dict[str, float], labels: tuple[str, ...], langs: list[str]) -> np.ndarray:
    """(len(langs), len(labels)) thresholds: ``label@lang`` where the model has one (from 1.5.0), else ``label``.

    Older artefacts have one threshold per label; a 1.5.0 one also has, for some labels, one per detected
    language (``on_topic@it``), chosen by cross-validation; a comment in another language gets ``label``'s.
    """
    cut = np.tile(np.array([thresholds[label] for label in labels], dtype=np.float64), (len(langs), 1))
    per_language = [(key.split("@", 1), value) for key, value in thresholds.items() if "@" in key]
    if per_language:
        langs_arr = np.asarray(langs)
        for (label, lang), value in per_language:
            if label in labels:
                cut[langs_arr == lang, labels.index(label)] = value
    return cut


def artefact_dump(model: TriageClassifier) -> tuple[bytes, dict]:
    """The model as npz bytes (weights only, no pickle) and a JSON-able dict (labels, thresholds, report)."""
    arrays = {"coef": model.coef.astype(np.float16), "intercept": model.intercept.astype(np.float32)}
    if model.idf is not None and model.tfidf_heads is not None:
        arrays["idf"] = model.idf.astype(np.float16)
        arrays["tfidf_heads"] = model.tfidf_heads.astype(bool)
    if model.mix is not None:
        arrays["mix"] = model.mix.astype(np.float32)
    if model.wide_columns is not None and model.idf_wide is not None:
        arrays["wide_columns"] = model.wide_columns.astype(bool)
        arrays["idf_wide"] = model.idf_wide.astype(np.float16)
    if model.lexicon_coef is not None:
        arrays["lexicon_coef"] = model.lexicon_coef.astype(np.float32)
    if model.distinct_tokens:
        arrays["distinct_tokens"] = np.array(True)
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
        wide_columns = arrays["wide_columns"].astype(bool) if "wide_columns" in arrays.files else None
        idf_wide = arrays["idf_wide"].astype(np.float32) if "idf_wide" in arrays.files else None
        lexicon_coef = arrays["lexicon_coef"].astype(np.float32) if "lexicon_coef" in arrays.files else None
        distinct_tokens = bool(arrays["distinct_tokens"]) if "distinct_tokens" in arrays.files else False
    columns = mix.shape[0] if mix is not None else len(meta["labels"])
    if coef.shape != (N_FEATURES, columns):
        raise ModelNotFound(
            f"model {version or meta.get('version')} has weights of shape {coef.shape}; "
            f"this code expects ({N_FEATURES}, {columns})"
        )
    if lexicon_coef is not None and lexicon_coef.shape != (len(LEXICON), columns):
        raise ModelNotFound(
            f"model {version or meta.get('version')} has cue weights of shape {lexicon_coef.shape}; "
            f"this code expects ({len(LEXICON)}, {columns})"
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
        wide_columns=wide_columns,
        idf_wide=idf_wide,
        lexicon_coef=lexicon_coef,
        distinct_tokens=distinct_tokens,
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
