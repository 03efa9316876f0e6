"""The yardstick: TF-IDF word + character n-grams and one logistic regression per label.

Same rows, same split, same class and sample weights and the same threshold rule as the shipped
model, with scikit-learn's defaults otherwise (C=1) and the languages from lingua alone. It is
here to be beaten, per label, in ``campusvoice classifier eval --baseline``; it is never shipped.
"""

import numpy as np
import scipy.sparse as sp

from .datasets import LABELS, Example
from .training import _fit_head, _sigmoid, evaluate_rows, prepare, threshold_pick


class TfidfBaseline:
    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.word = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
        self.heads: list = []
        self.thresholds: dict[str, float] = {}

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        return sp.hstack([self.word.transform(texts), self.char.transform(texts)], format="csr")

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        X = self.transform(texts)
        return np.column_stack(
            [head.predict_proba(X)[:, 1] if head else np.zeros(X.shape[0]) for head in self.heads]
        )


def baseline_train(examples: list[Example], *, seed: int = 0) -> tuple[TfidfBaseline, dict]:
    """Fit the baseline on 'fit', threshold on 'tune', and report on 'validation'."""
    data = prepare(examples)
    fit, tune, val = (data.split == name for name in ("fit", "tune", "validation"))
    campus = data.campus
    model = TfidfBaseline()
    fit_texts = [t for t, f in zip(data.texts, fit, strict=True) if f]
    model.word.fit(fit_texts)
    model.char.fit(fit_texts)
    X = model.transform(data.texts)
    for j, label in enumerate(LABELS):
        known = data.y[:, j] >= 0
        rows_fit, rows_tune = known & fit, known & tune
        if len(np.unique(data.y[rows_fit, j])) < 2:
            model.heads.append(None)
            model.thresholds[label] = 1.0
            continue
        head = _fit_head(X[rows_fit], data.y[rows_fit, j], data.weight[rows_fit], 1.0, seed)
        model.heads.append(head)
        scores = _sigmoid(head.decision_function(X[rows_tune]))
        model.thresholds[label], _ = threshold_pick(label, data.y[rows_tune, j], scores, campus[rows_tune])
    probs = np.column_stack(
        [_sigmoid(h.decision_function(X[val])) if h else np.zeros(int(val.sum())) for h in model.heads]
    )
    report = evaluate_rows(data, val, probs, model.thresholds)
    return model, report
