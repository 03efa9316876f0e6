"""Redis as the task queue (CAMPUSVOICE_TASKS_BACKEND=rq) goes away: nothing acknowledged is lost.

Found by `python -m bench faults` (rq; docs/security.md, "Fault tests"): a signature committed and
then answered 500 because its e-mail could not be enqueued, and the rq worker quit, which stopped
`campusvoice serve --with-worker` altogether.
"""

import contextlib
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from rq.exceptions import StopRequested
from rq.worker import Worker as RQWorker

from campusvoice.ops.rqworker import Worker
from campusvoice.petitions.models import OutgoingEmail, Signature
from campusvoice.petitions.services.mail import outgoing_emails_send_due
from campusvoice.petitions.tests.factories import PetitionFactory


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rq_settings(url: str) -> dict:
    return {
        "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
        "RQ_QUEUES": {"default": {"URL": url}},
        "REDIS_URL": url,
    }


@pytest.fixture
def queue_down():
    """The rq backend, its Redis a port where nothing listens."""
    with override_settings(**rq_settings(f"redis://127.0.0.1:{_free_port()}/0")):
        yield


@pytest.mark.django_db
def test_a_signature_is_acknowledged_and_its_mail_sent_by_the_sweep_while_the_queue_is_down(
    client, mailoutbox, queue_down, django_capture_on_commit_callbacks
):
    petition = PetitionFactory()
    url = reverse("petitions_public:petition", kwargs={"lang": "en", "slug": petition.slug})

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            url, {"name": "Anna", "email": "anna@example.org", "consent": "on"}, REMOTE_ADDR="203.0.113.5"
        )

    assert callbacks, "the e-mail's enqueue did not even run: the test proves nothing"
    assert response.status_code == 302 and "/thanks/" in response["Location"]
    assert Signature.objects.filter(petition=petition).count() == 1
    (email,) = OutgoingEmail.objects.all()
    assert email.status == OutgoingEmail.Status.QUEUED and mailoutbox == []
    # The minute's sweep (run by the scheduler once Redis is back) sends it, once.
    assert outgoing_emails_send_due()["sent"] == 1
    assert outgoing_emails_send_due()["sent"] == 0
    assert [m.to for m in mailoutbox] == [["anna@example.org"]]


class PrivateRedis:
    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        argv = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)  # noqa: S603 - our own argv
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis():
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.mark.django_db
def test_the_rq_worker_waits_for_redis_and_stops_only_when_asked(
    private_redis, monkeypatch, capsys, signals_kept
):
    runs = []

    def work(worker, **options):
        # rq's own loop, reduced to what matters: it returns when Redis goes away, or when a
        # signal asked it to stop (rq's request_stop, as SIGTERM would call it).
        runs.append(worker.connection.ping())
        if len(runs) == 1:
            private_redis.stop()
            threading.Timer(1.0, private_redis.start).start()
            return False
        with contextlib.suppress(StopRequested):  # rq's loop catches it, too
            worker.request_stop(signal.SIGTERM, None)
        return False

    monkeypatch.setattr(RQWorker, "work", work)
    with override_settings(**rq_settings(private_redis.url)):
        call_command("worker")

    assert runs == [True, True]  # started again once Redis was back, then stopped as asked
    assert Worker.stop_requested
    err = capsys.readouterr().err
    assert "Redis is unreachable; waiting for it." in err and "Redis is back" in err


@pytest.mark.django_db
def test_the_rq_worker_stops_at_once_when_asked_with_redis_up(private_redis, monkeypatch, signals_kept):
    runs = []

    def work(worker, **options):
        runs.append(1)
        with contextlib.suppress(StopRequested):  # rq's loop catches it, too
            worker.request_stop(signal.SIGTERM, None)
        return False

    monkeypatch.setattr(RQWorker, "work", work)
    with override_settings(**rq_settings(private_redis.url)):
        call_command("worker")

    assert runs == [1]
