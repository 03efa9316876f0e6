"""The classifier's command line, shared by ``python -m campusvoice.conversations.classifier`` (no
Django) and the ``campusvoice classify`` / ``campusvoice classifier`` management commands.

Examples:
    python -m campusvoice.conversations.classifier classify --in comments.jsonl --out triage.csv
    python -m campusvoice.conversations.classifier train --without ami2020_it --out /tmp/models
    python -m campusvoice.conversations.classifier eval --baseline
"""

import argparse
import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .datasets import ALL_DATASETS, LABELS, OWN_DATA_DIR, RESTRICTED_DATASETS, SHIPPED_DATASETS
from .files import InputError, comments_classify_file
from .model import ARTEFACTS_DIR, ModelNotFound, load_classifier, versions_available

Echo = Callable[[str], None]


class CliError(Exception):
    """Reported on stderr with exit status 2 (CommandError under Django)."""


def classify_add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--in", dest="in_path", type=Path, required=True, help="CSV with a 'text' column, or JSONL"
    )
    parser.add_argument("--out", dest="out_path", type=Path, required=True, help="CSV to write")
    parser.add_argument(
        "--model-version", dest="version", default=None, help="model version (default: the newest shipped)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def train_add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="DATASET",
        choices=ALL_DATASETS,
        help="leave a dataset out",
    )
    parser.add_argument(
        "--with",
        dest="with_",
        action="append",
        default=[],
        metavar="DATASET",
        choices=RESTRICTED_DATASETS,
        help="add a restricted dataset (research use only; see docs/model-card.md)",
    )
    parser.add_argument("--out", type=Path, default=ARTEFACTS_DIR, help="directory for the artefact")
    parser.add_argument(
        "--model-version", dest="version", default=None, help="version to write (default: next patch version)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--force", action="store_true", help="write even if validation F1 got worse")
    parser.add_argument(
        "--jobs", type=int, default=1, help="fit this many C values at once (threads; same model either way)"
    )


def eval_add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model-version", dest="version", default=None, help="model version (default: the newest shipped)"
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also train the TF-IDF + LR baseline and compare (about a minute)",
    )


def classify_run(*, in_path: Path, out_path: Path, version: str | None, quiet: bool, echo: Echo) -> int:
    from tqdm import tqdm

    try:
        model = load_classifier(version)
    except ModelNotFound as exc:
        raise CliError(str(exc)) from exc
    big = in_path.is_file() and in_path.stat().st_size > 1_000_000
    progress = None if quiet or not big else (lambda **kw: tqdm(file=sys.stderr, **kw))
    try:
        count = comments_classify_file(in_path=in_path, out_path=out_path, model=model, progress=progress)
    except InputError as exc:
        raise CliError(str(exc)) from exc
    echo(f"{count} comments classified with triage model {model.version} into {out_path}")
    return count


def _next_version(directory: Path) -> str:
    available = versions_available(directory) if directory.is_dir() else []
    if not available:
        return "1.0.0"
    major, minor, patch = (int(p) for p in available[-1].split("."))
    return f"{major}.{minor}.{patch + 1}"


def train_run(
    *,
    without: list[str],
    with_: list[str],
    out: Path,
    version: str | None,
    seed: int,
    force: bool,
    echo: Echo,
    jobs: int = 1,
) -> Path:
    from .datasets import examples_load
    from .training import promote_if_not_worse, train, validation_report

    datasets = [name for name in (*SHIPPED_DATASETS, *with_) if name not in without]
    if not datasets:
        raise CliError("every dataset was left out: nothing to train on")
    version = version or _next_version(out)
    echo(f"training triage model {version} on: {', '.join(datasets)}")
    try:
        examples = examples_load(datasets=tuple(datasets))
    except FileNotFoundError as exc:
        raise CliError(f"training data missing: {exc.filename} (set CAMPUSVOICE_SHARED_DATA)") from exc
    model, report = train(examples=examples, seed=seed, version=version, jobs=jobs, log=echo)
    echo(report_format(report))
    current = versions_available(out) if out.is_dir() else []
    if current and not force:
        # The current model scored on the candidate's validation rows, as the moderators' retraining
        # does: the report stored in its artefact is of the data it was trained with, and new rows
        # of ours change the split.
        old = load_classifier(current[-1], directory=out)
        old_report = validation_report(old, examples=examples)
        if not promote_if_not_worse(report, old_report):
            echo(report_format(report, other=old_report, other_name=current[-1]))
            raise CliError(
                f"not written: a label's validation F1 fell more than one point below {current[-1]} "
                "on the same rows (--force writes it anyway)"
            )
    path = model.save(out)
    echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return path


def report_format(report: dict, *, other: dict | None = None, other_name: str = "baseline") -> str:
    """A plain-text table: precision, recall, F1 (and positives/rows) per label and slice."""
    slices = ("all", "en", "it", "campus", "campus_en", "campus_it")
    lines = [f"{'label':<11} {'slice':<10} {'P':>6} {'R':>6} {'F1':>6} {'pos/n':>12}"]
    if other:
        lines[0] += f"  {other_name + ' F1':>12}"
    for label in LABELS:
        for name in slices:
            m = report[label][name]
            if not m["n"]:
                continue
            line = (
                f"{label:<11} {name:<10} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}"
                f" {str(m['positives']) + '/' + str(m['n']):>12}"
            )
            if other:
                line += f"  {other[label][name]['f1']:>12.3f}"
            lines.append(line)
    return "\n".join(lines)


def language_accuracy(texts: list[str], truth: list[str]) -> dict[str, float]:
    from .lang import detect_languages, quick_language

    started = time.perf_counter()
    found = detect_languages(texts)
    elapsed = time.perf_counter() - started
    quick = sum(1 for t in texts if quick_language(t) is not None)
    result = {"accuracy": sum(a == b for a, b in zip(found, truth, strict=True)) / max(1, len(texts))}
    for lang in ("en", "it", "other"):
        idx = [i for i, t in enumerate(truth) if t == lang]
        if idx:
            result[f"accuracy_{lang}"] = sum(found[i] == lang for i in idx) / len(idx)
    result["settled_without_lingua"] = quick / max(1, len(texts))
    result["per_second"] = len(texts) / max(elapsed, 1e-9)
    return result


def eval_run(*, version: str | None, baseline: bool, echo: Echo) -> dict:
    from .datasets import examples_load, split_of
    from .training import validation_scores

    try:
        model = load_classifier(version)
    except ModelNotFound as exc:
        raise CliError(str(exc)) from exc
    datasets = model.meta.get("datasets", list(SHIPPED_DATASETS))
    echo(f"triage model {model.version}, validation split of: {', '.join(datasets)}")
    try:
        report = validation_scores(model, datasets=datasets)
        examples = [e for e in examples_load(datasets=datasets) if split_of(e) == "validation"]
    except FileNotFoundError as exc:
        raise CliError(f"validation data missing: {exc.filename} (set CAMPUSVOICE_SHARED_DATA)") from exc
    base_report = None
    if baseline:
        from .baseline import baseline_train

        echo("training the TF-IDF + LR baseline on the same split ...")
        _base, base_report = baseline_train(examples_load(datasets=datasets))
    echo(report_format(report, other=base_report))
    with (OWN_DATA_DIR / "lang_other.csv").open(encoding="utf-8", newline="") as fh:
        other = [row["text"] for row in csv.DictReader(fh)]
    texts = [e.text for e in examples] + other
    truth = [e.lang for e in examples] + ["other"] * len(other)
    acc = language_accuracy(texts, truth)
    echo(
        "language: "
        + ", ".join(f"{k}={v:.3f}" if k != "per_second" else f"{k}={v:.0f}" for k, v in acc.items())
        + f" ({len(texts)} texts)"
    )
    return {"report": report, "baseline": base_report, "language": acc}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m campusvoice.conversations.classifier",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    classify_add_arguments(sub.add_parser("classify", help="classify a CSV or JSONL file of comments"))
    train_add_arguments(sub.add_parser("train", help="train a new model version from the datasets"))
    eval_add_arguments(sub.add_parser("eval", help="print validation figures per label and language"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    def echo(msg: str) -> None:
        print(msg, file=sys.stderr if args.command == "classify" else sys.stdout)

    try:
        if args.command == "classify":
            classify_run(
                in_path=args.in_path,
                out_path=args.out_path,
                version=args.version,
                quiet=args.quiet,
                echo=echo,
            )
        elif args.command == "train":
            train_run(
                without=args.without,
                with_=args.with_,
                out=args.out,
                version=args.version,
                seed=args.seed,
                force=args.force,
                echo=echo,
                jobs=args.jobs,
            )
        else:
            eval_run(version=args.version, baseline=args.baseline, echo=echo)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
