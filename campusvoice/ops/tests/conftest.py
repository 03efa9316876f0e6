import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def signals_kept():
    """The worker command installs its own SIGINT/SIGTERM handlers: give pytest its own back."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.fixture
def production_env(tmp_path):
    """The environment of a production deployment, with its files under tmp_path.

    SQLite under tmp_path rather than the suite's DATABASE_URL: these subprocesses run outside the
    test database.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CAMPUSVOICE_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        CAMPUSVOICE_DEBUG="false",
        CAMPUSVOICE_TESTING="false",
        CAMPUSVOICE_SECRET_KEY=secrets.token_urlsafe(40)[:50],
        CAMPUSVOICE_ALLOWED_HOSTS="example.org",
        CAMPUSVOICE_VAR_DIR=str(tmp_path),
        CAMPUSVOICE_SHARED_DATA=os.environ.get("CAMPUSVOICE_SHARED_DATA", str(tmp_path / "shared")),
    )
    return env


def campusvoice(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `python -m campusvoice …` as a separate process, as an operator would."""
    return subprocess.run(
        [sys.executable, "-m", "campusvoice", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
