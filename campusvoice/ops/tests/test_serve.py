import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO

import pytest

from campusvoice.ops import services
from campusvoice.ops.schedule import SCHEDULE
from campusvoice.ops.tests.conftest import ROOT, campusvoice

# Straight to the local server, whatever *_proxy variables the machine has.
http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def test_it_collects_static_files_only_when_they_are_missing_or_stale(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    assert services.static_files_stale()

    assert services.static_collect_if_stale(stdout=StringIO())
    assert not services.static_files_stale()
    assert not services.static_collect_if_stale(stdout=StringIO())

    copy = settings.STATIC_ROOT / "css" / "campusvoice.css"
    os.utime(copy, (0, 0))  # older than its source, as after a deploy of new code
    assert services.static_files_stale()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str):
    return http.open(url, timeout=10)


def wait_for(url: str, *, process: subprocess.Popen, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server stopped while starting"
        try:
            return get(url)
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def task_status(result_id: str, env: dict) -> str:
    code = f"from campusvoice.ops.tasks import ops_ping; print(ops_ping.get_result({result_id!r}).status)"
    return campusvoice("shell", "--no-imports", "-c", code, env=env).stdout.strip()


def test_it_serves_in_production_mode_with_a_task_worker_and_the_scheduler_and_stops_all_on_sigterm(
    production_env, tmp_path
):
    env = production_env | {"CAMPUSVOICE_ALLOWED_HOSTS": "127.0.0.1", "CAMPUSVOICE_HTTPS": "false"}
    assert campusvoice("migrate", "--no-input", env=env).returncode == 0
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "campusvoice",
                "serve",
                f"--bind=127.0.0.1:{port}",
                "--workers=1",
                "--with-worker",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        page = wait_for(f"http://127.0.0.1:{port}/accounts/login/", process=server).read().decode()

        # Hashed names from the manifest, served by WhiteNoise with a far-future cache header.
        stylesheet = re.search(r'href="(/static/css/campusvoice\.[0-9a-f]{12}\.css)"', page).group(1)
        response = get(f"http://127.0.0.1:{port}{stylesheet}")
        assert response.status == 200
        assert "immutable" in response.headers["Cache-Control"]

        enqueue = "from campusvoice.ops.tasks import ops_ping; print(ops_ping.enqueue('served').id)"
        result_id = campusvoice("shell", "--no-imports", "-c", enqueue, env=env).stdout.strip()
        deadline = time.monotonic() + 30
        while (status := task_status(result_id, env)) != "SUCCESSFUL" and time.monotonic() < deadline:
            time.sleep(0.5)
        assert status == "SUCCESSFUL"
        # The scheduler boots Django like the others; on a busy machine it may still be starting.
        while "Starting scheduler" not in log.read_text() and time.monotonic() < deadline + 30:
            time.sleep(0.5)
    finally:
        server.send_signal(signal.SIGTERM)
        returncode = server.wait(timeout=60)

    output = log.read_text()
    assert returncode == 0, output
    children = [
        int(pid) for pid in re.findall(r"Started (?:gunicorn|task worker|scheduler) \(pid (\d+)\)", output)
    ]
    assert len(children) == 3, output
    assert f"Scheduling {len(SCHEDULE)} periodic tasks." in output
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
