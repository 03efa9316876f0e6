"""Speed benchmarks: `python -m bench` runs them all, `python -m bench NAME` one (see docs/benchmarks.md).

What several PostgreSQL benchmarks share: a fresh database, a child process that runs the timed
part with DATABASE_URL pointing at it (Django reads its settings once, at start-up), and the
environment of a server in production mode.
"""

import os
import secrets
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


def production_env(database_url: str, **settings: str) -> dict:
    """The environment of a benchmarked server in production mode behind the bench's "proxy".

    This process's environment without its own CAMPUSVOICE_/DJANGO_ settings, then DEBUG off, a
    random secret key, the loopback host, forwarded headers believed, warnings only in the log,
    and `settings` last.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPUSVOICE_", "DJANGO_"))}
    return (
        env
        | {
            "DJANGO_SETTINGS_MODULE": "campusvoice.settings",
            "DATABASE_URL": database_url,
            "CAMPUSVOICE_DEBUG": "false",
            "CAMPUSVOICE_TESTING": "false",
            "CAMPUSVOICE_SECRET_KEY": secrets.token_urlsafe(50),
            "CAMPUSVOICE_ALLOWED_HOSTS": "127.0.0.1",
            "CAMPUSVOICE_BEHIND_PROXY": "true",
            "CAMPUSVOICE_LOG_LEVEL": "WARNING",
        }
        | settings
    )
