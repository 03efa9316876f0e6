"""Importing the four real directory sources into an empty SQLite database.

    python -m bench campus_import

Runs directory_import on IPEDS HD2020, HIFLD colleges, the three Clery files and the MUR list
from shared/data (settings.SHARED_DATA_DIR) in the order `campusvoice campuses import-all`
uses, times each file, then runs them all again (every row unchanged). Target, from the
foundation issue: under 30 s in total on SQLite on a 2-core machine. The first MUR import
includes loading the GeoNames gazetteer (about a second).
"""

import os
import resource
import time

TARGET_SECONDS = 30.0


def main() -> None:
    from django.conf import settings

    from campusvoice.campuses.imports import SHARED_DATA_FILES, directory_import
    from campusvoice.campuses.models import ImportRun, IncidentStatistic, University

    University.objects.all().delete()  # a fresh directory even if another benchmark wrote one
    ImportRun.objects.all().delete()
    totals, cpu = [], []
    for label in ("first import", "second import (unchanged)"):
        print(f"-- {label}")
        started, cpu_started = time.perf_counter(), time.process_time()
        for kind, name in SHARED_DATA_FILES:
            file_started = time.perf_counter()
            report = directory_import(kind=kind, path=settings.SHARED_DATA_DIR / name)
            print(f"   {time.perf_counter() - file_started:6.2f} s  {kind:6} {name}: {report}")
        totals.append(time.perf_counter() - started)
        # CPU time of this process (SQLite runs in it): steadier than wall time on a shared machine.
        cpu.append(time.process_time() - cpu_started)
        print(f"   {totals[-1]:6.2f} s  total ({cpu[-1]:.2f} s CPU)")
    load = os.getloadavg()[0]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"campus_import: {University.objects.count()} universities, {IncidentStatistic.objects.count()} statistics; "
        f"first import {totals[0]:.1f} s ({cpu[0]:.1f} s CPU), second {totals[1]:.1f} s ({cpu[1]:.1f} s CPU) "
        f"(target < {TARGET_SECONDS:.0f} s): "
        f"{'OK' if totals[0] < TARGET_SECONDS else 'TOO SLOW'}; peak RSS {peak_mb:.0f} MB; load average {load:.1f}"
    )
