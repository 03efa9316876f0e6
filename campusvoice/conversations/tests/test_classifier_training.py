"""Training on tiny subsets: determinism, left-out data, the promotion rule, and a saved artefact."""

import numpy as np
import pytest

from campusvoice.conversations.classifier import Example, load_classifier, promote_if_not_worse, train
from campusvoice.conversations.classifier.datasets import LABELS, load_own

PROBES = [
    "Where can I report this at my school?",
    "È successo anche a me durante una festa.",
    "Follow for follow, link in bio",
    "She was drunk, what did she expect",
]


@pytest.fixture(scope="module")
def tiny() -> list[Example]:
    # Every eighth own row: a few hundred examples, all labels present, seconds to train.
    rows = [e for lang in ("en", "it") for e in load_own(lang)]
    return rows[::8]


@pytest.fixture(scope="module")
def trained(tiny):
    return train(examples=tiny, c_grid=(1.0,), seed=0, version="3.2.1")


def _scores(model) -> np.ndarray:
    return model.scores(PROBES)[1]


def test_training_twice_gives_identical_models_and_predictions(tiny, trained):
    first, report_1 = trained
    second, report_2 = train(examples=tiny, c_grid=(1.0,), seed=0, version="3.2.1")

    assert np.array_equal(first.coef, second.coef)
    assert first.thresholds == second.thresholds
    assert np.array_equal(_scores(first), _scores(second))
    assert report_1 == report_2


def test_training_works_with_a_label_missing_and_that_head_never_flags(tiny):
    no_spam = [e for e in tiny if e.labels["spam"] != 1]

    model, report = train(examples=no_spam, c_grid=(1.0,))

    assert not any(t.flags["spam"] for t in model.classify(PROBES))
    assert report["spam"]["all"]["positives"] == 0


def test_extra_examples_join_the_training_data(tiny):
    labels = dict.fromkeys(LABELS, 0) | {"spam": 1}
    extra = [Example(f"zorblax offer number {i}", "en", "moderators", labels) for i in range(40)]

    model, _report = train(examples=tiny, extra_examples=extra, c_grid=(1.0,))

    assert model.meta["rows"]["moderators"] == 40
    assert model.classify(["zorblax offer"])[0].scores["spam"] > 0.5


def test_a_saved_model_loads_back_with_the_same_scores(trained, tmp_path):
    model, _report = trained

    model.save(tmp_path)
    loaded = load_classifier(directory=tmp_path)

    assert loaded.version == "3.2.1"
    assert loaded.thresholds == model.thresholds
    # From 1.6.0: on_topic's TF-IDF head, question's binary and TF-IDF heads, then disclosure's head
    # (2-5-grams), hostile, supportive and spam (2-5-grams).
    assert list(model.wide_columns) == [False, False, False, True, False, False, True]
    assert np.array_equal(loaded.wide_columns, model.wide_columns)
    assert np.array_equal(loaded.idf_wide, model.idf_wide.astype(np.float16).astype(np.float32))
    # No head sees the cue columns any more (1.4.0-1.5.0 only; those artefacts still carry theirs).
    assert model.lexicon_coef is None and loaded.lexicon_coef is None
    assert loaded.distinct_tokens is model.distinct_tokens is True
    assert np.allclose(_scores(loaded), _scores(model), atol=1e-6)


def _report(**f1: float) -> dict:
    return {label: {"all": {"f1": value}} for label, value in f1.items()}


def test_a_new_version_is_promoted_only_if_no_label_drops_more_than_a_point():
    old = _report(question=0.80, hostile=0.70)

    assert promote_if_not_worse(_report(question=0.80, hostile=0.70), old)
    assert promote_if_not_worse(_report(question=0.791, hostile=0.75), old)
    assert not promote_if_not_worse(_report(question=0.785, hostile=0.90), old)
    assert not promote_if_not_worse(_report(hostile=0.90), old)
    assert promote_if_not_worse(_report(question=0.77, hostile=0.70), old, tolerance=0.05)


def test_the_serving_path_computes_the_same_scores_as_the_training_matrix():
    from campusvoice.conversations.classifier.features import N_FEATURES, featurise, margins

    texts = [*PROBES, "", "🙏🙏", "ok ok ok ok", "Dove? Dove?? @user https://x.example/abc"]
    langs = ["en", "it", "other", "en", "it", "other", "en", "it"]
    rng = np.random.default_rng(0)
    coef = rng.normal(size=(N_FEATURES, len(LABELS))).astype(np.float32)
    intercept = rng.normal(size=len(LABELS)).astype(np.float32)

    expected = featurise(texts, langs) @ coef + intercept

    assert np.allclose(margins(texts, langs, coef, intercept), expected, atol=1e-4)


@pytest.mark.parametrize("distinct", [False, True], ids=["every-occurrence", "distinct-tokens"])
def test_the_serving_path_matches_the_training_matrix_with_tf_idf_features(distinct):
    from campusvoice.conversations.classifier.features import N_FEATURES, analyse, featurise, margins

    texts = [
        *PROBES,
        "",
        "🙏🙏",
        "ok ok ok ok",
        "Dove? Dove?? @user https://x.example/abc",
        "she said no, no, no",
    ]
    langs = ["en", "it", "other", "en", "it", "other", "en", "it", "en"]
    rng = np.random.default_rng(1)
    coef = rng.normal(size=(N_FEATURES, len(LABELS))).astype(np.float32)
    intercept = rng.normal(size=len(LABELS)).astype(np.float32)
    idf = rng.uniform(1.0, 9.0, size=N_FEATURES).astype(np.float32)
    idf[-3:] = 1.0  # the language one-hot is not idf-weighted

    expected = featurise(texts, langs, idf, distinct=distinct) @ coef + intercept

    binary = featurise(texts, langs, distinct=distinct) @ coef + intercept
    tfidf_heads = np.array([True, False, True, False, True, False])

    # Serving folds idf into the TF-IDF heads' weights and only normalises per comment.
    folded = np.where(tfidf_heads[None, :], coef * idf[:, None], coef)
    analysed = analyse(texts, langs, distinct=distinct)
    served = margins(texts, langs, folded, intercept, idf, tfidf_heads, analysed=analysed)
    assert np.allclose(served[:, tfidf_heads], expected[:, tfidf_heads], atol=1e-3)
    assert np.allclose(served[:, ~tfidf_heads], binary[:, ~tfidf_heads], atol=1e-4)


def test_the_serving_path_matches_the_training_matrix_with_character_bigrams():
    from campusvoice.conversations.classifier.features import N_FEATURES, featurise, margins

    texts = [*PROBES, "", "io", "mi è successo", "Dove? Dove?? @user https://x.example/abc"]
    langs = ["en", "it", "other", "en", "it", "it", "it", "it"]
    rng = np.random.default_rng(2)
    coef = rng.normal(size=(N_FEATURES, len(LABELS))).astype(np.float32)
    intercept = rng.normal(size=len(LABELS)).astype(np.float32)
    wider = (2, 3, 4, 5)

    expected = featurise(texts, langs, char_ngrams=wider) @ coef + intercept

    assert np.allclose(margins(texts, langs, coef, intercept, char_ngrams=wider), expected, atol=1e-4)
    # Each range keeps its own token cache: the 3-5 features are unchanged after a 2-5 call.
    narrow = featurise(texts, langs) @ coef + intercept
    assert not np.allclose(narrow, expected, atol=1e-3)
    assert np.allclose(margins(texts, langs, coef, intercept), narrow, atol=1e-4)


def test_the_served_model_scores_the_validation_rows_as_training_reported(tiny, trained):
    from campusvoice.conversations.classifier.training import validation_report

    model, report = trained

    # Serving computes the 2-5-gram disclosure heads from the same tokens as the 3-5-gram ones.
    assert model.wide_columns is not None and model.wide_columns.any()
    assert validation_report(model, examples=tiny) == report


def test_the_disclosure_cues_see_first_person_and_harm_together_in_english_and_italian():
    from campusvoice.conversations.classifier.features import LEXICON, analyse, lexicon

    texts = [
        "A guy in my dorm groped me last spring",
        "Sono stata molestata da un docente",
        "I saw a TA kiss a student who pushed him away",
        "It happened to me in my first year",
        "Harassment is never the victim's fault",
        "I love this campaign",
        "",
    ]
    cues = lexicon(analyse(texts, ["en", "it", "en", "en", "en", "en", "en"]))
    column = {name: cues[:, k].astype(bool).tolist() for k, name in enumerate(LEXICON)}

    assert column["first_person_harm"] == [True, True, True, False, False, False, False]
    assert column["witnessed_harm"] == [False, False, True, False, False, False, False]
    assert column["first_person_event"] == [False, False, False, True, False, False, False]
    assert column["harm"] == [True, True, True, False, True, False, False]
    assert column["first_person"] == [True, True, True, True, False, True, False]


def test_a_model_trained_with_cue_columns_carries_them_for_those_heads_and_serves_as_trained(tiny, tmp_path):
    # 1.4.0 and 1.5.0 shipped cue columns for on_topic and disclosure; from 1.6.0 the default is none.
    from campusvoice.conversations.classifier.training import validation_report

    model, report = train(examples=tiny, c_grid=(1.0,), lexicon_labels=("on_topic", "disclosure"))

    with_cues = model.mix[:, [LABELS.index("on_topic"), LABELS.index("disclosure")]].any(axis=1)
    assert model.lexicon_coef.any() and not model.lexicon_coef[:, ~with_cues].any()
    assert validation_report(model, examples=tiny) == report
    model.save(tmp_path)
    loaded = load_classifier(directory=tmp_path)
    assert np.array_equal(loaded.lexicon_coef, model.lexicon_coef)
    assert np.allclose(_scores(loaded), _scores(model), atol=1e-6)


def test_the_disclosure_threshold_falls_back_to_the_tuning_slice_when_a_fold_lacks_positives(tiny):
    from campusvoice.conversations.classifier.datasets import split_of

    disclosures = [
        e
        for e in tiny
        if e.labels["disclosure"] == 1 and split_of(e) == "fit" and not e.group.startswith("gen-")
    ]
    rare = [e for e in tiny if e.labels["disclosure"] != 1] + disclosures[:1]
    logged: list[str] = []

    model, _report = train(examples=rare, c_grid=(1.0,), log=logged.append)

    assert not any(line.startswith("disclosure: threshold from") for line in logged)
    assert any(line.startswith("on_topic: threshold from") for line in logged)  # it has positives
    assert 0.0 <= model.thresholds["disclosure"] <= 1.0


def test_the_disclosure_and_hostile_thresholds_come_from_out_of_fold_scores(tiny):
    logged: list[str] = []

    model, _report = train(examples=tiny, c_grid=(1.0,), log=logged.append)
    tuned, _ = train(examples=tiny, c_grid=(1.0,), threshold_folds=0)

    assert any("disclosure: threshold from 4-fold out-of-fold scores" in line for line in logged)
    assert any("on_topic: threshold from 4-fold out-of-fold scores" in line for line in logged)
    assert any("hostile: threshold from 4-fold out-of-fold scores" in line for line in logged)
    assert model.thresholds["disclosure"] != tuned.thresholds["disclosure"]
    assert model.thresholds["hostile"] != tuned.thresholds["hostile"]
    # on_topic (1.5.0) also gets one threshold per detected language; disclosure and hostile keep one.
    assert {"on_topic@en", "on_topic@it"} <= model.thresholds.keys()
    assert not any(key.startswith(("disclosure@", "hostile@")) for key in model.thresholds)
    assert not any("@" in key for key in tuned.thresholds)
    cross_validated = ("on_topic", "disclosure", "hostile")
    assert {k: v for k, v in model.thresholds.items() if k.split("@")[0] not in cross_validated} == {
        k: v for k, v in tuned.thresholds.items() if k.split("@")[0] not in cross_validated
    }


def test_a_per_language_threshold_decides_the_flag_for_that_language_only():
    from campusvoice.conversations.classifier.model import thresholds_matrix

    labels = ("on_topic", "spam")
    thresholds = {"on_topic": 0.5, "on_topic@it": 0.3, "spam": 0.7}

    cuts = thresholds_matrix(thresholds, labels, ["en", "it", "other"])

    assert cuts.tolist() == [[0.5, 0.7], [0.3, 0.7], [0.5, 0.7]]
    # A model without per-language thresholds (up to 1.4.0) cuts every language alike.
    assert thresholds_matrix({"on_topic": 0.5, "spam": 0.7}, labels, ["it"]).tolist() == [[0.5, 0.7]]


def test_the_served_flags_use_the_detected_languages_threshold(trained):
    import dataclasses

    model, _report = trained
    texts = ["Consent matters on every campus", "Il consenso conta in ogni università"]
    langs, _probs = model.scores(texts)
    thresholds = {**model.thresholds, "on_topic": 1.01, "on_topic@en": 1.01, "on_topic@it": 0.0}
    split = dataclasses.replace(model, thresholds=thresholds)

    flags = [t.flags["on_topic"] for t in split.classify(texts)]

    assert langs == ["en", "it"]
    assert flags == [False, True]


def test_a_tokens_2_5_gram_hashes_derived_from_its_3_5_gram_entry_equal_hashing_it_afresh():
    from campusvoice.conversations.classifier import features

    tokens = ["i", "io", "harassed", "molestata", "università", "😀", "?", "i'm", "zz", "x"]
    features._caches.clear()
    features._entries(tokens, features.CHAR_NGRAMS)  # serving fills the 3-5 cache first

    derived = features._entries(tokens, features.WIDE_CHAR_NGRAMS)

    assert derived == [features._token_hashes(token, features.WIDE_CHAR_NGRAMS) for token in tokens]
    assert all(
        set(n[1]) < set(w[1])
        for n, w in zip(features._entries(tokens, features.CHAR_NGRAMS), derived, strict=True)
    )


def test_with_distinct_tokens_each_token_and_bigram_counts_once_per_comment():
    from campusvoice.conversations.classifier.features import analyse

    texts = ["ok ok ok ok", "a b a b", "", "mi ha seguita, mi ha seguita"]
    langs = ["en", "en", "other", "it"]

    every = analyse(texts, langs)
    once = analyse(texts, langs, distinct=True)

    assert every.lengths.tolist() == [4, 4, 0, 7]
    assert once.lengths.tolist() == [1, 2, 0, 4]  # ok | a b | - | mi ha seguita ,
    assert once.bigram_lengths.tolist() == [1, 2, 0, 4]  # "ok ok" | "a b", "b a" | - | 3 + ", mi"
    # The tokens keep their comment and their first-seen order.
    assert [once.vocab[i] for i in once.ids] == ["ok", "a", "b", "mi", "ha", "seguita", ","]


def test_with_distinct_tokens_repeating_a_word_past_its_first_bigram_changes_nothing():
    from campusvoice.conversations.classifier.features import N_FEATURES, featurise

    idf = np.random.default_rng(3).uniform(1.0, 9.0, size=N_FEATURES).astype(np.float32)

    four, two = (featurise([text], ["en"], idf, distinct=True).toarray() for text in ("ok ok ok ok", "ok ok"))

    assert np.allclose(four, two)
    assert not np.allclose(featurise(["ok ok ok ok"], ["en"], idf).toarray(), two)


def test_a_model_keeps_its_token_counting_through_the_artefact_and_older_ones_count_every_token(trained):
    from campusvoice.conversations.classifier.model import artefact_dump, artefact_load

    model, _report = trained
    assert model.distinct_tokens is True
    assert model.meta["distinct_tokens"] is True
    again = artefact_load(*artefact_dump(model))
    assert again.distinct_tokens is True
    assert np.allclose(again.scores(PROBES)[1], model.scores(PROBES)[1], atol=1e-6)

    older = load_classifier("1.5.0")
    assert older.distinct_tokens is False
    assert load_classifier().distinct_tokens is True  # the shipped model, from 1.6.0


def test_the_hostile_head_weighs_our_own_rows_more_than_the_other_heads_do(tiny):
    from campusvoice.conversations.classifier.training import OWN_WEIGHT, _weights, prepare

    rows = [*tiny[:20], Example("a public tweet", "en", "ami2018_en", {"hostile": 1})]
    data = prepare(rows)
    own = np.array([e.source.startswith("own") for e in rows])

    assert set(_weights(data, "disclosure")[own]) == {OWN_WEIGHT}
    assert set(_weights(data, "hostile")[own]) == {8.0}
    assert set(_weights(data, "hostile")[~own]) == set(_weights(data, "disclosure")[~own]) == {1.0}


def test_a_label_with_a_public_tolerance_keeps_the_public_posts_within_it_of_their_best_cut(monkeypatch):
    from campusvoice.conversations.classifier import training

    # Public rows: positives at 0.9, 0.8, 0.7; negatives at 0.6 and 0.5 and then one at every score
    # down to 0.1. Campus rows: positives at 0.35 and 0.3, a negative at 0.05. The mean F1 of the
    # two domains is best at a cut low enough for the campus positives (0.3); the public rows alone
    # are best at 0.7 (F1 1.0) and lose more than a point at any cut below 0.7.
    public_pos, public_neg = [0.9, 0.8, 0.7], [0.6, 0.5, 0.45, 0.4, 0.25, 0.2, 0.1]
    campus_pos, campus_neg = [0.35, 0.3], [0.05]
    scores = np.array(public_pos + public_neg + campus_pos + campus_neg)
    y = np.array([1] * 3 + [0] * 7 + [1] * 2 + [0])
    campus = np.array([False] * 10 + [True] * 3)

    monkeypatch.setattr(training, "PUBLIC_F1_TOLERANCE", {})
    free, _ = training.threshold_pick("hostile", y, scores, campus)
    monkeypatch.setattr(training, "PUBLIC_F1_TOLERANCE", {"hostile": 0.01})
    held, _ = training.threshold_pick("hostile", y, scores, campus)
    other, _ = training.threshold_pick("supportive", y, scores, campus)

    assert free == pytest.approx(0.3)
    assert held == pytest.approx(0.7)  # the only cut within a point of the public best
    assert other == pytest.approx(0.3)  # a label without a tolerance: the mean alone


def test_train_compares_with_the_current_model_rescored_on_the_candidates_rows(tiny, tmp_path, monkeypatch):
    import json

    from campusvoice.conversations.classifier import cli, datasets

    monkeypatch.setattr(datasets, "examples_load", lambda datasets: list(tiny))
    said = []

    def run():
        cli.train_run(without=[], with_=[], out=tmp_path, version=None, seed=0, force=False, echo=said.append)

    run()
    # The current model's stored report claims a perfect score; the old rule compared with it and
    # refused every candidate. Scored again on the same rows it equals the candidate, which passes.
    meta_path = tmp_path / "triage-1.0.0.json"
    meta = json.loads(meta_path.read_text())
    for slices in meta["validation"].values():
        for figures in slices.values():
            figures["f1"] = 1.0
    meta_path.write_text(json.dumps(meta))

    run()

    assert (tmp_path / "triage-1.0.1.json").exists()
    assert not any("not written" in line for line in said)
