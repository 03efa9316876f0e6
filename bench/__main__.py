"""`python -m bench [NAME ...]`: run the main() of every bench/bench_*.py module, or of the named ones.

Benchmarks run against a throwaway SQLite database under var/bench/, created and migrated
afresh on each run, with development settings (CAMPUSVOICE_DEBUG=true) so no secret is needed.
"""

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent


def main(argv: list[str]) -> int:
    available = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(BENCH_DIR)])
        if m.name.startswith("bench_")
    )
    names = argv or available
    unknown = [name for name in names if name not in available]
    if unknown:
        print(f"unknown benchmark: {', '.join(unknown)}; choose from {', '.join(available)}", file=sys.stderr)
        return 2
    database = ROOT / "var" / "bench" / "bench.sqlite3"
    database.parent.mkdir(parents=True, exist_ok=True)
    for leftover in database.parent.glob(database.name + "*"):
        leftover.unlink()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campusvoice.settings")
    os.environ["CAMPUSVOICE_DEBUG"] = "true"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    sys.path.insert(0, str(ROOT))

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    for name in names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.bench_{name}").main()
        print(f"== {name}: {time.perf_counter() - started:.1f} s wall", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
