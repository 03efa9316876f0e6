"""The served worker's start-up (campusvoice/wsgi.py): views loaded, then kept out of the collector.

Full garbage collections walking the ~240,000 objects of a loaded worker were the dashboard's
p95 tail (docs/benchmarks.md); gc.freeze() after loading leaves them out of every collection.
"""

import os
import subprocess
import sys

from django.conf import settings


def test_a_worker_loads_every_view_then_freezes_what_it_loaded():
    script = (
        "import gc, sys; import campusvoice.wsgi; "
        "print(gc.get_freeze_count(), 'campusvoice.analytics.views' in sys.modules, gc.get_count()[2])"
    )
    env = os.environ | {"CAMPUSVOICE_DEBUG": "true", "DJANGO_SETTINGS_MODULE": "campusvoice.settings"}

    result = subprocess.run(  # noqa: S603 - our own interpreter and a constant script
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )

    frozen, views_loaded, _oldest = result.stdout.split()
    assert views_loaded == "True"  # the first request no longer imports them after the freeze
    assert int(frozen) > 50_000  # Django, our apps and their libraries
