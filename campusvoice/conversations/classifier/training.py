"""Train, tune and evaluate the triage model, and decide whether a new version may replace the old.

Every head is a class-weighted logistic regression over the same hashed, TF-IDF-weighted features
(features.py; the idf comes from the fitting rows and is stored in the artefact), fitted only on
the rows whose source knows that label; per head, the mean of the fits over the C grid, unless the
tuning slice finds one C clearly better, and a threshold tuned on the same slice. The
split is fixed by a hash of each row's group (datasets.split_of): 'fit' trains, 'tune' picks each
head's C and thresholds, 'validation' is only ever scored, so the figures in the report are not
tuned on.
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .datasets import LABELS, SHIPPED_DATASETS, Example, examples_load, split_of
from .features import CHAR_FEATURES, WORD_FEATURES, featurise
from .lang import detect_languages
from .model import TriageClassifier

# Our own campus-comment rows are few beside tens of thousands of tweets, and they are the domain
# the inbox sees: each counts this many times in the loss.
OWN_WEIGHT = 4.0
C_GRID = (0.5, 2.0, 8.0)
# Missing a disclosure is the worst error the inbox can make: its threshold is the lowest that keeps
# this precision on the tuning slice, not the F1 optimum.
DISCLOSURE_MIN_PRECISION = 0.8
# The tuning slice is small: its objective moves by less than a point between C values for most
# heads. The mean of the fits (an ensemble over C) is kept unless one fit beats it by this much.
MEAN_PREFERENCE = 0.01
# First column of the one-hot language block (features.LANGS order).
LANG_COLUMN = WORD_FEATURES + CHAR_FEATURES


@dataclass
class Prepared:
    examples: list[Example]
    texts: list[str]
    langs: list[str]
    y: np.ndarray  # (n, n_labels), -1 where unknown
    weight: np.ndarray
    split: np.ndarray  # "fit" | "tune" | "validation"


def prepare(examples: list[Example]) -> Prepared:
    texts = [e.text for e in examples]
    y = np.array(
        [[-1 if e.label(lab) is None else e.label(lab) for lab in LABELS] for e in examples], dtype=np.int8
    )
    weight = np.array([OWN_WEIGHT if e.source.startswith("own") else 1.0 for e in examples], dtype=np.float64)
    split = np.array([split_of(e) for e in examples])
    return Prepared(examples, texts, detect_languages(texts), y.reshape(-1, len(LABELS)), weight, split)


def prf(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    tp = int(np.sum(y_true & y_pred))
    fp = int(np.sum(~y_true & y_pred))
    fn = int(np.sum(y_true & ~y_pred))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f1, 4),
        "n": int(len(y_true)),
        "positives": int(y_true.sum()),
    }


def threshold_pick(label: str, y: np.ndarray, scores: np.ndarray, campus: np.ndarray) -> tuple[float, float]:
    """The tuning-slice threshold and its objective value.

    The objective is the mean F1 over the two domains the model serves, public posts and our campus
    comments, so that tens of thousands of tweets do not set the threshold for campus comments alone.
    Disclosure instead takes the best recall that keeps DISCLOSURE_MIN_PRECISION overall.
    """
    y = y.astype(bool)
    if not y.any():
        return 0.5, 0.0
    order = np.argsort(-scores, kind="stable")
    s = scores[order]
    last = np.r_[s[1:] != s[:-1], True]  # only cut between distinct scores
    if label == "disclosure":
        t = y[order]
        tp, fp = np.cumsum(t), np.cumsum(~t)
        precision, recall = tp / (tp + fp), tp / t.sum()
        ok = last & (precision >= DISCLOSURE_MIN_PRECISION)
        if ok.any():
            best = np.flatnonzero(ok)[np.argmax(recall[ok])]
            return float(s[best]), float(recall[best])
    f1s = []
    # A domain with no positive row still counts: its false positives join the other domain's F1.
    both = (campus & y).any() and (~campus & y).any()
    for domain in (campus, ~campus) if both else (np.ones_like(campus),):
        t = y[order] & domain[order]
        negatives = ~y[order] & domain[order]
        tp, fp = np.cumsum(t), np.cumsum(negatives)
        precision = tp / np.maximum(tp + fp, 1)
        recall = tp / t.sum()
        f1s.append(2 * precision * recall / np.maximum(precision + recall, 1e-9))
    f1 = np.where(last, np.mean(f1s, axis=0), -1.0)
    best = int(np.argmax(f1))
    return float(s[best]), float(f1[best])


def average_precision(y: np.ndarray, scores: np.ndarray) -> float:
    """Mean precision at each positive, ranked by score (ties in input order: deterministic)."""
    order = np.argsort(-scores, kind="stable")
    hits = y[order] == 1
    if not hits.any():
        return 0.0
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].mean())


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _fit_head(X, y, w, c: float, seed: int):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(
        C=c, class_weight="balanced", solver="liblinear", max_iter=200, random_state=seed, tol=1e-4
    )
    model.fit(X, y, sample_weight=w)
    return model


def evaluate(
    *, y: np.ndarray, probs: np.ndarray, thresholds: dict[str, float], langs: list[str], sources: list[str]
) -> dict:
    """Precision, recall and F1 per label: overall, per language, and on our campus-comment rows only."""
    langs_arr = np.array(langs)
    campus = np.array([s.startswith("own") for s in sources])
    report: dict = {}
    for j, label in enumerate(LABELS):
        known = y[:, j] >= 0
        truth = y[:, j] == 1
        pred = probs[:, j] >= thresholds[label]
        entry = {"all": prf(truth[known], pred[known])}
        for lang in ("en", "it"):
            mask = known & (langs_arr == lang)
            entry[lang] = prf(truth[mask], pred[mask])
        entry["campus"] = prf(truth[known & campus], pred[known & campus])
        for lang in ("en", "it"):
            mask = known & campus & (langs_arr == lang)
            entry[f"campus_{lang}"] = prf(truth[mask], pred[mask])
        report[label] = entry
    return report


def train(
    *,
    datasets: Iterable[str] = SHIPPED_DATASETS,
    extra_examples: list[Example] | None = None,
    seed: int = 0,
    version: str = "0.0.0",
    c_grid: tuple[float, ...] = C_GRID,
    examples: list[Example] | None = None,
    log: Callable[[str], None] = lambda _msg: None,
) -> tuple[TriageClassifier, dict]:
    """Fit every head on the 'fit' rows, tune on 'tune', report on 'validation'.

    ``extra_examples`` (for example moderator labels, source "own_*" or any name) join the data and the
    same split. Returns the model and its validation report; nothing is written to disk.
    """
    datasets = tuple(datasets)
    started = time.perf_counter()
    if examples is None:
        examples = examples_load(datasets=datasets)
    examples = list(examples) + list(extra_examples or [])
    data = prepare(examples)
    log(f"{len(examples)} examples, languages detected in {time.perf_counter() - started:.1f}s")
    fit, tune, val = (data.split == name for name in ("fit", "tune", "validation"))
    # Inverse document frequency from the fitting rows, as in TF-IDF, rounded as the artefact stores
    # it. The heads train on idf-weighted, per-block normalised rows (X); the shipped weights are
    # multiplied by idf, so serving only computes each comment's normalisation (features.margins),
    # and X_served (X without the idf factor) times the shipped weights is what serving computes.
    rows = np.flatnonzero(fit)
    plain = featurise([data.texts[i] for i in rows], [data.langs[i] for i in rows])
    df = np.bincount(plain.indices, minlength=plain.shape[1])
    idf = (np.log((1.0 + fit.sum()) / (1.0 + df)) + 1.0).astype(np.float16).astype(np.float32)
    idf[LANG_COLUMN:] = 1.0
    del plain
    X_tfidf = featurise(data.texts, data.langs, idf)
    X_binary = featurise(data.texts, data.langs)
    # (matrix to fit on, matrix that serving multiplies with the shipped weights, weight factor)
    weightings = {
        "binary": (X_binary, X_binary, None),
        "tf-idf": (X_tfidf, X_tfidf @ sp.diags(1.0 / idf), idf),
    }
    tfidf_heads = np.zeros(len(LABELS), dtype=bool)
    served_val = np.zeros((int(val.sum()), len(LABELS)), dtype=np.float32)
    campus = np.array([e.source.startswith("own") for e in examples])
    n_features = X_binary.shape[1]
    coef = np.zeros((n_features, len(LABELS)), dtype=np.float32)
    intercept = np.zeros(len(LABELS), dtype=np.float32)
    thresholds: dict[str, float] = {}
    chosen_c: dict[str, str] = {}
    for j, label in enumerate(LABELS):
        known = data.y[:, j] >= 0
        rows_fit, rows_tune = known & fit, known & tune
        y_fit = data.y[rows_fit, j]
        if len(np.unique(y_fit)) < 2:
            # Nothing to learn (e.g. every source left out that had positives): never flag.
            intercept[j], thresholds[label], chosen_c[label] = -20.0, 1.0, "none"
            served_val[:, j] = -20.0
            log(f"{label}: only one class in the training rows; the head never flags")
            continue
        per_weighting = []
        for weighting, (fit_matrix, served, factor) in weightings.items():
            candidates = []
            for c in c_grid:
                head = _fit_head(fit_matrix[rows_fit], y_fit, data.weight[rows_fit], c, seed)
                w = head.coef_[0] * factor if factor is not None else head.coef_[0]
                candidates.append((f"{weighting} C={c}", w, float(head.intercept_[0])))
            if len(candidates) > 1:
                # The mean of the fits is one more linear head (an average of margins), steadier than
                # any single one; it is kept unless a single fit is clearly better (MEAN_PREFERENCE).
                mean_w = np.mean([w for _name, w, _b in candidates], axis=0)
                mean_b = float(np.mean([b for _name, _w, b in candidates]))
                candidates.append((f"{weighting} mean", mean_w, mean_b))
            scored = []
            for name, w, b in candidates:
                # The artefact stores float16 weights: tune on exactly what will be served.
                w = w.astype(np.float16).astype(np.float32)
                b = np.float32(b)
                scores = _sigmoid(served[rows_tune] @ w + b)
                cut, objective = threshold_pick(label, data.y[rows_tune, j], scores, campus[rows_tune])
                ap = average_precision(data.y[rows_tune, j], scores)
                scored.append((objective, ap, name, w, b, cut, weighting))
            best = max(scored, key=lambda item: item[:2])  # the first of equals: deterministic
            if len(scored) > 1 and best[0] < scored[-1][0] + MEAN_PREFERENCE:
                best = scored[-1]
            per_weighting.append(best)
        # Binary rows (1.0.x) or TF-IDF rows: whichever scores better on the tuning slice; on a tie
        # (spam, say, is all but perfect there) the threshold-free average precision decides.
        objective, _ap, choice, w, b, cut, weighting = max(per_weighting, key=lambda item: item[:2])
        tfidf_heads[j] = weighting == "tf-idf"
        served_val[:, j] = weightings[weighting][1][val] @ w + b
        coef[:, j], intercept[j], thresholds[label], chosen_c[label] = w, b, cut, choice
        elapsed = time.perf_counter() - started
        log(f"{label}: {choice} threshold={cut:.3f} tune objective={objective:.3f} ({elapsed:.0f}s)")
    model = TriageClassifier(
        version=version,
        coef=coef,
        intercept=intercept,
        thresholds=thresholds,
        idf=idf,
        tfidf_heads=tfidf_heads,
    )
    probs = _sigmoid(served_val)
    report = evaluate(
        y=data.y[val],
        probs=probs,
        thresholds=thresholds,
        langs=[e.lang for e, v in zip(examples, val, strict=True) if v],
        sources=[e.source for e, v in zip(examples, val, strict=True) if v],
    )
    counts = {}
    for e in examples:
        counts[e.source] = counts.get(e.source, 0) + 1
    model.meta = {
        # In loading order: duplicates across sets keep their first source, which fixes their split.
        "datasets": list(counts),
        "rows": counts,
        "seed": seed,
        "heads": chosen_c,
        "own_weight": OWN_WEIGHT,
        "validation": report,
    }
    return model, report


def validation_scores(model: TriageClassifier, *, datasets: Iterable[str]) -> dict:
    """Score a trained model on the validation split of the named datasets."""
    examples = [e for e in examples_load(datasets=tuple(datasets)) if split_of(e) == "validation"]
    data = prepare(examples)
    _langs, probs = model.scores(data.texts, data.langs)
    return evaluate(
        y=data.y,
        probs=probs,
        thresholds=model.thresholds,
        langs=[e.lang for e in examples],
        sources=[e.source for e in examples],
    )


def promote_if_not_worse(new_report: dict, old_report: dict, tolerance: float = 0.01) -> bool:
    """True when no label's overall validation F1 dropped by more than ``tolerance`` (one point)."""
    for label, old in old_report.items():
        new = new_report.get(label)
        if new is None or new["all"]["f1"] < old["all"]["f1"] - tolerance:
            return False
    return True
