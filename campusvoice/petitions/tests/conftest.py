"""Fixtures for petitions: an empty cache per test, and a real SMTP server on a free port."""

import socket
import threading
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.test import override_settings


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate-limit counters and cached counts live in the cache; tests must not share them. Nor the
    # pages a web process keeps (a primary key may repeat after a rollback on SQLite).
    from campusvoice.petitions import public_views, selectors

    cache.clear()
    public_views._PAGES.clear()
    selectors._PUBLIC.clear()
    yield
    cache.clear()
    public_views._PAGES.clear()
    selectors._PUBLIC.clear()


@dataclass
class SmtpServer:
    """aiosmtpd in a thread. `stop()` simulates an outage, `start()` brings it back on the same port."""

    port: int
    messages: list = field(default_factory=list)
    controller: object = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        with self.lock:
            self.messages.append(envelope)
        return "250 Message accepted for delivery"

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def mailers(self) -> dict:
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 5},
            }
        }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A running SMTP server, with MAILERS pointing at it for the test."""
    server = SmtpServer(port=_free_port())
    server.start()
    with override_settings(MAILERS=server.mailers):
        yield server
    server.stop()
