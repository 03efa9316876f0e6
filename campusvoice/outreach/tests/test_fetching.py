"""campusvoice/fetching.py: pinned connections (DNS rebinding), redirects re-checked, caps.

No test leaves this machine: a "public" address is only ever resolved, never connected to, and
the servers listen on loopback (127.0.0.2 plays a public host where a test needs one).
"""

import socket
import threading
import time
from http.server import ThreadingHTTPServer

import pytest
import urllib3.util.connection
from django.test import override_settings

from campusvoice import fetching
from campusvoice.outreach.tests.conftest import NewspaperServer

PUBLIC = "93.184.216.34"


@pytest.fixture
def connections(monkeypatch):
    """Every (host, port) the fetcher actually opened a connection to."""
    opened = []
    original = urllib3.util.connection.create_connection

    def recording(address, *args, **kwargs):
        opened.append(address)
        return original(address, *args, **kwargs)

    monkeypatch.setattr("urllib3.connection.connection.create_connection", recording)
    return opened


def _rebinding_dns(monkeypatch, *answers):
    """getaddrinfo for news.example.edu answers each of `answers` in turn, then the last forever."""
    calls = []
    original = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host != "news.example.edu":
            return original(host, port, *args, **kwargs)
        address = answers[min(len(calls), len(answers) - 1)]
        calls.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 80))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return calls


@pytest.mark.parametrize("second", ["10.0.0.5", "127.0.0.1", "169.254.169.254"])
def test_a_name_that_resolves_public_then_private_is_refused_without_connecting(
    monkeypatch, connections, second
):
    calls = _rebinding_dns(monkeypatch, PUBLIC, second)

    with pytest.raises(fetching.FetchRefused) as refused:
        fetching.fetch("http://news.example.edu/feed.xml")

    assert refused.value.reason == "private"
    assert second in str(refused.value)
    assert calls == [PUBLIC, second]  # checked once, resolved again for the connection: refused
    assert connections == []


def test_it_connects_to_the_address_it_checked_and_keeps_the_name_in_the_host_header(
    newspaper_server, monkeypatch, connections
):
    port = int(newspaper_server.rsplit(":", 1)[1])
    _rebinding_dns(monkeypatch, "127.0.0.1")

    result = fetching.fetch(f"http://news.example.edu:{port}/feed.xml")

    assert result.status == 200 and b"Consent Week" in result.content
    assert connections == [("127.0.0.1", port)]
    path, headers = NewspaperServer.requests[-1]
    assert path == "/feed.xml" and headers["Host"] == f"news.example.edu:{port}"


@pytest.fixture
def public_looking_server(monkeypatch):
    """A server on 127.0.0.2 that the policy treats as public, with loopback (127.0.0.1) refused."""
    monkeypatch.setattr(fetching, "_address_allowed", lambda address: address.strip("[]") == "127.0.0.2")
    NewspaperServer.requests = []
    server = ThreadingHTTPServer(("127.0.0.2", 0), NewspaperServer)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with override_settings(CAMPUSVOICE_FETCH_ALLOW_PRIVATE=False):
        yield f"http://127.0.0.2:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_redirect_to_loopback_is_refused_before_connecting(public_looking_server, connections):
    with pytest.raises(fetching.FetchRefused, match=r"127\.0\.0\.1") as refused:
        fetching.fetch(f"{public_looking_server}/to-loopback")

    assert refused.value.reason == "private"
    assert {host for host, _port in connections} == {"127.0.0.2"}
    assert [path for path, _headers in NewspaperServer.requests] == ["/to-loopback"]


def test_a_server_that_drips_bytes_is_cut_off_at_the_deadline(newspaper_server):
    started = time.monotonic()

    with pytest.raises(fetching.FetchError) as failed:
        fetching.fetch(f"{newspaper_server}/drip.xml", timeout=1.0)

    assert failed.value.reason == "timeout"
    assert time.monotonic() - started < 2.5  # the server would go on for 5 s


@pytest.mark.parametrize("path", ["/huge.xml", "/huge-chunked.xml", "/gzip-bomb.xml"])
def test_a_huge_response_is_cut_off_at_the_cap(newspaper_server, path):
    with pytest.raises(fetching.FetchError) as failed:
        fetching.fetch(f"{newspaper_server}{path}", max_bytes=1024 * 1024)

    assert failed.value.reason == "too_large"


def test_an_endless_redirect_loop_is_refused(newspaper_server):
    with pytest.raises(fetching.FetchRefused) as refused:
        fetching.fetch(f"{newspaper_server}/loop")

    assert refused.value.reason == "redirects"
