"""`campusvoice serve --with-worker --with-fakegraph`: the demo's processes, with the live feed."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from campusvoice.ops.tests.conftest import ROOT, campusvoice
from campusvoice.ops.tests.test_serve import free_port, get, wait_for

CONNECT = """
from campusvoice.conversations.models import Channel
from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_ID, DEMO_PAGE_TOKEN
from campusvoice.integrations.meta.models import MetaConnection
from campusvoice.integrations.meta.tokens import token_encrypt
channel = Channel.objects.create(kind="facebook_page", platform_id=DEMO_PAGE_ID, name="Sandbox")
MetaConnection.objects.create(channel=channel, page_id=DEMO_PAGE_ID, page_name="Sandbox",
                              token_encrypted=token_encrypt(DEMO_PAGE_TOKEN))
"""
COUNT = "from campusvoice.conversations.models import Comment; print(Comment.objects.count())"


@pytest.fixture
def debug_env(production_env):
    env = production_env | {"CAMPUSVOICE_DEBUG": "true", "CAMPUSVOICE_ALLOWED_HOSTS": "127.0.0.1"}
    for name in ("CAMPUSVOICE_META_GRAPH_URL", "CAMPUSVOICE_META_DIALOG_URL"):
        env.pop(name, None)
    # The live feed draws its comments from the demo's public data sets.
    shared = Path(os.environ.get("CAMPUSVOICE_SHARED_DATA", ROOT.parent / "shared" / "data"))
    if not (shared / "ami2018_en").is_dir():
        pytest.skip(f"the demo's data sets are not in {shared}")
    env["CAMPUSVOICE_SHARED_DATA"] = str(shared)
    return env


def test_it_refuses_the_fake_in_production_mode(production_env):
    result = campusvoice("serve", "--with-fakegraph", env=production_env)

    assert result.returncode != 0
    assert "--with-fakegraph is for the demo and development" in result.stderr


def test_it_supervises_the_fake_whose_live_comments_reach_the_database(debug_env, tmp_path):
    env = debug_env
    assert campusvoice("migrate", "--no-input", env=env).returncode == 0
    assert campusvoice("shell", "--no-imports", "-c", CONNECT, env=env).returncode == 0
    port, fake_port = free_port(), free_port()
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
                f"--with-fakegraph={fake_port}",
                "--drip-every=0.5",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/accounts/login/", process=server)
        wait_for(f"http://127.0.0.1:{fake_port}/__fake__/state", process=server)
        deadline = time.monotonic() + 90
        count = 0
        while time.monotonic() < deadline and count < 2:
            time.sleep(1)
            count = int(campusvoice("shell", "--no-imports", "-c", COUNT, env=env).stdout.strip() or 0)
        assert count >= 2, log.read_text()  # drip -> signed webhook -> endpoint -> worker -> inbox row
        page = get(f"http://127.0.0.1:{fake_port}/__fake__/page").read().decode()
        assert "Fake Facebook: Campus Voice Sandbox" in page
        state = json.loads(get(f"http://127.0.0.1:{fake_port}/__fake__/state").read())
        assert state["comment_count"] > 24  # the demo seed's 24, plus the drip's
    finally:
        server.send_signal(signal.SIGTERM)
        returncode = server.wait(timeout=60)

    output = log.read_text()
    assert returncode == 0, output
    pattern = r"Started (?:gunicorn|task worker|scheduler|fake Graph API) \(pid (\d+)\)"
    children = [int(pid) for pid in re.findall(pattern, output)]
    assert len(children) == 4, output
    assert f"Webhooks go to http://127.0.0.1:{port}/integrations/meta/webhook/" in output
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
