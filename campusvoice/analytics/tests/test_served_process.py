"""The served worker's start-up (campusvoice/wsgi.py): views loaded, then kept out of the collector.

Full garbage collections walking the ~240,000 objects of a loaded worker were the dashboard's
p95 tail (docs/benchmarks.md); gc.freeze() after loading leaves them out of every collection.
"""

import os
import subprocess
import sys

from django.conf import settings


def _served(script: str, **env: str) -> str:
    """What `script` prints when run after loading the application as a served worker does."""
    env = os.environ | {"CAMPUSVOICE_DEBUG": "true", "DJANGO_SETTINGS_MODULE": "campusvoice.settings"} | env
    env.pop("CAMPUSVOICE_TESTING", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and a constant script
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_a_worker_loads_every_view_then_freezes_what_it_loaded():
    script = (
        "import gc, sys; import campusvoice.wsgi; "
        "print(gc.get_freeze_count(), 'campusvoice.analytics.views' in sys.modules, gc.get_count()[2])"
    )
    frozen, views_loaded, _oldest = _served(script).split()
    assert views_loaded == "True"  # the first request no longer imports them after the freeze
    assert int(frozen) > 50_000  # Django, our apps and their libraries


def test_loading_the_application_opens_no_connection_so_the_master_may_load_it_before_forking():
    # gunicorn runs with --preload (ops/services.py): whatever the master opened while loading
    # would be shared by every forked worker. Run with the real services (PostgreSQL and Redis when
    # the suite uses them) and list the sockets the process holds after loading.
    script = (
        "import os; import campusvoice.wsgi; fds = os.listdir('/proc/self/fd'); "
        "print(sum('socket:' in os.readlink(f'/proc/self/fd/{fd}') for fd in fds if os.path.exists(f'/proc/self/fd/{fd}')))"
    )
    cache = os.environ.get("CAMPUSVOICE_CACHE_URL", "redis://127.0.0.1:6379/15")
    sockets = _served(script, CAMPUSVOICE_CACHE_URL=cache)

    assert sockets.split()[-1] == "0"
