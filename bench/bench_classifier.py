"""Comment triage throughput on one core, start-up included.

Runs, in a fresh interpreter pinned to CPU 0 (taskset), the whole serving path: import the
classifier, load the shipped model, detect languages and score every label for N mixed English
and Italian comments taken from our data (own sets and the public training sets, half each
language, no text repeated). The figure is N divided by the wall time of that process.

    python -m bench classifier            # N = 50,000
    python bench/bench_classifier.py 5000
"""

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N = 50_000
TARGET = 5_000  # comments per second, from the inbox issue

WORKER = """
import sys, time
started = time.perf_counter()
from campusvoice.conversations.classifier import load_classifier
texts = open(sys.argv[1], encoding="utf-8").read().split("\\x1e")
model = load_classifier()
loaded = time.perf_counter()
for i in range(0, len(texts), 2048):
    model.classify(texts[i : i + 2048])
done = time.perf_counter()
print(f"{len(texts)} {loaded - started:.3f} {done - started:.3f} {time.process_time():.3f}")
"""


def comments(n: int) -> list[str]:
    from campusvoice.conversations.classifier.datasets import ALL_DATASETS, examples_load

    by_lang: dict[str, list[str]] = {"en": [], "it": []}
    for example in examples_load(datasets=ALL_DATASETS):
        by_lang[example.lang].append(example.text.replace("\x1e", " "))
    half = n // 2
    en, it = by_lang["en"], by_lang["it"]
    # Fewer unique Italian texts exist than N/2: repeat them, nothing is cached between calls.
    it = (it * (half // max(1, len(it)) + 1))[:half]
    texts = [t for pair in zip(en[: n - half], it, strict=False) for t in pair]
    return texts[:n]


def run(n: int = N) -> dict:
    texts = comments(n)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as fh:
        fh.write("\x1e".join(texts))
        path = fh.name
    cmd = [sys.executable, "-c", WORKER, path]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    started = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env, cwd=ROOT).stdout.split()
    wall = time.perf_counter() - started
    Path(path).unlink()
    count, startup, inner, cpu = int(out[0]), float(out[1]), float(out[2]), float(out[3])
    return {
        "comments": count,
        "startup_s": startup,
        "process_s": inner,
        "cpu_s": cpu,
        "wall_s": wall,
        "per_second": count / wall,
        # CPU seconds of the worker: what one uncontended core needs (other jobs share this machine).
        "per_cpu_second": count / cpu,
    }


def main(argv: list[str] | None = None) -> None:
    n = int(argv[0]) if argv else N
    result = run(n)
    print(
        f"classifier: {result['comments']} comments in {result['wall_s']:.2f}s wall on one core "
        f"(start-up {result['startup_s']:.2f}s) = {result['per_second']:,.0f} comments/s; "
        f"{result['cpu_s']:.2f} CPU-s = {result['per_cpu_second']:,.0f} comments per CPU-second "
        f"(target {TARGET:,}/s) on {platform.machine()}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
