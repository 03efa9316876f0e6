import pytest

from campusvoice.ops.tests.test_task_queue_outage import private_redis  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def test_it_answers_ok_for_anonymous_load_balancers(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "tasks": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_when_a_check_fails(client, settings):
    settings.TASKS_BACKEND = "rq"  # Redis then counts, and nothing listens on this port
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["status"] == "fail" and response.json()["checks"]["redis"] == "fail"
    assert "127.0.0.1" not in response.content.decode()


def test_the_status_page_shows_queue_mail_and_meta_figures(client_for, settings):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from campusvoice.petitions.tests.factories import OutgoingEmailFactory

    settings.TASKS_BACKEND = "db"
    DBTaskResult.objects.create(
        status="FAILED",
        args_kwargs={"args": ["secret-arg-42"], "kwargs": {}},
        task_path="campusvoice.petitions.tasks.outgoing_email_send",
        backend_name="default",
        queue_name="default",
        run_after=timezone.now(),
        finished_at=timezone.now(),
        exception_class_path="smtplib.SMTPException",
        traceback="",
    )
    OutgoingEmailFactory(status="queued")

    response = client_for("admin").get("/privacy/status/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "outgoing_email_send" in body and "smtplib.SMTPException" in body
    assert "secret-arg-42" not in body
    assert response.context["figures"]["mail"] == {"queued": 1}
    assert response.context["figures"]["failed_count"] == 1


def test_the_status_page_shows_rqs_queue_and_its_failed_tasks(client_for, settings, private_redis):  # noqa: F811
    import redis
    from rq import Queue, SimpleWorker

    settings.TASKS_BACKEND = "rq"
    settings.REDIS_URL = private_redis.url
    connection = redis.Redis.from_url(private_redis.url)
    queue = Queue("default", connection=connection)
    queue.enqueue("builtins.int", "not a number: secret-arg-42")  # fails in the worker with ValueError
    SimpleWorker([queue], connection=connection).work(burst=True)
    queue.enqueue("builtins.int", "7")  # waiting: no worker now

    response = client_for("admin").get("/privacy/status/")

    body = response.content.decode()
    figures = response.context["figures"]
    assert figures["tasks"] == {"QUEUED": 1, "RUNNING": 0, "SCHEDULED": 0, "FAILED": 1}
    assert figures["failed_count"] == 1
    assert [(t["task_path"], t["exception_class_path"]) for t in figures["failed_tasks"]] == [
        ("builtins.int", "ValueError")
    ]
    assert "ValueError" in body and "secret-arg-42" not in body


def test_the_status_page_says_when_rqs_redis_does_not_answer(client_for, settings):
    settings.TASKS_BACKEND = "rq"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client_for("admin").get("/privacy/status/")

    assert response.status_code == 200
    assert response.context["figures"]["tasks"] is None
    assert "does not answer" in response.content.decode()
