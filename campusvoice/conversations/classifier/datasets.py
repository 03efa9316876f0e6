"""Training examples for the triage labels, from the public sets in shared/data and our own CSVs.

Each loader maps its source's labels onto ours and leaves a label as ``None`` where the source says
nothing about it: a head is trained and evaluated only on rows that know its label. The mapping is
documented in docs/model-card.md; the short reasons sit next to each loader.
"""

import csv
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

LABELS = ("on_topic", "question", "disclosure", "hostile", "supportive", "spam")
OWN_DATA_DIR = Path(__file__).resolve().parent / "data"


def shared_data_dir() -> Path:
    """shared/data sits beside the work tree here and in CI; CAMPUSVOICE_SHARED_DATA overrides it."""
    env = os.environ.get("CAMPUSVOICE_SHARED_DATA")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[3]
    for candidate in (repo.parent / "shared" / "data", repo / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return repo.parent / "shared" / "data"


@dataclass(frozen=True)
class Example:
    text: str
    lang: str  # "en" or "it": the source's language, used to report per-language figures
    source: str  # dataset name
    labels: dict[str, int | None] = field(default_factory=dict)
    group: str = ""  # rows of one group always fall on the same side of the split

    def label(self, name: str) -> int | None:
        return self.labels.get(name)


def _labels(**known: int | None) -> dict[str, int | None]:
    return {name: known.get(name) for name in LABELS}


# Public tweets and posts are neither spam nor a campus disclosure, as far as we can tell; a tweet
# without a question mark is taken as "not a question", one with a question mark is left unknown.
def _public(text: str, **known: int | None) -> dict[str, int | None]:
    base = {"spam": 0, "disclosure": 0, "question": None if "?" in text else 0}
    base.update(known)
    return _labels(**base)


def _tsv(path: Path, *, header: bool = True) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        if header:
            next(reader)
        yield from reader


def load_ami2018_en(root: Path) -> Iterator[Example]:
    # Misogyny is hostile; only the sexual-harassment category is clearly about our topic.
    for _id, text, mis, category, _target in _tsv(root / "ami2018_en" / "en_training_anon.tsv"):
        on_topic = 1 if category == "sexual_harassment" else None
        yield Example(text, "en", "ami2018_en", _public(text, hostile=int(mis), on_topic=on_topic))


def load_ami2020_it(root: Path) -> Iterator[Example]:
    # The synthetic template file is for bias checks, not training (see its SOURCE.md).
    for _id, text, mis, aggr in _tsv(root / "ami2020_it" / "training_raw_groundtruth.tsv"):
        hostile = int(mis == "1" or aggr == "1")
        yield Example(text, "it", "ami2020_it", _public(text, hostile=hostile))


def load_tweeteval_hate_en(root: Path) -> Iterator[Example]:
    base = root / "tweeteval_hate_en"
    for part in ("train", "val"):
        texts = (base / f"{part}_text.txt").read_text(encoding="utf-8").splitlines()
        labels = (base / f"{part}_labels.txt").read_text(encoding="utf-8").split()
        for text, label in zip(texts, labels, strict=True):
            yield Example(text.strip(), "en", "tweeteval_hate_en", _public(text, hostile=int(label)))


def load_call_me_sexist_en(root: Path) -> Iterator[Example]:
    # Questionnaire items ("scales") are not comments; the adversarial edits keep their original's group.
    with (root / "call_me_sexist_en" / "dataset.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["dataset"] == "scales":
                continue
            group = row["of_id"] if row["of_id"] != "-1" else row["id"]
            text = row["text"]
            hostile = int(row["sexist"] == "True")
            yield Example(
                text, "en", "call_me_sexist_en", _public(text, hostile=hostile), group=f"cms-{group}"
            )


def load_guest_reddit_misogyny_en(root: Path) -> Iterator[Example]:
    path = root / "guest_reddit_misogyny_en" / "final_labels_train.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = row["body"].strip()
            if not text or text in ("[deleted]", "[removed]"):
                continue
            hostile = int(row["level_1"] == "Misogynistic")
            on_topic = 1 if "sexual_violence" in row["level_3"].lower() else None
            # Split by thread so replies never sit on both sides.
            yield Example(
                text,
                "en",
                "guest_reddit_misogyny_en",
                _public(text, hostile=hostile, on_topic=on_topic),
                group=f"reddit-{row['link_id']}",
            )


def load_haspeede2018_fb_it(root: Path) -> Iterator[Example]:
    # Facebook comments on politics and immigration: hostile or not, and not about our topic.
    for _id, text, label in _tsv(root / "haspeede2018_fb_it" / "haspeede_FB-train.tsv", header=False):
        yield Example(text, "it", "haspeede2018_fb_it", _public(text, hostile=int(label), on_topic=0))


def load_tweeteval_stance_feminist_en(root: Path) -> Iterator[Example]:
    # favor = supportive; "against the feminist movement" is not necessarily abuse, so hostile stays unknown.
    base = root / "tweeteval_stance_feminist_en"
    for part in ("train", "val"):
        texts = (base / f"{part}_text.txt").read_text(encoding="utf-8").splitlines()
        labels = (base / f"{part}_labels.txt").read_text(encoding="utf-8").split()
        for text, label in zip(texts, labels, strict=True):
            text = text.replace("#SemST", "").strip()
            yield Example(
                text, "en", "tweeteval_stance_feminist_en", _public(text, supportive=int(label == "2"))
            )


ILISTEN_QUESTIONS = {"INFO-REQUEST", "SOLICITATION-REQ_CLARIFICATION", "QUESTION"}


def load_ilisten2018_it(root: Path) -> Iterator[Example]:
    # Diet-advice dialogues: good Italian question/statement turns, never on our topic.
    with (root / "ilisten2018_it" / "training_turns.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            labels = _labels(
                question=int(row["act"] in ILISTEN_QUESTIONS),
                on_topic=0,
                disclosure=0,
                hostile=0,
                supportive=0,
                spam=0,
            )
            yield Example(row["text"], "it", "ilisten2018_it", labels, group=f"ilisten-{row['dialogue']}")


def load_safecity_en_in(root: Path) -> Iterator[Example]:
    # Every story is a first-hand or witnessed account of harassment: disclosure and on topic.
    for name in ("multilabel_train.csv", "multilabel_dev.csv"):
        with (root / "safecity_en_in" / name).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                text = row["Description"].strip()
                labels = _labels(on_topic=1, disclosure=1, spam=0, hostile=0, supportive=0)
                yield Example(text, "en", "safecity_en_in", labels)


def load_own(lang: str) -> Iterator[Example]:
    with (OWN_DATA_DIR / f"own_{lang}.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            labels = {name: int(row[name]) for name in LABELS}
            yield Example(row["text"], row["lang"], f"own_{lang}", labels, group=row["group"])


LOADERS: dict[str, Callable[[Path], Iterator[Example]]] = {
    "ami2018_en": load_ami2018_en,
    "ami2020_it": load_ami2020_it,
    "tweeteval_hate_en": load_tweeteval_hate_en,
    "call_me_sexist_en": load_call_me_sexist_en,
    "guest_reddit_misogyny_en": load_guest_reddit_misogyny_en,
    "haspeede2018_fb_it": load_haspeede2018_fb_it,
    "tweeteval_stance_feminist_en": load_tweeteval_stance_feminist_en,
    "ilisten2018_it": load_ilisten2018_it,
    "safecity_en_in": load_safecity_en_in,
    "own_en": lambda _root: load_own("en"),
    "own_it": lambda _root: load_own("it"),
}
ALL_DATASETS = tuple(LOADERS)

# Kept out of the shipped model. SafeCity's terms allow research use only until SafeCity (Red Dot
# Foundation) gives permission; HaSpeeDe is CC BY-NC-SA and campusvoice is AGPL, which lets anyone
# run it commercially. `classifier train --with safecity_en_in` still trains a research model.
RESTRICTED_DATASETS = ("safecity_en_in", "haspeede2018_fb_it")
SHIPPED_DATASETS = tuple(name for name in ALL_DATASETS if name not in RESTRICTED_DATASETS)

_WS = re.compile(r"\s+")


def examples_load(*, datasets: tuple[str, ...] | list[str], root: Path | None = None) -> list[Example]:
    """All examples of the named datasets, de-duplicated by normalised text (the first one wins)."""
    unknown = [name for name in datasets if name not in LOADERS]
    if unknown:
        raise ValueError(f"unknown dataset(s): {', '.join(unknown)}; known: {', '.join(ALL_DATASETS)}")
    root = root or shared_data_dir()
    seen: set[str] = set()
    out: list[Example] = []
    for name in datasets:
        for example in LOADERS[name](root):
            key = _WS.sub(" ", example.text.strip().lower())
            if not key or key in seen:
                continue
            seen.add(key)
            out.append(example)
    return out


def split_of(example: Example) -> str:
    """'fit' (68 %), 'tune' (12 %: thresholds) or 'validation' (20 %), fixed by a hash of the group or text."""
    if example.group.startswith("gen-"):
        return "fit"  # composed rows share fragments: they would leak into any held-out slice
    key = example.group or example.text
    bucket = int(hashlib.sha256(f"{example.source}:{key}".encode()).hexdigest()[:8], 16) % 100
    if bucket < 20:
        return "validation"
    if bucket < 32:
        return "tune"
    return "fit"
