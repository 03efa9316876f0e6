"""The shipped triage model on clear cases that are not in its training data, and the inbox order."""

import numpy as np
import pytest

from campusvoice.conversations.classifier import (
    ModelNotFound,
    Priority,
    Triage,
    load_classifier,
    triage_priority,
)
from campusvoice.conversations.classifier.lang import detect_language

CLEAR = {
    "question": [
        "Who can I talk to on campus if I was harassed by my tutor?",
        "A chi posso rivolgermi in università se un docente mi molesta?",
    ],
    "disclosure": [
        "A guy in my dorm assaulted me last spring and I never told anyone.",
        "Un ragazzo del mio corso mi ha violentata l'anno scorso e non l'ho mai detto a nessuno.",
    ],
    "hostile": [
        "She got drunk and now cries rape, these lying women disgust me.",
        "Si è ubriacata e ora piange allo stupro, queste bugiarde mi fanno schifo.",
    ],
    "supportive": [
        "Thank you so much for this campaign, I signed and shared it with all my friends!",
        "Grazie mille per questa campagna, ho firmato e l'ho condivisa con tutte le mie amiche!",
    ],
    "spam": [
        "Earn $800 a day trading crypto from home, DM me now 💰🚀",
        "Guadagna 800€ al giorno con le crypto da casa, scrivimi subito 💰🚀",
    ],
    "on_topic": [
        "Consent workshops should be mandatory for every first-year student.",
        "I laboratori sul consenso dovrebbero essere obbligatori per tutte le matricole.",
    ],
}
OFF_TOPIC = [
    "Does anyone know when the gym reopens after the holidays?",
    "Che buona la pizza della mensa oggi",
]


@pytest.fixture(scope="module")
def classifier():
    return load_classifier()


@pytest.mark.parametrize(
    ("label", "text"), [(label, text) for label, texts in CLEAR.items() for text in texts]
)
def test_the_shipped_model_flags_a_clear_case(classifier, label, text):
    (triage,) = classifier.classify([text])

    assert triage.flags[label], f"{label} score {triage.scores[label]:.3f} for {text!r}"


def test_the_shipped_model_does_not_call_chatter_on_topic_or_a_disclosure(classifier):
    for triage in classifier.classify(OFF_TOPIC):
        assert not triage.flags["on_topic"]
        assert not triage.flags["disclosure"]
        assert not triage.flags["hostile"]


def test_it_returns_one_triage_per_text_with_scores_in_range(classifier):
    triages = classifier.classify(["", "🙏", "ok", "x" * 5000])

    assert len(triages) == 4
    for triage in triages:
        assert triage.model_version == classifier.version
        assert set(triage.scores) == set(triage.flags)
        assert all(0.0 <= s <= 1.0 for s in triage.scores.values())
    assert classifier.classify([]) == []


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Where can I report this at my school?", "en"),
        ("It happened to me in my first year and nobody believed me", "en"),
        ("Dove posso chiedere aiuto all'università?", "it"),
        ("È successo anche a me durante una festa", "it"),
        ("¿Dónde puedo denunciar esto en mi universidad?", "other"),
        ("Merci pour votre travail, c'est très important.", "other"),
        ("Wo kann ich das an meiner Uni melden?", "other"),
        ("Спасибо за вашу работу", "other"),
        ("🙏🙏", "other"),
    ],
)
def test_it_detects_english_italian_and_other_languages(text, lang):
    assert detect_language(text) == lang


def test_an_unknown_version_is_a_clear_error():
    with pytest.raises(ModelNotFound, match="available"):
        load_classifier("99.0.0")


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0", "1.2.0"])
def test_earlier_versions_still_load_with_their_own_character_n_grams(version):
    model = load_classifier(version)

    assert model.wide_columns is None  # no column with character 2-grams: 3-5 throughout, as before
    assert model.classify(["It happened to me in my first year and nobody believed me"])[0].scores


def _triage(**flags: bool) -> Triage:
    return Triage(lang="en", scores={}, flags=flags, model_version="test")


def test_disclosures_come_first_then_questions_and_hostile_goes_to_review():
    assert triage_priority(_triage(disclosure=True, hostile=True, spam=True)) is Priority.DISCLOSURE
    assert triage_priority(_triage(question=True, on_topic=True)) is Priority.QUESTION
    assert triage_priority(_triage(question=True, hostile=True)) is Priority.HOSTILE
    assert triage_priority(_triage(spam=True, question=True)) is Priority.LOW
    assert triage_priority(_triage(supportive=True)) is Priority.SUPPORTIVE
    assert triage_priority(_triage(on_topic=True)) is Priority.NORMAL
    assert triage_priority(_triage()) is Priority.LOW
    assert Priority.DISCLOSURE < Priority.QUESTION < Priority.HOSTILE < Priority.LOW


def test_the_shipped_model_uses_character_bigrams_for_disclosure_only():
    model = load_classifier("1.3.0")

    wide_labels = {model.labels[j] for j in np.flatnonzero(model.mix[model.wide_columns].any(axis=0))}
    assert wide_labels == {"disclosure"}
    assert model.idf_wide is not None and model.idf_wide.shape == model.idf.shape
    assert model.lexicon_coef is None  # no cue columns before 1.4.0


def _labels_of(model, columns) -> set[str]:
    return {model.labels[j] for j in np.flatnonzero(model.mix[columns].any(axis=0))}


def test_the_shipped_model_adds_cue_columns_to_on_topic_and_disclosure_and_bigrams_to_spam():
    model = load_classifier("1.4.0")

    assert _labels_of(model, model.wide_columns) == {"disclosure", "spam"}
    assert _labels_of(model, model.lexicon_coef.any(axis=0)) == {"on_topic", "disclosure"}
    # A first-person account of harm weighs towards a disclosure in both languages.
    assert (model.lexicon_coef[2] @ model.mix)[model.labels.index("disclosure")] > 0


def test_the_shipped_model_cuts_on_topic_per_language_and_keeps_1_4_0s_heads():
    model, older = load_classifier("1.5.0"), load_classifier("1.4.0")

    assert _labels_of(model, model.wide_columns) == {"disclosure", "spam"}
    assert _labels_of(model, model.lexicon_coef.any(axis=0)) == {"on_topic", "disclosure"}
    assert not any("@" in key for key in older.thresholds)  # one threshold per label up to 1.4.0
    j = model.labels.index("on_topic")
    en, it = model.thresholds["on_topic@en"], model.thresholds["on_topic@it"]
    assert en != it
    # A score between the two cuts is on topic in one language and not in the other.
    probs = np.full((3, len(model.labels)), (en + it) / 2, dtype=np.float32)
    flags = model.flags(probs, ["en", "it", "other"])[:, j]
    assert flags.tolist() == [en < it, it < en, model.thresholds["on_topic"] <= (en + it) / 2]


def test_serving_hashes_exactly_as_scikit_learn_did_when_the_model_was_trained():
    # Serving hashes with mmh3 so that it never imports scikit-learn; the shipped weights are
    # indexed by scikit-learn's murmurhash3_32. One differing hash would silently move a feature.
    import random

    from sklearn.utils import murmurhash3_32 as sklearn_hash

    from campusvoice.conversations.classifier.features import murmurhash3_32

    rnd = random.Random(7)
    alphabet = "abcxyz ÀàèéìòùçßÆ’'?!#@_-0123456789🙂🏳️‍🌈\u202e\u200b"
    texts = ["", " ", "consenso", "stupro", " i' ", "#metoo"]
    texts += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 14))) for _ in range(20_000)]
    for seed in (0, 1):
        assert [murmurhash3_32(t, seed=seed) for t in texts] == [
            sklearn_hash(t, seed=seed, positive=True) for t in texts
        ]


def test_loading_the_classifier_does_not_import_scikit_learn():
    import subprocess
    import sys

    code = (
        "import sys; from campusvoice.conversations.classifier import load_classifier; "
        "load_classifier().classify(['ciao']); print('sklearn' in sys.modules)"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a constant script
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_the_shipped_model_from_1_6_0_counts_distinct_tokens_without_cue_columns():
    model = load_classifier("1.6.0")

    assert model.distinct_tokens is True
    assert model.lexicon_coef is None
    assert _labels_of(model, model.wide_columns) == {"disclosure", "spam"}
    # Only question still blends a binary-rows head with a TF-IDF one.
    assert _labels_of(model, ~model.tfidf_heads) == {"question"}
    assert "on_topic@en" in model.thresholds and "on_topic@it" in model.thresholds
