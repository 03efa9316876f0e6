import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from campusvoice.ops.gunicorn_logs import gunicorn_message_scrub
from campusvoice.ops.tests.conftest import ROOT, campusvoice

# Straight to the local server, whatever *_proxy variables the machine has.
http = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# Canaries: none may appear in anything the server writes.
PATH_TOKEN = "Zq7hK2mP9xW4vB8nR3tY6uJ1"
QUERY_TOKEN = "canary-query-5f1d"
EMAIL = "canary.signer@example.org"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raw_request(port: int, request_line: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request_line + b"\r\nHost: 127.0.0.1\r\n\r\n")
        return connection.recv(4096)


def test_it_blanks_client_addresses_request_targets_and_echoed_input_in_gunicorn_messages():
    cases = {
        "Invalid request from ip=203.0.113.9: Invalid HTTP request line: 'GET u/abc?e=x HTTP/1.1'": (
            "Invalid request from ip=[address]: Invalid HTTP request line"
        ),
        "Invalid request from ip=2001:db8::7: Invalid HTTP Version: 'EN?q=x HTTP/1.1'": (
            "Invalid request from ip=[address]: Invalid HTTP Version"
        ),
        "Invalid request from ip=10.0.0.1: Request Line is too large (8190 > 4094)": (
            "Invalid request from ip=[address]: Request Line is too large"
        ),
        "Error handling request GET /u/abc?t=1": "Error handling request",
        "GET /u/abc?t=1": "GET [path]",
        "GET http://example.org/u/abc?t=1": "GET http://example.org/[path]",
        # Its own address and socket stay readable.
        "Listening at: http://127.0.0.1:8000 (123)": "Listening at: http://127.0.0.1:8000 (123)",
        "Listening at: unix:/run/campusvoice.sock (9)": "Listening at: unix:/run/campusvoice.sock (9)",
    }
    assert {message: gunicorn_message_scrub(message) for message in cases} == cases


def test_every_line_gunicorn_writes_is_json_without_addresses_paths_or_an_access_log(
    production_env, tmp_path
):
    env = production_env | {
        "CAMPUSVOICE_ALLOWED_HOSTS": "127.0.0.1",
        "CAMPUSVOICE_HTTPS": "false",
        # Asking for an access log (as an operator might) changes nothing: it stays off.
        "GUNICORN_CMD_ARGS": "--access-logfile=- --log-level=debug",
    }
    assert campusvoice("migrate", "--no-input", env=env).returncode == 0
    port = free_port()
    stdout, stderr = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with stdout.open("w") as out, stderr.open("w") as err:
        server = subprocess.Popen(
            [sys.executable, "-m", "campusvoice", "serve", f"--bind=127.0.0.1:{port}", "--workers=1"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, stderr.read_text()
            try:
                assert http.open(f"http://127.0.0.1:{port}/health/", timeout=10).status == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.3)
        try:
            http.open(f"http://127.0.0.1:{port}/petitions/confirm/{PATH_TOKEN}/?q={QUERY_TOKEN}&e={EMAIL}")
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
        # Malformed request lines: gunicorn answers 400 itself and logs each with the client's
        # address and the part of the line it could not parse.
        for line in (
            f"GET u/{PATH_TOKEN}?q={QUERY_TOKEN} HTTP/1.1",
            f"GET /u/{PATH_TOKEN} {QUERY_TOKEN} HTTP/1.1",
        ):
            assert raw_request(port, line.encode()).startswith(b"HTTP/1.1 400")
        time.sleep(0.5)
    finally:
        server.send_signal(signal.SIGTERM)
        returncode = server.wait(timeout=60)

    assert returncode == 0, stderr.read_text()
    # stdout holds only `serve`'s own two lines before it becomes gunicorn: no access log.
    assert [line.split(" ")[0] for line in stdout.read_text().splitlines()] in (
        ["Serving"],
        ["Collecting", "Serving"],
    )
    records = [json.loads(line) for line in stderr.read_text().splitlines() if line.strip()]
    gunicorn = [record for record in records if record["logger"].startswith("gunicorn")]
    messages = [record["message"] for record in gunicorn]
    for start in ("Starting gunicorn", "Booting worker", "Handling signal: term", "Shutting down: Master"):
        assert any(message.startswith(start) for message in messages), (start, messages)
    assert all({"timestamp", "level", "request_id"} <= set(record) for record in gunicorn)
    invalid = [record["message"] for record in gunicorn if record["message"].startswith("Invalid request")]
    assert invalid == [
        "Invalid request from ip=[address]: Invalid HTTP request line",
        "Invalid request from ip=[address]: Invalid HTTP Version",
    ]
    # --log-level=debug logs each request's method and path: the path is blanked.
    assert "GET [path]" in messages
    written = stdout.read_text() + stderr.read_text()
    for canary in (PATH_TOKEN, QUERY_TOKEN, EMAIL, "ip=127.0.0.1"):
        assert canary not in written
