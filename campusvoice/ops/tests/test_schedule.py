import inspect
from io import StringIO

import pytest
from crontask import scheduler
from django.core.management import call_command
from django.tasks import Task, TaskResultStatus

from campusvoice.ops.schedule import SCHEDULE, schedule_tasks


def test_every_periodic_entry_is_a_task_that_takes_no_arguments():
    entries = schedule_tasks()

    assert len(entries) == len(SCHEDULE)
    for entry, task in entries:
        assert isinstance(task, Task), entry.task
        required = [
            p
            for p in inspect.signature(task.func).parameters.values()
            if p.default is inspect.Parameter.empty
        ]
        assert required == [], f"{entry.task} needs arguments the scheduler cannot give"


def test_the_list_shows_each_task_with_its_next_run():
    out = StringIO()
    call_command("scheduler", "--list", stdout=out)

    lines = out.getvalue().splitlines()
    assert len(lines) == len(SCHEDULE)
    assert any("retention_run" in line and "next " in line for line in lines)


@pytest.fixture
def started_scheduler(monkeypatch):
    """Run the command up to the point where the blocking scheduler would start."""
    monkeypatch.setattr(type(scheduler), "start", lambda self, *a, **k: None)
    for job in scheduler.get_jobs():
        job.remove()
    yield scheduler
    for job in scheduler.get_jobs():
        job.remove()


@pytest.mark.django_db
def test_the_scheduler_registers_each_entry_once_and_a_job_enqueues_its_task(started_scheduler, settings):
    call_command("scheduler", stdout=StringIO())
    call_command("scheduler", stdout=StringIO())  # a second start in one process adds nothing

    jobs = {job.name: job for job in started_scheduler.get_jobs()}
    names = {entry.task.rsplit(".", 1)[-1] for entry in SCHEDULE}
    assert names <= set(jobs)
    # Each job enqueues; the test settings' immediate backend runs it, so this proves the wiring.
    result = jobs["retention_run"].func()
    assert result.status == TaskResultStatus.SUCCESSFUL
