"""Speed benchmarks: `python -m bench` runs them all, `python -m bench NAME` one (see docs/benchmarks.md).

What several PostgreSQL benchmarks share: a fresh database, and a child process that runs the
timed part with DATABASE_URL pointing at it (Django reads its settings once, at start-up).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pg_recreate(url: str) -> None:
    """Drop (disconnecting its sessions) and create the database `url` names."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def run_child_on(database_url: str, module: str, *args: str) -> int:
    """`python -m module --child ARGS` with Django set up on `database_url`; its exit status."""
    env = os.environ | {
        "DATABASE_URL": database_url,
        "CAMPUSVOICE_DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "campusvoice.settings",
    }
    command = [sys.executable, "-m", module, "--child", *args]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode  # noqa: S603
