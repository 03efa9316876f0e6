"""Our own labelled sets: the CSVs are what generate.py makes, and a relabelled core keeps its split."""

from campusvoice.conversations.classifier.data import generate
from campusvoice.conversations.classifier.datasets import OWN_DATA_DIR, load_own, split_of


def test_the_committed_csvs_are_exactly_what_generate_makes():
    for lang in ("en", "it"):
        committed = (OWN_DATA_DIR / f"own_{lang}.csv").read_bytes().decode("utf-8")
        assert committed == generate.csv_text(lang), (
            f"own_{lang}.csv is stale: run the generator (see generate.py)"
        )


def test_a_relabelled_core_keeps_its_group_and_variants_and_takes_its_new_labels():
    core = "How do I report a professor who keeps making comments about my body?"
    assert generate.RELABELLED[core] == "disclosure_question"
    rows = [e for e in load_own("en") if e.group == "en-question-003"]
    assert len(rows) == 5
    assert {e.text for e in rows} >= {core}
    assert all(e.label("disclosure") == 1 and e.label("question") == 1 for e in rows)
    # Same group, so the same side of the split as before it was relabelled.
    assert len({split_of(e) for e in rows}) == 1


def test_every_disclosure_core_of_every_round_has_five_distinct_variants_with_no_laugh():
    rows = [e for lang in ("en", "it") for e in load_own(lang) if e.label("disclosure") == 1]
    groups: dict[str, set[str]] = {}
    for e in rows:
        groups.setdefault(e.group, set()).add(e.text)
        assert not e.text.endswith((" lol", " ahah")), e.text
    hand_written = {g: texts for g, texts in groups.items() if not g.startswith("gen-")}
    assert len(hand_written) > 300
    assert all(len(texts) == 5 for texts in hand_written.values())
